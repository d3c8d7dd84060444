"""The worker's sleep, and what ends it early: new work, a changed data path, a stop."""

from __future__ import annotations

import threading
from collections.abc import Callable


class Wakeup:
    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._stopping = False
        self._sleeping = False

    def ring(self) -> None:
        """Something changed: the worker looks at its tasks again now."""
        with self._condition:
            self._condition.notify_all()

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()

    def restart(self) -> None:
        with self._condition:
            self._stopping = False

    @property
    def stopping(self) -> bool:
        with self._condition:
            return self._stopping

    @property
    def sleeping(self) -> bool:
        """The worker waits, having found nothing to do."""
        with self._condition:
            return self._sleeping

    def sleep(self, seconds: Callable[[], float]) -> bool:
        """Wait ``seconds()``, or until rung; False when stopping. ``seconds`` runs under the
        lock a ring takes, so a ring between looking at the tasks and waiting is not lost."""
        with self._condition:
            if self._stopping:
                return False
            timeout = seconds()
            self._sleeping = True
            try:
                self._condition.wait(timeout)
            finally:
                self._sleeping = False
            return not self._stopping
