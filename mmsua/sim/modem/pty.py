"""The emulated modem as a real serial device: a pty whose slave any program can open.

`path` is a stable symlink (like /dev/serial/by-id/...) to the current
/dev/pts/N; when the port "vanishes" the pty is torn down and the symlink
removed, and it comes back as a new pty under the same symlink, always under
another /dev/pts name than before (as a replugged USB modem whose old node a
program still holds comes back as the next ttyUSBn).
"""

from __future__ import annotations

import os
import select
import threading
import tty
from collections.abc import Callable
from pathlib import Path

from mmsua.sim.modem.line import ModemLine, PortGone


class PtyPort:
    JOIN_TIMEOUT = 5.0  # how long stopping waits for a pump; one that is late closes the pty itself

    def __init__(self, line: ModemLine, link_path: Path) -> None:
        self.line = line
        self.path = link_path
        self.device = ""  # the /dev/pts/N behind the symlink
        self._master = -1
        self._slave = -1
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        line.on_presence(self._presence)

    def start(self) -> PtyPort:
        self._open_pty()
        return self

    def _open_pty(self) -> None:
        master, slave = os.openpty()
        if self.device and os.ttyname(slave) == self.device:
            # The kernel handed out the old number again: take the next one instead.
            again = os.openpty()
            os.close(master)
            os.close(slave)
            master, slave = again
        tty.setraw(slave)  # no echo, no CR/LF translation by the line discipline
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self.device = os.ttyname(slave)
        tmp = self.path.with_name(self.path.name + ".new")
        tmp.unlink(missing_ok=True)
        tmp.symlink_to(self.device)
        tmp.replace(self.path)
        self._stop = threading.Event()
        stop = self._stop
        pumps = _Pumps(2, (master, slave))
        self._threads = [
            threading.Thread(target=pumps.run, args=(self._pump_in, master, stop), name="simmodem-pty-in", daemon=True),
            threading.Thread(target=pumps.run, args=(self._pump_out, master, stop), name="simmodem-pty-out", daemon=True),
        ]
        for t in self._threads:
            t.start()

    def _close_pty(self) -> None:
        """Stop the pumps; the last one to end closes the pty (at once, when they are healthy)."""
        self._stop.set()
        for t in self._threads:
            t.join(timeout=self.JOIN_TIMEOUT)
        self._threads = []
        self._master = self._slave = -1
        self.path.unlink(missing_ok=True)

    def _presence(self, present: bool) -> None:
        with self._lock:
            if present and self._master < 0:
                self._open_pty()
            elif not present and self._master >= 0:
                self._close_pty()

    def stop(self) -> None:
        with self._lock:
            if self._master >= 0:
                self._close_pty()

    def _pump_in(self, master: int, stop: threading.Event) -> None:
        while not stop.is_set():
            ready, _, _ = select.select([master], [], [], 0.05)
            if not ready:
                continue
            try:
                data = os.read(master, 4096)
            except BlockingIOError:
                continue
            except OSError:
                stop.wait(0.05)  # EIO: no program has the slave open right now
                continue
            try:
                self.line.write(data)
            except PortGone:
                return

    def _pump_out(self, master: int, stop: threading.Event) -> None:
        while not stop.is_set():
            if self.line.opened:  # a simmodem:// client holds the port: it gets the output
                stop.wait(0.05)
                continue
            try:
                data = self.line.read_unclaimed(4096, 0.05)
            except PortGone:
                return
            while data and not stop.is_set():
                _, ready, _ = select.select([], [master], [], 0.05)
                if not ready:
                    continue
                try:
                    written = os.write(master, data)
                except BlockingIOError:
                    continue
                except OSError:
                    break
                data = data[written:]


class _Pumps:
    """The pumps of one pty, and its descriptors, closed by the last pump that ends.

    Closing them while a pump may still run (one that a loaded machine kept from running
    for the join's five seconds) would let it read or write whatever file next got the
    same number: another thread's socket, whose bytes it would steal or garble."""

    def __init__(self, count: int, fds: tuple[int, ...]) -> None:
        self._left = count
        self._fds = fds
        self._lock = threading.Lock()

    def run(self, pump: Callable[[int, threading.Event], None], master: int, stop: threading.Event) -> None:
        try:
            pump(master, stop)
        finally:
            with self._lock:
                self._left -= 1
                last = self._left == 0
            if last:
                for fd in self._fds:
                    os.close(fd)
