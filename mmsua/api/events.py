"""The events a subscriber receives (docs/api.md, "Events"): ``{"event": name, "data": ...}``.

Each event is a shape whose one field ``data`` is what the wire's ``data`` carries;
``name`` is the wire's ``event``. :func:`event_from_json` reads one line's object.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias

from mmsua.api.errors import BadRequest
from mmsua.api.shapes import Deleted, LogLine, Message, Status
from mmsua.api.wire import JSON, Shape


class _Event(Shape):
    __slots__ = ()
    name: ClassVar[str]

    def to_json(self) -> dict[str, JSON]:
        return {"event": self.name, **Shape.to_json(self)}


@dataclass(frozen=True, slots=True)
class MessageReceived(_Event):
    """A message's content is stored (state ``received``), or a notification waits for the user."""

    name = "message.received"
    data: Message


@dataclass(frozen=True, slots=True)
class MessageUpdated(_Event):
    """Any other change to a message, by the engine or by a command."""

    name = "message.updated"
    data: Message


@dataclass(frozen=True, slots=True)
class MessageDeleted(_Event):
    name = "message.deleted"
    data: Deleted


@dataclass(frozen=True, slots=True)
class ModemState(_Event):
    name = "modem.state"
    data: Status


@dataclass(frozen=True, slots=True)
class Log(_Event):
    name = "log"
    data: LogLine


@dataclass(frozen=True, slots=True)
class Closed(Shape):
    reason: str


@dataclass(frozen=True, slots=True)
class ConnectionClosed(_Event):
    """Client-side, never on the wire: the daemon went away (stopped, crashed, or dropped
    a subscriber that did not read). The last event a client's callback gets."""

    name = "connection.closed"
    data: Closed


Event: TypeAlias = MessageReceived | MessageUpdated | MessageDeleted | ModemState | Log | ConnectionClosed
EventCallback: TypeAlias = Callable[[Event], None]
EVENTS: dict[str, type[Event]] = {cls.name: cls for cls in (MessageReceived, MessageUpdated, MessageDeleted, ModemState, Log)}


def event_from_json(value: Any) -> Event:
    """One event line's object; BadRequest when it is not one of EVENTS."""
    if not isinstance(value, dict) or not isinstance(value.get("event"), str):
        raise BadRequest("an event is an object with an 'event' name")
    cls = EVENTS.get(value["event"])
    if cls is None:
        raise BadRequest(f"unknown event {value['event']!r}")
    return cls.from_json(value, value["event"])
