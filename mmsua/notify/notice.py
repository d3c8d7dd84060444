"""What a notification says about a new message: a title and a body, bounded and clean.

Pure. The text comes from the network: control characters and bidirectional
overrides are removed (mmsua.textsafe) before any desktop or phone shows it.
"""

from __future__ import annotations

from dataclasses import dataclass

from mmsua.api.shapes import Message
from mmsua.api.states import MessageState
from mmsua.textsafe import clean_line

TITLE_LIMIT = 80
BODY_LIMIT = 300


@dataclass(frozen=True, slots=True)
class Notice:
    message_id: int
    conversation_id: int
    title: str
    body: str


def notice_of(message: Message, show_text: bool = True) -> Notice:
    """"Ann (+447700900123)" and the text, or what the message holds when it has no text."""
    sender = message.sender or "unknown sender"
    who = f"{message.sender_name} ({sender})" if message.sender_name else sender
    title = clean_line(f"{who}" if message.kind == "sms" else f"MMS from {who}", limit=TITLE_LIMIT)
    return Notice(message.id, message.conversation_id, title, _body(message, show_text))


def _body(message: Message, show_text: bool) -> str:
    if message.state != MessageState.RECEIVED:
        size = f" ({message.size // 1024 + 1} KB)" if message.size else ""
        return f"an MMS waits to be fetched{size}: mmsua fetch {message.id}" if message.state == MessageState.DEFERRED \
            else f"an MMS that could not be fetched ({message.state.value})"
    pictures = sum(1 for part in message.attachments if part.is_image)
    others = len(message.attachments) - pictures
    extras = [f"{pictures} picture{'s' if pictures > 1 else ''}"] if pictures else []
    extras += [f"{others} attachment{'s' if others > 1 else ''}"] if others else []
    if not show_text:
        return ", ".join(["a new message", *extras])
    text = " ".join(filter(None, [message.subject, message.text]))
    shown = clean_line(text, limit=BODY_LIMIT) if text else ""
    if extras:
        shown = f"[{', '.join(extras)}] {shown}".strip()
    return shown or "(no text)"
