"""The runner: carries out the transactions against the store, the MMSC and the modem.

:class:`Engine` is assembled from one module per job: :mod:`.receive_path` (SMS and
pushes into the store, on the caller's thread), :mod:`.retrieve_path` (fetching
notified messages, answers owed to the MMSC), :mod:`.send_path` (the outbox) and
:mod:`.task_worker` (the thread that runs durable tasks when due, retries, events).
This module holds what they share: the state, the identity, and the protocols the
driver side implements.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

from mmsua.codec.reassembly import PushReassembler
from mmsua.engine.addresses import Country, country_for, normalize, participants
from mmsua.engine.carrier_http import CarrierHttp
from mmsua.engine.receive_path import ReceivePath
from mmsua.engine.retrieve_path import RetrievePath
from mmsua.engine.send_path import SendPath
from mmsua.engine.settings import AgentSettings
from mmsua.engine.task_worker import TaskWorker
from mmsua.store import Store
from mmsua.store.records import Message

if TYPE_CHECKING:
    import requests

log = logging.getLogger(__name__)

OWN_NUMBER_KEY = "own_number"
Emit = Callable[[str, Message], None]  # a message event and the store's record of it (the agent makes the API shape)


class SmsPort(Protocol):
    """What the engine needs of the driver's SmsService."""

    def send_pdu(self, pdu_hex: str, tpdu_length: int) -> int: ...


class DataPath(Protocol):
    """The MMS bearer: a session that reaches the MMSC, brought up on demand."""

    def session(self) -> requests.Session: ...

    def release(self) -> None: ...

    def available(self) -> bool: ...


class DirectDataPath:
    """The host's own network (tests on loopback, or an already-up interface)."""

    def session(self) -> requests.Session:
        import requests  # loaded at the first exchange, not with the engine

        return requests.Session()

    def release(self) -> None:
        pass

    def available(self) -> bool:
        return True


class Engine(ReceivePath, RetrievePath, SendPath, TaskWorker):
    def __init__(
        self,
        store: Store,
        settings: AgentSettings,
        *,
        data_path: DataPath | None = None,
        sms: SmsPort | None = None,
        emit: Emit | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self.data_path = data_path
        self.sms = sms
        self.emit: Emit = emit or (lambda event, data: None)
        self.clock = clock
        self.roaming = False
        self.mcc: str | None = None
        self.http = CarrierHttp(settings, data_path.session if data_path else None)
        self._reassembler = PushReassembler(timeout=settings.segment_timeout)
        self._segments: dict[tuple[Any, ...], list[int]] = {}  # concat key -> kept SMS ids
        self._receive_lock = threading.Lock()
        self._wake = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._bearer_up = False
        self._last_exchange = 0.0  # time.monotonic() at the end of the last HTTP exchange
        self._next_prune = 0.0

    # -- identity --------------------------------------------------------------

    @property
    def country(self) -> Country | None:
        return country_for(self.settings.country_code or None, self.mcc)

    @property
    def own_number(self) -> str | None:
        number = self.settings.own_number or self.store.get_learned(OWN_NUMBER_KEY)
        return normalize(number, self.country) if number else None

    def learn_own_number(self, number: str | None) -> None:
        """From the SIM (AT+CNUM) or the network; the setting always wins."""
        if number and not self.settings.own_number and not self.store.get_learned(OWN_NUMBER_KEY):
            self.store.set_learned(OWN_NUMBER_KEY, normalize(number, self.country))
            log.info("own number learnt: %s", number)

    def _people(self, addresses: Iterable[str | None]) -> list[str]:
        return participants(addresses, self.own_number, self.country)

    def _norm(self, address: str | None) -> str | None:
        return normalize(address, self.country) if address else None


__all__ = ["Engine", "DataPath", "DirectDataPath", "SmsPort"]
