"""A store-only stand-in for the engine, for TUI tests until ``mmsua.engine.agent`` lands.

It answers the API methods the TUI uses straight from a real ``Store`` (real
SQLite), the way the engine does with no modem, and publishes events the way
the engine does. ``fetch`` completes a deferred notification as a retrieval
would; ``send`` queues the message with its attachments and moves it through
sent to delivered when :meth:`deliver` is called. It is the outer edge of the
test, not a mock of the client: the TUI still talks to ``LocalClient`` or the
socket ``Client``.
"""

from __future__ import annotations

import base64
import mimetypes
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mmsua.store.records import PartData
from mmsua.store.store import Store

OWN = "+15550000000"


class StoreAgent:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._listeners: list[Callable[[str, Any], None]] = []
        self.deferred_content: dict[int, list[PartData]] = {}

    def subscribe(self, callback: Callable[[str, Any], None]) -> None:
        self._listeners.append(callback)

    def publish(self, name: str, data: Any) -> None:
        for callback in list(self._listeners):
            callback(name, data)

    def status(self) -> dict[str, Any]:
        return {
            "modem": {"manufacturer": "Quectel", "model": "EG25-G", "revision": "EG25GGBR07A08M2G", "imei": "867698040000000"},
            "operator": "Simulated Carrier", "signal": 72, "registration": "home", "data_path": "down",
            "own_number": OWN, "daemon_version": "test", "queued": self.store.count_tasks("send"),
            "pending_notifications": self.store.count_in_state("deferred"),
        }

    def list_conversations(self, query: str | None = None, limit: int = 50, offset: int = 0) -> list[Any]:
        return [c.to_dict() for c in self.store.list_conversations(query, limit, offset)]

    def list_messages(self, conversation_id: int, before_id: int | None = None, limit: int = 50) -> list[Any]:
        return [m.to_dict() for m in self.store.list_messages(conversation_id, before_id, limit)]

    def show_message(self, id: int) -> dict[str, Any]:
        return self.store.get_message(id).to_dict()

    def get_part(self, message_id: int, index: int) -> dict[str, Any]:
        info, data = self.store.get_part(message_id, index)
        return {"content_type": info.content_type, "name": info.name, "size": info.size, "data_b64": base64.b64encode(data).decode()}

    def mark_read(self, id: int) -> dict[str, Any]:
        self.store.mark_read(id)
        return self.show_message(id)

    def fetch(self, id: int) -> dict[str, Any]:
        parts = self.deferred_content.pop(id, [PartData("text/plain", b"downloaded", name="text.txt")])
        self.store.set_parts(id, parts)
        text = "".join(p.data.decode() for p in parts if p.content_type == "text/plain")
        self.store.update_message(id, state="received", text=text)
        message = self.show_message(id)
        self.publish("message.updated", message)
        return message

    def retry(self, id: int) -> dict[str, Any]:
        self.store.update_message(id, state="queued", error=None)
        return self.show_message(id)

    def send(self, to: list[str], cc: list[str] | None = None, subject: str | None = None, text: str | None = None,
             attachments: list[dict[str, Any]] | None = None, **_: Any) -> dict[str, Any]:
        mid = self.store.add_message(participants=to, direction="out", kind="mms", state="queued", sender=OWN,
                                     to=to, subject=subject, text=text or "", read=True)
        parts = [PartData("text/plain", (text or "").encode(), name="text.txt")] if text else []
        for a in attachments or []:
            path = Path(a["path"])
            parts.append(PartData(mimetypes.guess_type(path.name)[0] or "application/octet-stream", path.read_bytes(), name=path.name))
        self.store.set_parts(mid, parts)
        self.store.set_recipients(mid, to)
        return self.show_message(mid)

    def deliver(self, message_id: int) -> None:
        """What the carrier's M-Send.conf and M-Delivery.ind do to a sent message."""
        self.store.update_message(message_id, state="sent")
        for r in self.store.get_message(message_id).recipients:
            self.store.set_recipient_status(message_id, r.address, "delivered")
        self.publish("message.updated", self.show_message(message_id))
