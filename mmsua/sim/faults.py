"""Faults the simulated MMSC (and the modem, via the carrier) produce on demand.

Each MMSC fault is armed for the next `times` matching requests, then clears.
`method` limits it to GET (retrievals) or POST (sends and reports).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

KINDS = ("status", "slow", "reset", "truncate", "content_type", "send_conf_status")


@dataclass(slots=True)
class Fault:
    kind: str
    value: float | int | str | threading.Event | None = None
    method: str | None = None
    times: int = 1

    def code(self, default: int) -> int:
        """The number the fault carries (an HTTP status, a Response-Status), or `default`."""
        if isinstance(self.value, int | float) and self.value:
            return int(self.value)
        return default


class MmscFaults:
    def __init__(self) -> None:
        self._armed: list[Fault] = []
        self._lock = threading.Lock()
        self.fired: list[Fault] = []

    def _arm(self, fault: Fault) -> None:
        if fault.kind not in KINDS:
            raise ValueError(f"unknown fault {fault.kind!r}")
        with self._lock:
            self._armed.append(fault)

    def http_status(self, code: int = 500, *, method: str | None = None, times: int = 1) -> None:
        """Answer with a bare HTTP error (500, 503, ...)."""
        self._arm(Fault("status", code, method, times))

    def slow(self, seconds: float, *, method: str | None = None, times: int = 1) -> None:
        """Answer only after `seconds` (past the client's timeout)."""
        self._arm(Fault("slow", seconds, method, times))

    def hold(self, *, method: str | None = None, times: int = 1) -> threading.Event:
        """Answer only once the returned event is set (a test's window that no load can close)."""
        release = threading.Event()
        self._arm(Fault("slow", release, method, times))
        return release

    def reset_mid_body(self, *, method: str | None = None, times: int = 1) -> None:
        """Send the headers and half the body, then reset the connection (TCP RST)."""
        self._arm(Fault("reset", None, method, times))

    def truncate_body(self, *, method: str | None = None, times: int = 1) -> None:
        """Promise the whole body in Content-Length, send half, close cleanly."""
        self._arm(Fault("truncate", None, method, times))

    def wrong_content_type(self, content_type: str = "text/html", *, method: str | None = None, times: int = 1) -> None:
        self._arm(Fault("content_type", content_type, method, times))

    def send_conf_status(self, response_status: int, *, times: int = 1) -> None:
        """Refuse the next M-Send.req with this Response-Status (e.g. 0xC0, 0xE1...)."""
        self._arm(Fault("send_conf_status", response_status, "POST", times))

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def take(self, method: str, *, kinds: tuple[str, ...] = KINDS) -> Fault | None:
        """The next armed fault for this request, used up by one."""
        with self._lock:
            for fault in self._armed:
                if fault.kind in kinds and fault.method in (None, method):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._armed.remove(fault)
                    self.fired.append(fault)
                    return fault
        return None
