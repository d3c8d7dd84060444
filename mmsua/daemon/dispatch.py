"""Calling an ``Api`` implementation for a request read from JSON, and answering in JSON.

Shared by the socket server and the in-process LocalClient so both behave alike:
the same parameter checks (the Api Protocol's signatures), the same error codes,
the same JSON shapes. The engine raises the API's errors where it knows the cause;
any other exception is a fault of mmsua: ``internal``, logged with its traceback.
"""

from __future__ import annotations

import base64
import logging
from pathlib import Path

from mmsua.api.errors import ApiError, BadRequest, InternalError
from mmsua.api.methods import METHODS, Api
from mmsua.api.wire import JSON
from mmsua.safefiles import read_attachment_file

log = logging.getLogger("mmsua.daemon")


def prepare(method: str, params: dict[str, JSON]) -> dict[str, JSON]:
    """Work a request needs before the engine sees it, done outside the engine's lock:
    ``send``'s ``{path}`` attachments read (regular files only, bounded) into ``data_b64``,
    so a slow or hostile file never holds up the other clients."""
    attachments = params.get("attachments") if method == "send" else None
    if not isinstance(attachments, list):
        return params
    read: list[JSON] = []
    for item in attachments:
        if isinstance(item, dict) and isinstance(item.get("path"), str) and set(item) <= {"path", "name", "content_type"}:
            path = Path(item["path"]).expanduser()
            data = read_attachment_file(path)
            item = {"name": path.name, "data_b64": base64.b64encode(data).decode("ascii"),
                    **({"content_type": item["content_type"]} if "content_type" in item else {})}
        read.append(item)
    return {**params, "attachments": read}


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
