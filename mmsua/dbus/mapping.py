"""mmsd-tng's D-Bus vocabulary from the typed API's shapes, and back (docs/dbus.md).

Pure: no D-Bus library, no I/O. A property is ``(signature, value)``; the service
wraps each in a Variant. The names, statuses and formats are mmsd-tng's, as its
clients (Chatty's chatty-mmsd.c, sxmo's sxmo_mms.sh) read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from mmsua.api.errors import BadRequest
from mmsua.api.shapes import Message, Part
from mmsua.api.states import MessageState, ReportStatus
from mmsua.textsafe import safe_filename

SERVICE_NAME = "org.ofono.mms"
MANAGER_PATH = "/org/ofono/mms"  # Manager and ModemManager interfaces
SERVICE_PATH = "/org/ofono/mms/modemmanager"  # the one service; Chatty connects only to this path
SERVICE_IDENTITY = "modemmanager"
MANAGER_IFACE = "org.ofono.mms.Manager"
SERVICE_IFACE = "org.ofono.mms.Service"
MESSAGE_IFACE = "org.ofono.mms.Message"
MODEMMANAGER_IFACE = "org.ofono.mms.ModemManager"

MAX_RECIPIENTS = 64  # a group MMS is a handful; more is a runaway script
MAX_ATTACHMENTS = 25  # mmsd-tng's default MaxAttachments
MAX_NUMBER = 64  # GetConversation's digits

Prop = tuple[str, object]  # (D-Bus signature, value)


def message_path(message_id: int) -> str:
    return f"{SERVICE_PATH}/{message_id}"


def message_id(path: str) -> int:
    """The id in a message's object path; BadRequest for any other path."""
    match = re.fullmatch(re.escape(SERVICE_PATH) + r"/([0-9]{1,18})", path)
    if match is None:
        raise BadRequest(f"{path!r} is not a message of {SERVICE_PATH}")
    return int(match.group(1))


def visible(message: Message) -> bool:
    """What org.ofono.mms shows: MMS only (SMS stay with ModemManager's clients), not from a
    blocked number, incoming only once retrieved (mmsd-tng announces a message when its
    content is there, never a bare notification)."""
    if message.kind != "mms" or message.blocked:
        return False
    return message.outgoing or message.state == MessageState.RECEIVED


def status(message: Message) -> str:
    """mmsd-tng's Status: received, read, draft, sent, delivered, sending_failed."""
    if not message.outgoing:
        return "read" if message.read else "received"
    if message.state in (MessageState.QUEUED, MessageState.SENDING):
        return "draft"
    if message.state == MessageState.SENT:
        reports = [r.status for r in message.recipients]
        if reports and all(r in (ReportStatus.DELIVERED, ReportStatus.READ) for r in reports):
            return "delivered"
        return "sent"
    return "sending_failed"  # failed, cancelled


# X-Mms-Status values as mmsd-tng's "Delivery Status" names them; "none": no report yet.
_DELIVERY = {
    ReportStatus.PENDING: "none", ReportStatus.DELIVERED: "retrieved", ReportStatus.READ: "retrieved",
    ReportStatus.DELETED: "retrieved", ReportStatus.REJECTED: "rejected", ReportStatus.EXPIRED: "expired",
    ReportStatus.UNREACHABLE: "unreachable", ReportStatus.FORWARDED: "forwarded", ReportStatus.UNKNOWN: "indeterminate",
}


def delivery_status(message: Message) -> str | None:
    """``delivery_update,+1555…=retrieved,…`` for a sent message that asked for reports, else None."""
    if not message.outgoing or not message.delivery_report_requested:
        return None
    return ",".join(["delivery_update", *(f"{r.address}={_DELIVERY[r.status]}" for r in message.recipients)])


def mmsd_date(iso: str | None) -> str:
    """The API's ISO 8601 UTC date as mmsd-tng writes it (%Y-%m-%dT%H:%M:%S%z)."""
    if not iso:
        return ""
    try:
        return datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%Y-%m-%dT%H:%M:%S%z")
    except ValueError:
        return iso


def attachment_id(part: Part) -> str:
    """A part's id for clients that make a file name of it (Chatty does): its Content-ID or
    name, reduced to a safe file name."""
    raw = (part.content_id or part.name or "").strip("<> ")
    return safe_filename(raw, fallback="") or f"part-{part.index}"


def listed_parts(message: Message) -> tuple[Part, ...]:
    """The parts listed in Attachments: all but the SMIL layout (the Smil property has it)."""
    return tuple(p for p in message.parts if not p.is_smil)


@dataclass(frozen=True, slots=True)
class Attachment:
    """One entry of Attachments: (id, content-type, file, offset, length)."""

    id: str
    content_type: str
    path: str
    offset: int
    length: int


def properties(message: Message, attachments: tuple[Attachment, ...], smil: str | None, own_number: str | None) -> dict[str, Prop]:
    """A message's properties as mmsd-tng's GetMessages and MessageAdded carry them."""
    # Subject, and an incoming message's Sender, are always there: an older Chatty reads them
    # without a check (strlen of the Subject), so an absent one would crash it; "" is "none".
    props: dict[str, Prop] = {"Status": ("s", status(message)), "Date": ("s", mmsd_date(message.date)),
                              "Subject": ("s", message.subject or "")}
    if not message.outgoing:
        props["Sender"] = ("s", message.sender or "")
    props["Recipients"] = ("as", [*message.to, *message.cc, *message.bcc])
    if own_number:
        props["Modem Number"] = ("s", own_number)
    if smil is not None:
        props["Smil"] = ("s", smil)
    props["Attachments"] = ("a(ssstt)", [[a.id, a.content_type, a.path, a.offset, a.length] for a in attachments])
    if message.outgoing:
        props["Delivery Report"] = ("b", message.delivery_report_requested)
        report = delivery_status(message)
        if report is not None:
            props["Delivery Status"] = ("s", report)
    return props


def number_matches(message: Message, digits: str) -> bool:
    """GetConversation's rule: a sender or recipient ends with the given digits."""
    return any(address.endswith(digits) for address in (message.sender or "", *message.to, *message.cc, *message.bcc) if address)


@dataclass(frozen=True, slots=True)
class SendOptions:
    subject: str | None = None
    delivery_report: bool | None = None
    smil: str | None = None  # given by the client; mmsua lays out its own (docs/dbus.md)


def send_options(signature: str, value: object) -> SendOptions:
    """SendMessage's second argument: a{sv} options (mmsd-tng), or the SMIL text (mmsd's old form)."""
    if signature == "s":
        return SendOptions(smil=str(value))
    if signature != "a{sv}" or not isinstance(value, dict):
        raise BadRequest(f"SendMessage's options are a{{sv}} (Subject, DeliveryReport, Smil), not {signature}")
    subject = value.get("Subject")
    report = value.get("DeliveryReport")
    smil = value.get("Smil")
    if subject is not None and not isinstance(subject, str):
        raise BadRequest("SendMessage: Subject is a string")
    if report is not None and not isinstance(report, bool):
        raise BadRequest("SendMessage: DeliveryReport is a boolean")
    if smil is not None and not isinstance(smil, str):
        raise BadRequest("SendMessage: Smil is a string")
    return SendOptions(subject or None, report, smil or None)
