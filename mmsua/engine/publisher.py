"""A message's events, each carrying the message as the store holds it when published
(the store's record; the agent makes the API's shape of it)."""

from __future__ import annotations

import logging

from mmsua.engine.interfaces import Emit
from mmsua.store import NotFound, Store

log = logging.getLogger(__name__)


class Publisher:
    def __init__(self, store: Store, emit: Emit) -> None:
        self._store = store
        self._emit = emit

    def message(self, event: str, message_id: int) -> None:
        """Publish ``event`` (message.received, message.updated) for a message; none if it is gone.

        A message from a blocked number is never announced: its ``message.received`` goes
        out as ``message.updated`` (``blocked`` true), which no hook or alert acts on, and
        a client listing blocked conversations still redraws it."""
        try:
            data = self._store.get_message(message_id)
        except NotFound:
            return
        if data.blocked and event == "message.received":
            event = "message.updated"
        try:
            self._emit(event, data)
        except Exception:  # a subscriber's fault must not stop the engine's step
            log.exception("event subscriber failed on %s", event)
