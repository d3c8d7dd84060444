"""One deadline for a whole HTTP exchange over the modem (issue #11).

A per-read timeout alone lets a server that answers one byte a minute hold the
only AT line for ever; the deadline bounds connect, request, head and body
together, and every wait on the socket is cut to what is left of it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .base import BearerError


class ExchangeTimeout(BearerError):
    """The HTTP exchange did not finish within its deadline."""


@dataclass(frozen=True, slots=True)
class Deadline:
    seconds: float
    ends: float
    clock: Callable[[], float]

    @classmethod
    def start(cls, seconds: float, clock: Callable[[], float] = time.monotonic) -> Deadline:
        return cls(seconds, clock() + seconds, clock)

    def remaining(self) -> float:
        return self.ends - self.clock()

    def check(self) -> None:
        """Raise :class:`ExchangeTimeout` once the deadline has passed."""
        if self.remaining() <= 0:
            raise ExchangeTimeout(f"the HTTP exchange did not finish within {self.seconds:g} s (its whole deadline)")

    def bound(self, timeout: float) -> float:
        """``timeout`` cut to what is left of the deadline (raises when nothing is)."""
        self.check()
        return min(timeout, self.remaining())
