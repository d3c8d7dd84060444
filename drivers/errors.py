"""The driver layer's errors: one base type, :class:`ModemError`.

Every subclass keeps the facts a caller needs to react (the command, the final
result code, the lines that came with it) as attributes, and a message that
says what happened in words.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Sequence


class ModemError(Exception):
    """Anything the modem or its port did wrong. Subclasses say what."""


class AnswerError(ModemError):
    """A modem answer that no known form matches (the line is kept)."""

    def __init__(self, what: str, line: str) -> None:
        super().__init__(f"cannot read {what} from {line!r}")
        self.line = line


class AtCommandError(ModemError):
    """A command ended in ERROR or a vendor failure final (SEND FAIL, NO CARRIER...).

    ``lines`` are the information lines that came before the final; vendors put
    the reason there (SIMCom ``+IP ERROR: ...``, ``+CIPERROR: 4``).
    """

    def __init__(self, command: str, final: str, lines: Sequence[str] = ()) -> None:
        self.command = command
        self.final = final
        self.lines = tuple(lines)
        detail = f" ({'; '.join(self.lines)})" if self.lines else ""
        super().__init__(f"{command!r} failed: {final}{detail}")


class CmeError(AtCommandError):
    """``+CME ERROR: <n|text>`` (3GPP TS 27.007 §9.2). ``code`` is None when a
    verbose text was not in the table; ``meaning`` is then the modem's text."""

    def __init__(self, code: int | None, meaning: str, command: str = "", lines: Sequence[str] = ()) -> None:
        self.code = code
        self.meaning = meaning
        label = f"+CME ERROR: {code}" if code is not None else "+CME ERROR"
        AtCommandError.__init__(self, command, f"{label} ({meaning})", lines)


class CmsError(AtCommandError):
    """``+CMS ERROR: <n|text>`` (3GPP TS 27.005 §3.2.5): SMS-related failures."""

    def __init__(self, code: int | None, meaning: str, command: str = "", lines: Sequence[str] = ()) -> None:
        self.code = code
        self.meaning = meaning
        label = f"+CMS ERROR: {code}" if code is not None else "+CMS ERROR"
        AtCommandError.__init__(self, command, f"{label} ({meaning})", lines)


class AtTimeout(ModemError):
    """No final result code within ``timeout`` seconds; ``partial_lines`` is what did arrive."""

    def __init__(self, command: str, timeout: float, partial_lines: Sequence[str] = ()) -> None:
        self.command = command
        self.timeout = timeout
        self.partial_lines = tuple(partial_lines)
        got = f"; got {list(self.partial_lines)}" if self.partial_lines else ""
        super().__init__(f"no answer to {command!r} within {timeout:g} s{got}")


class PortGone(ModemError):
    """The serial port vanished (USB unplug, re-enumeration) or cannot be opened."""

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        super().__init__(f"port {url} is gone: {reason}")


class PortUnavailable(PortGone):
    """The port could not be opened at all: it never was open, so it is not "gone".

    A :class:`PortGone` all the same, so callers that retry a vanished port retry
    this too. ``reason`` is in words ("no such device"), without errno text.
    """

    def __init__(self, url: str, reason: str) -> None:
        self.url = url
        self.reason = reason
        ModemError.__init__(self, f"cannot open port {url}: {reason}")

    @classmethod
    def from_exception(cls, url: str, exc: BaseException) -> PortUnavailable:
        return cls(url, open_failure_reason(exc))


# errno of a failed open -> what a person can act on (pyserial wraps the OSError,
# repeating "[Errno 2]" and the path; these say it once, in words).
_OPEN_ERRNO_WORDS = {
    errno.ENOENT: "no such device",
    errno.ENODEV: "no such device",
    errno.ENXIO: "no such device",
    errno.EACCES: "permission denied (add yourself to the dialout group)",
    errno.EPERM: "permission denied (add yourself to the dialout group)",
    errno.EBUSY: "the device is busy (another program holds it)",
    errno.ECONNREFUSED: "connection refused (nothing listens there)",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ETIMEDOUT: "connection timed out",
}


def open_failure_reason(exc: BaseException) -> str:
    """Why opening a port failed, in words: from the errno where there is one."""
    for candidate in (exc, exc.__cause__, exc.__context__):
        number = getattr(candidate, "errno", None)
        if isinstance(number, int):
            return _OPEN_ERRNO_WORDS.get(number) or os.strerror(number).lower()
    if isinstance(exc, ValueError):
        return f"not a port name or URL pyserial knows ({exc})"
    text = str(exc)
    # No errno: keep pyserial's words without its "could not open port X:" preamble.
    return re.sub(r"^(\[Errno \d+\] )?could not open port \S+: ", "", text, flags=re.IGNORECASE) or type(exc).__name__


class ModemReset(ModemError):
    """The modem restarted while a command was pending (``urc`` is the line that said so).

    All modem state (echo, CMEE, CNMI, contexts, sockets) is gone: re-run the init.
    """

    def __init__(self, urc: object) -> None:
        self.urc = urc
        line = getattr(urc, "line", urc)
        super().__init__(f"the modem restarted ({line!s})")


class PromptPending(ModemError):
    """The modem is waiting at a ``> `` prompt the channel did not ask for."""

    def __init__(self, detail: str = "the modem is at a '> ' prompt") -> None:
        super().__init__(detail)


class ReplayMismatch(ModemError):
    """Replay: the host wrote something other than what the transcript expects next."""

    def __init__(self, expected_line_no: int | None, expected: str, got: str) -> None:
        self.expected_line_no = expected_line_no
        self.expected = expected
        self.got = got
        where = f"transcript line {expected_line_no}" if expected_line_no is not None else "end of transcript"
        super().__init__(f"{where}: expected host to write {expected!r}, got {got!r}")


class TranscriptError(ModemError):
    """A transcript file (hw_fixtures format) cannot be parsed."""

    def __init__(self, source: str, line_no: int, reason: str) -> None:
        self.source = source
        self.line_no = line_no
        self.reason = reason
        super().__init__(f"{source}:{line_no}: {reason}")
