"""Daemon events delivered to a callback, and a lock around a client.

``Client`` and ``LocalClient`` both offer ``on_event(callback)``, which calls
``callback(name, data)`` from a background thread. The socket ``Client`` is not
safe to share between threads, and the TUI calls it from several workers, so
the app wraps it in :class:`Serialised`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

EventCallback = Callable[[str, Any], None]


def subscribe(client: Any, callback: EventCallback) -> None:
    """Have ``callback`` called for each daemon event (from another thread)."""
    client.on_event(callback)


class Serialised:
    """Forwards every method call to ``client`` under one lock."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.RLock()

    @property
    def wrapped(self) -> Any:
        return self._client

    def on_event(self, callback: EventCallback) -> None:
        self._client.on_event(callback)

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._client, name)
        if not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return target(*args, **kwargs)

        return call
