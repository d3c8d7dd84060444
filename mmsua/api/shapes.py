"""Every shape that crosses the daemon's socket (docs/api.md), as frozen dataclasses.

Field order is the wire order. Values are what the wire carries (dates as ISO 8601
UTC text, lists as tuples); nothing is sanitised: text stays as the network sent it
until a client passes it through ``mmsua.textsafe``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from typing import Literal

from mmsua.api.errors import BadRequest
from mmsua.api.states import MessageState, ReportStatus
from mmsua.api.wire import Shape

Priority = Literal["low", "normal", "high"]  # X-Mms-Priority (OMA-TS-MMS_ENC 7.3.31)
SendVia = Literal["auto", "sms", "mms"]  # auto: the daemon's policy decides (docs/api.md, "SMS or MMS")
PRIORITIES: tuple[Priority, ...] = ("low", "normal", "high")
PENDING_STATES = (MessageState.NOTIFIED, MessageState.DEFERRED, MessageState.RETRIEVING)


@dataclass(frozen=True, slots=True)
class Part(Shape):
    """A stored part without its bytes (``get_part`` fetches them)."""

    index: int
    content_type: str
    name: str | None = None
    size: int = 0
    content_id: str | None = None

    @property
    def is_image(self) -> bool:
        return self.content_type.lower().startswith("image/")

    @property
    def is_text(self) -> bool:
        return self.content_type.lower().startswith("text/plain")

    @property
    def is_smil(self) -> bool:
        return self.content_type.lower().startswith("application/smil")


@dataclass(frozen=True, slots=True)
class RecipientStatus(Shape):
    """One recipient of a sent message and what its reports said."""

    address: str
    status: ReportStatus = ReportStatus.UNKNOWN
    updated: str | None = None


@dataclass(frozen=True, slots=True)
class Message(Shape):
    id: int
    conversation_id: int = 0
    direction: Literal["in", "out"] = "in"
    kind: Literal["mms", "sms"] = "mms"
    state: MessageState = MessageState.RECEIVED
    sender: str | None = field(default=None, metadata={"wire": "from"})
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()  # outgoing messages
    subject: str | None = None
    date: str | None = None
    text: str = ""  # the text parts joined
    parts: tuple[Part, ...] = ()
    size: int | None = None  # a pending notification: the size the carrier announced
    expiry: str | None = None
    recipients: tuple[RecipientStatus, ...] = ()
    read: bool = True
    read_report_requested: bool = False
    delivery_report_requested: bool = False  # without one, a sent message's recipients stay "pending"
    priority: str | None = None  # as chosen when sending or stated by the sender; None when not stated
    error: str | None = None  # why it failed
    message_id: str | None = None  # the MMS Message-ID (M-Send.conf / M-Retrieve.conf)
    attempts: int = 0  # outgoing MMS: POSTs begun; 2 or more means the MMSC may have it more than once
    sender_name: str | None = None  # the sender's name in the daemon's contacts, when known
    blocked: bool = False  # from a blocked number: kept apart, never announced
    modem: str | None = None  # the modem it came in on or went out of (Status.modems); None: stored before modems had names

    @property
    def outgoing(self) -> bool:
        return self.direction == "out"

    @property
    def pending(self) -> bool:
        """A notification whose content is still at the carrier."""
        return self.direction == "in" and self.state in PENDING_STATES

    @property
    def attachments(self) -> tuple[Part, ...]:
        """Parts shown on their own: everything but text and the SMIL layout."""
        return tuple(p for p in self.parts if not (p.is_text or p.is_smil))


@dataclass(frozen=True, slots=True)
class Conversation(Shape):
    id: int
    participants: tuple[str, ...] = ()  # E.164 numbers or e-mail addresses
    last_date: str | None = None
    last_preview: str = ""
    unread: int = 0
    message_count: int = 0
    names: tuple[str, ...] = ()  # the participants' names from the daemon's contacts, "" where unknown
    blocked: bool = False  # every participant is blocked
    muted: bool = False  # its new messages are not announced (mute_conversation)


@dataclass(frozen=True, slots=True)
class PartContent(Shape):
    """``get_part``'s answer: one part with its bytes."""

    content_type: str
    name: str | None
    size: int
    data_b64: str

    @classmethod
    def of(cls, content_type: str, name: str | None, data: bytes) -> PartContent:
        return cls(content_type, name, len(data), base64.b64encode(data).decode("ascii"))

    @property
    def data(self) -> bytes:
        try:
            return base64.b64decode(self.data_b64, validate=True)
        except (ValueError, binascii.Error) as error:
            raise BadRequest(f"data_b64 is not base64: {error}") from None


@dataclass(frozen=True, slots=True)
class ModemInfo(Shape):
    manufacturer: str | None = None
    model: str | None = None
    revision: str | None = None
    imei: str | None = None


@dataclass(frozen=True, slots=True)
class Failure(Shape):
    """Why something last failed, and when (ISO 8601 UTC)."""

    reason: str
    at: str | None = None


SINGLE_MODEM = "modem"  # the name of a daemon's only modem (one without [modems.<name>] tables)


@dataclass(frozen=True, slots=True)
class ModemStatus(Shape):
    """One of the daemon's modems (Status.modems): the fields Status has for the first, for each."""

    name: str  # as in the config's [modems.<name>] ("modem" when there is one), MQTT topics and send's ``modem``
    modem: ModemInfo | None = None
    operator: str | None = None
    signal: int | None = None
    registration: str = "unknown"
    data_path: str = "down"
    modem_error: Failure | None = None
    data_path_error: Failure | None = None
    own_number: str | None = None
    max_size: int | None = None
    carrier: str | None = None


@dataclass(frozen=True, slots=True)
class Status(Shape):
    """The daemon and its first modem; ``modems``: every modem, the first first."""

    modem: ModemInfo | None = None  # None while the modem has not started (see modem_error)
    operator: str | None = None
    signal: int | None = None  # 0-100
    registration: str = "unknown"  # home, roaming, searching, denied, unknown
    data_path: str = "down"  # down, up, error
    modem_error: Failure | None = None  # the last start-up failure; None once it started
    data_path_error: Failure | None = None  # the last bring-up failure; None once it came up
    own_number: str | None = None
    daemon_version: str | None = None
    queued: int = 0
    pending_notifications: int = 0
    max_size: int | None = None  # the largest MMS the carrier accepts, in bytes
    carrier: str | None = None  # the carrier rules in use and where they came from, e.g. "T-Mobile US (AOSP mms_config mcc310-mnc260)"
    modems: tuple[ModemStatus, ...] = ()


@dataclass(frozen=True, slots=True)
class Attachment(Shape):
    """A file to send: ``{path}`` (read by the daemon) or ``{name, content_type, data_b64}``."""

    request = True
    path: str | None = None
    name: str | None = None
    content_type: str | None = None
    data_b64: str | None = None

    @classmethod
    def of(cls, data: bytes, name: str | None = None, content_type: str | None = None) -> Attachment:
        return cls(None, name, content_type, base64.b64encode(data).decode("ascii"))


@dataclass(frozen=True, slots=True)
class SendRequest(Shape):
    """``send``'s parameters. ``conversation_id`` without ``to``: a reply to every participant
    of that conversation; ``separately``: one message per recipient; ``priority``: the
    M-Send.req's X-Mms-Priority (MMS only). Reports default to the daemon's settings.
    ``via``: SMS or MMS, as docs/api.md "SMS or MMS" says (``auto``: the daemon's policy).
    ``modem``: which of the daemon's modems sends it (Status.modems); None: the modem of the
    conversation it belongs to, else the first."""

    request = True
    to: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    subject: str | None = None
    text: str | None = None
    attachments: tuple[Attachment, ...] = ()
    delivery_report: bool | None = None
    read_report: bool | None = None
    separately: bool = False
    as_sms: bool = False  # the same as via="sms" (kept for older clients)
    conversation_id: int | None = None
    priority: Priority | None = None
    via: SendVia = "auto"
    modem: str | None = None


@dataclass(frozen=True, slots=True)
class SendPlan(Shape):
    """``plan_send``'s answer: what ``send`` would do with the same request, and why.
    ``send`` itself follows the same plan, so every client gets the same answer."""

    kind: Literal["sms", "mms"]
    reason: str  # why that kind: "text to one person", "has an attachment", "longer than 4 SMS"…
    switchable: bool = False  # the other kind is possible too (``via`` forces it)
    messages: int = 1  # messages that go out: 1, or one per recipient (separately, or a group as SMS)
    sms_parts: int = 0  # kind sms: segments each recipient gets
    sms_chars_left: int = 0  # kind sms: characters left in the last segment
    sms_encoding: Literal["gsm7", "ucs2"] = "gsm7"
    mms_size: int = 0  # kind mms: the M-Send.req's size after pictures are fitted, in bytes
    mms_limit: int = 0  # the carrier's largest MMS, in bytes
    confirm: str | None = None  # ask the user before sending, and why (a long SMS)
    problems: tuple[str, ...] = ()  # why ``send`` would refuse it (e.g. a video over the limit)
    modem: str | None = None  # with several modems: the one it goes out of (SendRequest.modem, or the conversation's)


@dataclass(frozen=True, slots=True)
class Deleted(Shape):
    """``message.deleted``'s data: the conversation as it is after the delete (it stays)."""

    id: int
    conversation_id: int
    conversation: Conversation


@dataclass(frozen=True, slots=True)
class LogLine(Shape):
    time: str
    level: str
    text: str


@dataclass(frozen=True, slots=True)
class Empty(Shape):
    """The ``{}`` answer of ``delete`` and ``subscribe``."""
