"""`serial.serial_for_url("simmodem://NAME")`: a port onto the in-process emulated modem NAME.

Behaves as a serial port does: reads honour `timeout`, writes go through the
line rate, a vanished modem raises SerialException, and nothing the modem said
before the port was opened is seen.
"""

from __future__ import annotations

import time
import urllib.parse

from serial.serialutil import PortNotOpenError, SerialException

from mmsua.drivers.urlhandler.base import VirtualPort
from mmsua.sim import registry
from mmsua.sim.modem.line import ModemLine, PortGone


class Serial(VirtualPort):
    carrier_detect = False
    BAUDRATES = (9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)

    def __init__(self, *args, **kwargs) -> None:
        self._line: ModemLine | None = None
        self._cancelled = False
        super().__init__(*args, **kwargs)

    def _open_url(self, url: str) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "simmodem" or not parts.netloc:
            raise SerialException(f"expected simmodem://NAME, got {url!r}")
        line = registry.lookup(parts.netloc)
        if line is None:
            raise SerialException(f"no emulated modem named {parts.netloc!r} (known: {', '.join(registry.names()) or 'none'})")
        try:
            line.open()
        except PortGone as exc:
            raise SerialException(f"could not open port {url}: {exc}") from exc
        self._line = line

    def close(self) -> None:
        if self.is_open and self._line is not None:
            self._line.close()
        self.is_open = False
        self._line = None

    def _check_open(self) -> None:
        self._need()

    def _need(self) -> ModemLine:
        if not self.is_open or self._line is None:
            raise PortNotOpenError()
        return self._line

    @property
    def in_waiting(self) -> int:
        line = self._need()
        if not line.present:
            raise SerialException("device reports readiness to read but returned no data (device disconnected?)")
        return len(line.modem.outbox)

    def read(self, size: int = 1) -> bytes:
        line = self._need()
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        data = bytearray()
        self._cancelled = False
        while len(data) < size and not self._cancelled:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                piece = line.read(size - len(data), min(left, 0.05) if left is not None else 0.05)
            except PortGone as exc:
                raise SerialException(f"device disconnected: {exc}") from exc
            data += piece
            if deadline is not None and time.monotonic() >= deadline:
                break
            if self._timeout == 0:
                break
        return bytes(data)

    def write(self, data) -> int:
        line = self._need()
        try:
            return line.write(bytes(data))
        except PortGone as exc:
            raise SerialException(f"write failed: {exc}") from exc

    def flush(self) -> None:
        self._need()

    def reset_input_buffer(self) -> None:
        self._need().modem.outbox.clear()

    def cancel_read(self) -> None:
        self._cancelled = True
