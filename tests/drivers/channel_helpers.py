"""Shared helpers for the AT channel tests: open a fixture through the real
AtChannel over replay://, collect URCs, and a scripted modem on a real pty."""

from __future__ import annotations

import os
import select
import threading
from collections.abc import Callable
from pathlib import Path

import mmsua.drivers  # noqa: F401  (registers replay:// and record://)
from mmsua.drivers.at.channel import AtChannel, Urc

ROOT = Path(__file__).resolve().parents[2]
CHANNEL_FIXTURES = ROOT / "hw_fixtures" / "channel"


def replay_url(path: Path, **options: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in options.items())
    return f"replay://{path}" + (f"?{query}" if query else "")


def open_fixture(name: str, *, timeout: float = 2.0, **options: str) -> tuple[AtChannel, list[Urc]]:
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


def wait_for(condition: Callable[[], bool], what: str, limit: float = 5.0) -> None:
    """Poll until ``condition()`` holds (a bound on waiting, not a speed assertion)."""
    import time

    end = time.monotonic() + limit
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.005)
