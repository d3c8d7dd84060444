"""The engine's way to the MMSC: the data path, the carrier HTTP client over it, and
the MMS context held up between exchanges for a grace period, then released."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from mmsua.engine.carrier_http import CarrierHttp
from mmsua.engine.interfaces import DataPath
from mmsua.engine.settings import AgentSettings

log = logging.getLogger(__name__)


class MmscLink:
    def __init__(self, settings: AgentSettings, data_path: DataPath | None) -> None:
        self._settings = settings
        self.data_path = data_path
        self.http = self._client()
        self._bearer_up = False
        self._last_exchange = 0.0  # time.monotonic() at the end of the last HTTP exchange

    def _client(self) -> CarrierHttp:
        return CarrierHttp(self._settings, self.data_path.session if self.data_path else None)

    def set_data_path(self, data_path: DataPath | None) -> None:
        """The bearer came up (or went away): the old one is released first."""
        self.release()
        self.http.close()
        self.data_path = data_path
        self.http = self._client()

    def use_settings(self, settings: AgentSettings) -> None:
        """New carrier settings for the next exchange (the bearer stays as it is)."""
        self._settings = settings
        self.http.close()
        self.http = self._client()

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
        self._bearer_up = True
        self._last_exchange = time.monotonic()
        try:
            return call(self.http)
        finally:
            self._last_exchange = time.monotonic()

    def linger(self) -> float:
        """Seconds the context may stay up yet (0: release it now)."""
        if not self._bearer_up or not self.available():
            return 0.0
        return max(0.0, self._last_exchange + self._settings.context_idle_grace - time.monotonic())

    def release(self) -> None:
        """Give the MMS context back, if an exchange brought it up."""
        if self._bearer_up:
            self.http.close()
            if self.data_path is not None:
                try:
                    self.data_path.release()
                except Exception as exc:  # the modem may be gone; nothing to give back then
                    log.warning("releasing the MMS data path: %s", exc)
            self._bearer_up = False
