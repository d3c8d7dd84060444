"""Engine benchmark: a real `mmsua daemon` on the simulated carrier's emulated modem.

    .venv/bin/python bench/engine.py                    # 30 messages, a burst of 1000, 60 s idle
    .venv/bin/python bench/engine.py --quick            # 10 messages, a burst of 200, 10 s idle
    .venv/bin/python bench/engine.py --messages 5 --burst 0 --idle 0 --line-rate 11520 --timeline
    .venv/bin/python bench/engine.py --messages 0 --large 5 --burst 0 --idle 0 --line-rate 300000   # 290 KB both ways
    (--large runs with modem.chained_io on, then off; --chained-io on|off for one)
    .venv/bin/python bench/engine.py --notify 30 --messages 0 --burst 0 --idle 0   # the notification path only

Prints:
0. per MMS notification (``--notify N``, retrieval policy manual so nothing follows it):
   time from the emulated modem emitting the last SMS segment's +CMTI (the URC put in
   its output) to the daemon committing the notification in its store (the outermost
   store transaction that added it, stamped in the daemon's process by a probe the bench
   starts it with; CLOCK_MONOTONIC is one clock for both processes). The path timed is
   the daemon's own: +CMTI over the pty, the AtChannel's reader and URC dispatch, the SMS
   worker's AT+CMGR and its answer, the decode, the SQLite commit (WAL, synchronous=FULL).
   Beside it, the physical floor: the bytes of the +CMTI, the AT+CMGR and its answer at
   the line rate, and the medians of the three parts (to the AT+CMGR reaching the modem,
   to its answer, to the commit). Each MMS is sent once the previous one's SMS is deleted;
   three unmeasured first;
1. per message: time from the last SMS segment of the notification reaching the
   emulated modem to the message being stored (the daemon's message.updated event
   with state received), minus the time ANY bytes spent on the simulated serial
   line in that window (when a line rate is set): the +CMTI URC, the AT+CMGR
   read-back of the PDU as hex, the socket AT commands, the HTTP GET and the
   M-Retrieve.conf in +QIRD framing, and whatever else crossed before "stored".
   The line's two throttles (modem->host, host->modem) report each paced chunk;
   the union of those busy intervals inside the window is the time on the link
   (bytes / line rate, overlapping directions counted once). Median, p95, max,
   and the median bytes and line time per message;
2. a burst of N notifications (retrieval policy manual, so each is only stored):
   how many were stored (nothing may be lost) and how long the burst took;
3. the daemon's resident memory (VmRSS) and CPU use over an idle period with the
   modem idle (no busy polling: should be near 0%).

The figure beside each is the issue's target (there is no peer user agent that
runs on this emulated modem: mmsd-tng needs ModemManager and D-Bus).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "daemon"))

from daemonproc import DaemonProcess  # noqa: E402

from mmsua.api.events import MessageReceived, MessageUpdated  # noqa: E402
from mmsua.api.shapes import Message  # noqa: E402
from mmsua.daemon.client import Client  # noqa: E402
from mmsua.sim.carrier import SimulatedCarrier  # noqa: E402

ME = "+15550100001"
SENDER = "+15550107777"
TICKS = os.sysconf("SC_CLK_TCK")


class LineMeter:
    """Busy intervals of a handset's serial line, from its two throttles (time.perf_counter)."""

    def __init__(self, line) -> None:
        self.rate = line.line_rate
        self.intervals: list[tuple[float, float, int]] = []  # (start, end, bytes)
        self._lock = threading.Lock()
        if self.rate:
            for throttle in (line.rx, line.tx):
                self._wrap(throttle)

    def _wrap(self, throttle) -> None:
        original = throttle.pace

        def pace(n: int) -> None:
            before = time.perf_counter()
            original(n)
            if n > 0:
                # The throttle sleeps until the chunk's last byte has crossed: the chunk
                # occupied the line for n / rate seconds ending now.
                end = max(time.perf_counter(), before)
                with self._lock:
                    self.intervals.append((end - n / self.rate, end, n))

        throttle.pace = pace

    def busy(self, start: float, end: float) -> tuple[float, int]:
        """Seconds the line carried bytes (either direction, counted once) within [start, end], and those bytes."""
        with self._lock:
            parts = sorted((max(a, start), min(b, end), n) for a, b, n in self.intervals if b > start and a < end)
        total, cursor, moved = 0.0, start, 0
        for a, b, n in parts:
            moved += n
            a = max(a, cursor)
            if b > a:
                total += b - a
                cursor = b
        return total, moved


class Timeline:
    """What crossed a handset's serial line and when (``--timeline``): to see where a message's time goes."""

    def __init__(self, line) -> None:
        self.chunks: list[tuple[float, str, bytes]] = []
        write, read = line.write, line.read_unclaimed  # the pty bridge's two directions

        def write_(data: bytes) -> int:
            self.chunks.append((time.perf_counter(), "host>", bytes(data)))
            return write(data)

        def read_(limit: int, timeout: float | None) -> bytes:
            data = read(limit, timeout)
            if data:
                self.chunks.append((time.perf_counter(), "<modem", data))
            return data

        line.write, line.read_unclaimed = write_, read_

    def show(self, start: float, end: float) -> None:
        print(f"  timeline of the last message (ms after its last SMS segment; 'stored' at {(end - start) * 1000:.1f} ms):")
        for when, direction, data in self.chunks:
            if start <= when <= end:
                text = data[:60].decode("latin-1").encode("unicode_escape").decode("ascii")
                print(f"  {(when - start) * 1000:8.1f}  {direction:6} {len(data):5}  {text}")


class Stamps:
    """Times of SMS arriving at the emulated modem, and of the daemon's events."""

    def __init__(self) -> None:
        self.sms: list[float] = []
        self.stored: dict[str, float] = {}
        self.cond = threading.Condition()

    def wrap_modem(self, modem) -> None:
        original = modem.deliver_sms

        def deliver(pdu: bytes) -> None:
            self.sms.append(time.perf_counter())
            original(pdu)

        modem.deliver_sms = deliver

    def listen(self, socket: Path, state: str) -> None:
        stream = Client(socket, timeout=None).events()

        def pump() -> None:
            for event in stream:
                if isinstance(event, (MessageReceived, MessageUpdated)) and event.data.state == state and event.data.subject:
                    with self.cond:
                        self.stored.setdefault(event.data.subject, time.perf_counter())
                        self.cond.notify_all()

        threading.Thread(target=pump, daemon=True).start()

    def wait_for(self, subject: str, timeout: float = 60.0) -> float | None:
        with self.cond:
            self.cond.wait_for(lambda: subject in self.stored, timeout)
            return self.stored.get(subject)


def proc_stat(pid: int) -> tuple[float, int]:
    """(CPU seconds used, resident KiB) of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS:"))
    return cpu, rss


def latency(count: int, line_rate: float | None, text_size: int, timeline: bool = False) -> tuple[list[float], list[float], list[int]]:
    """(overheads, seconds on the line, bytes on the line) per message."""
    with SimulatedCarrier(line_rate=line_rate) as carrier, tempfile.TemporaryDirectory(prefix="mmsua-bench-") as work:
        handset = carrier.add_handset(ME)
        meter = LineMeter(handset.line)
        recorder = Timeline(handset.line) if timeline else None
        window: tuple[float, float] | None = None
        stamps = Stamps()
        stamps.wrap_modem(handset.modem)
        daemon = DaemonProcess(carrier, handset, Path(work))
        daemon.start()
        stamps.listen(daemon.socket, "received")
        overheads: list[float] = []
        on_line: list[float] = []
        moved: list[int] = []
        try:
            for n in range(count):
                subject = f"latency {n}"
                before = len(stamps.sms)
                carrier.send_mms(SENDER, [ME], subject=subject, text="x" * text_size)
                done = stamps.wait_for(subject)
                if done is None:
                    print(f"  message {n} not stored within 60 s", file=sys.stderr)
                    continue
                last_segment = stamps.sms[-1] if len(stamps.sms) > before else None
                segments = [t for t in stamps.sms[before:] if t <= done]
                last_segment = segments[-1] if segments else last_segment
                window = (last_segment, done)
                busy, n_bytes = meter.busy(last_segment, done)
                overheads.append(done - last_segment - busy)
                on_line.append(busy)
                moved.append(n_bytes)
        finally:
            daemon.terminate()
        if recorder is not None and window is not None:
            recorder.show(*window)
    return overheads, on_line, moved


def sending(count: int, line_rate: float | None, text_size: int) -> tuple[list[float], list[float], list[int]]:
    """(overheads, seconds on the line, bytes on the line) per message sent: from the API's
    send call to the message's state "sent" (the MMSC's M-Send.conf stored), minus the time
    any bytes spent on the serial line in that window (the M-Send.req's AT+QISEND pieces,
    the socket and context commands, the M-Send.conf in +QIRD framing)."""
    from mmsua.api.shapes import SendRequest

    with SimulatedCarrier(line_rate=line_rate) as carrier, tempfile.TemporaryDirectory(prefix="mmsua-bench-") as work:
        handset = carrier.add_handset(ME)
        meter = LineMeter(handset.line)
        stamps = Stamps()
        daemon = DaemonProcess(carrier, handset, Path(work))
        daemon.start()
        stamps.listen(daemon.socket, "sent")
        client = daemon.client()
        overheads: list[float] = []
        on_line: list[float] = []
        moved: list[int] = []
        try:
            for n in range(count):
                subject = f"sending {n}"
                start = time.perf_counter()
                client.send(SendRequest(to=(SENDER,), subject=subject, text="x" * text_size))
                done = stamps.wait_for(subject, timeout=600)
                if done is None:
                    print(f"  message {n} not sent within 600 s", file=sys.stderr)
                    continue
                busy, n_bytes = meter.busy(start, done)
                overheads.append(done - start - busy)
                on_line.append(busy)
                moved.append(n_bytes)
        finally:
            daemon.terminate()
    return overheads, on_line, moved


def report(label: str, overheads: list[float], on_line: list[float], moved: list[int], rate: str, line_rate: float | None) -> None:
    ms = sorted(x * 1000 for x in overheads)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    print(f"{label}, minus time on the serial line ({len(ms)} messages, line {rate}): "
          f"median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms   [target < 50 ms]")
    if line_rate:
        print(f"  subtracted per message: median {statistics.median(on_line) * 1000:.1f} ms on the line, "
              f"{statistics.median(moved):.0f} bytes both directions")
# Run inside the daemon process by ProbedDaemon: after the outermost store transaction that
# added a received MMS notification commits, write "<time.monotonic()> <subject>" to a FIFO.
# CLOCK_MONOTONIC is one clock for every process, so the bench compares it with its own stamps.
_COMMIT_PROBE = """
import os, sys, threading, time, runpy
from contextlib import contextmanager
from mmsua.store import store as _store
_out = os.open(sys.argv.pop(1), os.O_WRONLY)
_local = threading.local()
_transaction, _add_message = _store.Store.transaction, _store.Store.add_message
def add_message(self, *args, **kwargs):
    made = _add_message(self, *args, **kwargs)
    if kwargs.get("kind") == "mms" and kwargs.get("direction") == "in":
        _local.__dict__.setdefault("subjects", []).append(str(kwargs.get("subject") or ""))
    return made
@contextmanager
def transaction(self):
    _local.depth = getattr(_local, "depth", 0) + 1
    committed = False
    try:
        with _transaction(self):
            yield
        committed = True
    finally:
        _local.depth -= 1
        subjects = _local.__dict__.pop("subjects", []) if _local.depth == 0 else []
    if committed and subjects:
        now = time.monotonic()
        os.write(_out, "".join(f"{now!r} {s}\\n" for s in subjects).encode())
_store.Store.add_message, _store.Store.transaction = add_message, transaction
sys.argv = ["mmsua", *sys.argv[1:]]
runpy.run_module("mmsua", run_name="__main__", alter_sys=True)
"""


class ProbedDaemon(DaemonProcess):
    """The real daemon, started through ``probe``: Python run in the daemon's process before
    mmsua's own main, given ``probe_arg`` (the bench's only change to the daemon)."""

    def __init__(self, *args, probe: str, probe_arg: str, python_flags: tuple[str, ...] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.probe, self.probe_arg, self.python_flags = probe, probe_arg, python_flags

    def argv(self) -> list[str]:
        real = super().argv()
        assert real[1:3] == ["-m", "mmsua"]
        return [real[0], *self.python_flags, "-c", self.probe, self.probe_arg, *real[3:]]


class ModemWire:
    """What the emulated modem says (its outbox) and what the host writes, with time.monotonic() stamps."""

    def __init__(self, handset) -> None:
        self.said: list[tuple[float, bytes]] = []
        self.heard: list[tuple[float, bytes]] = []
        outbox, line = handset.modem.outbox, handset.line
        put, write = outbox.put, line.write

        def put_(data: bytes) -> None:
            self.said.append((time.monotonic(), bytes(data)))
            put(data)

        def write_(data: bytes) -> int:
            self.heard.append((time.monotonic(), bytes(data)))
            return write(data)

        outbox.put, line.write = put_, write_

    def cmti_between(self, start: float, end: float) -> list[float]:
        return [t for t, data in list(self.said) if start <= t <= end and b"+CMTI" in data]

    def phases(self, cmti_at: float, done: float) -> tuple[float, float, float] | None:
        """(+CMTI said -> AT+CMGR heard, -> its answer said, -> committed) in seconds."""
        said, heard = list(self.said), list(self.heard)
        command = next((t for t, data in heard if t >= cmti_at and data.startswith(b"AT+CMGR")), None)
        if command is None:
            return None
        answered = next((t for t, data in said if t >= command and (b"OK\r\n" in data or b"ERROR" in data)), None)
        if answered is None or answered > done:
            return None
        return command - cmti_at, answered - command, done - answered

    def floor_bytes(self, cmti_at: float) -> int:
        """Bytes the line must carry from that +CMTI to the PDU read: the URC, AT+CMGR and its answer."""
        said, heard = list(self.said), list(self.heard)
        urc = next(data for t, data in said if t == cmti_at and b"+CMTI" in data)
        command = next(((t, data) for t, data in heard if t >= cmti_at and data.startswith(b"AT+CMGR")), None)
        if command is None:
            return len(urc)
        answer = 0
        for t, data in said:
            if t >= command[0]:
                answer += len(data)
                if b"OK\r\n" in data or b"ERROR" in data:
                    break
        return len(urc) + len(command[1]) + answer


def notification_path(count: int, line_rate: float | None) -> tuple[list[float], list[int], list[int], list[tuple[float, float, float]]]:
    """(seconds from the last segment's +CMTI to the notification committed, floor bytes, +CMTI count) per MMS."""
    with SimulatedCarrier(line_rate=line_rate) as carrier, tempfile.TemporaryDirectory(prefix="mmsua-bench-") as work:
        handset = carrier.add_handset(ME)
        wire = ModemWire(handset)
        fifo = Path(work) / "commits"
        os.mkfifo(fifo)
        commits: dict[str, float] = {}
        cond = threading.Condition()

        def read_commits() -> None:
            with open(fifo, encoding="utf-8") as lines:
                for line in lines:
                    when, _, subject = line.rstrip("\n").partition(" ")
                    with cond:
                        commits.setdefault(subject, float(when))
                        cond.notify_all()

        threading.Thread(target=read_commits, daemon=True).start()
        daemon = ProbedDaemon(carrier, handset, Path(work), extra=["--retrieval", "manual"],
                              probe=_COMMIT_PROBE, probe_arg=str(fifo))
        daemon.start()
        took: list[float] = []
        floors: list[int] = []
        urcs: list[int] = []
        phases: list[tuple[float, float, float]] = []
        try:
            for n in range(-3, count):  # three unmeasured first: the first of a run loads the codec's push path
                subject = f"notify {n}"
                sent = time.monotonic()
                carrier.send_mms(SENDER, [ME], subject=subject, text="x")
                with cond:
                    if not cond.wait_for(lambda s=subject: s in commits, 60):
                        print(f"  notification {n} not committed within 60 s", file=sys.stderr)
                        continue
                done = commits[subject]
                # Let the SMS deletions finish and the line go quiet before the next one.
                deadline = time.monotonic() + 10
                while handset.modem.storage(handset.modem.cpms[2]).used and time.monotonic() < deadline:
                    time.sleep(0.005)
                time.sleep(0.05)
                announced = wire.cmti_between(sent, done)
                if n < 0 or not announced:
                    continue
                took.append(done - announced[-1])
                floors.append(wire.floor_bytes(announced[-1]))
                urcs.append(len(announced))
                split = wire.phases(announced[-1], done)
                if split is not None:
                    phases.append(split)
        finally:
            daemon.terminate()
    return took, floors, urcs, phases


def burst(count: int) -> tuple[int, float, int]:
    with SimulatedCarrier() as carrier, tempfile.TemporaryDirectory(prefix="mmsua-bench-") as work:
        handset = carrier.add_handset(ME)
        stamps = Stamps()
        daemon = DaemonProcess(carrier, handset, Path(work), extra=["--retrieval", "manual"])
        daemon.start()
        stamps.listen(daemon.socket, "deferred")
        time.sleep(0.2)
        try:
            start = time.perf_counter()
            for n in range(count):
                carrier.send_mms(SENDER, [ME], subject=f"burst {n}", text="burst")
            last = stamps.wait_for(f"burst {count - 1}", timeout=600)
            deadline = time.monotonic() + 600
            with stamps.cond:
                stamps.cond.wait_for(lambda: len(stamps.stored) >= count, max(0.0, deadline - time.monotonic()))
            end = max(stamps.stored.values()) if stamps.stored else (last or time.perf_counter())
            client = daemon.client()
            stored = sum(1 for c in client.list_conversations(limit=1000) for m in _messages(client, c.id) if (m.subject or "").startswith("burst "))
        finally:
            daemon.terminate()
    return stored, end - start, len(stamps.stored)


def _messages(client: Client, conversation_id: int) -> list[Message]:
    out, before = [], None
    while True:
        page = client.list_messages(conversation_id, before_id=before, limit=1000)
        out.extend(page)
        if len(page) < 1000:
            return out
        before = page[0].id


def idle(seconds: float) -> tuple[float, int, int]:
    with SimulatedCarrier() as carrier, tempfile.TemporaryDirectory(prefix="mmsua-bench-") as work:
        handset = carrier.add_handset(ME)
        daemon = DaemonProcess(carrier, handset, Path(work))
        daemon.start()
        time.sleep(2.0)  # let start-up finish (SIM, SMS storage, registration)
        assert daemon.process is not None
        pid = daemon.process.pid
        cpu0, _ = proc_stat(pid)
        t0 = time.monotonic()
        peak = 0
        while time.monotonic() - t0 < seconds:
            time.sleep(1.0)
            peak = max(peak, proc_stat(pid)[1])
        cpu1, rss = proc_stat(pid)
        elapsed = time.monotonic() - t0
        # The same daemon once it has retrieved a message (the HTTP stack is in use now).
        stamps = Stamps()
        stamps.listen(daemon.socket, "received")
        carrier.send_mms(SENDER, [ME], subject="after idle", text="x" * 2000)
        stamps.wait_for("after idle")
        time.sleep(3.0)  # the NotifyResp and the context release are done
        _, rss_after = proc_stat(pid)
        daemon.terminate()
    return (cpu1 - cpu0) / elapsed * 100.0, rss, peak, rss_after


def large(args: argparse.Namespace, rate: str) -> None:
    """Issue 13: a message near the carrier's 300 KB limit, both ways, with the daemon's
    modem.chained_io on and off (docs/driver.md): the same latency() and sending() runs."""
    settings = ("on", "off") if args.chained_io == "both" else (args.chained_io,)
    for setting in settings:
        with daemons_with_chained_io(setting):
            overheads, on_line, moved = latency(args.large, args.line_rate, args.large_size)
            if overheads:
                report(f"chained_io {setting}, {args.large_size} B text: notification -> stored", overheads, on_line, moved,
                       rate, args.line_rate)
            overheads, on_line, moved = sending(args.large, args.line_rate, args.large_size)
            if overheads:
                report(f"chained_io {setting}, {args.large_size} B text: send -> sent", overheads, on_line, moved,
                       rate, args.line_rate)


@contextmanager
def daemons_with_chained_io(setting: str) -> Iterator[None]:
    """Daemons started meanwhile read a config file with ``modem.chained_io = setting``.
    latency() and sending() build their DaemonProcess themselves; swapping the class here
    keeps them as the notification path's bench has them."""
    global DaemonProcess
    plain = DaemonProcess
    with tempfile.TemporaryDirectory(prefix="mmsua-bench-cfg-") as folder:
        config = Path(folder) / "config.toml"
        config.write_text(f'[modem]\nchained_io = "{setting}"\n')

        class Configured(plain):
            def __init__(self, *a: object, **kw: object) -> None:
                kw.setdefault("config", config)
                super().__init__(*a, **kw)

        DaemonProcess = Configured
        try:
            yield
        finally:
            DaemonProcess = plain


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=30)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--line-rate", type=float, default=None, help="bytes/s of the emulated serial line (default: unlimited)")
    parser.add_argument("--text-size", type=int, default=2000, help="bytes of text in each latency message")
    parser.add_argument("--large", type=int, default=0, help="messages of --large-size received and sent (issue 13)")
    parser.add_argument("--large-size", type=int, default=290_000, help="text bytes of each large message (the MMSC takes 300 KiB)")
    parser.add_argument("--chained-io", choices=("on", "off", "both"), default="both",
                        help="modem.chained_io of the daemon for --large (default both, on then off)")
    parser.add_argument("--notify", type=int, default=30, help="notifications timed from the last +CMTI to the commit")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--timeline", action="store_true", help="print what crossed the serial line for the last latency message")
    args = parser.parse_args()
    if args.quick:
        args.messages, args.burst, args.idle = 10, 200, 10.0

    print(f"mmsua engine benchmark (python {sys.version.split()[0]}, {os.cpu_count()} cores)")
    rate = f"{args.line_rate:g} B/s" if args.line_rate else "unlimited"
    if args.notify > 0:
        took, floors, urcs, phases = notification_path(args.notify, args.line_rate)
        if took:
            ms = sorted(x * 1000 for x in took)
            p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
            size = statistics.median(floors)
            floor = "0 (unlimited line)" if not args.line_rate else f"{size / args.line_rate * 1000:.2f} ms"
            print(f"last SMS segment's +CMTI emitted by the modem -> notification committed in the daemon's store "
                  f"({len(ms)} MMS, {statistics.median(urcs):g} SMS each, line {rate}, retrieval manual): "
                  f"median {statistics.median(ms):.2f} ms, p95 {p95:.2f} ms, max {ms[-1]:.2f} ms   [target < 5 ms median]")
            print(f"  physical floor: {size:.0f} bytes (+CMTI, AT+CMGR, its answer) on the line = {floor}; "
                  f"at 115200 baud {size / 11520 * 1000:.2f} ms, 921600 {size / 92160 * 1000:.2f} ms, "
                  f"3 Mbaud {size / 300000 * 1000:.2f} ms")
            if phases:
                a, b, c = (statistics.median(p[i] for p in phases) * 1000 for i in range(3))
                print(f"  medians of its parts: +CMTI said -> AT+CMGR reaches the modem {a:.2f} ms (pty, AT reader, "
                      f"URC dispatch, SMS worker); -> the modem's answer said {b:.2f} ms (the emulated modem); "
                      f"-> committed {c:.2f} ms (pty, reader, decode, store)")
    if args.messages > 0:
        overheads, on_line, moved = latency(args.messages, args.line_rate, args.text_size, args.timeline)
        if overheads:
            report("notification -> stored", overheads, on_line, moved, rate, args.line_rate)
    if args.large > 0:
        large(args, rate)
    if args.burst > 0:
        stored, duration, seen = burst(args.burst)
        print(f"burst of {args.burst} notifications: {stored} stored ({args.burst - stored} lost), {seen} events, "
              f"{duration:.1f} s ({args.burst / duration:.0f}/s)   [target: none lost]")
    if args.idle <= 0:
        return 0
    cpu, rss, peak, rss_after = idle(args.idle)
    print(f"idle {args.idle:g} s: CPU {cpu:.2f}%, RSS {rss / 1024:.1f} MB (peak {peak / 1024:.1f} MB)   [targets < 1%, < 40 MB]")
    print(f"the same daemon idle again after retrieving one message: RSS {rss_after / 1024:.1f} MB   [target < 40 MB]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
