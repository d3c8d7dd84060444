"""Driver benchmark: HTTP through the modem's TCP stack as a share of the serial line rate,
the latency from a +CMT line to the IncomingSms callback, and the host memory a 1 MB
body costs both ways.

The "modem" here is a small Quectel socket-stack emulator behind a pseudo-terminal
(the driver opens the pty's slave like any /dev/ttyUSB) that paces everything it
sends to the line rate (8N1: baud / 10 bytes per second), as a UART would. The peer figure printed
beside each result is the physical limit: the line rate itself, and the share the
AT framing leaves for payload (QIRD header, CR LF, OK per 1500-byte read).

    .venv/bin/python bench/driver.py                   # 921600 and 3000000 baud, 300 KB
    .venv/bin/python bench/driver.py --baud 115200 --size 100000
    .venv/bin/python bench/driver.py --only memory     # tracemalloc peak, 1 MB GET and POST
    .venv/bin/python bench/driver.py --only throughput --chained-io off --repeat 5

Throughput runs with modem.chained_io "on" and "off" (both by default, docs/driver.md):
each row gives the median share of the line rate and the time beyond line time: past
the body's bytes at the line rate ("beyond line"), and past the body with its AT framing
("beyond framed": the time the line was not busy, what bench/engine.py's figure counts).
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import threading
import time

import mmsua.drivers  # noqa: F401  (URL handlers)
from mmsua.drivers.at.channel import AtChannel
from mmsua.drivers.bearers.internal_tcp import InternalTcpBearer
from mmsua.drivers.pdp import PdpSettings
from mmsua.drivers.sms import IncomingSms, SmsService
from mmsua.drivers.vendors import get_profile

PDU = (
    "07912374151616F6440B911174164210F000F571309290346280860605040B8423F04F06226170706C69636174696F6E2F766E"
    "642E7761702E6D6D732D6D65737361676500AF848C82983831343630343934406D6D7331008D928918802B33333333333439"
    "333231312F545950453D504C4D4E0096008F8186818A808E03017A598805810303F48083687474703A2F2F6D74732F3F6964"
    "3D383134363034393400"
)


class PacedLine:
    """One UART between host and modem, both directions clocked at ``rate`` bytes per second.

    Modem -> host: :meth:`send` queues bytes in a transmit FIFO that a writer thread clocks
    out to the pty master, so the modem keeps reading commands while an answer is still
    going out (as a real module's UART does). Host -> modem: :meth:`receive` returns the
    host's bytes only once they would have been clocked in, counting from when they were
    written (or from when the line was last busy), so AT commands and upload bytes cost line
    time too. Like a UART, neither direction banks idle time.
    """

    def __init__(self, fd: int, rate: float | None) -> None:
        self.fd = fd
        self.rate = rate
        self.free_at = 0.0  # modem -> host: when the transmit FIFO is empty
        self.rx_free_at = 0.0  # host -> modem: when the last received byte was clocked in
        self.lock = threading.Lock()
        self._fifo: queue.Queue[bytes | None] = queue.Queue()
        self._writer = threading.Thread(target=self._clock_out, daemon=True)
        self._writer.start()

    def send(self, data: bytes) -> None:
        self._fifo.put(bytes(data))

    def close(self) -> None:
        self._fifo.put(None)

    def _clock_out(self) -> None:
        while (data := self._fifo.get()) is not None:
            # What was queued meanwhile goes out back to back, as a UART's FIFO drains it.
            while not self._fifo.empty():
                more = self._fifo.get_nowait()
                if more is None:
                    self._fifo.put(None)
                    break
                data += more
            view = memoryview(data)
            with self.lock:
                # Within one burst the clock runs on (sleep overshoot is not lost line time);
                # an idle line starts again from now.
                self.free_at = max(self.free_at, time.perf_counter())
            for i in range(0, len(view), 64):
                piece = view[i : i + 64]
                if self.rate:
                    with self.lock:
                        self.free_at += len(piece) / self.rate
                        wait = self.free_at - time.perf_counter()
                    if wait > 0:
                        time.sleep(wait)
                try:
                    while piece:
                        piece = piece[os.write(self.fd, piece) :]
                except OSError:
                    return

    def receive(self) -> bytes:
        """The host's next bytes, each piece handed over once it has been clocked in."""
        data = os.read(self.fd, 4096)
        if not data or not self.rate:
            return data
        self.rx_free_at = max(self.rx_free_at, time.perf_counter()) + len(data) / self.rate
        wait = self.rx_free_at - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        return data


class QuectelEmulator:
    """Enough of a Quectel EC25's AT socket stack to serve one HTTP response per connection."""

    def __init__(self, rate: float | None, body: bytes, *, start: bool = True) -> None:
        self.rate = rate
        self.body = body
        self.master, self.slave = os.openpty()
        self.url = os.ttyname(self.slave)
        self.rx = bytearray()
        self.line: PacedLine | None = None
        self.cmt_sent: list[float] = []
        self.request_bytes = 0  # body bytes of the last POST, as received
        if start:
            threading.Thread(target=self._serve, daemon=True).start()

    def serve_in_child(self) -> int:
        """Run the modem in a forked process (its buffers must not count in the
        host's memory figures); returns the child's pid."""
        pid = os.fork()
        if pid == 0:
            try:
                self._serve()
            finally:
                os._exit(0)
        os.close(self.master)
        return pid

    def _serve(self) -> None:
        self.line = PacedLine(self.master, self.rate)
        buf = bytearray()
        send_left = 0
        request = bytearray()
        while True:
            try:
                data = self.line.receive()
            except OSError:
                return
            if not data:
                return
            buf += data
            while True:
                if send_left:
                    take = min(send_left, len(buf))
                    request += buf[:take]
                    del buf[:take]
                    send_left -= take
                    if send_left:
                        break
                    # The upload has been clocked in (PacedLine.receive): SEND OK goes out now.
                    self.line.send(b"\r\nSEND OK\r\n")
                    if self._request_complete(request):
                        self.request_bytes = len(request) - request.find(b"\r\n\r\n") - 4
                        body = b"" if request.startswith(b"POST") else self.body
                        head = (
                            "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.wap.mms-message\r\n"
                            f"Content-Length: {len(body)}\r\n\r\n"
                        ).encode()
                        self.rx = bytearray(head + body)
                        request.clear()
                        self.line.send(b'\r\n+QIURC: "recv",0\r\n')
                    continue
                end = buf.find(b"\r")
                if end < 0:
                    break
                cmd = bytes(buf[:end]).decode("latin-1").strip().lstrip("\x1b")
                del buf[: end + 1]
                if cmd:
                    send_left = self._command(cmd)

    @staticmethod
    def _request_complete(request: bytearray) -> bool:
        end = request.find(b"\r\n\r\n")
        if end < 0:
            return False
        length = 0
        for line in bytes(request[:end]).split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        return len(request) >= end + 4 + length

    def _command(self, cmd: str) -> int:
        assert self.line is not None
        up = cmd.upper()
        if up.startswith("AT+QISEND="):
            n = int(cmd.split(",")[1])
            self.line.send(b"\r\n> ")
            return n
        if up.startswith("AT+QIRD="):
            n = int(cmd.split(",")[1])
            piece = bytes(self.rx[:n])
            del self.rx[:n]
            self.line.send(b"\r\n+QIRD: %d\r\n" % len(piece) + piece + b"\r\n\r\nOK\r\n")
            return 0
        if up.startswith("AT+QIOPEN="):
            self.line.send(b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n")
            return 0
        if up == "AT+QIACT?":
            self.line.send(b'\r\n+QIACT: 2,1,1,"10.64.2.1"\r\n\r\nOK\r\n')
            return 0
        if up == "AT+CGDCONT?":
            self.line.send(b'\r\n+CGDCONT: 2,"IP","mms","0.0.0.0",0,0\r\n\r\nOK\r\n')
            return 0
        self.line.send(b"\r\nOK\r\n")
        return 0

    def send_cmt(self) -> None:
        assert self.line is not None
        self.line.send(b"\r\n+CMT: ,153\r\n" + PDU.encode() + b"\r\n")
        self.cmt_sent.append(time.perf_counter())


def framing_share(chunk: int = 1500) -> float:
    """Payload share of the modem->host bytes for one QIRD read of ``chunk`` bytes."""
    overhead = len(b"\r\n+QIRD: 1500\r\n") + len(b"\r\n\r\nOK\r\n")
    return chunk / (chunk + overhead)


def bench_throughput(baud: int, size: int, chained_io: str = "on") -> tuple[float, float, float]:
    rate = baud / 10
    body = bytes(i % 251 for i in range(size))
    emulator = QuectelEmulator(rate, body)
    with AtChannel(emulator.url, default_timeout=10.0) as channel:
        bearer = InternalTcpBearer(channel, get_profile("quectel"), PdpSettings(2, "mms"), proxy=("10.0.0.10", 8080),
                                   chained_io=chained_io)
        bearer.up()
        session = bearer.session()
        start = time.perf_counter()
        response = session.get("http://mmsc.example/m/1", timeout=60)
        elapsed = time.perf_counter() - start
        assert response.content == body, "body corrupted"
        bearer.down()
    throughput = size / elapsed
    return throughput, throughput / rate, rate


def bench_upload(baud: int, size: int, chained_io: str = "on") -> tuple[float, float]:
    """POST of ``size`` bytes (QISEND pieces of 1460) as a share of the host->modem line rate."""
    rate = baud / 10
    body = bytes(i % 251 for i in range(size))
    emulator = QuectelEmulator(rate, b"")
    with AtChannel(emulator.url, default_timeout=10.0) as channel:
        bearer = InternalTcpBearer(channel, get_profile("quectel"), PdpSettings(2, "mms"), proxy=("10.0.0.10", 8080),
                                   chained_io=chained_io)
        bearer.up()
        start = time.perf_counter()
        response = bearer.session().post("http://mmsc.example/", data=body, timeout=60)
        elapsed = time.perf_counter() - start
        assert response.status_code == 200
        bearer.down()
    return size / elapsed, size / elapsed / rate


def bench_memory(size: int) -> list[tuple[str, int, int]]:
    """tracemalloc peak (bytes) of the host side during a GET and a POST of ``size`` bytes
    through InternalTcpBearer; the modem runs in a child process so only the driver,
    requests and the caller's own handling of the body are counted."""
    import tracemalloc

    body = bytes(i % 251 for i in range(size))
    rows: list[tuple[str, int, int]] = []

    def measured(label: str, exchange) -> None:
        emulator = QuectelEmulator(None, body, start=False)
        pid = emulator.serve_in_child()
        try:
            with AtChannel(emulator.url, default_timeout=30.0) as channel:
                # Chained: a read chain holds up to 32 KB, the most either setting holds.
                bearer = InternalTcpBearer(channel, get_profile("quectel"), PdpSettings(2, "mms"), proxy=("10.0.0.10", 8080),
                                           chained_io="on")
                bearer.up()
                session = bearer.session()
                tracemalloc.start()
                tracemalloc.reset_peak()
                exchange(session)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                bearer.down()
        finally:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        rows.append((label, size, peak))

    def get_streamed(session) -> None:
        got = 0
        with session.get("http://mmsc.example/m/1", stream=True, timeout=120) as response:
            for piece in response.iter_content(16384):
                got += len(piece)
        assert got == size, "GET body incomplete"

    def get_content(session) -> None:
        assert session.get("http://mmsc.example/m/1", timeout=120).content == body, "GET body corrupted"

    def post(session) -> None:
        assert session.post("http://mmsc.example/", data=body, timeout=120).status_code == 200

    measured("GET, body streamed (iter_content)", get_streamed)
    measured("GET, body kept (response.content)", get_content)
    measured("POST, body given as bytes", post)
    return rows


def bench_cmt_latency(runs: int) -> tuple[list[float], list[float]]:
    """(ms to the IncomingSms callback, ms to the decoded M-Notification.ind) per +CMT.

    The second is the issue's figure: the callback decodes as the engine's receive
    path does (SMS-DELIVER, WAP port reassembly, WSP push, MMS PDU), in the callback."""
    from mmsua.codec.mms.decode import decode_mms
    from mmsua.codec.push import decode_push
    from mmsua.codec.reassembly import PushReassembler
    from mmsua.codec.sms import decode_sms

    emulator = QuectelEmulator(None, b"")
    got: list[float] = []
    decoded: list[float] = []
    arrived = threading.Event()
    reassembler = PushReassembler()

    def on_sms(sms: IncomingSms) -> None:
        got.append(time.perf_counter())
        deliver = decode_sms(sms.pdu_hex, tpdu_length=sms.tpdu_length)
        datagram = reassembler.feed(deliver, time.monotonic())
        assert datagram is not None and datagram.destination_port == 2948, "not a WAP push"
        notification = decode_mms(decode_push(datagram.data).body)
        assert notification.message_type is not None
        decoded.append(time.perf_counter())
        arrived.set()

    with AtChannel(emulator.url, default_timeout=5.0) as channel:
        sms = SmsService(channel, get_profile("quectel"), on_sms=on_sms)
        sms.subscribe()
        for _ in range(runs):
            arrived.clear()
            emulator.send_cmt()
            if not arrived.wait(5.0):
                raise SystemExit("no IncomingSms for a +CMT within 5 s")
        sms.stop()
    return (
        [(b - a) * 1000 for a, b in zip(emulator.cmt_sent, got, strict=False)],
        [(b - a) * 1000 for a, b in zip(emulator.cmt_sent, decoded, strict=False)],
    )


def print_throughput(bauds: list[int], size: int, settings: tuple[str, ...], repeat: int) -> None:
    """GET and POST rows per modem.chained_io setting: median share of the line rate and
    median time beyond line time (the body at the line rate), over ``repeat`` runs."""
    header = (f"{'chained_io':>10} {'baud':>10} {'line B/s':>10} {'mmsua B/s':>10} {'share':>7} {'beyond line':>12} "
              f"{'beyond framed':>13} {'AT-framing ceiling':>19}")
    print(f"HTTP GET of a {size} byte body through AtHttpAdapter (Quectel QIRD 1500-byte reads), median of {repeat}")
    print(header)
    for setting in settings:
        for baud in bauds:
            runs = [bench_throughput(baud, size, setting)[0] for _ in range(repeat)]
            row(setting, baud, size, statistics.median(runs), framing_share())
    print(f"HTTP POST of a {size} byte body (Quectel QISEND 1460-byte pieces, each waits for its prompt), median of {repeat}")
    print(header)
    for setting in settings:
        for baud in bauds:
            runs = [bench_upload(baud, size, setting)[0] for _ in range(repeat)]
            row(setting, baud, size, statistics.median(runs), 1460 / (1460 + len(b"AT+QISEND=0,1460\r")))


def row(setting: str, baud: int, size: int, throughput: float, ceiling: float) -> None:
    """``beyond line``: the time past the body's bytes at the line rate; ``beyond framed``:
    past the body and its AT framing (the ceiling), i.e. time the line was not busy."""
    rate = baud / 10
    beyond_ms = (size / throughput - size / rate) * 1000
    beyond_framed_ms = (size / throughput - size / (rate * ceiling)) * 1000
    print(f"{setting:>10} {baud:>10} {rate:>10.0f} {throughput:>10.0f} {throughput / rate:>6.1%} {beyond_ms:>9.0f} ms "
          f"{beyond_framed_ms:>10.0f} ms {ceiling:>18.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baud", type=int, action="append", help="line rate(s) in baud (8N1)")
    parser.add_argument("--size", type=int, default=300_000, help="HTTP body bytes (default 300 KB)")
    parser.add_argument("--runs", type=int, default=200, help="+CMT latency samples")
    parser.add_argument("--memory-size", type=int, default=1_000_000, help="body bytes for the memory figures (default 1 MB)")
    parser.add_argument("--only", choices=("throughput", "latency", "memory"), help="run one part only")
    parser.add_argument("--chained-io", choices=("on", "off", "both"), default="both",
                        help="modem.chained_io for the throughput runs (default both, one after the other)")
    parser.add_argument("--repeat", type=int, default=1, help="throughput runs per row; the median is shown")
    args = parser.parse_args()
    if args.only in (None, "memory"):
        print(f"Host memory (tracemalloc peak) while a {args.memory_size} byte body goes through InternalTcpBearer (chained_io on)")
        print(f"{'exchange':<36} {'body bytes':>10} {'peak bytes':>10} {'peak/body':>9}")
        for label, size, peak in bench_memory(args.memory_size):
            print(f"{label:<36} {size:>10} {peak:>10} {peak / size:>9.2f}")
    if args.only == "memory":
        return
    bauds = [] if args.only == "latency" else (args.baud or [921_600, 3_000_000])
    if bauds:
        print_throughput(bauds, args.size, ("on", "off") if args.chained_io == "both" else (args.chained_io,), max(1, args.repeat))
    if args.only == "throughput":
        return
    to_callback, to_decoded = bench_cmt_latency(args.runs)
    print(f"+CMT line written -> ..., {len(to_callback)} runs (unpaced loopback line):")
    for label, values in (("IncomingSms callback", to_callback), ("decoded M-Notification.ind", to_decoded)):
        samples = sorted(values)
        p95 = samples[int(len(samples) * 0.95) - 1]
        print(f"  {label:<27} median {statistics.median(samples):.2f} ms, p95 {p95:.2f} ms, max {samples[-1]:.2f} ms")


if __name__ == "__main__":
    main()
