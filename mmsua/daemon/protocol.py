"""The JSON-lines API (docs/api.md), sans-I/O: methods, error codes, framing.

One JSON object per line, UTF-8. A request is ``{"id", "method", "params"}``;
an answer echoes ``id`` with ``result`` or ``error: {code, message}``; events are
``{"event", "data"}``. The method table here is the single list that the server
accepts and the clients call.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# method -> parameter names it accepts (docs/api.md). Nothing else is dispatched.
METHODS: dict[str, tuple[str, ...]] = {
    "status": (),
    "list_conversations": ("query", "limit", "offset"),
    "list_messages": ("conversation_id", "before_id", "limit"),
    "show_message": ("id",),
    "get_part": ("message_id", "index"),
    "send": ("to", "cc", "bcc", "subject", "text", "attachments", "delivery_report", "read_report", "separately", "as_sms",
             "conversation_id", "priority"),
    "fetch": ("id",),
    "retry": ("id",),
    "resend_as_sms": ("id",),
    "mark_read": ("id",),
    "delete": ("id",),
    "subscribe": (),
}
ERROR_CODES = ("bad_request", "not_found", "unavailable", "too_large", "internal")
MAX_LINE = 32 * 1024 * 1024  # a request may carry attachments as base64
EVENTS = ("message.received", "message.updated", "message.deleted", "modem.state", "log")


class ApiError(Exception):
    """An error answer: ``code`` is one of ERROR_CODES."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code if code in ERROR_CODES else "internal"
        self.message = message

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message}


@dataclass(frozen=True, slots=True)
class Request:
    id: Any
    method: str
    params: dict[str, Any]


def encode(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def parse_request(line: bytes) -> Request:
    """A request from one line; ApiError(bad_request) says what is wrong with it."""
    try:
        obj = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApiError("bad_request", f"not a JSON object: {error}") from None
    if not isinstance(obj, dict):
        raise ApiError("bad_request", "a request is a JSON object")
    method = obj.get("method")
    if not isinstance(method, str) or method not in METHODS:
        known = ", ".join(METHODS)
        raise ApiError("bad_request", f"unknown method {method!r}; methods: {known}")
    params = obj.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ApiError("bad_request", "params must be an object")
    unknown = set(params) - set(METHODS[method])
    if unknown:
        raise ApiError("bad_request", f"{method}: unknown parameter(s) {', '.join(sorted(unknown))}")
    return Request(obj.get("id"), method, params)


def request_id_of(line: bytes) -> Any:
    """The id of a request line that failed to parse (None if it has none), so the
    error answer reaches the client waiting for it (a newer client's unknown parameter)."""
    try:
        obj = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return obj.get("id") if isinstance(obj, dict) else None


def answer(request_id: Any, result: Any) -> dict[str, Any]:
    return {"id": request_id, "result": result}


def error_answer(request_id: Any, error: ApiError) -> dict[str, Any]:
    return {"id": request_id, "error": error.to_json()}


def event(name: str, data: Any) -> dict[str, Any]:
    return {"event": name, "data": data}
