"""What goes out: the JSON of events, states and status, built from the API's shapes (pure)."""

from __future__ import annotations

import base64
from typing import Any

from mmsua.api.shapes import Message, ModemStatus, Status
from mmsua.api.states import MessageState, ReportStatus
from mmsua.mqtt.topics import Topics


def status(value: Status, modem: str | None = None) -> dict[str, Any]:
    """The status topic's body: the daemon's first modem, or ``modem`` of several (Status.modems)."""
    one: Status | ModemStatus = next((m for m in value.modems if m.name == modem), value) if modem else value
    info = one.modem
    return {
        "signal": one.signal, "registration": one.registration, "operator": one.operator,
        "data_path": one.data_path, "own_number": one.own_number, "queued": value.queued,
        "modem": None if info is None else {"manufacturer": info.manufacturer, "model": info.model},
    }


def received(message: Message, topics: Topics, pictures: dict[int, bytes], inline_max: int) -> dict[str, Any]:
    """A received message (``event_type`` received) or a notification still at the carrier
    (``notification``: fetch it with the fetch command). ``event_type`` is what Home
    Assistant's event entity reads; the rest become its attributes."""
    parts = []
    for part in message.parts:
        if part.is_smil:
            continue
        item: dict[str, Any] = {"index": part.index, "content_type": part.content_type, "name": part.name, "size": part.size}
        data = pictures.get(part.index)
        if data is not None:
            item["topic"] = topics.picture(message.id, part.index)
            if len(data) <= inline_max:
                item["data_b64"] = base64.b64encode(data).decode("ascii")
        parts.append(item)
    return {
        "event_type": "received" if message.state == MessageState.RECEIVED else "notification",
        "id": message.id, "conversation_id": message.conversation_id, "kind": message.kind, "state": message.state.value,
        "from": message.sender, "name": message.sender_name, "to": list(message.to), "subject": message.subject,
        "text": message.text, "date": message.date, "size": message.size, "parts": parts,
    }


def sent_state(message: Message) -> str:
    """sent, delivered or read as the recipients' reports say, else the message's state."""
    if message.state == MessageState.SENT:
        reports = {r.status for r in message.recipients}
        if ReportStatus.READ in reports:
            return "read"
        if ReportStatus.DELIVERED in reports:
            return "delivered"
    return message.state.value


def state(message: Message) -> dict[str, Any]:
    return {
        "id": message.id, "state": sent_state(message), "kind": message.kind, "to": list(message.to),
        "recipients": [{"address": r.address, "status": r.status.value} for r in message.recipients],
        "error": message.error, "message_id": message.message_id,
    }


def outcome(command: str, command_id: str | None, result: Any = None, error: Any = None) -> dict[str, Any]:
    """A command's result: ``ok`` with the message (or nothing), or the API error's code and message."""
    body: dict[str, Any] = {"id": command_id, "command": command, "ok": error is None}
    if error is not None:
        body["error"] = {"code": error.code, "message": error.message}
    elif isinstance(result, Message):
        body["message"] = {"id": result.id, "kind": result.kind, "state": result.state.value, "to": list(result.to)}
    return body
