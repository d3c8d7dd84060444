"""Inbound commands: hostile payloads checked into typed commands, and the ids already seen.

Every payload comes from the broker, so from anyone allowed to publish there: its size,
its JSON depth and every field's type are checked; anything wrong is a BadRequest whose
message the result topic carries. A file path is never accepted (only bytes or a URL on
the allow-list), or a publisher could make the daemon send its own files.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from mmsua.api.errors import BadRequest, TooLarge
from mmsua.api.shapes import SendVia

MAX_DEPTH = 6
MAX_ID = 128
MAX_RECIPIENTS = 20
MAX_ATTACHMENTS = 10
MAX_TEXT = 10000
MAX_SUBJECT = 200
MAX_NAME = 128
VIAS: tuple[SendVia, ...] = ("auto", "sms", "mms")


@dataclass(frozen=True, slots=True)
class Picture:
    """An attachment to send: its bytes, or a URL to fetch them from (checked against the allow-list later)."""

    data: bytes | None
    url: str | None
    name: str | None
    content_type: str | None


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # send (notify becomes send), fetch, read, delete
    id: str | None  # the publisher's command id; None: no de-duplication
    message_id: int | None = None
    to: tuple[str, ...] = ()
    subject: str | None = None
    text: str | None = None
    pictures: tuple[Picture, ...] = ()
    via: SendVia = "auto"
    trust: bool = False
    delivery_report: bool | None = None  # None: the daemon's reports.delivery
    read_report: bool | None = None


def _depth(value: Any, limit: int) -> None:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            raise BadRequest(f"the JSON is nested deeper than {limit} levels")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def load_json(payload: bytes, max_size: int) -> Any:
    if len(payload) > max_size:
        raise TooLarge(f"the payload has {len(payload)} bytes; at most {max_size}")
    try:
        value = json.loads(payload.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadRequest("the payload is not UTF-8") from None
    except RecursionError:
        raise BadRequest(f"the JSON is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:
        raise BadRequest(f"the payload is not JSON: {error}") from None
    _depth(value, MAX_DEPTH)
    return value


def _text(obj: dict[str, Any], key: str, limit: int) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{key!r} must be text")
    if len(value) > limit:
        raise BadRequest(f"{key!r} is longer than {limit} characters")
    return value


def _id(obj: dict[str, Any]) -> str | None:
    value = obj.get("id")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadRequest("'id' must be text or a whole number")
    text = str(value)
    if not 1 <= len(text) <= MAX_ID or not text.isprintable():
        raise BadRequest(f"'id' must be 1 to {MAX_ID} printable characters")
    return text


def _unknown(obj: dict[str, Any], known: set[str]) -> None:
    extra = sorted(set(obj) - known)
    if extra:
        raise BadRequest(f"unknown field(s): {', '.join(repr(k)[:40] for k in extra[:5])}")


def _recipients(obj: dict[str, Any], default: tuple[str, ...]) -> tuple[str, ...]:
    value = obj.get("to")
    if value is None:
        return default
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and 0 < len(v) <= 64 for v in value):
        raise BadRequest("'to' must be a number or a list of numbers")
    if len(value) > MAX_RECIPIENTS:
        raise BadRequest(f"at most {MAX_RECIPIENTS} recipients")
    return tuple(value)


def _picture(value: Any, max_size: int) -> Picture:
    if not isinstance(value, dict):
        raise BadRequest("each attachment is an object with data_b64 or url")
    _unknown(value, {"data_b64", "url", "name", "content_type"})
    name = _text(value, "name", MAX_NAME)
    content_type = _text(value, "content_type", MAX_NAME)
    data_b64, url = value.get("data_b64"), value.get("url")
    if (data_b64 is None) == (url is None):
        raise BadRequest("an attachment has data_b64 or url, one of the two")
    if url is not None:
        if not isinstance(url, str) or len(url) > 2048:
            raise BadRequest("'url' must be text of at most 2048 characters")
        return Picture(None, url, name, content_type)
    if not isinstance(data_b64, str):
        raise BadRequest("'data_b64' must be base64 text")
    try:
        data = base64.b64decode(data_b64, validate=True)
    except (ValueError, binascii.Error):
        raise BadRequest("'data_b64' is not base64") from None
    if not data:
        raise BadRequest("an attachment is empty")
    if len(data) > max_size:
        raise TooLarge(f"an attachment has {len(data)} bytes; at most {max_size}")
    return Picture(data, None, name, content_type)


def _flag(obj: dict[str, Any], key: str) -> bool | None:
    value = obj.get(key)
    if value is not None and not isinstance(value, bool):
        raise BadRequest(f"{key!r} is true or false")
    return value


def _message_id(obj: dict[str, Any]) -> int:
    value = obj.get("message_id")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**63:
        raise BadRequest("'message_id' must be a message's id (a positive whole number)")
    return value


def parse(name: str, payload: bytes, *, max_size: int, notify_to: tuple[str, ...] = ()) -> Command:
    """The command ``payload`` on ``command/<name>`` asks for; BadRequest or TooLarge says what is wrong."""
    if name == "notify" and not payload.lstrip().startswith(b"{"):
        # Home Assistant's notify entity publishes the message as it is: text to mqtt.notify_to.
        if len(payload) > max_size:
            raise TooLarge(f"the payload has {len(payload)} bytes; at most {max_size}")
        try:
            plain = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest("the payload is not UTF-8") from None
        if not plain.strip() or len(plain) > MAX_TEXT:
            raise BadRequest(f"a notify message has 1 to {MAX_TEXT} characters")
        if not notify_to:
            raise BadRequest("no recipient: set mqtt.notify_to, or publish JSON with 'to'")
        return Command("send", None, to=notify_to, text=plain)
    obj = load_json(payload, max_size)
    if not isinstance(obj, dict):
        raise BadRequest("a command is a JSON object")
    command_id = _id(obj)
    if name in ("send", "notify"):
        _unknown(obj, {"id", "to", "subject", "text", "attachments", "via", "delivery_report", "read_report"})
        to = _recipients(obj, notify_to if name == "notify" else ())
        if not to:
            raise BadRequest("'to' is missing" + (" (and mqtt.notify_to is empty)" if name == "notify" else ""))
        attachments = obj.get("attachments", [])
        if not isinstance(attachments, list) or len(attachments) > MAX_ATTACHMENTS:
            raise BadRequest(f"'attachments' is a list of at most {MAX_ATTACHMENTS}")
        pictures = tuple(_picture(a, max_size) for a in attachments)
        text = _text(obj, "text", MAX_TEXT)
        if not text and not pictures:
            raise BadRequest("nothing to send: give 'text' or 'attachments'")
        via = obj.get("via", "auto")
        if via not in VIAS:
            raise BadRequest(f"'via' is one of {', '.join(VIAS)}")
        return Command("send", command_id, to=to, subject=_text(obj, "subject", MAX_SUBJECT), text=text, pictures=pictures, via=via,
                       delivery_report=_flag(obj, "delivery_report"), read_report=_flag(obj, "read_report"))
    if name in ("fetch", "read", "delete"):
        _unknown(obj, {"id", "message_id"} | ({"trust"} if name == "fetch" else set()))
        return Command(name, command_id, message_id=_message_id(obj), trust=bool(_flag(obj, "trust")))
    raise BadRequest(f"no command {name!r}")


class RecentIds:
    """The outcomes of the last ``limit`` command ids: a command the broker delivers twice
    (QoS 1 is at-least-once) is answered with its first outcome and done once."""

    def __init__(self, limit: int = 1000) -> None:
        self.limit = limit
        self._seen: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def get(self, command_id: str) -> dict[str, Any] | None:
        return self._seen.get(command_id)

    def remember(self, command_id: str, result: dict[str, Any]) -> None:
        self._seen[command_id] = result
        self._seen.move_to_end(command_id)
        while len(self._seen) > self.limit:
            self._seen.popitem(last=False)

    def __len__(self) -> int:
        return len(self._seen)
