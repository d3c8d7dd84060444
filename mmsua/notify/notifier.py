"""The notifier: each new message announced by every configured way, unless its
conversation is muted.

The engine's event callback only queues the message (bounded); one worker thread
builds the notice and hands it to each way in turn, each bounded by its timeout,
so a desktop or ntfy server that hangs delays only the next notification. A way
that fails is logged (once until it works again) and the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from mmsua import targets
from mmsua.api.events import Event, MessageReceived
from mmsua.api.shapes import Message
from mmsua.notify.notice import Notice, notice_of
from mmsua.textsafe import clean_line
from mmsua.workqueue import Recent, WorkQueue

log = logging.getLogger("mmsua.notify")
QUEUE_LIMIT = 200  # a burst beyond this is not announced one by one (logged)
Muted = Callable[[int], bool]


class Way(Protocol):
    name: str

    def send(self, notice: Notice, message: Message) -> None: ...


class Hook:
    """A registered target (mmsua.targets), e.g. the MQTT bridge's."""

    def __init__(self, target: str) -> None:
        self.name = f"hook {target}"
        self.target = target

    def send(self, notice: Notice, message: Message) -> None:
        if not targets.deliver(self.target, targets.Handoff("notify", "notify", message, notice.title, notice.body)):
            raise RuntimeError(f"target {self.target!r} did not take it")


class Notifier:
    def __init__(self, ways: Sequence[Way], muted: Muted | None = None, show_text: bool = True) -> None:
        self.ways = tuple(ways)
        self.muted = muted or (lambda conversation_id: False)
        self.show_text = show_text
        self.sent: Recent[tuple[int, str]] = Recent()  # (message id, way) of the most recent, for tests
        self._failing: set[str] = set()
        self._work: WorkQueue[Message] = WorkQueue("notify", self.announce, QUEUE_LIMIT)

    def describe(self) -> list[str]:
        return [way.name for way in self.ways]

    def stop(self, wait: float = 5.0) -> None:
        self._work.stop(wait)

    def on_event(self, event: Event) -> None:
        # message.received is never published for a blocked number's message.
        if isinstance(event, MessageReceived) and event.data.direction == "in" and not event.data.blocked:
            if not self._work.offer(event.data):
                log.warning("message %s: too many notifications waiting; not announced", event.data.id)

    def announce(self, message: Message) -> None:
        try:
            if self.muted(message.conversation_id):
                log.debug("message %s: conversation %s is muted", message.id, message.conversation_id)
                return
        except Exception as error:  # the store may be closing: announce rather than lose it
            log.debug("cannot tell whether conversation %s is muted: %s", message.conversation_id, error)
        notice = notice_of(message, self.show_text)
        for way in self.ways:
            try:
                way.send(notice, message)
            except Exception as error:
                level = logging.DEBUG if way.name in self._failing else logging.WARNING
                self._failing.add(way.name)
                log.log(level, "message %s: %s notification failed: %s", message.id, way.name, clean_line(str(error), limit=200))
                continue
            if way.name in self._failing:
                self._failing.discard(way.name)
                log.info("%s notifications work again", way.name)
            self.sent.add((message.id, way.name))
