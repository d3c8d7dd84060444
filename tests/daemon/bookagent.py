"""A small in-memory engine implementing the Api, for testing the socket layer alone.

It stands in for mmsua.engine.agent.UserAgent only where the server's framing,
dispatch, error mapping and event fan-out are under test; the daemon tests that
move messages use the real engine on the simulated carrier.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

from mmsua.api.errors import BadRequest, NotFound, TooLarge, Unavailable
from mmsua.api.events import EventCallback, MessageReceived, MessageUpdated
from mmsua.api.methods import Api, Unsubscribe
from mmsua.api.shapes import Conversation, Message, Part, PartContent, SendPlan, SendRequest, SendVia, Status
from mmsua.api.states import MessageState


class BookAgent:
    def __init__(self, settings: Any = None) -> None:
        self.settings = settings
        self.messages: dict[int, Message] = {}
        self.data: dict[int, dict[int, bytes]] = {}
        self.callbacks: list[EventCallback] = []
        self.started = threading.Event()
        self.stopped = threading.Event()
        self._next = 1
        self.blocked: set[str] = set()
        self.muted: set[int] = set()

    def start(self) -> None:
        self.started.set()

    def stop(self) -> None:
        self.stopped.set()

    def subscribe(self, callback: EventCallback) -> Unsubscribe:
        self.callbacks.append(callback)
        return lambda: self.callbacks.remove(callback)

    def emit(self, event: Any) -> None:
        for callback in list(self.callbacks):
            callback(event)

    def receive(self, sender: str, text: str, parts: list[dict[str, Any]] | None = None) -> Message:
        message = self._new("in", sender, ("+15550000000",), text, MessageState.RECEIVED, parts or [])
        self.emit(MessageReceived(message))
        return message

    def _new(self, direction: str, sender: str, to: tuple[str, ...], text: str, state: MessageState, parts: list[dict[str, Any]]) -> Message:
        message = Message(
            id=self._next, conversation_id=1, direction="in" if direction == "in" else "out", kind="mms", state=state,
            sender=sender, to=to, subject="", date="2026-01-01T00:00:00+00:00", text=text,
            parts=tuple(Part(p["index"], p["content_type"], p.get("name"), p.get("size", 0), p.get("content_id")) for p in parts),
            size=0, read=False,
        )
        self._next += 1
        self.messages[message.id] = message
        self.data[message.id] = {p["index"]: p.get("data", b"") for p in parts}
        return message

    def status(self) -> Status:
        return Status(operator="Test", signal=50, registration="home", data_path="down", own_number="+15550000000",
                      daemon_version="test", max_size=getattr(self.settings, "max_message_size", None))

    def list_conversations(self, query: str | None = None, limit: int = 50, offset: int = 0, blocked: bool = False) -> list[Conversation]:
        if blocked:
            return []
        return [Conversation(1, ("+15551234567",), None, "", 0, len(self.messages))][offset : offset + limit]

    def list_messages(self, conversation_id: int, before_id: int | None = None, limit: int = 50) -> list[Message]:
        return [m for m in self.messages.values() if m.conversation_id == conversation_id][:limit]

    def show_message(self, id: int) -> Message:  # noqa: A002
        if id not in self.messages:
            raise NotFound(f"no message {id}")
        return self.messages[id]

    def get_part(self, message_id: int, index: int) -> PartContent:
        message = self.show_message(message_id)
        part = next(p for p in message.parts if p.index == index)
        return PartContent.of(part.content_type, part.name, self.data[message_id][index])

    def send(self, request: SendRequest) -> Message | list[Message]:
        to = request.to
        if not to and request.conversation_id is not None:
            to = ("+15551234567",)
        if not to:
            raise BadRequest("no recipient")
        if sum(len(a.data_b64 or "") for a in request.attachments) > 400_000:
            raise TooLarge("does not fit in 300 KB")
        if request.separately:
            return [self._new("out", "+15550000000", (t,), request.text or "", MessageState.QUEUED, []) for t in to]
        message = self._new("out", "+15550000000", to, request.text or "", MessageState.QUEUED, [])
        self.emit(MessageUpdated(message))
        return message

    def fetch(self, id: int, trust: bool = False) -> Message:  # noqa: A002
        raise Unavailable("the MMS data path is down")

    def mark_read(self, id: int) -> Message:  # noqa: A002
        self.messages[id] = dataclasses.replace(self.show_message(id), read=True)
        return self.messages[id]

    def delete(self, id: int) -> None:  # noqa: A002
        if self.messages.pop(id, None) is None:
            raise NotFound(f"no message {id}")

    def retry(self, id: int) -> Message:  # noqa: A002
        raise RuntimeError("boom")  # an engine bug: must come back as 'internal'

    def cancel(self, id: int) -> Message:  # noqa: A002
        raise Unavailable("cancel is not available in this engine")

    def resend_as_sms(self, id: int, force: bool = False) -> Message:  # noqa: A002
        raise Unavailable("resend_as_sms is not available in this engine")


    def plan_send(self, request: SendRequest) -> SendPlan:
        if request.attachments or request.subject or request.via == "mms":
            return SendPlan("mms", "has an attachment", mms_size=1000, mms_limit=300 * 1024)
        return SendPlan("sms", "text to one person", switchable=True, sms_parts=1, sms_chars_left=160 - len(request.text or ""))

    def forward(self, id: int, to: tuple[str, ...], separately: bool = False, via: SendVia = "auto") -> Message | list[Message]:  # noqa: A002
        original = self.show_message(id)
        return self.send(SendRequest(to=to, text=original.text, separately=separately, via=via))

    def mark_all_read(self, conversation_id: int | None = None) -> int:
        unread = [m for m in self.messages.values() if not m.read and conversation_id in (None, m.conversation_id)]
        for message in unread:
            self.mark_read(message.id)
        return len(unread)

    def delete_conversation(self, conversation_id: int) -> None:
        for message in [m for m in self.messages.values() if m.conversation_id == conversation_id]:
            self.delete(message.id)

    def mute_conversation(self, conversation_id: int) -> None:
        self.muted.add(conversation_id)

    def unmute_conversation(self, conversation_id: int) -> None:
        self.muted.discard(conversation_id)

    def block(self, address: str) -> None:
        self.blocked.add(address)

    def unblock(self, address: str) -> None:
        self.blocked.discard(address)

    def list_blocked(self) -> list[str]:
        return sorted(self.blocked)


def _is_api(agent: BookAgent) -> Api:
    """Never called: the type checker's proof that the stand-in is an Api."""
    return agent
