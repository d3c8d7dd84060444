"""Sans-I/O AT line classifier: bytes in, events out (in the style of h11).

The modem's byte stream is cut at LF (CR runs, ``\\r\\r\\n`` and blank lines are
tolerated) and every line is sorted by *what it is*, not by whether a command is
waiting (modem-dialects.md §2, §4):

* an echo of the pending command (recognised by content, echo on or off),
* a final result code (OK, ERROR, +CME/+CMS ERROR, CONNECT, vendor finals),
* the ``> `` prompt (it has no line end, so it is recognised on a partial line),
* an unsolicited result code (URC) from the framer's :class:`~.urcs.UrcTable` (27.005/27.007's
  names with every vendor's, drivers/vendors/*/urcs.py) — URC-only names are
  URCs even in the middle of an answer and before the echo,
* an information line of the pending command's answer,
* noise (garbage bytes are trimmed off a line, a line of nothing but garbage is
  reported and skipped).

``+CMT``, ``+CDS``, ``+CBM``, ``+CMGR`` and ``+CMGL`` carry a second line (the
PDU); it is framed by the line end and checked against the stated length, with a
:class:`FramingWarning` when they disagree. Counted binary reads
(``+QIRD: 512`` then 512 raw bytes) switch the framer to raw mode for exactly that
many bytes. After ``CONNECT`` the framer holds: the bytes that follow are the
data phase, taken with :meth:`AtFramer.take_raw` until :meth:`AtFramer.resume`.

The caller gives a hint with :meth:`AtFramer.expect`: the pending command (for
echo), the prefix its information lines start with (to settle lines such as
``+CREG: 1,2``, an answer to ``AT+CREG?`` and a URC otherwise), and the binary
prefix of a counted read.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from .urcs import STANDARD, UrcTable

# --------------------------------------------------------------------------------------
# Events


class _NeedData:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA = _NeedData()


@dataclass(frozen=True, slots=True)
class Echo:
    text: str


@dataclass(frozen=True, slots=True)
class InfoLine:
    """A line of the pending command's answer (including the PDU line after +CMGR/+CMGL)."""

    text: str


@dataclass(frozen=True, slots=True)
class FinalResult:
    """``kind``: OK, ERROR, CME, CMS, CONNECT, NO CARRIER, VENDOR (vendor success/failure word)."""

    text: str
    kind: str
    success: bool


@dataclass(frozen=True, slots=True)
class Prompt:
    """``> `` (or ``>``), or CONNECT/DOWNLOAD when a payload is pending."""

    text: str


@dataclass(frozen=True, slots=True)
class Unsolicited:
    """A URC. ``pdu`` is the second line of +CMT/+CDS/+CBM; ``reset`` is
    "strong" (RDY, START: the modem booted) or "weak" (a boot-time URC such as
    +CPIN: READY or +QIND: SMS DONE) or None."""

    name: str
    line: str
    pdu: str | None = None
    reset: str | None = None
    data: bytes = b""  # raw bytes pushed with the URC (+QIURC: "recv",<id>,<len> in direct-push mode)


@dataclass(frozen=True, slots=True)
class RawPayload:
    """The counted bytes announced by a binary-prefix line."""

    data: bytes


@dataclass(frozen=True, slots=True)
class Noise:
    data: bytes
    reason: str


@dataclass(frozen=True, slots=True)
class FramingWarning:
    message: str


Event = Echo | InfoLine | FinalResult | Prompt | Unsolicited | RawPayload | Noise | FramingWarning


@dataclass(frozen=True, slots=True)
class Expectation:
    """What the pending command looks like, as far as framing needs to know."""

    command: str | None = None
    prefix: str | None = None
    prefix_explicit: bool = True  # an explicit prefix beats the URC-only table; a derived one does not
    binary_prefix: str | None = None
    binary_field: int | None = None
    payload_pending: bool = False
    final_ok: tuple[str, ...] = ()
    # Settles a line that starts with ``prefix`` but may be a URC of the same name
    # (``+CREG: 1,"5E25","605F"`` while ``AT+CREG?`` waits for ``+CREG: 2,1,...``):
    # True keeps it as the answer, False routes it to the URC subscribers.
    is_answer: Callable[[str], bool] | None = None


IDLE = Expectation()

# --------------------------------------------------------------------------------------
# Tables

TWO_LINE = ("+CMT", "+CDS", "+CBM", "+CMGR", "+CMGL")

_FINAL_EXACT_OK = {"OK", "SEND OK", "SHUT OK", "CLOSE OK"}
_FINAL_EXACT_FAIL = {"ERROR", "NO CARRIER", "NO DIALTONE", "BUSY", "NO ANSWER", "SEND FAIL",
                     "COMMAND NOT SUPPORT", "TOO MANY PARAMETERS", "ABORTED"}
_MUX_FINAL = re.compile(r"^\d+, (SEND OK|CLOSE OK|SEND FAIL)$")
_HEX = re.compile(r"[0-9A-Fa-f]+")


def classify_final(s: str, final_ok: tuple[str, ...] = ()) -> FinalResult | None:
    """The final result this stripped line is, or None."""
    up = s.upper()
    if any(s.startswith(extra) for extra in final_ok):
        return FinalResult(s, "VENDOR", True)
    if up == "OK":
        return FinalResult(s, "OK", True)
    if up == "ERROR":
        return FinalResult(s, "ERROR", False)
    if up.startswith("+CME ERROR"):
        return FinalResult(s, "CME", False)
    if up.startswith("+CMS ERROR"):
        return FinalResult(s, "CMS", False)
    if up == "NO CARRIER":
        return FinalResult(s, "NO CARRIER", False)
    if up == "CONNECT" or (up.startswith("CONNECT ") and up not in ("CONNECT OK", "CONNECT FAIL")):
        return FinalResult(s, "CONNECT", True)
    if up in _FINAL_EXACT_OK or up.startswith("DATA ACCEPT"):
        return FinalResult(s, "VENDOR", True)
    if up in _FINAL_EXACT_FAIL:
        return FinalResult(s, "VENDOR", False)
    m = _MUX_FINAL.match(up)
    if m:
        return FinalResult(s, "VENDOR", m.group(1) != "SEND FAIL")
    return None


def fields_of(s: str) -> list[str]:
    """The comma-separated fields after the first colon (quotes kept)."""
    _, _, rest = s.partition(":")
    return [f.strip() for f in rest.split(",")] if rest.strip() else []


@dataclass(slots=True)
class _Body:
    """A header line waiting for its second (PDU or text) line."""

    name: str
    header: str
    as_urc: bool
    pdu_mode: bool
    stated_len: int | None


def _body_shape(name: str, header: str) -> tuple[bool, bool, int | None]:
    """(needs a second line, PDU mode, stated TPDU length) for a two-line header."""
    fields = fields_of(header)
    if name == "+CDS" and len(fields) > 2:
        return False, False, None  # text-mode status report: one line
    if name in ("+CMGR", "+CMGL"):
        stat = fields[1] if name == "+CMGL" and len(fields) > 1 else (fields[0] if fields else "")
        pdu_mode = stat.isdigit()
    else:
        pdu_mode = len(fields) <= 2
    stated = None
    if pdu_mode and fields and fields[-1].isdigit():
        stated = int(fields[-1])
    return True, pdu_mode, stated


def _pdu_length_warning(name: str, stated: int | None, pdu: str) -> FramingWarning | None:
    if stated is None:
        return None
    if len(pdu) % 2:
        return FramingWarning(f"{name}: the PDU line has an odd number of hex digits ({len(pdu)})")
    octets = len(pdu) // 2
    smsc = int(pdu[0:2], 16) if octets else 0
    tpdu = octets - 1 - smsc
    if tpdu != stated:
        return FramingWarning(
            f"{name}: the header states {stated} TPDU octets but the PDU line holds {tpdu}; framed by the line end"
        )
    return None


def _clean(raw: bytes) -> tuple[str, bool]:
    """(text with garbage trimmed from both ends, whether anything was trimmed).

    A line that still holds control characters after trimming is returned as ""."""
    text = raw.decode("utf-8", errors="replace")

    def bad(ch: str) -> bool:
        return ch == "\ufffd" or (not ch.isprintable() and ch != "\t")

    start, end = 0, len(text)
    while start < end and bad(text[start]):
        start += 1
    while end > start and bad(text[end - 1]):
        end -= 1
    trimmed = start > 0 or end < len(text)
    core = text[start:end]
    if any(bad(ch) for ch in core):
        return "", True
    return core, trimmed


# --------------------------------------------------------------------------------------
# The framer


class AtFramer:
    """Turns the modem's bytes into :data:`Event` objects. Not thread-safe: feed
    and pull from one thread."""

    def __init__(self, urcs: UrcTable = STANDARD) -> None:
        self._urcs = urcs  # which lines are URCs (the channel passes every vendor's)
        self._buf = bytearray()
        self._events: deque[Event] = deque()
        self._expect = IDLE
        self._raw_left = 0
        self._raw = bytearray()
        self._raw_urc: tuple[str, str] | None = None  # (name, line) of a URC whose bytes are being read
        self._held = False
        self._body: _Body | None = None
        self._after_prompt = False

    # ---- control ------------------------------------------------------------------
    def expect(self, expectation: Expectation | None) -> None:
        """Set the hint for the pending command (None: no command pending)."""
        self._expect = expectation or IDLE

    @property
    def expectation(self) -> Expectation:
        return self._expect

    @property
    def held(self) -> bool:
        """True after CONNECT: bytes are the data phase until :meth:`resume`."""
        return self._held

    def hold(self) -> None:
        self._held = True

    def resume(self) -> None:
        """Back to line mode; buffered bytes are parsed as lines again."""
        self._held = False

    def take_raw(self, n: int) -> bytes:
        """Up to n buffered bytes, unparsed (data phase after CONNECT)."""
        chunk = bytes(self._buf[:n])
        del self._buf[: len(chunk)]
        return chunk

    @property
    def buffered(self) -> int:
        return len(self._buf)

    # ---- input/output -------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        self._buf += data

    def next_event(self) -> Event | _NeedData:
        while not self._events:
            if not self._step():
                return NEED_DATA
        return self._events.popleft()

    def events(self) -> list[Event]:
        """All events available now."""
        out: list[Event] = []
        while True:
            ev = self.next_event()
            if ev is NEED_DATA:
                return out
            out.append(ev)  # type: ignore[arg-type]

    # ---- internals ----------------------------------------------------------------
    def _step(self) -> bool:
        """Make progress; False when more bytes are needed."""
        if self._held:
            return False
        if self._raw_left:
            take = min(self._raw_left, len(self._buf))
            if take == 0:
                return False
            self._raw += self._buf[:take]
            del self._buf[:take]
            self._raw_left -= take
            if self._raw_left == 0:
                if self._raw_urc is not None:
                    name, line = self._raw_urc
                    self._raw_urc = None
                    self._events.append(Unsolicited(name, line, None, None, bytes(self._raw)))
                else:
                    self._events.append(RawPayload(bytes(self._raw)))
                self._raw.clear()
            return True
        if self._after_prompt:
            # "> " split as ">" then " ": the space belongs to the prompt.
            while self._buf[:1] == b" ":
                del self._buf[:1]
            if not self._buf:
                return False
        nl = self._buf.find(b"\n")
        if nl < 0:
            stripped = bytes(self._buf).lstrip(b"\r\n")
            if stripped[:1] == b">" and stripped[1:].strip(b" ") == b"":
                self._buf.clear()
                self._emit_prompt(">")  # "> " and ">" alike: a chunk may end between them
                return True
            return False
        raw = bytes(self._buf[:nl])
        del self._buf[: nl + 1]
        self._after_prompt = False
        self._line(raw.rstrip(b"\r"))
        return True

    def _emit_prompt(self, text: str) -> None:
        self._after_prompt = True
        self._events.append(Prompt(text))

    def _line(self, raw: bytes) -> None:
        if self._body is not None:
            self._body_line(raw)
            return
        segments = raw.split(b"\r") if b"\r" in raw else [raw]
        for seg in segments:
            self._segment(seg)

    def _segment(self, raw: bytes) -> None:
        text, trimmed = _clean(raw)
        if trimmed:
            self._events.append(Noise(raw, "garbage bytes on the line" if text else "a line of garbage bytes"))
        if text.strip():
            self._classify(text)

    def _classify(self, text: str) -> None:
        s = text.strip()
        exp = self._expect
        up = s.upper()
        # 1. echo of the pending command (or a stale echo with nothing pending)
        if exp.command is not None and up == exp.command.strip().upper():
            self._events.append(Echo(s))
            return
        if exp.command is None and up.startswith("AT") and not up.startswith("ATTENTION"):
            self._events.append(Echo(s))
            return
        # 2. prompt with a line end after it
        if s == ">":
            self._emit_prompt(">")
            return
        # 3. information line the caller named explicitly (wins over the URC table)
        answers_prefix = bool(exp.prefix) and up.startswith(exp.prefix.upper())  # type: ignore[union-attr]
        if answers_prefix and exp.is_answer is not None and not exp.is_answer(s):
            self._urc(s)  # same name as the answer, but the shape of the URC
            return
        if (answers_prefix and exp.prefix_explicit) or (exp.binary_prefix and up.startswith(exp.binary_prefix.upper())):
            self._info(text)
            return
        # 4. finals
        final = classify_final(s, exp.final_ok)
        if final is not None:
            if exp.payload_pending and final.kind == "CONNECT":
                self._events.append(Prompt(s))
                return
            self._events.append(final)
            if final.kind == "CONNECT" and exp.command is not None:
                self._held = True
            return
        if exp.payload_pending and up == "DOWNLOAD":
            self._events.append(Prompt(s))
            return
        # 5. URC-only lines, 6. the answer by its derived prefix, 7. answer-or-URC names
        kind = self._urcs.kind(s)
        if kind == "always":
            self._urc(s)
            return
        if answers_prefix:
            self._info(text)
            return
        if kind == "ambiguous":
            self._urc(s)
            return
        # 8. anything else: the answer when a command is pending, else an unknown URC
        if exp.command is not None:
            self._info(text)
        else:
            self._urc(s)

    def _info(self, text: str) -> None:
        s = text.strip()
        exp = self._expect
        self._events.append(InfoLine(text))
        if exp.binary_prefix and s.upper().startswith(exp.binary_prefix.upper()):
            self._start_binary(s)
            return
        name = self._two_line_name(s)
        if name is not None:
            needs, pdu_mode, stated = _body_shape(name, s)
            if needs:
                self._body = _Body(name, s, False, pdu_mode, stated)

    def _urc(self, s: str) -> None:
        n = self._urcs.pushed_length(s)
        if n:
            # Direct-push socket data: exactly n raw bytes follow the URC line and
            # must never be parsed as lines (they may hold "\r\nOK\r\n").
            self._raw_urc = (self._urcs.name(s), s)
            self._raw_left = n
            return
        name = self._two_line_name(s)
        if name is not None:
            needs, pdu_mode, stated = _body_shape(name, s)
            if needs:
                self._body = _Body(name, s, True, pdu_mode, stated)
                return
        self._events.append(Unsolicited(self._urcs.name(s), s, None, self._urcs.reset(s)))

    def _two_line_name(self, s: str) -> str | None:
        name = self._urcs.name(s).upper()
        return name if name in TWO_LINE else None

    def _start_binary(self, s: str) -> None:
        fields = fields_of(s)
        index = self._expect.binary_field
        if index is None:
            index = self._urcs.length_field(self._urcs.name(s))
        try:
            n = int(fields[index])
        except (IndexError, ValueError):
            self._events.append(FramingWarning(f"no byte count in field {index} of {s!r}"))
            return
        if n > 0:
            self._raw_left = n

    def _body_line(self, raw: bytes) -> None:
        body = self._body
        assert body is not None
        text, trimmed = _clean(raw)
        s = text.strip()
        if trimmed and s:
            self._events.append(Noise(raw, "garbage bytes on the line"))
        if not s:
            if trimmed:
                self._events.append(Noise(raw, "a line of garbage bytes"))
            return
        final = classify_final(s, self._expect.final_ok)
        is_urc = self._urcs.kind(s) == "always"
        if body.pdu_mode:
            if _HEX.fullmatch(s):
                self._finish_body(s)
                warn = _pdu_length_warning(body.name, body.stated_len, s)
                if warn:
                    self._events.append(warn)
                return
            if final is None and not is_urc:
                self._events.append(FramingWarning(f"{body.name}: the PDU line is not hex: {s!r}"))
                self._finish_body(s)
                return
        elif final is None and not is_urc and not s.upper().startswith(body.name):
            self._finish_body(text)
            return
        if is_urc and body.pdu_mode:
            # A URC squeezed between the header and its PDU: keep waiting for the PDU.
            self._body = None
            self._classify(text)
            self._body = body
            return
        # No second line after all (text-mode status report, empty read): release the header.
        if body.pdu_mode:
            self._events.append(FramingWarning(f"{body.name}: header without its PDU line: {body.header!r}"))
        self._body = None
        if body.as_urc:
            self._events.append(Unsolicited(body.name, body.header, None, None))
        for seg in raw.split(b"\r"):
            self._segment(seg)

    def _finish_body(self, line: str) -> None:
        body = self._body
        assert body is not None
        self._body = None
        if body.as_urc:
            self._events.append(Unsolicited(body.name, body.header, line, None))
        else:
            self._events.append(InfoLine(line))
