"""pyserial URL handler ``record://PORT?out=FILE``: a real port that writes a transcript.

``PORT`` is anything ``serial_for_url`` opens (``/dev/ttyUSB2``,
``socket://host:port``...). Everything the host writes and the modem sends is
written to FILE in the hw_fixtures transcript format (with ``@`` timing lines),
like pyserial's ``spy://`` but replayable with ``replay://FILE``. Extra query
options: ``timing=0`` (no ``@`` lines), ``source=TEXT`` (the provenance header).
"""

from __future__ import annotations

import datetime as _dt
import urllib.parse
from typing import Protocol, TextIO

import serial
from serial.serialutil import PortNotOpenError, SerialException

from ..transcript import TranscriptWriter
from .base import UrlPort


class _Port(Protocol):
    """What the recorder uses of the port it wraps (pyserial has no types of its own)."""

    timeout: float | None
    write_timeout: float | None
    baudrate: int
    break_condition: bool
    rts: bool
    dtr: bool

    @property
    def in_waiting(self) -> int: ...

    @property
    def out_waiting(self) -> int: ...

    @property
    def cts(self) -> bool: ...

    @property
    def dsr(self) -> bool: ...

    @property
    def ri(self) -> bool: ...

    @property
    def cd(self) -> bool: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def reset_input_buffer(self) -> None: ...

    def reset_output_buffer(self) -> None: ...

    def flush(self) -> None: ...

    def close(self) -> None: ...


def split_record_url(url: str) -> tuple[str, dict[str, str]]:
    """(inner port URL, record options) of ``record://PORT?out=FILE[&...]``."""
    if not url.lower().startswith("record://"):
        raise SerialException(f"expected a record:// URL, got {url!r}")
    rest = url[len("record://") :]
    inner, sep, query = rest.rpartition("?")
    options = dict(urllib.parse.parse_qsl(query, keep_blank_values=True)) if sep else {}
    if not sep or "out" not in options:
        raise SerialException("record:// needs ?out=FILE: record:///dev/ttyUSB2?out=session.txt")
    return inner, options


class Serial(UrlPort):
    """Forwards to the inner port and records both directions."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._inner: _Port | None = None
        self._writer: TranscriptWriter | None = None
        self._file: TextIO | None = None
        super().__init__(*args, **kwargs)

    def _open_url(self, url: str) -> None:
        inner_url, options = split_record_url(url)
        self._inner = serial.serial_for_url(
            inner_url, baudrate=self._baudrate, rtscts=self._rtscts, timeout=self._timeout
        )
        try:
            self._file = open(options["out"], "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        except OSError as exc:
            self._inner.close()
            raise SerialException(f"cannot write {options['out']}: {exc}") from exc
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        header = {
            "source": options.get("source") or f"recorded with mmsua record on {stamp}",
            "port": inner_url,
        }
        self._writer = TranscriptWriter(self._file, header, timing=options.get("timing", "1") != "0")

    def close(self) -> None:
        self.is_open = False
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._inner is not None:
            try:
                self._inner.close()
            finally:
                self._inner = None

    def _reconfigure_port(self) -> None:
        if self._inner is not None:
            self._inner.timeout = self._timeout
            self._inner.write_timeout = self._write_timeout
            self._inner.baudrate = self._baudrate

    def _io(self) -> _Port:
        if not self.is_open or self._inner is None:
            raise PortNotOpenError()
        return self._inner

    @property
    def in_waiting(self) -> int:
        return self._io().in_waiting

    def read(self, size: int = 1) -> bytes:
        try:
            data = self._io().read(size)
        except SerialException:
            if self._writer is not None:
                self._writer.unplug()
            raise
        if data and self._writer is not None:
            self._writer.modem(data)
        return data

    def write(self, data: bytes) -> int | None:
        data = bytes(data)
        if self._writer is not None:
            self._writer.host(data)
        return self._io().write(data)

    def comment(self, text: str) -> None:
        """Add a comment line to the transcript (e.g. which step runs next)."""
        if self._writer is not None:
            self._writer.comment(text)

    def reset_input_buffer(self) -> None:
        self._io().reset_input_buffer()

    def reset_output_buffer(self) -> None:
        self._io().reset_output_buffer()

    def flush(self) -> None:
        self._io().flush()

    @property
    def out_waiting(self) -> int:
        return self._io().out_waiting

    def _update_break_state(self) -> None:
        self._io().break_condition = self._break_state

    def _update_rts_state(self) -> None:
        self._io().rts = self._rts_state

    def _update_dtr_state(self) -> None:
        self._io().dtr = self._dtr_state

    @property
    def cts(self) -> bool:
        return self._io().cts

    @property
    def dsr(self) -> bool:
        return self._io().dsr

    @property
    def ri(self) -> bool:
        return self._io().ri

    @property
    def cd(self) -> bool:
        return self._io().cd
