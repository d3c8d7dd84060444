"""What the store hands out: frozen records. The API's shapes are mmsua.api's; the agent
makes them from these (mmsua.engine.agent.message_shape)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from mmsua.api.states import IN_STATES, OUT_STATES, MessageState, ReportStatus

# Per-recipient statuses (docs/api.md).
RECIPIENT_STATUSES: tuple[ReportStatus, ...] = tuple(ReportStatus)


def iso(timestamp: float | None) -> str | None:
    """Unix time as ISO 8601 UTC with a Z, or None."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


__all__ = ["IN_STATES", "OUT_STATES", "RECIPIENT_STATUSES", "Conversation", "Message", "PartData", "PartInfo",
           "Recipient", "StoredSms", "Task", "iso"]


@dataclass(frozen=True, slots=True)
class PartData:
    """A part to store: its bytes and headers."""

    content_type: str
    data: bytes
    name: str | None = None
    content_id: str | None = None
    charset: str | None = None
    content_location: str | None = None


@dataclass(frozen=True, slots=True)
class PartInfo:
    """A stored part without its bytes."""

    index: int
    content_type: str
    name: str | None
    size: int
    content_id: str | None
    charset: str | None
    content_location: str | None = None


@dataclass(frozen=True, slots=True)
class Recipient:
    address: str
    status: str
    updated: float


@dataclass(frozen=True, slots=True)
class SmsSegment:
    """One segment of a sent SMS to one recipient, with the TP-MR the SMSC gave it."""

    message_id: int
    address: str
    segment: int  # 1-based
    reference: int
    status: str = "pending"  # pending, delivered, unreachable (from its status report)


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: int
    direction: str
    kind: str
    state: MessageState
    sender: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    subject: str | None
    date: float
    text: str
    parts: tuple[PartInfo, ...]
    size: int | None
    expiry: float | None
    recipients: tuple[Recipient, ...]
    read: bool
    read_report_requested: bool
    delivery_report_requested: bool
    error: str | None
    transaction_id: str | None = None
    message_id: str | None = None
    content_location: str | None = None
    priority: str | None = None
    message_class: str | None = None
    sms_reference: int | None = None
    attempts: int = 0  # POSTs of an outgoing MMS begun (schema v5)
    blocked: bool = False  # arrived from a blocked number (schema v6)
    modem: str | None = None  # the modem it came in on or goes out of (schema v9; None: written before)


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    participants: tuple[str, ...]
    last_date: float | None
    last_preview: str
    unread: int
    message_count: int
    blocked: bool = False  # every participant is a blocked number (read at query time)
    muted: bool = False  # not announced by notifications (schema v8)


@dataclass(frozen=True, slots=True)
class Task:
    """A durable piece of work: retrieve, notify_resp, acknowledge, send, read_report."""

    id: int
    kind: str
    message_id: int | None
    attempts: int
    next_attempt: float
    deadline: float | None
    last_error: str | None
    args: dict[str, Any] = field(default_factory=dict)

    def require_message_id(self) -> int:
        """The message of a task that is always for one (retrieve, send, send_sms, read_report)."""
        if self.message_id is None:
            raise ValueError(f"a {self.kind} task names no message")
        return self.message_id


@dataclass(frozen=True, slots=True)
class ModemScope:
    """One modem's share of the store, in a daemon that drives several (issue 15).

    Messages and kept SMS record the modem they came in on or go out of. The first
    modem also owns what names no modem still configured (a store written before
    modems had names, or by a modem since removed from the config), so nothing is
    orphaned; ``others`` are the other modems' names."""

    name: str
    primary: bool = True
    others: tuple[str, ...] = ()

    @property
    def kept_sms_owner(self) -> str | None:
        """What a kept SMS records as its modem: None for the first, as a store written before
        modems had names did (the same PDU in the same slot is then still recognised)."""
        return None if self.primary else self.name

    def clause(self, column: str) -> tuple[str, tuple[str, ...]]:
        """SQL (to append after a WHERE condition) keeping rows whose ``column`` is this modem's."""
        if not self.primary:
            return f" AND {column} = ?", (self.name,)
        if not self.others:
            return "", ()
        marks = ",".join("?" * len(self.others))
        return f" AND ({column} IS NULL OR {column} NOT IN ({marks}))", self.others


@dataclass(frozen=True, slots=True)
class TaskKinds:
    """Some kinds of task: those named, or (``other_than``) all but those named; with
    ``modem``, only the tasks of that modem's messages."""

    names: tuple[str, ...]
    other_than: bool = False
    modem: ModemScope | None = None

    def __contains__(self, kind: object) -> bool:
        return (kind in self.names) != self.other_than


@dataclass(frozen=True, slots=True)
class StoredSms:
    """An SMS kept from the modem (see Store.add_sms)."""

    id: int
    storage: str | None
    index: int | None
    pdu_hex: str
    tpdu_length: int
    date: float
