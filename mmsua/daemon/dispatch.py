"""Calling an ``Api`` implementation for a request read from JSON, and answering in JSON.

Shared by the socket server and the in-process LocalClient so both behave alike:
the same parameter checks (the Api Protocol's signatures), the same error codes,
the same JSON shapes. The engine raises the API's errors where it knows the cause;
any other exception is a fault of mmsua: ``internal``, logged with its traceback.
"""

from __future__ import annotations

import logging

from mmsua.api.errors import ApiError, BadRequest, InternalError
from mmsua.api.methods import METHODS, Api
from mmsua.api.wire import JSON

log = logging.getLogger("mmsua.daemon")


def call(api: Api, method: str, params: dict[str, JSON]) -> JSON:
    """``api.method(**params)`` with its params decoded and its result as JSON; failures are ApiErrors."""
    signature = METHODS.get(method)
    if signature is None or method == "subscribe":  # events are the connection's business
        raise BadRequest(f"unknown method {method!r}")
    kwargs = signature.decode_params(params)
    try:
        result = getattr(api, method)(**kwargs)
    except ApiError:
        raise
    except Exception as error:
        log.exception("internal error in %s", method)
        raise InternalError(f"{type(error).__name__}: {error}") from error
    return signature.encode_result(result)
