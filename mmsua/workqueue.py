"""A bounded queue served by one thread: how the daemon's side jobs (the on-message
command, rules, notifications) take messages from the engine without ever making it wait.

``offer`` never blocks: a full queue refuses the item (the caller logs it). Items are
handled one at a time in arrival order; an exception in the handler is logged and the
thread goes on. ``Recent`` keeps the latest outcomes and lets tests wait for them.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger("mmsua.daemon")


class WorkQueue(Generic[T]):
    def __init__(self, name: str, handle: Callable[[T], object], limit: int) -> None:
        self.name = name
        self._handle = handle
        self._queue: queue.Queue[tuple[T] | None] = queue.Queue(limit)
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()

    def offer(self, item: T) -> bool:
        """Queue ``item`` for the thread (started on first use); False when the queue is full."""
        with self._lock:
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name=self.name, daemon=True)
                self._worker.start()
        try:
            self._queue.put_nowait((item,))
        except queue.Full:
            return False
        return True

    def stop(self, wait: float = 5.0) -> None:
        """End the thread after the item at hand (whose work is bounded by its own timeout)."""
        with self._lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            try:
                self._queue.put(None, timeout=wait)
            except queue.Full:
                pass
            worker.join(wait)

    def _work(self) -> None:
        while True:
            entry = self._queue.get()
            if entry is None:
                return
            try:
                self._handle(entry[0])
            except Exception:  # a bug in one item must not end the thread
                log.exception("%s failed on one item", self.name)


class Recent(Generic[T]):
    """The latest ``keep`` outcomes, and a way to wait for them (status, tests)."""

    def __init__(self, keep: int = 100) -> None:
        self.keep = keep
        self.items: list[T] = []
        self._done = threading.Condition()

    def add(self, item: T) -> None:
        with self._done:
            self.items = [*self.items[-(self.keep - 1):], item]
            self._done.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[T]:
        """Block until ``count`` outcomes exist or ``timeout`` passes; the outcomes."""
        with self._done:
            self._done.wait_for(lambda: len(self.items) >= count, timeout)
            return list(self.items)
