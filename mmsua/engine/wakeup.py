"""The worker's sleep, and what ends it early: new work, a changed data path, a stop."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Wakeup:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._stopping = False
        self._sleepers = 0  # threads waiting now
        self._workers = 1  # threads that sleep on this (one per task queue)

    def ring(self) -> None:
        """Something changed: the worker looks at its tasks again now."""
        with self._condition:
            self._condition.notify_all()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()

    def restart(self, sleepers: int = 1) -> None:
        """Ready for a start of ``sleepers`` worker threads."""
        with self._condition:
            self._stopping = False
            self._workers = sleepers

    @property
    def stopping(self) -> bool:
        with self._condition:
            return self._stopping

    @property
    def sleeping(self) -> bool:
        """Every worker thread waits, having found nothing to do."""
        with self._condition:
            return self._sleepers >= self._workers

    def sleep(self, seconds: Callable[[], float]) -> bool:
        """Wait ``seconds()``, or until rung; False when stopping. ``seconds`` runs under the
        lock a ring takes, so a ring between looking at the tasks and waiting is not lost."""
        with self._condition:
            if self._stopping:
                return False
            timeout = seconds()
            self._sleepers += 1
            try:
                self._condition.wait(timeout)
            finally:
                self._sleepers -= 1
            return not self._stopping
