"""The JSON-lines API (docs/api.md), sans-I/O: methods, error codes, framing.

One JSON object per line, UTF-8. A request is ``{"id", "method", "params"}``;
an answer echoes ``id`` with ``result`` or ``error: {code, message}``; events are
``{"event", "data"}``. The methods are the ``Api`` Protocol's (mmsua.api.methods);
what a request may carry is checked against its signatures, nowhere else.

Any local program can write to the socket, so every line that is not a request
is answered ``bad_request`` (never an exception in the daemon): not JSON, not
UTF-8, numbers Python cannot hold, nesting deeper than :data:`MAX_DEPTH`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mmsua.api import methods as api_methods
from mmsua.api.errors import ApiError, BadRequest
from mmsua.api.wire import JSON

MAX_LINE = 32 * 1024 * 1024  # a request may carry attachments as base64
MAX_DEPTH = 32  # no request needs more than a few levels; deeper is an attack on the parser


@dataclass(frozen=True, slots=True)
class Request:
    id: Any
    method: str
    params: dict[str, Any]


class MalformedRequest(BadRequest):
    """A line that is not a valid request; ``request_id`` is its id when that much could be read."""

    def __init__(self, message: str, request_id: Any = None) -> None:
        super().__init__(message)
        self.request_id = request_id


def encode(obj: dict[str, JSON]) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_json(line: bytes) -> JSON:
    """One JSON value from a line; BadRequest for anything json.loads would choke on."""
    try:
        value = json.loads(line, parse_constant=_no_constant)
    except RecursionError:
        raise BadRequest(f"the request is nested more than {MAX_DEPTH} levels deep") from None
    except (UnicodeDecodeError, ValueError) as error:  # JSONDecodeError, NaN, a 5,000-digit number
        raise BadRequest(f"not a JSON object: {error}") from None
    if _depth_exceeds(value, MAX_DEPTH):
        raise BadRequest(f"the request is nested more than {MAX_DEPTH} levels deep")
    return value


def _depth_exceeds(value: JSON, limit: int) -> bool:
    """Whether lists and objects nest deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack: list[tuple[JSON, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def parse_request(line: bytes) -> Request:
    """A request from one line; MalformedRequest (bad_request) says what is wrong with it."""
    obj = parse_json(line)
    if not isinstance(obj, dict):
        raise MalformedRequest("a request is a JSON object")
    request_id = obj.get("id")
    if isinstance(request_id, (dict, list)):
        raise MalformedRequest("a request's id is a number or a string")
    method = obj.get("method")
    if not isinstance(method, str) or method not in api_methods.METHODS:  # the Api Protocol's
        known = ", ".join(api_methods.METHODS)
        raise MalformedRequest(f"unknown method {method!r}; methods: {known}", request_id)
    params = obj.get("params", {})
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise MalformedRequest("params must be an object", request_id)
    unknown = set(params) - set(api_methods.METHODS[method].param_names)
    if unknown:
        raise MalformedRequest(f"{method}: unknown parameter(s) {', '.join(sorted(unknown))}", request_id)
    return Request(request_id, method, params)


def answer(request_id: Any, result: Any) -> dict[str, Any]:
    return {"id": request_id, "result": result}


def error_answer(request_id: Any, error: ApiError) -> dict[str, Any]:
    return {"id": request_id, "error": error.to_json()}
