"""Bytes the emulated modem has said and the host has not read yet."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Outbox:
    """Thread-safe: the modem puts, one front end (pty bridge or simmodem:// client) gets."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._cond = threading.Condition()
        self._readers_waiting = 0
        self.closed = False

    def put(self, data: bytes) -> None:
        with self._cond:
            self._buf += data
            self._cond.notify_all()

    def get(self, limit: int, timeout: float | None, *, allowed: Callable[[], bool] | None = None) -> bytes:
        """Up to `limit` bytes; waits up to timeout (None = forever) for the first one.

        ``allowed`` is asked under the lock right before taking: a reader that lost
        its claim while it waited (the pty bridge, once a simmodem:// client opened
        the port) gets nothing and leaves the bytes to the other reader."""
        with self._cond:
            if not self._buf and not self.closed:
                self._readers_waiting += 1
                self._cond.notify_all()  # wait_drained: a reader is back for more
                try:
                    self._cond.wait_for(lambda: self._buf or self.closed, timeout=timeout)
                finally:
                    self._readers_waiting -= 1
            if allowed is not None and not allowed():
                return b""
            data = bytes(self._buf[:limit])
            del self._buf[:limit]
            return data

    def wait_drained(self, timeout: float | None) -> bool:
        """Wait until everything said was taken and a reader is back waiting for more
        (a front end waits only after passing on what it took). False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._buf and self._readers_waiting > 0, timeout=timeout)

    def __len__(self) -> int:
        with self._cond:
            return len(self._buf)

    def clear(self) -> None:
        with self._cond:
            self._buf.clear()

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()
