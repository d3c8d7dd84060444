"""After a failed step: the task is tried again later or given up, and the message's
state says which (the retry policy is :func:`mmsua.engine.transactions.next_attempt`)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from mmsua.engine import transactions as tx
from mmsua.engine.carrier_http import CarrierHttp, CarrierHttpError
from mmsua.engine.mmsc_link import MmscLink
from mmsua.engine.publisher import Publisher
from mmsua.engine.settings import SettingsSource
from mmsua.engine.states import Event
from mmsua.store import Store, Task

log = logging.getLogger(__name__)

# A failed MMS send, given up: its text may go again as an SMS (settings.sms_fallback).
SmsFallback = Callable[[int], None]


class Retries:
    def __init__(self, store: Store, settings: SettingsSource, clock: Callable[[], float], link: MmscLink,
                 publisher: Publisher, sms_fallback: SmsFallback) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._link = link
        self._publisher = publisher
        self._sms_fallback = sms_fallback

    def exchange(self, task: Task, call: Callable[[CarrierHttp], bytes]) -> bytes | None:
        """One HTTP exchange for ``task``; None when it failed (the retry is then scheduled)."""
        try:
            return self._link.exchange(call)
        except CarrierHttpError as exc:
            self.settle(task, exc.transient, exc.reason, exc.status)
            return None

    def settle(self, task: Task, transient: bool, reason: str, status: int | None) -> None:
        """``task`` failed: reschedule it while retrying may help and time allows, else give up."""
        now = self._clock()
        settings = self._settings()
        # The data path went away under the step (the modem was unplugged, or left the
        # network): nothing runs until it is back, and then this task goes at once,
        # having spent none of its attempts.
        lost_path = transient and not self._link.available()
        when = now if lost_path else tx.next_attempt(task.attempts + 1, now, task.deadline, settings) if transient else None
        message_id = task.message_id
        with self._store.transaction():
            if when is not None:
                self._store.reschedule_task(task.id, when, reason, counted=not lost_path)
                if message_id is not None and task.kind in ("retrieve", "send"):
                    self._store.change_state(message_id, Event.RETRY_SCHEDULED, error=f"will retry: {reason}")
            else:
                self._store.finish_task(task.id)
                if message_id is not None and task.kind == "retrieve":
                    gone = status in (404, 410)
                    expired = task.deadline is not None and now >= task.deadline
                    self._store.change_state(message_id, Event.EXPIRED if gone or expired else Event.GAVE_UP,
                                             error=reason)
                elif message_id is not None and task.kind in ("send", "send_sms"):
                    self._store.change_state(message_id, Event.GAVE_UP, error=reason)
        log.warning("%s of message %s: %s (%s)", task.kind, message_id, reason,
                    "waits for the data path" if lost_path else "retry scheduled" if when is not None else "giving up")
        if message_id is not None and task.kind in ("retrieve", "send", "send_sms"):
            self._publisher.message("message.updated", message_id)
            if when is None and task.kind == "send" and settings.sms_fallback:
                self._sms_fallback(message_id)
