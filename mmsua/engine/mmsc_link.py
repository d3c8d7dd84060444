"""The engine's way to the MMSC: the data path, the carrier HTTP client over it, and
the MMS context held up between exchanges for a grace period, then released."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from mmsua.addresses import Country
from mmsua.engine.carrier_http import CarrierHttp
from mmsua.engine.interfaces import DataPath
from mmsua.engine.settings import AgentSettings

log = logging.getLogger(__name__)


class MmscLink:
    def __init__(self, settings: AgentSettings, data_path: DataPath | None,
                 subscriber: Callable[[], tuple[str | None, Country | None]] | None = None) -> None:
        self._settings = settings
        self._subscriber = subscriber
        self.data_path = data_path
        self.http = self._client()
        self._bearer_up = False
        self._last_exchange = 0.0  # time.monotonic() at the end of the last HTTP exchange
        # Exchanges in flight: the receiving and sending queues share the link, and
        # one's idle release must not take the data path from under the other.
        self._active = 0
        self._retired: list[CarrierHttp] = []  # clients replaced by new settings while an exchange used them
        self._lock = threading.Lock()

    def _client(self) -> CarrierHttp:
        return CarrierHttp(self._settings, self.data_path.session if self.data_path else None, self._subscriber)

    def set_data_path(self, data_path: DataPath | None) -> None:
        """The bearer came up (or went away): the old one is released first."""
        self.release(force=True)
        self.http.close()
        self.data_path = data_path
        self.http = self._client()

    def use_settings(self, settings: AgentSettings) -> None:
        """New carrier settings for the next exchange (the bearer stays as it is). An exchange
        in flight finishes on the old client (closing it would cut the exchange short: the
        carrier's rules often arrive while the first retrieval runs); it is closed after."""
        with self._lock:
            self._settings = settings
            old, self.http = self.http, self._client()
            if self._active:
                self._retired.append(old)
                return
        old.close()

    def available(self) -> bool:
        """A data path exists and could come up now (whoever changes that wakes the worker)."""
        if self.data_path is None:
            return False
        try:
            return bool(self.data_path.available())
        except Exception:
            return False

    def exchange(self, call: Callable[[CarrierHttp], bytes]) -> bytes:
        """One HTTP exchange; the idle grace counts from its end. CarrierHttpError passes through."""
        with self._lock:
            self._bearer_up = True
            self._active += 1
            self._last_exchange = time.monotonic()
            http = self.http
        try:
            return call(http)
        finally:
            with self._lock:
                self._active -= 1
                self._last_exchange = time.monotonic()
                retired = self._retired if not self._active else []
                if retired:
                    self._retired = []
            for client in retired:
                client.close()

    def linger(self) -> float:
        """Seconds the context may stay up yet (0: release it now)."""
        if not self._bearer_up or not self.available():
            return 0.0
        grace = self._settings.context_idle_grace
        with self._lock:
            if self._active:  # in use: look again a grace period from now at the latest
                return max(grace, 0.05)
            return max(0.0, self._last_exchange + grace - time.monotonic())

    def release(self, force: bool = False) -> None:
        """Give the MMS context back, if an exchange brought it up and none is in flight
        (``force``: even then; a stop or a new data path ends the exchange this way)."""
        with self._lock:  # held throughout: no exchange starts on a data path being released
            if (self._active and not force) or not self._bearer_up:
                return
            self.http.close()
            if force:  # a stop or a new data path ends the exchanges still on older settings too
                for client in self._retired:
                    client.close()
                self._retired = []
            if self.data_path is not None:
                try:
                    self.data_path.release()
                except Exception as exc:  # the modem may be gone; nothing to give back then
                    log.warning("releasing the MMS data path: %s", exc)
            self._bearer_up = False
