"""The org.ofono.mms service's work over an ``Api``, without the D-Bus library.

Every method here blocks on the API and runs on the service's one worker thread,
so calls and events are handled one at a time and in order. Methods return what
the service answers and the signals to emit first (``Signal``), the way mmsd-tng
announces a message before it answers SendMessage. Which messages a client has
been told about (and with which Status) is kept here, so an event becomes a
MessageAdded the first time and a PropertyChanged after.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from pathlib import Path

from mmsua.api.errors import ApiError, BadRequest, NotFound, TooLarge
from mmsua.api.events import Event, MessageDeleted, MessageReceived, MessageUpdated, ModemState
from mmsua.api.methods import Api
from mmsua.api.shapes import Attachment, Message, SendRequest
from mmsua.dbus import mapping
from mmsua.dbus.files import AttachmentFiles
from mmsua.dbus.hidden import Hidden
from mmsua.dbus.mapping import Prop
from mmsua.safefiles import MAX_ATTACHMENT_FILE, read_attachment_file

log = logging.getLogger("mmsua.dbus")
PAGE = 200  # messages per list call while walking the store


@dataclass(frozen=True, slots=True)
class Signal:
    """A signal to emit: ``kind`` added (path, props), changed (path, name, prop), removed (path)."""

    kind: str
    path: str
    props: dict[str, Prop] = field(default_factory=dict)
    name: str = ""
    value: Prop = ("s", "")


@dataclass(slots=True)
class ServiceSettings:
    """The Service's properties (GetProperties / SetProperty); kept by the D-Bus service, not the engine."""

    use_delivery_reports: bool = False
    auto_create_smil: bool = True  # mmsua always lays out its own SMIL (docs/dbus.md)
    total_max_attachment_size: int = 307200
    max_attachments: int = mapping.MAX_ATTACHMENTS

    def properties(self) -> dict[str, Prop]:
        return {
            "UseDeliveryReports": ("b", self.use_delivery_reports),
            "AutoCreateSMIL": ("b", self.auto_create_smil),
            "TotalMaxAttachmentSize": ("i", self.total_max_attachment_size),
            "MaxAttachments": ("i", self.max_attachments),
        }

    def set(self, name: str, signature: str, value: object) -> Prop:
        kinds = {"UseDeliveryReports": "b", "AutoCreateSMIL": "b", "TotalMaxAttachmentSize": "i", "MaxAttachments": "i"}
        if name not in kinds:
            raise BadRequest(f"no property {name!r}; there are {', '.join(kinds)}")
        if signature != kinds[name]:
            raise BadRequest(f"{name} is of type {kinds[name]}, not {signature}")
        if kinds[name] == "i" and not (isinstance(value, int) and 0 < value <= 2**31 - 1):
            raise BadRequest(f"{name} must be a positive number")
        attribute = {"UseDeliveryReports": "use_delivery_reports", "AutoCreateSMIL": "auto_create_smil",
                     "TotalMaxAttachmentSize": "total_max_attachment_size", "MaxAttachments": "max_attachments"}[name]
        setattr(self, attribute, value)
        return self.properties()[name]


@dataclass(frozen=True, slots=True)
class CarrierSettings:
    """What ViewSettings shows: the daemon's configured MMS settings (they are changed in its config)."""

    mmsc: str = ""
    apn: str = ""
    proxy: str = ""

    def view(self) -> dict[str, Prop]:
        return {
            "CarrierMMSC": ("s", self.mmsc), "MMS_APN": ("s", self.apn), "CarrierMMSProxy": ("s", self.proxy or "NULL"),
            "AutoProcessOnConnection": ("b", True), "AutoProcessSMSWAP": ("b", True),
        }


class Adapter:
    def __init__(self, api: Api, files: AttachmentFiles, settings: ServiceSettings, carrier: CarrierSettings,
                 hide: bool = False) -> None:
        self.api = api
        self.files = files
        self.hide = hide  # Delete hides from D-Bus and keeps the message (dbus.delete = "hide")
        self.hidden = Hidden(files.directory)
        self.settings = settings
        self.carrier = carrier
        self.own_number: str | None = None
        self._told: dict[int, tuple[str, str | None]] = {}  # id: (Status, Delivery Status) a client was told

    # -- start ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Remember what is already stored: only what happens from now on is a MessageAdded."""
        self.hidden.load()
        status = self.api.status()
        self.own_number = status.own_number
        if status.max_size:
            self.settings.total_max_attachment_size = status.max_size
        for message in self._visible_messages():
            self._told[message.id] = (mapping.status(message), mapping.delivery_status(message))

    def known_ids(self) -> list[int]:
        """The messages a client may know of (their objects are exported)."""
        return list(self._told)

    # -- Service methods -----------------------------------------------------------------------

    def get_messages(self) -> list[tuple[str, dict[str, Prop]]]:
        return [self._describe(m) for m in self._visible_messages()]

    def get_conversation(self, number: str, count: int) -> list[tuple[str, dict[str, Prop]]]:
        digits = number.strip()
        if not digits or len(digits) > mapping.MAX_NUMBER:
            raise BadRequest(f"GetConversation needs a number of 1 to {mapping.MAX_NUMBER} characters")
        chosen = [m for m in self._visible_messages() if mapping.number_matches(m, digits)]
        if count:
            chosen = chosen[-count:]
        return [self._describe(m) for m in chosen]

    def prepare_send(self, recipients: list[str], options: mapping.SendOptions, attachments: list[list[str]]) -> SendRequest:
        """SendMessage's request, its files read. No API call: done outside the engine's lock, as
        the socket server reads ``{path}`` attachments, so a slow file holds up no one else."""
        if not recipients:
            raise BadRequest("SendMessage needs at least one recipient")
        if len(recipients) > mapping.MAX_RECIPIENTS:
            raise BadRequest(f"SendMessage takes at most {mapping.MAX_RECIPIENTS} recipients")
        if len(attachments) > self.settings.max_attachments:
            raise BadRequest(f"SendMessage takes at most {self.settings.max_attachments} attachments (MaxAttachments)")
        text, files = self._read_attachments(attachments)
        report = options.delivery_report if options.delivery_report is not None else self.settings.use_delivery_reports
        return SendRequest(to=tuple(recipients), subject=options.subject, text=text, attachments=tuple(files),
                           delivery_report=report, via="mms")

    def send(self, request: SendRequest) -> tuple[str, list[Signal]]:
        sent = self.api.send(request)
        message = sent if isinstance(sent, Message) else sent[0]
        path, props = self._describe(message)
        return path, [Signal("added", path, props)]

    def delete(self, message_id: int) -> list[Signal]:
        if self.hide:
            if not self._shown(self.api.show_message(message_id)):
                raise NotFound(f"no message {message_id} on D-Bus")
            self.hidden.add(message_id)
        else:
            self.api.delete(message_id)
        return self._forget(message_id)

    def delete_all(self, message_ids: list[int]) -> list[Signal]:
        """DeleteMessages: all or, when one names no message, none."""
        for message_id in message_ids:
            self.api.show_message(message_id)
        signals: list[Signal] = []
        for message_id in message_ids:
            signals += self.delete(message_id)
        return signals

    def delete_conversation(self, number: str) -> list[Signal]:
        """DeleteConversation: the messages GetConversation(number, 0) lists."""
        return self.delete_all([mapping.message_id(path) for path, _ in self.get_conversation(number, 0)])

    def mark_read(self, message_id: int) -> list[Signal]:
        return self._changes(self.api.mark_read(message_id))

    def properties(self, message_id: int) -> dict[str, Prop]:
        message = self.api.show_message(message_id)
        if not self._shown(message):
            raise BadRequest(f"message {message_id} is not an MMS shown on D-Bus")
        return self._describe(message)[1]

    # -- events --------------------------------------------------------------------------------

    def on_event(self, event: Event) -> list[Signal]:
        if isinstance(event, (MessageReceived, MessageUpdated)):
            return self._changes(event.data)
        if isinstance(event, MessageDeleted):
            self.hidden.discard(event.data.id)
            return self._forget(event.data.id)
        if isinstance(event, ModemState) and event.data.own_number:
            self.own_number = event.data.own_number
        return []

    # -- the parts -----------------------------------------------------------------------------

    def _changes(self, message: Message) -> list[Signal]:
        if not self._shown(message):
            return []
        path = mapping.message_path(message.id)
        told = self._told.get(message.id)
        if told is None:
            return [Signal("added", *self._describe(message))]
        now = (mapping.status(message), mapping.delivery_status(message))
        self._told[message.id] = now
        signals = []
        if now[0] != told[0]:
            signals.append(Signal("changed", path, name="Status", value=("s", now[0])))
        if now[1] is not None and now[1] != told[1]:
            signals.append(Signal("changed", path, name="Delivery Status", value=("s", now[1])))
        return signals

    def _shown(self, message: Message) -> bool:
        return mapping.visible(message) and message.id not in self.hidden

    def _forget(self, message_id: int) -> list[Signal]:
        self.files.remove(message_id)
        if self._told.pop(message_id, None) is None:
            return []
        return [Signal("removed", mapping.message_path(message_id))]

    def _describe(self, message: Message) -> tuple[str, dict[str, Prop]]:
        listed = mapping.listed_parts(message)
        attachments: tuple[mapping.Attachment, ...] = ()
        if listed:
            try:
                path, lengths = self.files.ensure(message.id, tuple(p.size for p in listed),
                                                  lambda i: self.api.get_part(message.id, listed[i].index).data)
            except OSError as error:
                log.warning("cannot write the attachment file of message %s: %s", message.id, error)
            else:
                offsets = [sum(lengths[:i]) for i in range(len(lengths))]
                attachments = tuple(mapping.Attachment(mapping.attachment_id(p), p.content_type, str(path), offset, length)
                                    for p, offset, length in zip(listed, offsets, lengths, strict=True))
        smil = next((p for p in message.parts if p.is_smil), None)
        smil_text = None
        if smil is not None:
            smil_text = self.api.get_part(message.id, smil.index).data.decode("utf-8", "replace")
        self._told[message.id] = (mapping.status(message), mapping.delivery_status(message))
        return mapping.message_path(message.id), mapping.properties(message, attachments, smil_text, self.own_number)

    def _visible_messages(self) -> list[Message]:
        """Every MMS shown on D-Bus, oldest first (mmsd-tng's GetMessages holds all it stores)."""
        found: list[Message] = []
        offset = 0
        while True:
            conversations = self.api.list_conversations(limit=PAGE, offset=offset)
            for conversation in conversations:
                before: int | None = None
                while True:
                    page = self.api.list_messages(conversation.id, before_id=before, limit=PAGE)
                    found.extend(m for m in page if self._shown(m))
                    if len(page) < PAGE:
                        break
                    before = min(m.id for m in page)
            if len(conversations) < PAGE:
                break
            offset += PAGE
        return sorted(found, key=lambda m: m.id)

    def _read_attachments(self, attachments: list[list[str]]) -> tuple[str | None, list[Attachment]]:
        """SendMessage's (id, content-type, file) tuples: the first text/plain file is the text (Chatty
        sends the typed words so), the others attachments. Read here, bounded, regular files only."""
        text: str | None = None
        files: list[Attachment] = []
        total = 0
        for item in attachments:
            name, content_type, filename = item
            data = read_attachment_file(Path(filename))
            total += len(data)
            if total > MAX_ATTACHMENT_FILE:  # pictures are fitted to the carrier's limit later; this bounds memory
                raise TooLarge(f"the attachments are larger than {MAX_ATTACHMENT_FILE} bytes together")
            kind = content_type.split(";")[0].strip().lower()
            if text is None and kind == "text/plain":
                try:
                    text = data.decode("utf-8")
                    continue
                except UnicodeDecodeError:
                    pass
            files.append(Attachment(None, name or Path(filename).name, content_type or None, base64.b64encode(data).decode("ascii")))
        return text, files


def error_of(error: Exception) -> ApiError:
    """Any failure as an ApiError (what the service turns into a D-Bus error)."""
    if isinstance(error, ApiError):
        return error
    from mmsua.api.errors import InternalError

    log.exception("D-Bus request failed", exc_info=error)
    return InternalError(f"{type(error).__name__}: {error}")
