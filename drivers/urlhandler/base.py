"""What every pyserial URL handler of mmsua shares: opening by URL, and the stub UART.

pyserial's ``serial_for_url`` builds a handler's ``Serial`` class and calls ``open()``.
:class:`UrlPort` holds the checks every ``open()`` makes and hands the URL to
``_open_url``; :class:`VirtualPort` adds what a port with no UART behind it answers
(replay://, the simulator's simmodem://): nothing to configure, nothing waiting to
go out, fixed modem-control lines. record:// forwards those to its real port instead.
"""

from __future__ import annotations

from typing import ClassVar

from serial.serialutil import SerialBase, SerialException


class UrlPort(SerialBase):  # type: ignore[misc]  # pyserial ships no type information
    """A pyserial port opened from its URL by :meth:`_open_url`."""

    is_open: bool  # SerialBase's; declared for the type checker (pyserial has no types)

    def open(self) -> None:
        if self.is_open:
            raise SerialException("Port is already open.")
        if self._port is None:
            raise SerialException("Port must be configured before it can be used.")
        self._open_url(str(self._port))
        self.is_open = True

    def _open_url(self, url: str) -> None:
        """Connect to what ``url`` names; raise SerialException when it cannot be opened."""
        raise NotImplementedError

    def from_url(self, url: str) -> str:
        return url


class VirtualPort(UrlPort):
    """A port whose other end is software: settings and modem-control lines mean nothing."""

    carrier_detect: ClassVar[bool] = True  # what ``cd`` says (the simulator's line has no carrier)

    def _reconfigure_port(self, *args: object, **kwargs: object) -> None:
        """Baud rate and framing do not matter on this wire (as on USB CDC ports)."""

    def reset_output_buffer(self) -> None:
        self._check_open()

    def _check_open(self) -> None:
        """Raise as a closed (or vanished) port does; the handlers say when."""

    @property
    def out_waiting(self) -> int:
        return 0

    def _update_break_state(self) -> None:
        pass

    def _update_rts_state(self) -> None:
        pass

    def _update_dtr_state(self) -> None:
        pass

    @property
    def cts(self) -> bool:
        return True

    @property
    def dsr(self) -> bool:
        return True

    @property
    def ri(self) -> bool:
        return False

    @property
    def cd(self) -> bool:
        return self.carrier_detect
