"""The wire between host and emulated modem: line rate, port presence, open/close.

Both front ends (the pty bridge and the `simmodem://` pyserial URL) move bytes
through one of these, so a slow link or a vanished port looks the same to any
program.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from mmsua.sim.modem.machine import ModemMachine


class PortGone(OSError):
    """The device node is gone (USB unplug, re-enumeration)."""


# A piece that starts this soon after the one before continues its burst: the wait's
# overshoot (a sleep wakes late) is not idle line time, as a UART's FIFO keeps clocking.
BURST_SLACK = 0.002


class Throttle:
    """Paces bytes to `rate` bytes per second (None = as fast as the host can take).

    `clock` and `sleep` are the time source and the wait; tests give a virtual pair
    to see the pacing exactly, without timing anything. Idle time is never credit,
    but a sleep's overshoot within a burst is not lost either (BURST_SLACK).
    """

    def __init__(self, rate: float | None, *, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = rate
        self._clock = clock
        self._sleep = sleep
        self._free_at = 0.0
        self._lock = threading.Lock()

    def pace(self, n: int) -> None:
        if not self.rate or n <= 0:
            return
        with self._lock:
            now = self._clock()
            start = self._free_at if now - self._free_at < BURST_SLACK else now
            self._free_at = start + n / self.rate
            wait = self._free_at - now
        if wait > 0:
            self._sleep(wait)

    def chunk(self) -> int:
        """Largest piece to move at once so bytes trickle rather than arrive in bursts: about
        1 ms of line time, so the start of an answer (a +QIRD: byte count) reaches the host
        while the rest is still on the wire, as on a UART, and the host can answer it."""
        return 65536 if not self.rate else max(1, int(self.rate // 1000))


class ModemLine:
    def __init__(self, modem: ModemMachine, line_rate: float | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.modem = modem
        self.rx = Throttle(line_rate, clock=clock, sleep=sleep)  # modem -> host
        self.tx = Throttle(line_rate, clock=clock, sleep=sleep)  # host -> modem
        self.present = True
        self.opened = 0
        self._watchers: list[Callable[[bool], None]] = []

    @property
    def line_rate(self) -> float | None:
        return self.rx.rate

    def on_presence(self, fn: Callable[[bool], None]) -> None:
        self._watchers.append(fn)

    def open(self) -> None:
        if not self.present:
            raise PortGone("the modem's port is not there")
        self.opened += 1
        self.modem.outbox.clear()  # what the modem said while nobody listened is lost

    def close(self) -> None:
        self.opened = max(0, self.opened - 1)

    def write(self, data: bytes) -> int:
        if not self.present:
            raise PortGone("the modem's port vanished")
        step = self.tx.chunk()
        for i in range(0, len(data), step):
            piece = data[i : i + step]
            self.tx.pace(len(piece))
            self.modem.receive(piece)
        return len(data)

    def read(self, limit: int, timeout: float | None) -> bytes:
        """Up to `limit` bytes, waiting up to `timeout` for the first."""
        if not self.present:
            raise PortGone("the modem's port vanished")
        data = self.modem.outbox.get(min(limit, self.rx.chunk()), timeout)
        self.rx.pace(len(data))
        return data

    def read_unclaimed(self, limit: int, timeout: float | None) -> bytes:
        """As :meth:`read`, for the pty bridge: nothing while a simmodem:// client holds
        the port, checked when the bytes are taken (not before waiting), so an answer
        to the client's first command never goes to the pty instead."""
        if not self.present:
            raise PortGone("the modem's port vanished")
        data = self.modem.outbox.get(min(limit, self.rx.chunk()), timeout, allowed=lambda: not self.opened)
        self.rx.pace(len(data))
        return data

    def vanish(self) -> None:
        """Fault: the device node disappears, as on a USB unplug."""
        self.present = False
        self.modem.outbox.put(b"")  # wake readers
        for fn in list(self._watchers):
            fn(False)

    def reappear(self) -> None:
        self.present = True
        for fn in list(self._watchers):
            fn(True)
