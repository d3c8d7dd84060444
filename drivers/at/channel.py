"""The AT channel: one modem port, one command at a time, URCs to subscribers.

``AtChannel`` opens any pyserial URL (device path, ``socket://``, ``rfc2217://``,
``loop://``, ``replay://`` and ``record://`` from this package). A reader thread
feeds :class:`~mmsua.drivers.at.framing.AtFramer` and sorts what comes back; a
dispatcher thread hands URCs to subscribers, so a subscriber may itself run
commands (``+CMTI`` → ``AT+CMGR``) without deadlocking the reader.

Failures are typed (:mod:`mmsua.drivers.errors`): ``CmeError``/``CmsError``/
``AtCommandError`` for error finals, ``AtTimeout`` when the modem is silent (the
next command then resynchronises first: ESC, ``AT`` until ``OK``), ``PortGone``
when the port vanishes (``reopen()`` when it is back), ``ModemReset`` when the
modem announces a restart while a command is pending.
"""

from __future__ import annotations

import logging
import os
import queue
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import serial

from .. import replug
from ..errors import (
    AtCommandError,
    AtTimeout,
    CmeError,
    CmsError,
    ModemError,
    ModemReset,
    PortGone,
    PortUnavailable,
    PromptPending,
    ReplayMismatch,
)
from .codes import cme_meaning, cms_meaning
from .framing import (
    NEED_DATA,
    AtFramer,
    Echo,
    Expectation,
    FinalResult,
    FramingWarning,
    InfoLine,
    Noise,
    Prompt,
    RawPayload,
    Unsolicited,
)
from .urcs import UrcTable

log = logging.getLogger(__name__)

ESC = b"\x1b"
CTRL_Z = b"\x1a"
# A weak boot sign (+CPIN: READY, +QIND: SMS DONE...) means "the modem restarted"
# only when no other boot sign was seen this recently (they come in bursts).
BOOT_WINDOW = 60.0
RESYNC_TRIES = 3
# Longest fixed-length data phase a modem may be left in by a process that died
# mid-send (AT+QISEND=<id>,<n> takes up to 1460 bytes, SIMCom/Huawei 1500): the
# modem waits for all n bytes and swallows every AT until it has them.
DATA_PHASE_MAX = 1500
RESYNC_TIMEOUT = 1.0


@dataclass(frozen=True, slots=True)
class AtResponse:
    """A command's answer: information lines in order, the final result code and
    any counted binary payload."""

    command: str
    lines: tuple[str, ...]
    final: str
    data: bytes = b""


@dataclass(frozen=True, slots=True)
class Urc:
    """An unsolicited result code. ``pdu`` is the second line of +CMT/+CDS/+CBM;
    ``reset`` is "strong"/"weak" for boot signs (RDY, +CPIN: READY...), else None;
    ``data`` the raw bytes a direct-push URC carries (``+QIURC: "recv",0,5``)."""

    name: str
    line: str
    pdu: str | None
    time: float
    reset: str | None = None
    data: bytes = b""  # raw bytes pushed with the URC (direct-push socket modes)


def answer_prefix(cmd: str) -> str | None:
    """The information-line prefix a command answers with: ``AT+CREG?`` → ``+CREG:``."""
    m = re.match(r"(?i)\s*AT([+^#$%*][A-Z0-9_]+)", cmd)
    return m.group(1).upper() + ":" if m else None


@dataclass(slots=True)
class _Pending:
    command: str
    expectation: Expectation
    payload: bytes | None = None
    terminator: bytes | None = None
    detail_prefix: str | None = None
    lines: list[str] = field(default_factory=list)
    data: bytearray = field(default_factory=bytearray)
    final: str | None = None
    error: ModemError | None = None
    payload_sent: bool = False
    done: bool = False
    last_activity: float = 0.0
    silence_ends: bool = False  # the answer may end with silence: wake on every byte
    # A chained read (command_chain): asked, on the reader thread, for the command to write
    # right behind this one once its byte-count line is parsed; None ends the chain.
    follow: Callable[[str], str | None] | None = None
    # A chained send (send_chain): asked, on the reader thread at this command's prompt, for
    # its payload and the command to write right behind it, given which earlier ones succeeded.
    on_prompt: Callable[[list[bool]], tuple[bytes, str | None]] | None = None
    chain: list[_Pending] | None = None  # every command of the chain, in order


@dataclass(slots=True)
class _Waiter:
    predicate: Callable[[Urc], bool]
    urc: Urc | None = None


class AtChannel:
    """One AT port. Thread-safe: commands are serialised by a lock."""

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 115200,
        rtscts: bool = False,
        default_timeout: float = 5.0,
        sync_on_open: bool = True,
        urcs: UrcTable | None = None,
    ) -> None:
        """``urcs``: the URC names to frame with; by default every registered vendor's
        (the channel listens before the modem is identified)."""
        if urcs is None:
            from ..vendors import known_urcs  # the registry loads vendors, which use this package

            urcs = known_urcs()
        self.urcs = urcs
        self.url = url
        self.baudrate = baudrate
        self.rtscts = rtscts
        self.default_timeout = default_timeout
        self.sync_on_open = sync_on_open
        self.serial: serial.SerialBase | None = None
        self.warnings: deque[str] = deque(maxlen=100)  # framing warnings, newest last
        self._framer = AtFramer(self.urcs)
        self._cond = threading.Condition(threading.RLock())
        self._cmd_lock = threading.RLock()
        self._pending: _Pending | None = None
        self._outgoing: tuple[_Pending, bytes] | None = None  # a payload the last prompt asked for
        # command_chain: the next command, written (by the reader) before the current one's
        # answer has ended; it becomes the current one when that answer's final comes.
        self._queued: deque[_Pending] = deque()
        self._chained: tuple[_Pending, bytes] | None = None  # it, and its command line not yet written
        # Commands written before the answer to the one before had ended (chains only): what
        # `modem.chained_io` changes, for logs and tests (0 when every command waited its turn).
        self.commands_ahead = 0
        self._waiters: list[_Waiter] = []
        self._history: deque[Urc] = deque(maxlen=64)
        self._subscribers: list[Callable[[Urc], None]] = []
        self._gone_subscribers: list[Callable[[PortGone], None]] = []
        self._queue: queue.Queue[object] = queue.Queue()
        self._reader: threading.Thread | None = None
        self._dispatcher: threading.Thread | None = None
        self._stop = threading.Event()
        self._gone: str | None = None
        self._dirty = False
        self._established = False
        self._last_boot = -BOOT_WINDOW * 2
        self._release_hold: Callable[[], None] | None = None

    # ---- lifecycle ---------------------------------------------------------------------
    def open(self) -> AtChannel:
        """Open the port, start the reader, and (``sync_on_open``) cancel a pending
        prompt with ESC and check that the modem answers ``AT``."""
        if self.is_open:
            return self
        try:
            ser = serial.serial_for_url(self.url, baudrate=self.baudrate, rtscts=self.rtscts, timeout=0.05)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PortUnavailable.from_exception(self.url, exc) from exc
        if os.path.exists(self.url):  # a device node, not a pyserial URL: held while open (drivers.replug)
            self._release_hold = replug.hold(self.url)
        with self._cond:
            self.serial = ser
            self._framer = AtFramer(self.urcs)
            self._gone = None
            self._pending = None
            self._dirty = False
            self._established = False
            self._stop.clear()
        self._reader = threading.Thread(target=self._read_loop, args=(ser,), name=f"at-reader {self.url}", daemon=True)
        self._reader.start()
        if self._dispatcher is None or not self._dispatcher.is_alive():
            self._dispatcher = threading.Thread(target=self._dispatch_loop, name="at-urc-dispatch", daemon=True)
            self._dispatcher.start()
        if self.sync_on_open:
            try:
                self.resync()
            except BaseException:
                self.close()
                raise
        return self

    def close(self) -> None:
        self._stop.set()
        reader, self._reader = self._reader, None
        if reader is not None and reader is not threading.current_thread():
            reader.join(timeout=2.0)
        ser, self.serial = self.serial, None
        if ser is not None:
            try:
                ser.close()
            except Exception:  # closing a vanished port may fail; it is closed either way
                log.debug("closing %s failed", self.url, exc_info=True)
        release, self._release_hold = self._release_hold, None
        if release is not None:
            release()
        with self._cond:
            if self._pending is not None and not self._pending.done:
                self._finish(self._pending, error=PortGone(self.url, "channel closed"))
            self._fail_queued(PortGone(self.url, "channel closed"))
            self._cond.notify_all()  # URC waits (_await) end too: the channel is over
            # Subscribers waiting on the line (socket readers) learn it ends here.
            callbacks = list(self._gone_subscribers) if self._gone is None else []
        for cb in callbacks:
            self._queue.put(lambda cb=cb: cb(PortGone(self.url, "channel closed")))
        dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is not None and dispatcher is not threading.current_thread():
            self._queue.put(None)
            dispatcher.join(timeout=2.0)

    def reopen(self) -> AtChannel:
        """Close and open again (after :class:`PortGone`, once the device is back)."""
        self.close()
        return self.open()

    @property
    def is_open(self) -> bool:
        return self.serial is not None and self._gone is None and self._reader is not None and self._reader.is_alive()

    def __enter__(self) -> AtChannel:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- subscribers -------------------------------------------------------------------
    def subscribe(self, callback: Callable[[Urc], None]) -> Callable[[], None]:
        """Call ``callback(urc)`` for every URC (on the dispatcher thread). Returns the unsubscriber."""
        with self._cond:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._cond:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def subscribe_port_gone(self, callback: Callable[[PortGone], None]) -> Callable[[], None]:
        """Call ``callback(error)`` once when the port vanishes (USB unplug) or the channel is closed."""
        with self._cond:
            self._gone_subscribers.append(callback)

        def unsubscribe() -> None:
            with self._cond:
                if callback in self._gone_subscribers:
                    self._gone_subscribers.remove(callback)

        return unsubscribe

    def urcs_delivered(self, timeout: float = 5.0) -> bool:
        """Wait until every URC received so far has been handed to the subscribers (they
        run on the dispatcher thread, after the answers around them). False on timeout, or
        when called from a subscriber, which would wait on itself."""
        if threading.current_thread() is self._dispatcher:
            return False
        done = threading.Event()
        self._queue.put(done.set)
        return done.wait(timeout)

    def wait_urc(
        self, predicate_or_prefix: Callable[[Urc], bool] | str, timeout: float, *, since: float | None = None
    ) -> Urc:
        """The next URC matching a predicate or starting with a prefix; with ``since``
        (a ``time.monotonic()`` value) a matching URC that already arrived counts too."""
        predicate = _as_predicate(predicate_or_prefix)
        with self._cond:
            if since is not None:
                for urc in self._history:
                    if urc.time >= since and predicate(urc):
                        return urc
            waiter = _Waiter(predicate)
            self._waiters.append(waiter)
        return self._await(waiter, timeout, f"<URC {predicate_or_prefix!r}>")

    # ---- commands ----------------------------------------------------------------------
    def command(
        self,
        cmd: str,
        *,
        timeout: float | None = None,
        prefix: str | None = None,
        payload: bytes | None = None,
        payload_terminator: bytes | None = CTRL_Z,
        binary_prefix: str | None = None,
        final_ok: tuple[str, ...] = (),
        binary_field: int | None = None,
        silence_ends: float | None = None,
        is_answer: Callable[[str], bool] | None = None,
    ) -> AtResponse:
        """Send one command line and collect its answer.

        ``prefix``: the information-line prefix of the answer (default: derived from
        the command, ``AT+CSQ`` → ``+CSQ:``); an explicit one wins even over URC names.
        ``payload``: written after the ``> `` prompt (or CONNECT/DOWNLOAD), followed
        by ``payload_terminator`` (Ctrl-Z for CMGS; None for counted sends).
        ``binary_prefix``: an information line whose byte count announces raw bytes
        (``+QIRD:``, ``+CIPRXGET: 2``), collected in ``AtResponse.data``
        (``binary_field`` picks the count's field when the default table has none).
        ``final_ok``: extra success finals. ``silence_ends``: for modems that omit
        the final (Wavecom ``+CPIN: READY``), end the answer this many seconds after
        an information line with final "".
        ``is_answer``: for answers that share their name with a URC (``+CREG:``), says
        by shape which prefixed lines are the answer; the others go to subscribers.
        """
        explicit = prefix is not None
        exp = Expectation(
            command=cmd,
            prefix=prefix if explicit else answer_prefix(cmd),
            prefix_explicit=explicit,
            binary_prefix=binary_prefix,
            binary_field=binary_field,
            payload_pending=payload is not None,
            final_ok=tuple(final_ok),
            is_answer=is_answer,
        )
        with self._cmd_lock:
            if self._dirty:
                self._resync_locked()
            return self._run(cmd, exp, timeout, payload, payload_terminator, None, silence_ends)

    def command_then_urc(
        self,
        cmd: str,
        urc_prefix: str,
        *,
        timeout: float | None = None,
        urc_timeout: float,
        prefix: str | None = None,
        match: Callable[[Urc], bool] | None = None,
    ) -> tuple[AtResponse, Urc]:
        """A command answered OK first and with its result later as a URC
        (AT+QIOPEN → ``+QIOPEN: 0,0``, NETOPEN, CIPOPEN, HTTPACTION, QHTTPGET, SAPBR).

        The URC is awaited from before the command is written, so it cannot be
        missed; a matching URC line that comes *before* a failing final is part of
        the raised error's lines (SIMCom ``+CIPOPEN: 1,3`` then ``ERROR``)."""

        def predicate(u: Urc) -> bool:
            return u.line.startswith(urc_prefix) and (match is None or match(u))

        exp = Expectation(command=cmd, prefix=prefix, prefix_explicit=prefix is not None)
        waiter = _Waiter(predicate)
        with self._cmd_lock:
            if self._dirty:
                self._resync_locked()
            with self._cond:
                self._waiters.append(waiter)
            try:
                response = self._run(cmd, exp, timeout, None, None, urc_prefix, None)
            except BaseException:
                with self._cond:
                    if waiter in self._waiters:
                        self._waiters.remove(waiter)
                raise
        return response, self._await(waiter, urc_timeout, f"{cmd} → {urc_prefix}")

    def command_chain(
        self,
        first: str,
        follow: Callable[[str], str | None],
        *,
        binary_prefix: str,
        timeout: float | None = None,
    ) -> list[AtResponse | ModemError]:
        """Counted reads back to back: ``first``, then whatever ``follow`` returns.

        As soon as a command's byte-count line (``binary_prefix``, e.g. ``+QIRD: 1500``) is
        parsed, ``follow(line)`` is asked on the reader thread for the next command, which
        is written at once, while the modem is still sending the bytes the line announced;
        None ends the chain. So the modem never waits for the host between two reads: the
        answers come back to back, each in order (one command in flight beyond the one
        being answered, never more). Returns every command's outcome in order: its
        response, or the error its final result was (``AtCommandError``, ``CmeError``).
        Every command written is answered before this returns, so nothing of the chain is
        left for the next command. ``timeout`` bounds the silence between answers;
        ``AtTimeout``, ``PortGone`` and ``ModemReset`` end the whole chain and are raised.
        """
        exp = Expectation(command=first, prefix=answer_prefix(first), prefix_explicit=False, binary_prefix=binary_prefix)
        return self._run_chain(_Pending(first, exp, last_activity=time.monotonic(), follow=follow, chain=[]), timeout)

    def send_chain(
        self,
        first: str,
        on_prompt: Callable[[list[bool]], tuple[bytes, str | None]],
        *,
        final_ok: tuple[str, ...] = (),
        timeout: float | None = None,
    ) -> list[AtResponse | ModemError]:
        """Counted sends back to back: ``first`` (``AT+QISEND=0,1460``), and at each prompt
        ``on_prompt(ok)`` gives the payload and the next command, written right behind the
        payload in one write, so the modem has it before it answers ``SEND OK``; None ends
        the chain. ``ok`` says which earlier commands succeeded (every one before has its
        final when a prompt comes), so the payload can be chosen after a failure. Returns
        and raises as :meth:`command_chain`."""
        exp = Expectation(command=first, prefix=answer_prefix(first), prefix_explicit=False,
                          payload_pending=True, final_ok=tuple(final_ok))
        return self._run_chain(_Pending(first, exp, last_activity=time.monotonic(), on_prompt=on_prompt, chain=[]), timeout)

    def _run_chain(self, head: _Pending, timeout: float | None) -> list[AtResponse | ModemError]:
        assert head.chain is not None
        chain = head.chain
        chain.append(head)
        try:
            return self._await_chain(chain, self.default_timeout if timeout is None else timeout)
        finally:
            for p in list(chain):
                # Each pending names its chain (a cycle the collector frees only later) and holds
                # its payload: let them go now, or a 1 MB POST keeps its pieces until then.
                p.chain = p.follow = p.on_prompt = p.payload = None

    def _await_chain(self, chain: list[_Pending], timeout: float) -> list[AtResponse | ModemError]:
        head = chain[0]
        with self._cmd_lock:
            if self._dirty:
                self._resync_locked()
            self._start(head)
            with self._cond:
                while not all(p.done for p in chain):
                    left = max(p.last_activity for p in chain) + timeout - time.monotonic()
                    if left <= 0:
                        for p in chain:
                            if not p.done:
                                self._abandon(p)
                        self._queued.clear()
                        self._chained = None
                        raise AtTimeout(chain[-1].command, timeout, [line for p in chain for line in p.lines])
                    self._cond.wait(left)
                fatal = next((p.error for p in chain if isinstance(p.error, (PortGone, ModemReset, ReplayMismatch))), None)
                if fatal is not None:
                    raise fatal
                self._established = True
                return [
                    p.error if p.error is not None else AtResponse(p.command, tuple(p.lines), p.final or "", bytes(p.data))
                    for p in chain
                ]

    def resync(self) -> None:
        """Cancel a pending prompt with ESC (never Ctrl-Z) and send ``AT`` until ``OK``."""
        with self._cmd_lock:
            self._resync_locked()

    def write_raw(self, data: bytes) -> None:
        """Write bytes as they are (data phase after CONNECT, PPP)."""
        self._write(data)

    def read_raw(self, n: int, timeout: float) -> bytes:
        """Up to ``n`` bytes of the data phase after CONNECT (fewer if ``timeout`` passes)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            if not self._framer.held:
                self._framer.hold()
            while self._framer.buffered < n and self._gone is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            data = self._framer.take_raw(n)
            if not data and self._gone is not None:
                raise PortGone(self.url, self._gone)
            return data

    def end_data(self) -> None:
        """Leave the data phase: what follows is parsed as lines again."""
        with self._cond:
            self._framer.resume()
            self._pump()
        self._send_payload()

    # ---- internals: commands -------------------------------------------------------------
    def _resync_locked(self) -> None:
        self._write(ESC)
        last: ModemError | None = None
        for attempt in range(RESYNC_TRIES):
            if attempt == 1:
                # No answer: complete a data phase left open with ESC bytes (ignored in
                # command mode, and they cancel a "> " text prompt).
                self._write(ESC * DATA_PHASE_MAX)
            try:
                self._run("AT", Expectation(command="AT"), min(RESYNC_TIMEOUT, self.default_timeout), None, None, None, None)
            except (AtTimeout, AtCommandError) as exc:
                last = exc
                continue
            self._dirty = False
            return
        assert last is not None
        raise last

    def _run(
        self,
        cmd: str,
        exp: Expectation,
        timeout: float | None,
        payload: bytes | None,
        terminator: bytes | None,
        detail_prefix: str | None,
        silence_ends: float | None,
    ) -> AtResponse:
        timeout = self.default_timeout if timeout is None else timeout
        pending = _Pending(
            cmd, exp, payload, terminator, detail_prefix, last_activity=time.monotonic(), silence_ends=silence_ends is not None
        )
        self._start(pending)
        deadline = time.monotonic() + timeout
        with self._cond:
            # The payload after a prompt is written by the reader thread (see _pump).
            while not pending.done:
                now = time.monotonic()
                left = deadline - now
                if silence_ends is not None and pending.lines:
                    quiet = pending.last_activity + silence_ends - now
                    if quiet <= 0:
                        self._finish(pending, final="")
                        break
                    left = min(left, quiet)
                if left <= 0:
                    self._abandon(pending)
                    raise AtTimeout(cmd, timeout, pending.lines)
                self._cond.wait(left)
            if pending.error is not None:
                raise pending.error
            self._established = True
            return AtResponse(cmd, tuple(pending.lines), pending.final or "", bytes(pending.data))

    def _start(self, pending: _Pending) -> None:
        """Make ``pending`` the command being answered and write its line."""
        with self._cond:
            if self._gone is not None or self.serial is None:
                raise PortGone(self.url, self._gone or "channel not open")
            if self._framer.held:
                self._framer.resume()
                self._pump()
            self._pending = pending
            self._framer.expect(pending.expectation)
        self._write((pending.command + "\r").encode("ascii", errors="replace"), pending)

    def _send_payload(self) -> None:
        """Write the payload a prompt asked for (outside the lock: it may be large)."""
        with self._cond:
            out, self._outgoing = self._outgoing, None
            chained, self._chained = self._chained, None
        if chained is not None:
            queued, line = chained
            try:
                self._write(line)
            except ModemError as exc:  # a PortGone has failed the chain already; a replay mismatch ends it here
                with self._cond:
                    if not queued.done:
                        if queued in self._queued:
                            self._queued.remove(queued)
                            queued.error, queued.done = exc, True
                        else:
                            self._finish(queued, error=exc)
                    self._fail_queued(exc)
        if out is None:
            return
        pending, data = out
        try:
            self._write(data)
        except ModemError as exc:  # ReplayMismatch (a PortGone has already failed the command)
            with self._cond:
                if not pending.done:
                    self._abandon(pending)
                    pending.error = exc
                    self._cond.notify_all()
                self._fail_queued(exc)

    def _abandon(self, pending: _Pending) -> None:
        """A timed-out command: forget it; its late answer will be dropped as stray."""
        pending.done = True
        if self._pending is pending:
            self._pending = None
            self._framer.expect(None)
        self._dirty = True

    def _next_of_chain(self) -> None:
        """The current command is answered: the chained one written behind it is current now."""
        if self._queued:
            self._pending = self._queued.popleft()
            self._framer.expect(self._pending.expectation)

    def _fail_queued(self, error: ModemError) -> None:
        """A chain cut short (port gone, modem reset): its written commands get no answer."""
        while self._queued:
            queued = self._queued.popleft()
            queued.error, queued.done = error, True
        self._cond.notify_all()

    def _write(self, data: bytes, pending: _Pending | None = None) -> None:
        ser = self.serial
        if ser is None or self._gone is not None:
            raise PortGone(self.url, self._gone or "channel not open")
        try:
            ser.write(data)
        except ReplayMismatch:
            with self._cond:
                if pending is not None:
                    self._abandon(pending)
            raise
        except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
            # TypeError/AttributeError: pyserial's fd was closed under it.
            self._port_gone(f"write failed: {exc}")
            raise PortGone(self.url, self._gone or str(exc)) from exc

    def _finish(self, pending: _Pending, *, final: str | None = None, error: ModemError | None = None) -> None:
        pending.final = final
        pending.error = error
        pending.done = True
        if self._pending is pending:
            self._pending = None
            self._framer.expect(None)
            if isinstance(error, (PortGone, ModemReset, PromptPending)):
                self._fail_queued(error)
            else:
                self._next_of_chain()
        self._cond.notify_all()

    def _await(self, waiter: _Waiter, timeout: float, what: str) -> Urc:
        deadline = time.monotonic() + timeout
        with self._cond:
            try:
                while waiter.urc is None:
                    if self._gone is not None or self._stop.is_set():
                        raise PortGone(self.url, self._gone or "channel closed")
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise AtTimeout(what, timeout)
                    self._cond.wait(left)
                return waiter.urc
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    # ---- internals: reader ---------------------------------------------------------------
    def _read_loop(self, ser: serial.SerialBase) -> None:
        while not self._stop.is_set():
            try:
                waiting = ser.in_waiting
                data = ser.read(max(1, min(waiting, 65536)))
                if len(data) == 1:
                    # Woken by the first byte of a burst: take the rest of it now, so one
                    # answer is one framer pass instead of one per byte that raced in.
                    more = ser.in_waiting
                    if more:
                        data += ser.read(min(more, 65536))
            except Exception as exc:  # SerialException, OSError, or TypeError on a closed fd
                if self._stop.is_set():
                    return
                self._port_gone(f"read failed: {exc}")
                return
            if data:
                with self._cond:
                    self._framer.feed(data)
                    self._pump()
                    # _pump wakes the command thread when its answer, prompt or URC came;
                    # bytes alone matter only to read_raw and a silence-ended answer.
                    pending = self._pending
                    if self._framer.held or (pending is not None and pending.silence_ends):
                        self._cond.notify_all()
                self._send_payload()

    def _port_gone(self, reason: str) -> None:
        with self._cond:
            if self._gone is not None:
                return
            self._gone = reason
            log.warning("port %s vanished: %s", self.url, reason)
            error = PortGone(self.url, reason)
            if self._pending is not None:
                self._finish(self._pending, error=error)
            self._fail_queued(error)
            self._cond.notify_all()
            callbacks = list(self._gone_subscribers)
        for cb in callbacks:
            self._queue.put(lambda cb=cb: cb(error))

    def _pump(self) -> None:
        """Handle every event the framer has (called with the lock held)."""
        while True:
            ev = self._framer.next_event()
            if ev is NEED_DATA:
                return
            pending = self._pending
            if pending is not None:
                pending.last_activity = time.monotonic()
            if isinstance(ev, InfoLine):
                if pending is not None and self._is_chained_echo(ev.text):
                    log.debug("echo of a chained command %r", ev.text)
                elif pending is not None:
                    pending.lines.append(ev.text)
                    if pending.follow is not None:
                        self._chain_next(pending, ev.text)
                else:
                    log.info("answer line with no command pending dropped: %r", ev.text)
            elif isinstance(ev, FinalResult):
                self._on_final(ev, pending)
            elif isinstance(ev, Unsolicited):
                self._on_urc(ev, pending)
            elif isinstance(ev, Prompt):
                if pending is not None and pending.on_prompt is not None and not pending.payload_sent:
                    self._chain_payload(pending)
                elif pending is not None and pending.payload is not None and not pending.payload_sent:
                    # The reader writes the payload itself as soon as it has released the
                    # lock: waking the command thread to do it cost a thread hand-off per
                    # AT+QISEND (~0.1-0.2 ms each, bench/driver.py at 3 Mbaud).
                    pending.payload_sent = True
                    echo = _printable(pending.payload)
                    self._framer.expect(replace(pending.expectation, payload_pending=False, command=echo or pending.command))
                    self._outgoing = (pending, pending.payload + (pending.terminator or b""))
                else:
                    # A prompt nobody asked for (a crashed session's CMGS, or a command
                    # sent without its payload): cancel it with ESC, never Ctrl-Z, which
                    # would send the leftover text.
                    log.warning("unexpected %r prompt: cancelling it with ESC", ev.text)
                    self._write_quiet(ESC)
                    if pending is not None and not pending.done:
                        self._finish(pending, error=PromptPending(
                            f"{pending.command!r} opened a {ev.text!r} prompt but no payload was given; "
                            "cancelled with ESC"
                        ))
                        self._dirty = True  # whatever the modem says to the ESC is not for the next command
            elif isinstance(ev, RawPayload):
                if pending is not None:
                    pending.data += ev.data
                else:
                    log.warning("%d raw bytes with no command pending dropped", len(ev.data))
            elif isinstance(ev, FramingWarning):
                log.warning("%s", ev.message)
                self.warnings.append(ev.message)
            elif isinstance(ev, Noise):
                log.info("line noise skipped (%s): %r", ev.reason, ev.data)
            elif isinstance(ev, Echo):
                log.debug("echo %r", ev.text)

    def _chain_next(self, pending: _Pending, text: str) -> None:
        """A chained read's byte-count line: ask for the next command and have it written
        by the reader thread as soon as the lock is released (see _send_payload)."""
        binary = pending.expectation.binary_prefix
        if not binary or not text.strip().upper().startswith(binary.upper()):
            return
        follow, pending.follow = pending.follow, None  # one follower per command
        assert follow is not None and pending.chain is not None
        try:
            command = follow(text.strip())
        except Exception:  # a bad follower ends the chain; the answers still come in order
            log.exception("chained read follower failed on %r", text)
            return
        if command is None:
            return
        exp = replace(pending.expectation, command=command, prefix=answer_prefix(command))
        queued = _Pending(command, exp, last_activity=time.monotonic(), follow=follow, chain=pending.chain)
        pending.chain.append(queued)
        self._queued.append(queued)
        self._chained = (queued, (command + "\r").encode("ascii", errors="replace"))
        self.commands_ahead += 1

    def _chain_payload(self, pending: _Pending) -> None:
        """A chained send's prompt: its payload, and the next command behind it in the same write."""
        assert pending.on_prompt is not None and pending.chain is not None
        earlier = pending.chain[: pending.chain.index(pending)]
        payload, command = pending.on_prompt([p.error is None for p in earlier])
        pending.payload, pending.payload_sent = payload, True
        self._framer.expect(replace(pending.expectation, payload_pending=False))
        tail = b""
        if command is not None:
            queued = _Pending(command, replace(pending.expectation, command=command, prefix=answer_prefix(command)),
                              last_activity=time.monotonic(), on_prompt=pending.on_prompt, chain=pending.chain)
            pending.chain.append(queued)
            self._queued.append(queued)
            tail = (command + "\r").encode("ascii", errors="replace")
            self.commands_ahead += 1
        self._outgoing = (pending, payload + tail)

    def _is_chained_echo(self, text: str) -> bool:
        """With echo on, a chained command's echo may come inside the answer before it."""
        line = text.strip().upper()
        return any(line == queued.command.strip().upper() for queued in self._queued)

    def _on_final(self, ev: FinalResult, pending: _Pending | None) -> None:
        if pending is None or pending.done:
            if ev.kind == "NO CARRIER":
                self._on_urc(Unsolicited("NO CARRIER", ev.text), None)
            else:
                log.info("stray final %r with no command pending dropped", ev.text)
            return
        if ev.success:
            self._finish(pending, final=ev.text)
            return
        lines = list(pending.lines)
        if ev.kind == "CME":
            code, meaning = cme_meaning(ev.text.partition(":")[2])
            error: ModemError = CmeError(code, meaning, pending.command, lines)
        elif ev.kind == "CMS":
            code, meaning = cms_meaning(ev.text.partition(":")[2])
            error = CmsError(code, meaning, pending.command, lines)
        else:
            error = AtCommandError(pending.command, ev.text, lines)
        self._finish(pending, error=error)

    def _on_urc(self, ev: Unsolicited, pending: _Pending | None) -> None:
        now = time.monotonic()
        urc = Urc(ev.name, ev.line, ev.pdu, now, ev.reset, ev.data)
        self._history.append(urc)
        for waiter in self._waiters:
            if waiter.urc is None and waiter.predicate(urc):
                waiter.urc = urc
                break
        if pending is not None and pending.detail_prefix and urc.line.startswith(pending.detail_prefix):
            pending.lines.append(urc.line)
        # Readiness signs that end a boot seconds (SIMCom's PB DONE: up to minutes) after its
        # first URCs are never a restart alone: the RDY or +CPIN: READY before them tells it.
        if urc.reset is not None and not self.urcs.is_late_boot(urc.line):
            fresh = now - self._last_boot > BOOT_WINDOW
            if pending is not None and (urc.reset == "strong" or (fresh and self._established)):
                log.warning("modem restarted (%s) while %r was pending", urc.line, pending.command)
                self._finish(pending, error=ModemReset(urc))
            self._last_boot = now
        self._cond.notify_all()
        self._queue.put(urc)

    def _write_quiet(self, data: bytes) -> None:
        try:
            if self.serial is not None:
                self.serial.write(data)
        except Exception:
            log.warning("could not write %r", data, exc_info=True)

    # ---- internals: dispatcher -----------------------------------------------------------
    def _dispatch_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if callable(item):
                try:
                    item()
                except Exception:
                    log.exception("port-gone subscriber failed")
                continue
            with self._cond:
                subscribers = list(self._subscribers)
            for cb in subscribers:
                try:
                    cb(item)  # type: ignore[arg-type]
                except Exception:
                    log.exception("URC subscriber %r failed on %r", cb, item)


def _as_predicate(predicate_or_prefix: Callable[[Urc], bool] | str) -> Callable[[Urc], bool]:
    if callable(predicate_or_prefix):
        return predicate_or_prefix
    prefix = predicate_or_prefix

    def starts(u: Urc) -> bool:
        return u.line.startswith(prefix) or u.name == prefix

    return starts


def _printable(payload: bytes) -> str | None:
    """The payload as text when the modem may echo it (SMS PDU hex), else None."""
    try:
        text = payload.decode("ascii")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() and text else None
