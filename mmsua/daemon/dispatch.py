"""Calling the engine for an API request, and turning its exceptions into API errors.

Shared by the socket server and the in-process LocalClient so both behave alike:
the same parameter checks, the same error codes, the same JSON shapes.
"""

from __future__ import annotations

import inspect
import json
import logging
from typing import Any

from mmsua.daemon.protocol import ERROR_CODES, METHODS, ApiError

log = logging.getLogger("mmsua.daemon")


def call(agent: Any, method: str, params: dict[str, Any]) -> Any:
    """``agent.method(**params)``, its result made plain JSON, its failure an ApiError."""
    if method not in METHODS or method == "subscribe":
        raise ApiError("bad_request", f"unknown method {method!r}")
    target = getattr(agent, method, None)
    if target is None:
        raise ApiError("unavailable", f"{method} is not available in this engine")
    try:
        inspect.signature(target).bind(**params)
    except TypeError as error:
        raise ApiError("bad_request", f"{method}: {error}") from None
    except ValueError:
        pass  # no signature to check (a builtin); let the call decide
    try:
        result = target(**params)
    except ApiError:
        raise
    except Exception as error:  # every engine failure becomes a coded answer
        raise to_api_error(method, error) from error
    return plain(result)


def to_api_error(method: str, error: BaseException) -> ApiError:
    """The API code for an engine exception.

    An exception may carry its own ``api_code`` (or ``code``) attribute naming one
    of the codes; otherwise the built-in exception family decides.
    """
    for attribute in ("api_code", "code"):
        code = getattr(error, attribute, None)
        if isinstance(code, str) and code in ERROR_CODES:
            return ApiError(code, str(error) or code)
    name = type(error).__name__.lower()
    text = str(error) or type(error).__name__
    if "toolarge" in name or "too_large" in name:
        return ApiError("too_large", text)
    if "notfound" in name or isinstance(error, LookupError):
        return ApiError("not_found", text.strip("'\""))
    if isinstance(error, (ConnectionError, TimeoutError)) or "unavailable" in name:
        return ApiError("unavailable", text)
    if isinstance(error, (ValueError, TypeError)):
        return ApiError("bad_request", text)
    log.exception("internal error in %s", method)
    return ApiError("internal", f"{type(error).__name__}: {text}")


def plain(value: Any) -> Any:
    """A JSON round trip: what a socket client would see (dataclasses via to_json/asdict)."""
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if hasattr(value, "to_json"):
        return value.to_json()
    if hasattr(value, "__dataclass_fields__"):
        from dataclasses import asdict

        return asdict(value)
    if isinstance(value, (bytes, bytearray)):
        import base64

        return base64.b64encode(value).decode("ascii")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot put {type(value).__name__} into an API answer")
