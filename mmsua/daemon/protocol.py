"""The JSON-lines API (docs/api.md), sans-I/O: methods, error codes, framing.

One JSON object per line, UTF-8. A request is ``{"id", "method", "params"}``;
an answer echoes ``id`` with ``result`` or ``error: {code, message}``; events are
``{"event", "data"}``. The methods are the ``Api`` Protocol's (mmsua.api.methods);
what a request may carry is checked against its signatures, nowhere else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mmsua.api import methods as api_methods
from mmsua.api.errors import ApiError, BadRequest
from mmsua.api.wire import JSON

# method -> parameter names it accepts, read from the Api Protocol (mmsua/api/methods.py).
METHODS: dict[str, tuple[str, ...]] = {name: method.param_names for name, method in api_methods.METHODS.items()}
MAX_LINE = 32 * 1024 * 1024  # a request may carry attachments as base64


@dataclass(frozen=True, slots=True)
class Request:
    id: Any
    method: str
    params: dict[str, Any]


def encode(obj: dict[str, JSON]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def parse_request(line: bytes) -> Request:
    """A request from one line; ApiError(bad_request) says what is wrong with it."""
    try:
        obj = json.loads(line)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(f"not a JSON object: {error}") from None
    if not isinstance(obj, dict):
        raise BadRequest("a request is a JSON object")
    method = obj.get("method")
    if not isinstance(method, str) or method not in METHODS:
        known = ", ".join(METHODS)
        raise BadRequest(f"unknown method {method!r}; methods: {known}")
    params = obj.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise BadRequest("params must be an object")
    unknown = set(params) - set(METHODS[method])
    if unknown:
        raise BadRequest(f"{method}: unknown parameter(s) {', '.join(sorted(unknown))}")
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


