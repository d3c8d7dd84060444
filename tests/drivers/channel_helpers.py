"""Shared helpers for the AT channel tests: open a fixture through the real
AtChannel over replay://, collect URCs, and a scripted modem on a real pty."""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mmsua.drivers  # noqa: F401  (registers replay:// and record://)
from mmsua.drivers.at.channel import AtChannel, Urc

ROOT = Path(__file__).resolve().parents[2]
CHANNEL_FIXTURES = ROOT / "hw_fixtures" / "channel"


def replay_url(path: Path, **options: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in options.items())
    return f"replay://{path}" + (f"?{query}" if query else "")


def open_fixture(name: str, *, timeout: float = 10.0, **options: str) -> tuple[AtChannel, list[Urc]]:
    """A channel on hw_fixtures/channel/NAME (no open-time sync) and the list its URCs land in."""
    ch = AtChannel(replay_url(CHANNEL_FIXTURES / name, **options), sync_on_open=False, default_timeout=timeout)
    got: list[Urc] = []
    ch.subscribe(got.append)
    ch.open()
    return ch, got


class PtyModem:
    """A scripted modem on the master side of a real pseudo-terminal.

    ``answer(line) -> bytes | None`` gets each command line the host wrote
    (without its CR; a Ctrl-Z-terminated payload keeps its Ctrl-Z); what it
    returns is written back. Everything the host wrote is in ``received``.
    """

    def __init__(self, answer: Callable[[bytes], bytes | None]) -> None:
        self.answer = answer
        self.master, self._slave = os.openpty()
        self.device = os.ttyname(self._slave)  # the channel opens the device by name
        self.received = bytearray()
        self.lines: list[bytes] = []
        self._buf = bytearray()
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def send(self, data: bytes) -> None:
        if self._stop:  # unplugged (maybe by answer() on this thread): the number may be another file's now
            return
        os.write(self.master, data)

    def _run(self) -> None:
        while not self._stop:
            try:
                ready, _, _ = select.select([self.master], [], [], 0.02)
                if not ready:
                    continue
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not data:
                return
            self.received += data
            self._buf += data
            while b"\r" in self._buf or b"\x1a" in self._buf:
                # A command ends with CR; an SMS payload with Ctrl-Z (kept, so answer() sees it).
                cut = min(i for i in (self._buf.find(b"\r"), self._buf.find(b"\x1a")) if i >= 0)
                line = bytes(self._buf[: cut + 1 if self._buf[cut] == 0x1A else cut])
                self._buf = bytearray(bytes(self._buf[cut + 1 :]).lstrip(b"\n"))
                if b"AT" in line and not line.endswith(b"\x1a"):
                    line = line[line.index(b"AT") :]  # like a modem: a command starts at "AT"
                if not line:
                    continue
                self.lines.append(line)
                reply = self.answer(line)
                if reply:
                    self.send(reply)

    def unplug(self) -> None:
        """Close the master: the slave device reports EIO/hang-up like an unplugged USB tty."""
        self._stop = True
        if threading.current_thread() is not self._thread:
            self._thread.join()  # a read blocked on the master would keep the pty alive
        os.close(self.master)
        if self._slave >= 0:
            os.close(self._slave)  # with no slave fd of ours left, the channel's fd sees the hang-up
            self._slave = -1

    def close(self) -> None:
        if not self._stop:
            self.unplug()
        if self._slave >= 0:
            os.close(self._slave)
            self._slave = -1


def wait_for(condition: Callable[[], bool], what: str, limit: float = 30.0) -> None:
    """Poll until ``condition()`` holds (a bound on waiting, not a speed assertion)."""
    import time

    end = time.monotonic() + limit
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.005)


class _LocalServer:
    """A TCP listener on 127.0.0.1 with a thread serving it; ``url`` names it for pyserial."""

    scheme = "socket"

    def __init__(self) -> None:
        import socket

        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        raise NotImplementedError


class TcpModem(_LocalServer):
    """A scripted modem behind a real TCP port, as ser2net (raw mode) exposes one.

    Each command line the client sends goes to ``answer(line)``; what it returns is
    sent back. ``push(data)`` sends unsolicited bytes; ``drop()`` closes the current
    connection (the device went away) while the listener keeps accepting new ones.
    """

    def __init__(self, answer: Callable[[bytes], bytes | None]) -> None:
        self.answer = answer
        self.lines: list[bytes] = []
        self._conn: Any = None
        self.connected = threading.Event()
        super().__init__()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._server.accept()
            except OSError:
                return  # listener closed
            self._conn = conn
            self.connected.set()
            buf = bytearray()
            while True:
                try:
                    data = conn.recv(4096)
                except OSError:
                    break
                if not data:
                    break
                buf += data
                while b"\r" in buf:
                    line, _, rest = bytes(buf).partition(b"\r")
                    buf = bytearray(rest.lstrip(b"\n"))
                    line = line[line.find(b"AT"):] if b"AT" in line else line.strip(b"\x1b")
                    if not line:
                        continue
                    self.lines.append(line)
                    reply = self.answer(line)
                    if reply:
                        conn.sendall(reply)
            self.connected.clear()
            conn.close()

    def push(self, data: bytes) -> None:
        assert self._conn is not None
        self._conn.sendall(data)

    def drop(self) -> None:
        import socket

        if self._conn is not None:
            try:
                self._conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def close(self) -> None:
        import socket

        self.drop()
        try:
            self._server.shutdown(socket.SHUT_RDWR)  # wakes the accept() so the port really closes
        except OSError:
            pass
        self._thread.join()  # before the close: a reused descriptor number is another socket
        self._server.close()


class Rfc2217Bridge(_LocalServer):
    """An RFC 2217 server in front of a serial device (ser2net's telnet mode), made
    with pyserial's own ``serial.rfc2217.PortManager``: bytes and control options
    pass between one TCP client and ``device``."""

    scheme = "rfc2217"

    def __init__(self, device: str) -> None:
        import serial

        self._serial = serial.serial_for_url(device, timeout=0)
        self._stop = threading.Event()
        super().__init__()

    def _serve(self) -> None:
        try:
            self._bridge()
        finally:
            # Closed here, not by close(): the loop reads the port's descriptor by number, and
            # a number closed under it could be another file's (a socket's) by its next read.
            self._serial.close()

    def _bridge(self) -> None:
        import serial.rfc2217

        try:
            conn, _ = self._server.accept()
        except OSError:
            return

        class _Out:
            def write(self, data: bytes) -> None:
                conn.sendall(data)

        class _NoStatusLines:
            """The serial port as PortManager sees it: a pty has no modem-control lines
            (TIOCMGET/TIOCMBIS fail on it; a USB modem's ACM port has them), so their
            states read False and setting RTS/DTR/break is a no-op."""

            cts = dsr = ri = cd = False
            _LINES = ("rts", "dtr", "break_condition")

            def __init__(self, port: object) -> None:
                object.__setattr__(self, "_port", port)

            def __getattr__(self, name: str) -> object:
                return getattr(self._port, name)

            def __setattr__(self, name: str, value: object) -> None:
                if name not in self._LINES:
                    setattr(self._port, name, value)

        manager = serial.rfc2217.PortManager(_NoStatusLines(self._serial), _Out())
        fd = self._serial.fileno()
        while not self._stop.is_set():
            ready, _, _ = select.select([conn, fd], [], [], 0.05)
            try:
                if conn in ready:
                    data = conn.recv(4096)
                    if not data:
                        break
                    self._serial.write(b"".join(manager.filter(data)))
                if fd in ready:
                    data = os.read(fd, 4096)
                    if data:
                        conn.sendall(b"".join(manager.escape(data)))
            except OSError:
                break
        conn.close()

    def close(self) -> None:
        import socket

        self._stop.set()
        try:
            self._server.shutdown(socket.SHUT_RDWR)  # wakes an accept() still waiting
        except OSError:
            pass
        self._server.close()
        self._thread.join(timeout=2.0)
