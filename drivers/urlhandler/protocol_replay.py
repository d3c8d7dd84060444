"""pyserial URL handler ``replay://PATH[?strict=0][&timing=1]``: a transcript as a port.

Modem output is delivered when the host has written everything the transcript
puts before it; the host's bytes must match the transcript's host lines (byte
for byte by default, line by line ignoring case, blanks and terminator style
with ``strict=0``), else :class:`~mmsua.drivers.errors.ReplayMismatch` names the
transcript line that was expected. ``! unplug`` makes the port vanish; opening
the same URL again while that session is unplugged continues after it (the
device came back). See hw_fixtures/README.md.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from collections import deque
from dataclasses import dataclass, field

from serial.serialutil import PortNotOpenError, SerialException

from ..errors import ReplayMismatch, TranscriptError
from ..transcript import Step, Transcript, escape, load
from .base import VirtualPort

_SESSIONS: dict[str, _Session] = {}
_SESSIONS_LOCK = threading.RLock()  # re-entrant: __del__ -> close() may run while it is held


@dataclass(slots=True)
class _Session:
    transcript: Transcript
    strict: bool
    timing: bool
    index: int = 0  # next step to process
    offset: int = 0  # bytes of the current host step already matched
    pending_line: bytearray = field(default_factory=bytearray)  # non-strict: host bytes of the current line
    unplugged: bool = False
    unplug_line: int = 0
    broken: ReplayMismatch | None = None

    def step(self) -> Step | None:
        steps = self.transcript.steps
        return steps[self.index] if self.index < len(steps) else None


def _parse_url(url: str) -> tuple[str, bool, bool]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "replay":
        raise SerialException(f"expected a replay:// URL, got {url!r}")
    path = parts.netloc + parts.path
    if not path:
        raise SerialException("replay:// needs a transcript path: replay://hw_fixtures/channel/x.txt")
    strict, timing = True, False
    for key, values in urllib.parse.parse_qs(parts.query, keep_blank_values=True).items():
        value = values[-1].lower()
        if key == "strict":
            strict = value not in ("0", "false", "no")
        elif key == "timing":
            timing = value in ("1", "true", "yes")
        else:
            raise SerialException(f"unknown replay:// option {key!r} (strict, timing)")
    return path, strict, timing


class Serial(VirtualPort):
    """A serial port whose other end is a transcript."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        self._session: _Session | None = None
        self._key = ""
        self._out: deque[tuple[float, bytes]] = deque()
        self._cond = threading.Condition()
        super().__init__(*args, **kwargs)

    # ---- pyserial plumbing ---------------------------------------------------------------
    def _open_url(self, url: str) -> None:
        path, strict, timing = _parse_url(url)
        self._key = path
        # Parse outside the lock: a garbage-collected port's close() (from __del__,
        # at any allocation) takes the lock too.
        try:
            transcript = load(path)
        except TranscriptError as exc:
            raise SerialException(str(exc)) from exc
        with _SESSIONS_LOCK:
            session = _SESSIONS.get(path)
            if session is not None and session.unplugged:
                session.unplugged = False  # the device came back: continue after "! unplug"
            else:
                session = _Session(transcript, strict, timing)
            _SESSIONS[path] = session
        self._session = session
        self._out.clear()
        with self._cond:
            self._release()

    def close(self) -> None:
        self.is_open = False
        with _SESSIONS_LOCK:
            s = self._session
            if s is not None and not s.unplugged and _SESSIONS.get(self._key) is s:
                del _SESSIONS[self._key]

    @property
    def in_waiting(self) -> int:
        self._check_open()
        with self._cond:
            return self._available()

    def read(self, size: int = 1) -> bytes:
        self._check_open()
        deadline = None if self._timeout is None else time.monotonic() + self._timeout
        with self._cond:
            while self._available() < size:
                self._check_open()
                wait = None
                if deadline is not None:
                    wait = deadline - time.monotonic()
                    if wait <= 0:
                        break
                nxt = self._next_release()
                if nxt is not None:
                    gap = max(0.0, nxt - time.monotonic())
                    wait = gap if wait is None else min(wait, gap)
                self._cond.wait(wait)
            return self._take(size)

    def write(self, data: bytes) -> int:
        self._check_open()
        data = bytes(data)
        session = self._session
        assert session is not None
        with self._cond:
            if session.broken is not None:
                raise session.broken
            self._match(session, data)
            self._cond.notify_all()
        return len(data)

    def reset_input_buffer(self) -> None:
        self._check_open()
        with self._cond:
            self._out.clear()

    def cancel_read(self) -> None:
        with self._cond:
            self._cond.notify_all()

    # ---- test helpers ------------------------------------------------------------------
    def unconsumed(self) -> list[str]:
        """Transcript lines not reached yet (host lines unwritten, modem lines unsent)."""
        s = self._session
        if s is None:
            return []
        return [f"{st.line_no}: {st.source}" for st in s.transcript.steps[s.index :]]

    @property
    def transcript(self) -> Transcript | None:
        return self._session.transcript if self._session else None

    # ---- internals ---------------------------------------------------------------------
    def _check_open(self) -> None:
        if not self.is_open:
            raise PortNotOpenError()
        s = self._session
        if s is not None and s.unplugged:
            raise SerialException(f"device disconnected (transcript line {s.unplug_line}: ! unplug)")

    def _available(self) -> int:
        now = time.monotonic()
        return sum(len(d) for t, d in self._out if t <= now)

    def _next_release(self) -> float | None:
        now = time.monotonic()
        future = [t for t, _ in self._out if t > now]
        return min(future) if future else None

    def _take(self, size: int) -> bytes:
        now = time.monotonic()
        out = bytearray()
        while self._out and len(out) < size and self._out[0][0] <= now:
            t, d = self._out.popleft()
            room = size - len(out)
            out += d[:room]
            if len(d) > room:
                self._out.appendleft((t, d[room:]))
        return bytes(out)

    def _release(self) -> None:
        """Queue modem output up to the next host step (or unplug)."""
        s = self._session
        assert s is not None
        at = time.monotonic()
        steps = s.transcript.steps
        while s.index < len(steps):
            st = steps[s.index]
            if st.kind == "host":
                break
            s.index += 1
            if st.kind == "modem":
                self._out.append((at, st.data))
            elif st.kind == "delay" and s.timing:
                at += st.seconds
            elif st.kind == "unplug":
                s.unplugged = True
                s.unplug_line = st.line_no
                break
        self._cond.notify_all()

    def _mismatch(self, s: _Session, got: bytes) -> ReplayMismatch:
        st = s.step()
        if st is None:
            err = ReplayMismatch(None, "<end of transcript>", escape(got))
        else:
            err = ReplayMismatch(st.line_no, st.source, escape(got))
        s.broken = err
        return err

    def _match(self, s: _Session, data: bytes) -> None:
        i = 0
        while i < len(data):
            st = s.step()
            if (
                not s.strict
                and s.offset == 0
                and not s.pending_line
                and data[i] in (0x0A, 0x0D)
                and (st is None or not st.data.startswith(data[i : i + 1]))
            ):
                i += 1  # the LF of a CR LF line end, or an empty line
                continue
            if st is None or st.kind != "host":
                raise self._mismatch(s, bytes(s.pending_line) + data[i:])
            if not s.strict and st.line:
                i = self._match_line(s, st, data, i)
                continue
            want = st.data[s.offset :]
            chunk = data[i : i + len(want)]
            if not want.startswith(chunk):
                raise self._mismatch(s, st.data[: s.offset] + data[i:])
            s.offset += len(chunk)
            i += len(chunk)
            if s.offset == len(st.data):
                s.offset = 0
                s.index += 1
                self._release()

    def _match_line(self, s: _Session, st: Step, data: bytes, i: int) -> int:
        """Non-strict: collect one host line, compare it ignoring case and blanks."""
        while i < len(data):
            b = data[i]
            i += 1
            if b in (0x0D, 0x0A):
                if not s.pending_line.strip():
                    s.pending_line.clear()
                    continue  # the LF of CR LF, or an empty line
                got = bytes(s.pending_line)
                s.pending_line.clear()
                if got.strip().upper() != st.data.rstrip(b"\r").strip().upper():
                    raise self._mismatch(s, got)
                s.index += 1
                self._release()
                return i
            s.pending_line.append(b)
        return i
