"""The runner: carries out the transactions against the store, the MMSC and the modem.

:class:`Engine` builds its parts, each given what it uses and nothing else:

- :class:`.handset.Handset` (own number, country, roaming),
- :class:`.publisher.Publisher` (a message's events, read from the store),
- :class:`.contact_book.ContactBook` (names for numbers, from the configured vCards),
- :class:`.mmsc_link.MmscLink` (data path, carrier HTTP, the context's idle release),
- :class:`.receive_path.ReceivePath` (SMS and pushes into the store, on the caller's thread),
- :class:`.send_path.Outbox` (queueing) and :class:`.send_path.SendPath` (the send tasks),
- :class:`.retries.Retries` (a failed step tried again or given up),
- :class:`.retrieve_path.RetrievePath` (retrieval, answers owed to the MMSC),
- :class:`.task_worker.TaskWorker` (the thread that runs durable tasks when due),
  woken through :class:`.wakeup.Wakeup`.

Its methods are what the agent and the modem link call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from mmsua.addresses import Country
from mmsua.engine.carrier_http import CarrierHttp
from mmsua.engine.compose import SendRequest
from mmsua.engine.contact_book import ContactBook
from mmsua.engine.handset import Handset
from mmsua.engine.interfaces import DataPath, DirectDataPath, Emit, SmsPort
from mmsua.engine.mmsc_link import MmscLink
from mmsua.engine.publisher import Publisher
from mmsua.engine.receive_path import ReceivePath
from mmsua.engine.retries import Retries
from mmsua.engine.retrieve_path import RetrievePath
from mmsua.engine.send_path import Outbox, SendPath
from mmsua.engine.settings import AgentSettings
from mmsua.engine.task_worker import TaskWorker
from mmsua.engine.wakeup import Wakeup
from mmsua.store import ModemScope, PartData, Store, Task


class Engine:
    def __init__(
        self,
        store: Store,
        settings: AgentSettings,
        *,
        data_path: DataPath | None = None,
        sms: SmsPort | None = None,
        emit: Emit | None = None,
        clock: Callable[[], float] = time.time,
        after_work: Callable[[], None] | None = None,
        modem: ModemScope | None = None,
    ) -> None:
        """``after_work``: see TaskWorker. ``modem``: which of the daemon's modems this engine
        drives (its share of the shared store; None: the only one)."""
        self.store = store
        self.clock = clock
        self._settings = settings
        current = self._current_settings
        self.wakeup = Wakeup()
        self.handset = Handset(store, current, modem)
        self.publisher = Publisher(store, emit or (lambda event, data: None))
        self.link = MmscLink(settings, data_path, lambda: (self.handset.own_number, self.handset.country))
        self.contacts = ContactBook(lambda: self._settings.contacts_path)
        # Held from handing an SMS segment to the modem until its TP-MR is stored, and while
        # a status report is matched: a report the SMSC sends at once is never unmatched.
        sms_references = threading.Lock()
        self.receiver = ReceivePath(store, self.handset, current, clock, self.publisher, self.wakeup.ring,
                                    self.contacts.knows, sms_references=sms_references)
        self.outbox = Outbox(store, self.handset, current, self.wakeup.ring)
        self.retries = Retries(store, current, clock, self.link, self.publisher, self.outbox.sms_fallback)
        self.retriever = RetrievePath(store, self.handset, current, clock, self.publisher, self.retries)
        self.sender = SendPath(store, clock, self.publisher, self.retries, self.outbox, sms,
                               sms_references=sms_references)
        handlers: dict[str, Callable[[Task], None]] = {
            "retrieve": self.retriever.retrieve,
            "notify_resp": self.retriever.respond,
            "acknowledge": self.retriever.respond,
            "read_report": self.retriever.read_report,
            "send": self.sender.send,
            "send_sms": self.sender.send_sms,
        }
        self.worker = TaskWorker(store, clock, self.link, self.receiver, self.retries, handlers, self.wakeup,
                                 after_work=after_work, modem=modem)

    def _current_settings(self) -> AgentSettings:
        return self._settings

    # -- settings, data path, SMS port --------------------------------------------

    @property
    def settings(self) -> AgentSettings:
        return self._settings

    def update_settings(self, settings: AgentSettings) -> None:
        """New carrier settings (from provisioning) for the next network steps."""
        self._settings = settings
        self.link.use_settings(settings)

    @property
    def data_path(self) -> DataPath | None:
        return self.link.data_path

    def set_data_path(self, data_path: DataPath | None) -> None:
        """The bearer came up (or went away); network tasks run only with one."""
        self.link.set_data_path(data_path)
        self.wake()

    @property
    def http(self) -> CarrierHttp:
        return self.link.http

    @property
    def sms(self) -> SmsPort | None:
        return self.sender.sms

    @sms.setter
    def sms(self, port: SmsPort | None) -> None:
        self.sender.sms = port

    # -- identity --------------------------------------------------------------

    @property
    def modem(self) -> str:
        """This engine's modem's name ("modem" when the daemon drives only one)."""
        return self.handset.modem.name

    @property
    def country(self) -> Country | None:
        return self.handset.country

    @property
    def own_number(self) -> str | None:
        return self.handset.own_number

    def learn_own_number(self, number: str | None) -> None:
        self.handset.learn_own_number(number)

    # -- the worker ---------------------------------------------------------------

    def start(self) -> None:
        self.worker.start()

    def request_stop(self) -> None:
        self.worker.request_stop()

    def stop(self, timeout: float = 10.0) -> None:
        self.worker.stop(timeout)

    def wake(self) -> None:
        self.wakeup.ring()

    def resume(self) -> None:
        self.worker.resume()

    def prune_kept_sms(self) -> int:
        return self.worker.prune_kept_sms()

    def run_due(self) -> bool:
        return self.worker.run_due()

    def run_task(self, task: Task) -> None:
        self.worker.run_task(task)

    # -- receiving -----------------------------------------------------------------

    def receive_sms(self, pdu_hex: str, tpdu_length: int | None, storage: str | None = None,
                    index: int | None = None) -> int:
        """Keep an SMS durably and process it. Once this returns, the modem may delete it."""
        return self.receiver.receive_sms(pdu_hex, tpdu_length, storage, index)

    def receive_text(self, originator: str, text: str, date: float | None) -> int:
        """A text SMS a driver already decoded and joined; kept once this returns."""
        return self.receiver.receive_text(originator, text, date)

    def receive_status(self, message_reference: int, recipient: str | None, outcome: str) -> bool:
        """A status report a driver already decoded (outcome: delivered, pending, or a failure);
        False when it names no SMS mmsua sent (nothing is kept then)."""
        return self.receiver.receive_status(message_reference, recipient, outcome)

    def receive_push(self, data: bytes, *, sms_ids: Iterable[int] = ()) -> int | None:
        return self.receiver.receive_push(data, sms_ids=sms_ids)

    def check_fetch(self, message_id: int, *, trust: bool = False) -> None:
        """Before a user's fetch: FetchRefused for an untrusted notification without ``trust``."""
        self.retriever.check_fetch(message_id, trust=trust)

    # -- sending ---------------------------------------------------------------------

    def queue_mms(self, *, to: list[str], cc: list[str], bcc: list[str], subject: str | None,
                  parts: list[PartData], text: str, delivery_report: bool, read_report: bool,
                  priority: str | None = None, wake: bool = True) -> int:
        return self.outbox.queue_mms(to=to, cc=cc, bcc=bcc, subject=subject, parts=parts, text=text,
                                     delivery_report=delivery_report, read_report=read_report,
                                     priority=priority, wake=wake)

    def queue_sms(self, *, to: list[str], text: str, delivery_report: bool, participants_of: list[str] | None = None,
                  wake: bool = True) -> int:
        return self.outbox.queue_sms(to=to, text=text, delivery_report=delivery_report,
                                     participants_of=participants_of, wake=wake)

    def resend_as_sms(self, message_id: int, wake: bool = True) -> int:
        return self.outbox.resend_as_sms(message_id, wake=wake)

    def send_request_for(self, message_id: int) -> tuple[SendRequest, list[PartData]]:
        return self.outbox.send_request_for(message_id)


__all__ = ["Engine", "DataPath", "DirectDataPath", "SmsPort"]
