"""BookAgent with conversations, contact names and blocking, for the TUI's #12 tests.

It answers like the daemon (docs/api.md): conversations by participants, most recent
first; names from its own contacts; blocked numbers' conversations only with
``blocked=True``; ``plan_send`` a simple form of the daemon's policy (text to one
person goes as SMS up to four segments, anything else as MMS); ``delete`` and
``delete_conversation`` publish ``message.deleted``, read changes ``message.updated``.
It records what it was asked (``requests``, ``plans``, ``forwards``) so a test can
check what the TUI sent.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "daemon"))
from bookagent import BookAgent  # noqa: E402

from mmsua.addresses import same_person  # noqa: E402
from mmsua.api.errors import BadRequest, NotFound  # noqa: E402
from mmsua.api.events import MessageDeleted, MessageReceived, MessageUpdated  # noqa: E402
from mmsua.api.shapes import Conversation, Deleted, Message, Part, SendPlan, SendRequest, SendVia  # noqa: E402
from mmsua.api.states import MessageState  # noqa: E402
from mmsua.codec import gsm7  # noqa: E402

OWN = "+15550000000"
SMS_LIMIT = 4  # the longest text sent as SMS without asking for MMS
MMS_LIMIT = 300 * 1024


def sms_segments(text: str) -> tuple[int, int, str]:
    """(segments, characters left in the last, encoding) as TS 23.040 counts them."""
    if gsm7.can_encode(text):
        length, single, multi, encoding = gsm7.septet_length(text), 160, 153, "gsm7"
    else:
        length, single, multi, encoding = len(text.encode("utf-16-be")) // 2, 70, 67, "ucs2"
    if length <= single:
        return 1, single - length, encoding
    parts = -(-length // multi)
    return parts, parts * multi - length, encoding


class PhoneAgent(BookAgent):
    def __init__(self, names: dict[str, str] | None = None) -> None:
        super().__init__()
        self.names = dict(names or {})
        self.conversations: dict[tuple[str, ...], int] = {}
        self.requests: list[SendRequest] = []
        self.plans: list[SendRequest] = []
        self.forwards: list[tuple[int, tuple[str, ...], bool, SendVia]] = []
        self._clock = 0

    # ---- building the inbox -------------------------------------------------
    def _conversation_id(self, participants: tuple[str, ...]) -> int:
        key = tuple(sorted(participants))
        return self.conversations.setdefault(key, len(self.conversations) + 1)

    def add(self, participants: tuple[str, ...], text: str, *, sender: str | None = None, read: bool = False,
            outgoing: bool = False, announce: bool = False) -> Message:
        self._clock += 1
        sender = OWN if outgoing else (sender or participants[0])
        message = Message(
            id=self._next, conversation_id=self._conversation_id(participants), direction="out" if outgoing else "in",
            kind="sms", state=MessageState.SENT if outgoing else MessageState.RECEIVED, sender=sender,
            to=participants if outgoing else (OWN,), date=f"2023-11-14T{10 + self._clock // 60:02d}:{self._clock % 60:02d}:00+00:00",
            text=text, read=read or outgoing, sender_name=None if outgoing else self.names.get(sender),
            blocked=any(same_person(sender, b) for b in self.blocked),
            parts=(Part(0, "text/plain", "text.txt", len(text.encode())),),
        )
        self._next += 1
        self.messages[message.id] = message
        self.data[message.id] = {0: text.encode()}
        if announce:
            self.emit(MessageReceived(message))
        return message

    def _participants(self, conversation_id: int) -> tuple[str, ...]:
        for participants, cid in self.conversations.items():
            if cid == conversation_id:
                return participants
        raise NotFound(f"no conversation {conversation_id}")

    def _is_blocked(self, address: str) -> bool:
        return any(same_person(address, b) for b in self.blocked)

    def _summary(self, conversation_id: int) -> Conversation:
        participants = self._participants(conversation_id)
        inside = [m for m in self.messages.values() if m.conversation_id == conversation_id]
        last = max(inside, key=lambda m: m.id) if inside else None
        return Conversation(
            conversation_id, participants, last.date if last else None, last.text if last else "",
            sum(1 for m in inside if not m.read), len(inside),
            names=tuple(self.names.get(p, "") for p in participants),
            blocked=all(self._is_blocked(p) for p in participants),
            muted=conversation_id in self.muted,
        )

    # ---- the Api ------------------------------------------------------------
    def list_conversations(self, query: str | None = None, limit: int = 50, offset: int = 0, blocked: bool = False) -> list[Conversation]:
        rows = [self._summary(cid) for cid in self.conversations.values()]
        rows = [c for c in rows if c.message_count and c.blocked == blocked]
        if query:
            rows = [c for c in rows if any(query.lower() in x.lower() for x in (*c.participants, *c.names, c.last_preview))]
        rows.sort(key=lambda c: c.last_date or "", reverse=True)
        return rows[offset : offset + limit]

    def list_messages(self, conversation_id: int, before_id: int | None = None, limit: int = 50) -> list[Message]:
        inside = sorted((m for m in self.messages.values() if m.conversation_id == conversation_id and (before_id is None or m.id < before_id)),
                        key=lambda m: m.id)
        return inside[-limit:]

    def mark_read(self, id: int) -> Message:  # noqa: A002
        message = super().mark_read(id)
        self.emit(MessageUpdated(message))
        return message

    def delete(self, id: int) -> None:  # noqa: A002
        message = self.show_message(id)
        super().delete(id)
        self.emit(MessageDeleted(Deleted(id, message.conversation_id, self._summary(message.conversation_id))))

    def _recipients(self, request: SendRequest) -> tuple[str, ...]:
        to = request.to + request.cc + request.bcc
        if not to and request.conversation_id is not None:
            to = self._participants(request.conversation_id)
        if not to:
            raise BadRequest("no recipient")
        return to

    def plan_send(self, request: SendRequest) -> SendPlan:
        self.plans.append(request)
        to = self._recipients(request)
        text = request.text or ""
        parts, left, encoding = sms_segments(text)
        each = len(to) if request.separately else 1
        only_text = not request.attachments and not request.subject
        via = "sms" if request.as_sms else request.via
        if via == "sms" or (via == "auto" and only_text and (len(to) == 1 or request.separately) and parts <= SMS_LIMIT):
            problems = () if only_text else ("an SMS cannot carry attachments or a subject",)
            reason = "you chose SMS" if via == "sms" else "text to one person" if len(to) == 1 else "text, one message each"
            return SendPlan("sms", reason, switchable=only_text, messages=len(to), sms_parts=parts, sms_chars_left=left,
                            sms_encoding=encoding,  # type: ignore[arg-type]
                            confirm=f"this text goes as {parts} SMS" if parts > SMS_LIMIT else None, problems=problems)
        size = 300 + len(text.encode()) + sum(len(a.data_b64 or "") * 3 // 4 for a in request.attachments)
        reason = ("you chose MMS" if via == "mms" else "has an attachment" if request.attachments else "has a subject" if request.subject
                  else f"longer than {SMS_LIMIT} SMS" if parts > SMS_LIMIT else "a group message")
        problems = (f"{size} bytes is over the carrier's {MMS_LIMIT}",) if size > MMS_LIMIT else ()
        return SendPlan("mms", reason, switchable=only_text, messages=each, mms_size=size, mms_limit=MMS_LIMIT, problems=problems)

    def send(self, request: SendRequest) -> Message | list[Message]:
        self.requests.append(request)
        plan = self.plan_send(request)
        if plan.problems:
            raise BadRequest(plan.problems[0])
        to = self._recipients(request)
        groups = [(t,) for t in to] if request.separately or plan.kind == "sms" and len(to) > 1 else [to]
        sent = []
        for group in groups:
            message = dataclasses.replace(self.add(group, request.text or "", outgoing=True), kind=plan.kind, state=MessageState.QUEUED)
            self.messages[message.id] = message
            self.emit(MessageUpdated(message))
            sent.append(message)
        return sent if request.separately else sent[0]

    def forward(self, id: int, to: tuple[str, ...], separately: bool = False, via: SendVia = "auto") -> Message | list[Message]:  # noqa: A002
        self.forwards.append((id, to, separately, via))
        original = self.show_message(id)
        return self.send(SendRequest(to=to, text=original.text, separately=separately, via=via))

    def mark_all_read(self, conversation_id: int | None = None) -> int:
        if conversation_id is not None:
            self._participants(conversation_id)
        return super().mark_all_read(conversation_id)

    def delete_conversation(self, conversation_id: int) -> None:
        self._participants(conversation_id)
        super().delete_conversation(conversation_id)

    def block(self, address: str) -> None:
        super().block(address)
        self._mark_blocked()

    def unblock(self, address: str) -> None:
        self.blocked = {b for b in self.blocked if not same_person(b, address)}
        self._mark_blocked()

    def _mark_blocked(self) -> None:
        for message in list(self.messages.values()):
            if message.sender:
                self.messages[message.id] = dataclasses.replace(message, blocked=self._is_blocked(message.sender) and not message.outgoing)

    def conversation_of(self, *participants: str) -> int:
        return self.conversations[tuple(sorted(participants))]

