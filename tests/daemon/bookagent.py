"""A small in-memory engine with the API's methods, for testing the socket layer alone.

It stands in for mmsua.engine.agent.UserAgent only where the server's framing,
dispatch, error mapping and event fan-out are under test; the daemon tests that
move messages use the real engine on the simulated carrier.
"""

from __future__ import annotations

import threading
from typing import Any


class BookAgent:
    def __init__(self, settings: Any = None) -> None:
        self.settings = settings
        self.messages: dict[int, dict[str, Any]] = {}
        self.callbacks: list[Any] = []
        self.started = threading.Event()
        self.stopped = threading.Event()
        self._next = 1

    def start(self) -> None:
        self.started.set()

    def stop(self) -> None:
        self.stopped.set()

    def subscribe(self, callback: Any) -> None:
        self.callbacks.append(callback)

    def emit(self, name: str, data: Any) -> None:
        for callback in list(self.callbacks):
            callback(name, data)

    def receive(self, sender: str, text: str, parts: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        message = self._new("in", sender, ["+15550000000"], text, "received", parts or [])
        self.emit("message.received", message)
        return message

    def _new(self, direction: str, sender: str, to: list[str], text: str, state: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
        message = {
            "id": self._next, "conversation_id": 1, "direction": direction, "kind": "mms", "state": state,
            "from": sender, "to": to, "cc": [], "subject": "", "date": "2026-01-01T00:00:00+00:00", "text": text,
            "parts": [{k: v for k, v in p.items() if k != "data"} for p in parts], "size": 0, "expiry": None,
            "recipients": [], "read": False, "read_report_requested": False, "error": None,
            "_data": {p["index"]: p.get("data", b"") for p in parts},
        }
        self._next += 1
        self.messages[message["id"]] = message
        return message

    def _public(self, message: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in message.items() if not k.startswith("_")}

    def status(self) -> dict[str, Any]:
        return {"modem": None, "operator": "Test", "signal": 50, "registration": "home", "data_path": "down",
                "own_number": "+15550000000", "daemon_version": "test", "queued": 0, "pending_notifications": 0,
                "max_size": getattr(self.settings, "max_message_size", None)}

    def list_conversations(self, query: str | None = None, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        return [{"id": 1, "participants": ["+15551234567"], "last_date": None, "last_preview": "", "unread": 0,
                 "message_count": len(self.messages)}][offset : offset + limit]

    def list_messages(self, conversation_id: int, before_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
        return [self._public(m) for m in self.messages.values() if m["conversation_id"] == conversation_id][:limit]

    def show_message(self, id: int) -> dict[str, Any]:
        if id not in self.messages:
            raise KeyError(f"no message {id}")
        return self._public(self.messages[id])

    def get_part(self, message_id: int, index: int) -> dict[str, Any]:
        import base64

        message = self.messages[message_id]
        part = next(p for p in message["parts"] if p["index"] == index)
        return {"content_type": part["content_type"], "name": part["name"], "size": part["size"],
                "data_b64": base64.b64encode(message["_data"][index]).decode()}

    def send(self, to: list[str] | None = None, cc: list[str] | None = None, bcc: list[str] | None = None, subject: str | None = None,
             text: str | None = None, attachments: list[dict[str, Any]] | None = None, delivery_report: bool | None = None,
             read_report: bool | None = None, separately: bool | None = None, as_sms: bool | None = None,
             conversation_id: int | None = None) -> Any:
        if not to and conversation_id is not None:
            to = ["+15551234567"]
        if not to:
            raise ValueError("no recipient")
        if attachments and sum(len(a.get("data_b64", "")) for a in attachments) > 400_000:
            class MessageTooLarge(Exception):
                pass
            raise MessageTooLarge("does not fit in 300 KB")
        if separately:
            return [self._public(self._new("out", "+15550000000", [t], text or "", "queued", [])) for t in to]
        message = self._new("out", "+15550000000", list(to), text or "", "queued", [])
        self.emit("message.updated", self._public(message))
        return self._public(message)

    def fetch(self, id: int) -> dict[str, Any]:
        raise ConnectionError("the MMS data path is down")

    def mark_read(self, id: int) -> dict[str, Any]:
        self.messages[id]["read"] = True
        return self.show_message(id)

    def delete(self, id: int) -> dict[str, Any]:
        if self.messages.pop(id, None) is None:
            raise KeyError(f"no message {id}")
        return {}

    def retry(self, id: int) -> dict[str, Any]:
        raise RuntimeError("boom")  # an engine bug: must come back as 'internal'
