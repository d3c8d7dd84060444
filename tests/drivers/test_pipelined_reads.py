"""Back-to-back socket reads (issue 13): the next AT+QIRD goes out while the modem is still
sending the bytes of the one before, and nothing of a chain is left for the next command.

A scripted Quectel on a real pty answers each read in order, as the module does, and
holds a full read's bytes back (while more is buffered) until the next read has arrived: a
driver that waited for the OK before asking again would never get them before HOLD (the
modem then counts the read as not overlapped). Its script says what each read answers: bytes, +QIRD: 0, ERROR, and a
+QIURC: "closed" between two answers.

With ``modem.chained_io`` off (``chained=False``) the same modems see the old order: every
command after the final result of the one before (V.250 §5.2.1), none written ahead.
"""

from __future__ import annotations

import os
import queue
import select
import threading
from dataclasses import dataclass

import pytest

from mmsua.drivers.at.channel import AtChannel
from mmsua.drivers.bearers.at_sockets import READ_CHUNK
from mmsua.drivers.errors import AtCommandError
from mmsua.drivers.vendors import get_profile
from mmsua.drivers.vendors.quectel.sockets import QuectelSockets

HOLD = 10.0  # how long the modem holds a read's bytes for the next read (only a failure waits it out)


@dataclass
class Step:
    """What one AT+QIRD=0,<n> answers: ``take`` bytes of the buffer, or ``error``; ``closed``
    prints +QIURC: "closed",0 right after the answer."""

    take: int | None = None
    error: bool = False
    closed: bool = False


class ScriptedQuectel:
    def __init__(self, data: bytes, script: list[Step] | None = None, hold: float = HOLD) -> None:
        self.hold = hold
        self.buffer = bytearray(data)
        self.script = list(script or [])
        self.master, self._slave = os.openpty()
        self.device = os.ttyname(self._slave)
        self.commands: list[str] = []
        self.overlapped = 0  # reads whose next read came while their bytes were still held
        self.answered = 0  # final results written (counted before the write: a host cannot beat it)
        self.early = 0  # command lines that came before the final result of the command before
        self.reads = 0
        self.last_read: int | None = None  # the test's expected last read of a chain: not held
        self._lines: queue.Queue[str] = queue.Queue()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._read_lines, daemon=True), threading.Thread(target=self._answer, daemon=True)]
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        self._stop.set()
        for thread in self._threads:  # before the fds go: a new pty may get their numbers
            thread.join(timeout=5)
        for fd in (self.master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def _read_lines(self) -> None:
        buf = bytearray()
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                if not ready:
                    continue
                buf += os.read(self.master, 4096)
            except OSError:
                return
            while (end := buf.find(b"\r")) >= 0:
                line = bytes(buf[:end]).decode("latin-1").strip().lstrip("\x1b")
                del buf[: end + 1]
                if line:
                    if self.answered < len(self.commands):
                        self.early += 1
                    self.commands.append(line)
                    self._lines.put(line)

    def _write(self, data: bytes) -> None:
        os.write(self.master, data)

    def _answer(self) -> None:
        while not self._stop.is_set():
            try:
                line = self._lines.get(timeout=0.05)
            except queue.Empty:
                continue
            if not line.upper().startswith("AT+QIRD=0,"):
                self.answered += 1
                self._write(b"\r\nOK\r\n")
                continue
            self.reads += 1
            step = self.script.pop(0) if self.script else Step()
            if step.error:
                self.answered += 1
                self._write(b"\r\nERROR\r\n")
            else:
                want = min(int(line.split(",")[1]), READ_CHUNK)
                piece = bytes(self.buffer[: min(want, len(self.buffer) if step.take is None else step.take)])
                del self.buffer[: len(piece)]
                count = len(self.commands)  # before the header: the next read may follow it at once
                self._write(b"\r\n+QIRD: %d\r\n" % len(piece))
                if len(piece) == READ_CHUNK and self.buffer and self.reads != self.last_read:
                    # The bytes wait for the next command: only a chained read sends it now.
                    if self._next_arrives(count):
                        self.overlapped += 1
                self._write(piece)
                self.answered += 1
                self._write(b"\r\n\r\nOK\r\n")
            if step.closed:
                self._write(b'\r\n+QIURC: "closed",0\r\n')

    def _next_arrives(self, count: int) -> bool:
        waited = 0.0
        while waited < self.hold and len(self.commands) == count and not self._stop.is_set():
            self._stop.wait(0.01)
            waited += 0.01
        return len(self.commands) > count


class _Pdp:
    cid = 1


@pytest.fixture
def rig():
    made: list[tuple[ScriptedQuectel, AtChannel]] = []

    def build(data: bytes, script: list[Step] | None = None, *, chained: bool = True,
              hold: float = HOLD) -> tuple[ScriptedQuectel, AtChannel, QuectelSockets]:
        modem = ScriptedQuectel(data, script, hold)
        channel = AtChannel(modem.device, default_timeout=HOLD * 2).open()
        made.append((modem, channel))
        stack = QuectelSockets(channel, get_profile("quectel"), _Pdp(), chained=chained)  # type: ignore[arg-type]  # only the cid is read
        stack._subscribe()
        stack.events.opened(0)  # as after +QIOPEN: 0,0
        return modem, channel, stack

    yield build
    for modem, channel in made:
        channel.close()
        modem.close()


def _reads(modem: ScriptedQuectel) -> list[str]:
    return [c for c in modem.commands if c.upper().startswith("AT+QIRD")]


def _clean_after(channel: AtChannel, modem: ScriptedQuectel) -> None:
    """The next command gets its own answer: no read's answer was left in the channel."""
    before = len(modem.commands)
    response = channel.command("AT+QISTATE=1,0")
    assert response.final == "OK" and response.lines == () and response.data == b""
    assert modem.commands[before:] == ["AT+QISTATE=1,0"]


def test_every_byte_in_order_with_each_read_sent_behind_the_one_before(rig) -> None:
    data = os.urandom(10_000)
    modem, channel, stack = rig(data)
    got, more = stack.receive_many(0, len(data))
    assert got == data
    assert not more  # the last read was short: the buffer is drained
    assert _reads(modem) == [f"AT+QIRD=0,{READ_CHUNK}"] * 7  # ceil(10000 / 1500)
    assert modem.overlapped == 6  # every read but the last had the next one behind it
    assert modem.early == 6 and channel.commands_ahead == 6
    _clean_after(channel, modem)


def test_chained_io_off_reads_one_at_a_time_each_after_the_final_before(rig) -> None:
    data = os.urandom(10_000)
    # The modem holds each full read's bytes a moment for a read written ahead: none comes.
    modem, channel, stack = rig(data, chained=False, hold=0.2)
    got = bytearray()
    while len(got) < len(data):
        piece, more = stack.receive_many(0, len(data) - len(got))
        assert piece and more == (len(piece) == READ_CHUNK)
        got += piece
    assert got == data
    assert _reads(modem) == [f"AT+QIRD=0,{READ_CHUNK}"] * 7  # one read per call
    assert modem.early == 0 and modem.overlapped == 0 and channel.commands_ahead == 0
    _clean_after(channel, modem)


def test_chained_io_off_an_error_after_the_close_is_the_end(rig) -> None:
    data = os.urandom(1_000)
    modem, channel, stack = rig(data, [Step(closed=True), Step(error=True)], chained=False, hold=0.2)
    assert stack.receive_many(0, 20_000) == (data, False)
    assert stack.receive_many(0, 20_000) == (b"", False)  # ERROR once drained after the peer closed
    assert modem.early == 0
    _clean_after(channel, modem)


def test_chained_io_off_an_error_on_an_open_socket_is_raised(rig) -> None:
    modem, channel, stack = rig(os.urandom(1_000), [Step(error=True)], chained=False, hold=0.2)
    with pytest.raises(AtCommandError):
        stack.receive_many(0, 20_000)
    _clean_after(channel, modem)


def test_never_more_reads_than_the_bytes_still_needed(rig) -> None:
    data = os.urandom(9_000)
    modem, channel, stack = rig(data)
    modem.last_read = 3
    got, more = stack.receive_many(0, 3_100)
    assert got == data[:4_500]  # three reads cover 3,100 bytes; each takes a full chunk
    assert more  # the last read was full: more is buffered
    assert len(_reads(modem)) == 3 and modem.overlapped == 2
    _clean_after(channel, modem)
    rest, _ = stack.receive_many(0, len(data) - 4_500)
    assert got + rest == data


def test_nothing_buffered_mid_chain_ends_it(rig) -> None:
    data = os.urandom(3_000)  # two full reads, then +QIRD: 0
    modem, channel, stack = rig(data)
    got, more = stack.receive_many(0, 20_000)
    assert got == data and not more
    assert len(_reads(modem)) == 3
    _clean_after(channel, modem)


def test_an_error_mid_chain_is_raised_once_every_answer_is_in(rig) -> None:
    data = os.urandom(6_000)
    modem, channel, stack = rig(data, [Step(), Step(error=True)])
    with pytest.raises(AtCommandError):
        stack.receive_many(0, len(data))
    assert len(_reads(modem)) == 2  # the ERROR has no byte count, so nothing followed it
    _clean_after(channel, modem)
    got, _ = stack.receive_many(0, len(data) - READ_CHUNK)  # an ERROR takes nothing from the buffer
    assert got == data[READ_CHUNK:]


def test_the_peer_closing_mid_read_loses_no_byte(rig) -> None:
    data = os.urandom(4_000)
    modem, channel, stack = rig(data, [Step(closed=True), Step(), Step(), Step(error=True)])
    got, more = stack.receive_many(0, 20_000)
    assert got == data and not more  # read on after the close until the buffer was drained
    assert channel.urcs_delivered()
    assert stack.events.is_closed(0)
    _clean_after(channel, modem)
    # Some firmware answers ERROR once a closed socket is drained: that is the end, not a failure.
    assert stack.receive_many(0, 20_000) == (b"", False)
    _clean_after(channel, modem)


def test_an_error_after_the_close_keeps_the_bytes_before_it(rig) -> None:
    data = os.urandom(5_000)
    modem, channel, stack = rig(data, [Step(closed=True), Step(error=True)])
    got, more = stack.receive_many(0, 20_000)
    assert got == data[:READ_CHUNK] and not more
    _clean_after(channel, modem)


# ---- sends: each AT+QISEND written behind the payload before it ---------------------------


class ScriptedSender:
    """A Quectel taking AT+QISEND=0,<n>: "> ", exactly n bytes, then SEND OK, or what the
    script says (SEND FAIL: nothing accepted; ERROR). It holds SEND OK back until the next
    command has arrived, except after the ``last`` sends, the ones the test expects to end a chain."""

    def __init__(self, script: dict[int, str] | None = None, last: tuple[int, ...] = (), hold: float = HOLD) -> None:
        self.hold = hold
        self.script = dict(script or {})  # send number (1-based) -> final
        self.last = last
        self.accepted = bytearray()
        self.commands: list[str] = []
        self.sends = 0
        self.overlapped = 0
        self.closed = False
        self.master, self._slave = os.openpty()
        self.device = os.ttyname(self._slave)
        self._buf = bytearray()
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._pump, daemon=True), threading.Thread(target=self._serve, daemon=True)]
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        for thread in self._threads:  # before the fds go: a new pty may get their numbers
            thread.join(timeout=5)
        for fd in (self.master, self._slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def _pump(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self.master], [], [], 0.05)
                data = os.read(self.master, 65536) if ready else b""
            except OSError:
                return
            with self._cond:
                self._buf += data
                self._cond.notify_all()

    def _take(self, n: int | None, wait: float = HOLD) -> bytes | None:
        """n bytes, or (None) the next command line; None when nothing came within ``wait``."""
        with self._cond:
            def ready() -> bool:
                return len(self._buf) >= n if n is not None else b"\r" in self._buf
            if not self._cond.wait_for(lambda: ready() or self._stop.is_set(), wait) or self._stop.is_set():
                return None
            end = n if n is not None else self._buf.index(b"\r") + 1
            out = bytes(self._buf[:end])
            del self._buf[:end]
            return out

    def _serve(self) -> None:
        while not self._stop.is_set():
            line = self._take(None, 0.05)
            if line is None:
                continue
            command = line.decode("latin-1").strip().lstrip("\x1b")
            if not command:
                continue
            self.commands.append(command)
            if not command.upper().startswith("AT+QISEND=0,"):
                os.write(self.master, b"\r\nOK\r\n")
                continue
            self.sends += 1
            if self.closed:  # the socket is gone: refused at once, no prompt
                os.write(self.master, b"\r\nERROR\r\n")
                continue
            os.write(self.master, b"\r\n> ")
            payload = self._take(int(command.split(",")[1]))
            if payload is None:
                return
            final = self.script.get(self.sends, "SEND OK")
            if final == "SEND OK":
                self.accepted += payload
            elif final == "ERROR":  # the peer closed the socket under this send
                self.closed = True
                os.write(self.master, b'\r\n+QIURC: "closed",0\r\n')
            if self.sends not in self.last:
                with self._cond:  # the next AT+QISEND, written behind this payload, is here already
                    if self._cond.wait_for(lambda: b"\r" in self._buf or self._stop.is_set(), self.hold) and b"\r" in self._buf:
                        self.overlapped += 1
            os.write(self.master, f"\r\n{final}\r\n".encode())


@pytest.fixture
def sender_rig():
    made: list[tuple[ScriptedSender, AtChannel]] = []

    def build(script: dict[int, str] | None = None, last: tuple[int, ...] = (), *, chained: bool = True,
              hold: float = HOLD) -> tuple[ScriptedSender, AtChannel, QuectelSockets]:
        modem = ScriptedSender(script, last, hold)
        channel = AtChannel(modem.device, default_timeout=HOLD * 2).open()
        made.append((modem, channel))
        stack = QuectelSockets(channel, get_profile("quectel"), _Pdp(), sleep=lambda _s: None, chained=chained)  # type: ignore[arg-type]
        stack._subscribe()
        stack.events.opened(0)
        return modem, channel, stack

    yield build
    for modem, channel in made:
        channel.close()
        modem.close()


def _sends(modem: ScriptedSender) -> list[int]:
    return [int(c.split(",")[1]) for c in modem.commands if c.upper().startswith("AT+QISEND=")]


def test_sends_go_back_to_back_and_arrive_whole(sender_rig) -> None:
    data = os.urandom(10_000)
    modem, channel, stack = sender_rig(last=(7,))
    stack.send(0, data)
    assert bytes(modem.accepted) == data
    assert _sends(modem) == [1460] * 6 + [10_000 - 6 * 1460]
    assert modem.overlapped == 6  # every send but the last had the next AT+QISEND behind its payload
    before = len(modem.commands)
    assert channel.command("AT+QISTATE=1,0").final == "OK"
    assert modem.commands[before:] == ["AT+QISTATE=1,0"]


def test_chained_io_off_sends_one_at_a_time_each_after_its_send_ok(sender_rig) -> None:
    data = os.urandom(6_000)
    # The modem waits a moment after each payload for an AT+QISEND written behind it: none comes.
    modem, channel, stack = sender_rig({2: "SEND FAIL"}, chained=False, hold=0.2)
    stack.send(0, data)
    assert bytes(modem.accepted) == data  # the refused piece went again, after a pause
    assert _sends(modem) == [1460, 1460, 1460, 1460, 1460, 160]
    assert modem.overlapped == 0 and channel.commands_ahead == 0
    assert channel.command("AT+QISTATE=1,0").final == "OK"


def test_a_refused_piece_is_sent_again_from_its_first_byte(sender_rig) -> None:
    data = os.urandom(6_000)
    # The 2nd piece is refused (buffer full): the 3rd, already asked for, carries its bytes and
    # ends the chain; the rest follows in a new chain.
    modem, channel, stack = sender_rig({2: "SEND FAIL"}, last=(3, 6))  # the two chains' last sends
    stack.send(0, data)
    assert bytes(modem.accepted) == data  # whole and in order
    assert _sends(modem) == [1460, 1460, 1460, 1460, 1460, 160]  # the refused piece went twice
    assert modem.overlapped == 4
    assert channel.command("AT+QISTATE=1,0").final == "OK"


def test_an_error_mid_chain_with_the_peer_gone_is_a_closed_connection(sender_rig) -> None:
    from mmsua.drivers.bearers.base import ConnectionClosed

    data = os.urandom(6_000)
    modem, channel, stack = sender_rig({2: "ERROR"}, last=(2,))
    with pytest.raises(ConnectionClosed):
        stack.send(0, data)
    assert _sends(modem) == [1460, 1460, 1460]  # the 3rd, written behind the 2nd payload, met the closed socket
    assert bytes(modem.accepted) == data[:1460]  # nothing after the refused piece was accepted
    before = len(modem.commands)
    assert channel.command("AT+QISTATE=1,0").final == "OK"  # no answer of the chain left behind
    assert modem.commands[before:] == ["AT+QISTATE=1,0"]

