"""How many rule actions may follow one sender's messages, and everyone's: stops loops.

Two auto-repliers answering each other, or a sender that bounces every reply, would
send forever; each action taken for a message counts against its sender and against
the total over a sliding window, and past either limit the rule is skipped (logged
once per sender per window). Pure: the clock is given.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable

MAX_SENDERS = 10_000  # senders remembered at once; the oldest is forgotten past this


class RateLimit:
    def __init__(self, per_sender: int, total: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_sender = per_sender
        self.total = total
        self.window = window
        self._clock = clock
        self._all: collections.deque[float] = collections.deque()
        self._by_sender: collections.OrderedDict[str, collections.deque[float]] = collections.OrderedDict()
        self._told: dict[str, float] = {}  # sender: when the log last said it was limited
        self._lock = threading.Lock()

    def take(self, sender: str) -> str | None:
        """Count one action for ``sender``; None when allowed, else why not."""
        now = self._clock()
        with self._lock:
            self._expire(self._all, now)
            mine = self._by_sender.setdefault(sender, collections.deque())
            self._by_sender.move_to_end(sender)
            self._expire(mine, now)
            if len(mine) >= self.per_sender:
                return f"{self.per_sender} actions for this sender in {self.window:g} s (automation.per_sender)"
            if len(self._all) >= self.total:
                return f"{self.total} actions in {self.window:g} s (automation.total)"
            mine.append(now)
            self._all.append(now)
            while len(self._by_sender) > MAX_SENDERS:
                self._by_sender.popitem(last=False)
            return None

    def first_refusal(self, sender: str) -> bool:
        """True once per window per sender: whether a refusal is worth a warning line."""
        now = self._clock()
        with self._lock:
            last = self._told.get(sender)
            if last is not None and now - last < self.window:
                return False
            self._told[sender] = now
            if len(self._told) > MAX_SENDERS:
                self._told.pop(next(iter(self._told)))
            return True

    def _expire(self, times: collections.deque[float], now: float) -> None:
        while times and now - times[0] >= self.window:
            times.popleft()
