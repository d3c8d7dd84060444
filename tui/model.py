"""The daemon's JSON shapes (docs/api.md) as frozen dataclasses.

The client may hand us plain dicts (decoded JSON) or objects with attributes;
``_get`` reads either, so the TUI does not depend on which. Nothing here is
sanitised: text stays as the network sent it until ``tui.display`` shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any


def _get(obj: Any, key: str, default: Any = None) -> Any:
    if isinstance(obj, dict):
        return obj.get(key, default)
    if key == "from":  # a Python attribute cannot be called "from"
        return getattr(obj, "from_", getattr(obj, "sender", default))
    return getattr(obj, key, default)


def _date(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)):
        return datetime.fromtimestamp(value, timezone.utc)
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _addresses(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(_text(v) for v in value)


@dataclass(frozen=True, slots=True)
class Part:
    index: int
    content_type: str
    name: str
    size: int
    content_id: str = ""

    @classmethod
    def from_api(cls, obj: Any) -> Part:
        return cls(
            index=int(_get(obj, "index", 0) or 0),
            content_type=_text(_get(obj, "content_type", "application/octet-stream")).lower(),
            name=_text(_get(obj, "name", "")),
            size=int(_get(obj, "size", 0) or 0),
            content_id=_text(_get(obj, "content_id", "")),
        )

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")

    @property
    def is_text(self) -> bool:
        return self.content_type.startswith("text/plain")

    @property
    def is_smil(self) -> bool:
        return self.content_type.startswith("application/smil")


@dataclass(frozen=True, slots=True)
class Recipient:
    address: str
    status: str
    updated: datetime | None = None

    @classmethod
    def from_api(cls, obj: Any) -> Recipient:
        return cls(_text(_get(obj, "address")), _text(_get(obj, "status", "unknown")), _date(_get(obj, "updated")))


@dataclass(frozen=True, slots=True)
class Message:
    id: int
    conversation_id: int
    direction: str
    kind: str
    state: str
    sender: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    date: datetime | None
    text: str
    parts: tuple[Part, ...]
    size: int
    expiry: datetime | None
    recipients: tuple[Recipient, ...]
    read: bool
    error: str
    delivery_report_requested: bool = False  # without one, a sent message's recipients stay "pending"

    @classmethod
    def from_api(cls, obj: Any) -> Message:
        return cls(
            id=int(_get(obj, "id")),
            conversation_id=int(_get(obj, "conversation_id", 0) or 0),
            direction=_text(_get(obj, "direction", "in")),
            kind=_text(_get(obj, "kind", "mms")),
            state=_text(_get(obj, "state", "received")),
            sender=_text(_get(obj, "from", "")),
            to=_addresses(_get(obj, "to")),
            cc=_addresses(_get(obj, "cc")),
            subject=_text(_get(obj, "subject", "")),
            date=_date(_get(obj, "date")),
            text=_text(_get(obj, "text", "")),
            parts=tuple(Part.from_api(p) for p in (_get(obj, "parts") or ())),
            size=int(_get(obj, "size", 0) or 0),
            expiry=_date(_get(obj, "expiry")),
            recipients=tuple(Recipient.from_api(r) for r in (_get(obj, "recipients") or ())),
            read=bool(_get(obj, "read", True)),
            error=_text(_get(obj, "error", "")),
            delivery_report_requested=bool(_get(obj, "delivery_report_requested", False)),
        )

    @property
    def outgoing(self) -> bool:
        return self.direction == "out"

    @property
    def pending(self) -> bool:
        """A notification whose content is still at the carrier."""
        return self.direction == "in" and self.state in ("notified", "deferred", "retrieving")

    @property
    def attachments(self) -> tuple[Part, ...]:
        """Parts shown on their own: everything but text and the SMIL layout."""
        return tuple(p for p in self.parts if not (p.is_text or p.is_smil))


@dataclass(frozen=True, slots=True)
class Conversation:
    id: int
    participants: tuple[str, ...]
    last_date: datetime | None
    last_preview: str
    unread: int
    message_count: int

    @classmethod
    def from_api(cls, obj: Any) -> Conversation:
        return cls(
            id=int(_get(obj, "id")),
            participants=_addresses(_get(obj, "participants")),
            last_date=_date(_get(obj, "last_date")),
            last_preview=_text(_get(obj, "last_preview", "")),
            unread=int(_get(obj, "unread", 0) or 0),
            message_count=int(_get(obj, "message_count", 0) or 0),
        )


@dataclass(frozen=True, slots=True)
class Status:
    modem: str  # "manufacturer model", "" when no modem
    operator: str
    signal: int | None
    registration: str
    data_path: str
    own_number: str
    queued: int
    pending_notifications: int
    problem: str = ""  # why the modem or the MMS data path last failed, "" when nothing did

    @classmethod
    def from_api(cls, obj: Any) -> Status:
        modem = _get(obj, "modem")
        name = ""
        if modem:
            name = " ".join(_text(_get(modem, k, "")) for k in ("manufacturer", "model")).strip()
        signal = _get(obj, "signal")
        return cls(
            modem=name,
            operator=_text(_get(obj, "operator", "")),
            signal=None if signal is None else int(signal),
            registration=_text(_get(obj, "registration", "unknown")),
            data_path=_text(_get(obj, "data_path", "down")),
            own_number=_text(_get(obj, "own_number", "")),
            queued=int(_get(obj, "queued", 0) or 0),
            pending_notifications=int(_get(obj, "pending_notifications", 0) or 0),
            problem=next((_text(_get(e, "reason", "")) for e in (_get(obj, "modem_error"), _get(obj, "data_path_error")) if e), ""),
        )
