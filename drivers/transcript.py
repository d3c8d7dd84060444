"""The serial transcript format of hw_fixtures/ (documented in hw_fixtures/README.md).

Pure parsing and writing, no I/O beyond the stream a writer is given:

    > AT+CPIN?          host writes "AT+CPIN?\\r"
    >> \\x1b             host writes exact bytes (escapes)
    >x 1a 2b            host writes hex bytes
    < +CPIN: READY      modem sends "+CPIN: READY\\r\\n"
    <                   modem sends an empty line "\\r\\n"
    << AT\\r\\r\\n        modem sends exact bytes (escapes)
    <x 00 ff            modem sends hex bytes
    @ 0.250             the next modem output comes 0.25 s later
    ! unplug            the port vanishes here
    # comment           (comments before the first event form the header)
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .errors import TranscriptError

HOST_EOL = b"\r"
MODEM_EOL = b"\r\n"
FORMAT_VERSION = "1"


@dataclass(frozen=True, slots=True)
class Step:
    """One event. ``kind``: "host", "modem", "delay" or "unplug". ``line`` is
    True for ``> TEXT`` host lines (compared as lines in non-strict replay)."""

    kind: str
    data: bytes = b""
    line_no: int = 0
    source: str = ""
    seconds: float = 0.0
    line: bool = False


@dataclass(frozen=True, slots=True)
class Transcript:
    steps: tuple[Step, ...]
    header: dict[str, str]
    name: str = "<transcript>"

    @property
    def host_bytes(self) -> bytes:
        return b"".join(s.data for s in self.steps if s.kind == "host")

    @property
    def modem_bytes(self) -> bytes:
        return b"".join(s.data for s in self.steps if s.kind == "modem")


_ESCAPES = {"r": 0x0D, "n": 0x0A, "t": 0x09, "\\": 0x5C, "s": 0x20}


def unescape(text: str, *, source: str = "<text>", line_no: int = 0) -> bytes:
    """Bytes of an escaped field: \\r \\n \\t \\\\ \\s \\xHH, everything else as UTF-8."""
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out += ch.encode("utf-8")
            i += 1
            continue
        nxt = text[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "x" and re.fullmatch(r"[0-9A-Fa-f]{2}", text[i + 2 : i + 4]):
            out.append(int(text[i + 2 : i + 4], 16))
            i += 4
        else:
            raise TranscriptError(source, line_no, f"bad escape {text[i:i + 4]!r} (use \\r \\n \\t \\\\ \\s \\xHH)")
    return bytes(out)


def escape(data: bytes) -> str:
    """The escaped form of bytes; a trailing space is written \\s so editors keep it."""
    parts: list[str] = []
    for b in data:
        if b == 0x5C:
            parts.append("\\\\")
        elif b == 0x0D:
            parts.append("\\r")
        elif b == 0x0A:
            parts.append("\\n")
        elif b == 0x09:
            parts.append("\\t")
        elif 0x20 <= b < 0x7F:
            parts.append(chr(b))
        else:
            parts.append(f"\\x{b:02x}")
    if parts and parts[-1] == " ":
        parts[-1] = "\\s"
    return "".join(parts)


def _hex(text: str, source: str, line_no: int) -> bytes:
    digits = re.sub(r"\s+", "", text)
    if not re.fullmatch(r"(?:[0-9A-Fa-f]{2})*", digits):
        raise TranscriptError(source, line_no, "hex bytes expected (pairs of hex digits)")
    return bytes.fromhex(digits)


def parse(text: str, name: str = "<transcript>") -> Transcript:
    """Parse a transcript; raises :class:`TranscriptError` naming the bad line."""
    steps: list[Step] = []
    header: dict[str, str] = {}
    in_header = True
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip("\r\n")
        stripped = line.strip()
        if not stripped:
            continue
        if line.startswith("#"):
            if in_header:
                m = re.match(r"#\s*([A-Za-z][\w -]*?):\s*(.*)$", line)
                if m:
                    key = m.group(1).strip().lower()
                    header[key] = (header[key] + " " + m.group(2)).strip() if key in header else m.group(2).strip()
            continue
        in_header = False
        if line.startswith(">>"):
            steps.append(Step("host", unescape(_after(line, 2), source=name, line_no=no), no, line))
        elif line.startswith(">x"):
            steps.append(Step("host", _hex(line[2:], name, no), no, line))
        elif line.startswith("> ") or line == ">":
            steps.append(Step("host", line[2:].encode("utf-8") + HOST_EOL, no, line, line=True))
        elif line.startswith("<<"):
            steps.append(Step("modem", unescape(_after(line, 2), source=name, line_no=no), no, line))
        elif line.startswith("<x"):
            steps.append(Step("modem", _hex(line[2:], name, no), no, line))
        elif line.startswith("< ") or line == "<":
            steps.append(Step("modem", line[2:].encode("utf-8") + MODEM_EOL, no, line))
        elif line.startswith("@"):
            try:
                seconds = float(line[1:].strip().lstrip("+"))
            except ValueError:
                raise TranscriptError(name, no, "'@ SECONDS' expected") from None
            if seconds < 0:
                raise TranscriptError(name, no, "a delay cannot be negative")
            steps.append(Step("delay", b"", no, line, seconds=seconds))
        elif line.startswith("!"):
            word = line[1:].strip().lower()
            if word != "unplug":
                raise TranscriptError(name, no, f"unknown directive {line!r} (only '! unplug')")
            steps.append(Step("unplug", b"", no, line))
        else:
            raise TranscriptError(name, no, f"a line must start with >, >>, >x, <, <<, <x, @, ! or #: {line!r}")
    return Transcript(tuple(steps), header, name)


def _after(line: str, n: int) -> str:
    """The field after a 2-character marker and its one separating space."""
    rest = line[n:]
    return rest[1:] if rest.startswith(" ") else rest


def load(path: str | Path) -> Transcript:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise TranscriptError(str(p), 0, f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise TranscriptError(str(p), 0, f"not UTF-8: {exc}") from exc
    return parse(text, str(p))


# --------------------------------------------------------------------------------------
# Writing


def _is_binary(data: bytes) -> bool:
    odd = sum(1 for b in data if not (0x20 <= b < 0x7F or b in (0x0D, 0x0A, 0x09)))
    return len(data) >= 8 and odd * 4 > len(data)


def format_host(data: bytes) -> list[str]:
    """Transcript lines for bytes the host wrote."""
    body = data[: -len(HOST_EOL)] if data.endswith(HOST_EOL) else None
    if body is not None and body and all(0x20 <= b < 0x7F for b in body) and not body.endswith(b" "):
        return [f"> {body.decode('ascii')}"]
    if _is_binary(data):
        return [f">x {data.hex(' ')}"]
    return [f">> {escape(data)}"]


def format_modem(data: bytes) -> list[str]:
    """Transcript lines for bytes the modem sent (one line per complete line)."""
    out: list[str] = []
    if _is_binary(data):
        return [f"<x {data.hex(' ')}"]
    for piece in re.split(rb"(?<=\n)", data):
        if not piece:
            continue
        body = piece[: -len(MODEM_EOL)] if piece.endswith(MODEM_EOL) else None
        if body == b"":
            out.append("<")
        elif (
            body is not None
            and all(0x20 <= b < 0x7F for b in body)
            and not body.endswith(b" ")
        ):
            out.append(f"< {body.decode('ascii')}")
        else:
            out.append(f"<< {escape(piece)}")
    return out


class TranscriptWriter:
    """Writes a transcript as bytes flow (used by the record:// handler).

    Modem bytes are buffered to line ends, so a line split across reads is one
    transcript line; host writes flush what the modem sent before them."""

    def __init__(self, stream: TextIO, header: dict[str, str], *, timing: bool = True, min_gap: float = 0.05) -> None:
        self._out = stream
        self._modem = bytearray()
        self._timing = timing
        self._min_gap = min_gap
        self._last = time.monotonic()
        self._out.write(f"# format: mmsua transcript {FORMAT_VERSION} (see hw_fixtures/README.md)\n")
        for key, value in header.items():
            self._out.write(f"# {key}: {value}\n")
        self._out.flush()

    def _gap(self) -> None:
        now = time.monotonic()
        if self._timing and now - self._last >= self._min_gap:
            self._out.write(f"@ {now - self._last:.3f}\n")
        self._last = now

    def host(self, data: bytes) -> None:
        if not data:
            return
        self.flush_modem()
        self._last = time.monotonic()
        self._write(format_host(data))

    def modem(self, data: bytes) -> None:
        if not data:
            return
        if not self._modem:
            self._gap()
        self._modem += data
        cut = self._modem.rfind(b"\n")
        if cut >= 0 and not _is_binary(bytes(self._modem)):
            self._write(format_modem(bytes(self._modem[: cut + 1])))
            del self._modem[: cut + 1]

    def flush_modem(self) -> None:
        if self._modem:
            self._write(format_modem(bytes(self._modem)))
            self._modem.clear()

    def comment(self, text: str) -> None:
        self.flush_modem()
        self._write([f"# {line}" for line in text.splitlines() or [""]])

    def unplug(self) -> None:
        self.flush_modem()
        self._write(["! unplug"])

    def close(self) -> None:
        self.flush_modem()
        self._out.flush()

    def _write(self, lines: Iterable[str]) -> None:
        for line in lines:
            self._out.write(line + "\n")
        self._out.flush()
