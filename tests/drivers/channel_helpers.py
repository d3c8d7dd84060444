"""Shared helpers for the AT channel tests: open a fixture through the real
AtChannel over replay://, collect URCs, and a scripted modem on a real pty."""

from __future__ import annotations

import os
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
    (without its CR); what it returns is written back. Raw writes (payloads,
    ESC) are recorded in ``received``.
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
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not data:
                return
            self.received += data
            self._buf += data
            while b"\r" in self._buf:
                line, _, rest = bytes(self._buf).partition(b"\r")
                self._buf = bytearray(rest.lstrip(b"\n"))
                line = line.lstrip(b"\x1b")
                if not line:
                    continue
                self.lines.append(line)
                reply = self.answer(line)
                if reply:
                    self.send(reply)

    def unplug(self) -> None:
        """Close the master: the slave device reports EIO/hang-up like an unplugged USB tty."""
        self._stop = True
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
