"""The message state machine: one table of which event moves which state to which.

Every state a message takes is reached through this table: a new message's first
state (from ``None``) and every change after it. The store applies an event
inside the transaction that reads the current state (:meth:`Store.change_state`),
so a move the table does not declare raises :class:`UndeclaredTransition` and
changes nothing. docs/architecture.md draws the table (:func:`mermaid`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from mmsua.api.states import MessageState

S = MessageState  # short, for the table


class Event(StrEnum):
    """What happened to a message; the table says what its state becomes."""

    # a message comes into being
    SMS_RECEIVED = "sms received"
    NOTIFIED = "notification, to retrieve"
    NOTIFIED_DEFERRED = "notification, deferred"
    NOTIFIED_REJECTED = "notification, rejected"
    NOTIFIED_UNTRUSTED = "notification, untrusted location"
    NOTIFIED_EXPIRED = "notification, already expired"
    QUEUED = "queued"
    # the worker's steps
    RETRIEVAL_STARTED = "retrieval started"
    RETRIEVED = "retrieved"
    SEND_STARTED = "send started"
    SENT = "sent"
    RETRY_SCHEDULED = "retry scheduled"
    GAVE_UP = "gave up"
    EXPIRED = "expired"
    RESUMED = "resumed after a stop"
    HELD = "location not trusted"
    # the user's commands
    FETCH = "fetch"
    RETRY = "retry"
    CANCEL = "cancel"

    def apply(self, source: MessageState | None) -> MessageState:
        """The state this event moves ``source`` to (``None``: a new message)."""
        return next_state(source, self)


@dataclass(frozen=True, slots=True)
class Transition:
    source: MessageState | None  # None: the message is new
    event: Event
    target: MessageState
    why: str = ""  # where a move is not obvious from its names


TRANSITIONS: tuple[Transition, ...] = (
    Transition(None, Event.SMS_RECEIVED, S.RECEIVED),
    Transition(None, Event.NOTIFIED, S.NOTIFIED, "the retrieval policy fetches it"),
    Transition(None, Event.NOTIFIED_DEFERRED, S.DEFERRED, "manual policy, roaming, or too large"),
    Transition(None, Event.NOTIFIED_REJECTED, S.REJECTED, "the policy rejects it"),
    Transition(None, Event.NOTIFIED_UNTRUSTED, S.UNTRUSTED, "its Content-Location is not on a trusted host"),
    Transition(None, Event.NOTIFIED_EXPIRED, S.EXPIRED),
    Transition(None, Event.QUEUED, S.QUEUED),
    # incoming MMS
    Transition(S.NOTIFIED, Event.RETRIEVAL_STARTED, S.RETRIEVING),
    Transition(S.RETRIEVING, Event.RETRIEVED, S.RECEIVED),
    Transition(S.NOTIFIED, Event.RETRIEVED, S.RECEIVED, "a fetch re-queued it while it was being retrieved"),
    Transition(S.RETRIEVING, Event.RETRY_SCHEDULED, S.NOTIFIED),
    Transition(S.NOTIFIED, Event.RETRY_SCHEDULED, S.NOTIFIED, "the step failed before the GET"),
    Transition(S.RETRIEVING, Event.GAVE_UP, S.FAILED),
    Transition(S.NOTIFIED, Event.GAVE_UP, S.FAILED, "the step failed before the GET"),
    Transition(S.NOTIFIED, Event.EXPIRED, S.EXPIRED),
    Transition(S.RETRIEVING, Event.EXPIRED, S.EXPIRED, "the MMSC answered 404 or 410"),
    Transition(S.DEFERRED, Event.EXPIRED, S.EXPIRED, "fetched after its expiry"),
    Transition(S.FAILED, Event.EXPIRED, S.EXPIRED, "fetched after its expiry"),
    Transition(S.UNTRUSTED, Event.EXPIRED, S.EXPIRED, "fetched after its expiry"),
    Transition(S.RETRIEVING, Event.RESUMED, S.NOTIFIED),
    Transition(S.NOTIFIED, Event.HELD, S.UNTRUSTED, "checked again before the GET: no MMSC was known when it came"),
    Transition(S.DEFERRED, Event.FETCH, S.NOTIFIED),
    Transition(S.FAILED, Event.FETCH, S.NOTIFIED),
    Transition(S.UNTRUSTED, Event.FETCH, S.NOTIFIED, "only with the user's explicit trust"),
    Transition(S.NOTIFIED, Event.FETCH, S.NOTIFIED),
    Transition(S.RETRIEVING, Event.FETCH, S.NOTIFIED),
    # outgoing MMS and SMS
    Transition(S.QUEUED, Event.SEND_STARTED, S.SENDING),
    Transition(S.SENDING, Event.SEND_STARTED, S.SENDING, "an SMS stays sending between its attempts"),
    Transition(S.SENDING, Event.SENT, S.SENT),
    Transition(S.SENDING, Event.RETRY_SCHEDULED, S.QUEUED),
    Transition(S.QUEUED, Event.RETRY_SCHEDULED, S.QUEUED, "the step failed before the POST"),
    Transition(S.SENDING, Event.GAVE_UP, S.FAILED),
    Transition(S.QUEUED, Event.GAVE_UP, S.FAILED, "no modem for an SMS, or a failure before the POST"),
    Transition(S.SENDING, Event.RESUMED, S.QUEUED),
    Transition(S.FAILED, Event.RETRY, S.QUEUED),
    Transition(S.QUEUED, Event.CANCEL, S.CANCELLED),
    Transition(S.SENDING, Event.CANCEL, S.CANCELLED, "an MMS whose POST has not begun (the send task not marked posting)"),
)

_TABLE: dict[tuple[MessageState | None, Event], MessageState] = {(t.source, t.event): t.target for t in TRANSITIONS}
if len(_TABLE) != len(TRANSITIONS):  # pragma: no cover - a table with two answers for one move
    raise AssertionError("the transition table declares a (state, event) pair twice")


class StateError(Exception):
    """The engine's state machine refused a change."""


class UndeclaredTransition(StateError):
    def __init__(self, source: MessageState | None, event: Event) -> None:
        where = "a new message" if source is None else f"state {source.value!r}"
        super().__init__(f"the transition table declares no {event.value!r} event for {where}")
        self.source = source
        self.event = event


def next_state(source: MessageState | None, event: Event) -> MessageState:
    """The table's target for ``event`` in ``source``; :class:`UndeclaredTransition` when it has none."""
    try:
        return _TABLE[(source, event)]
    except KeyError:
        raise UndeclaredTransition(source, event) from None


DOC_BEGIN = "<!-- state machine: generated from mmsua/engine/states.py by tools/state_diagram.py -->"
DOC_END = "<!-- end of the generated state machine -->"


def doc_section() -> str:
    """docs/architecture.md's state machine: the diagram, then the table with the reasons."""
    rows = [f"| {'(new)' if t.source is None else t.source.value} | {t.event.value} | {t.target.value} | {t.why} |"
            for t in TRANSITIONS]
    return "\n".join([DOC_BEGIN, "", "```mermaid", mermaid(), "```", "",
                      "| from | event | to | when it is not obvious |", "| --- | --- | --- | --- |",
                      *rows, "", DOC_END])


def mermaid() -> str:
    """The table as a mermaid state diagram (docs/architecture.md shows it)."""
    lines = ["stateDiagram-v2"]
    for source, targets in _edges():
        for target, events in targets.items():
            start = "[*]" if source is None else source.value
            lines.append(f"    {start} --> {target.value}: {', '.join(e.value for e in events)}")
    return "\n".join(lines)


def _edges() -> Iterator[tuple[MessageState | None, dict[MessageState, list[Event]]]]:
    """Transitions grouped by source, then target, in the table's order (one arrow per pair)."""
    grouped: dict[MessageState | None, dict[MessageState, list[Event]]] = {}
    for t in TRANSITIONS:
        grouped.setdefault(t.source, {}).setdefault(t.target, []).append(t.event)
    yield from grouped.items()
