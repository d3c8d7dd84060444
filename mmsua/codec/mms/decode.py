"""Decode MMS encapsulation PDUs (OMA-TS-MMS_ENC 1.0-1.3) into :class:`MmsPdu`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mmsua.codec.errors import PduError
from mmsua.codec.mms import tables as t
from mmsua.codec.mms.pdu import Address, Expiry, MessageType, MmsPdu, build_pdu
from mmsua.codec.mms.small import SMALL_TYPES, decode_small
from mmsua.codec.mms.values import address_from, subject_from
from mmsua.codec.multipart import Part, decode_entries
from mmsua.codec.reader import Reader
from mmsua.codec.wsp import (
    Header,
    date_from_seconds,
    decode_content_type,
    decode_text,
    skip_value,
    text,
    version_text,
)

__all__ = ["decode_mms", "decode_mms_general"]

_UNRECOGNISED = object()  # a value this codec does not model: kept as a raw extra header
_ADDRESS_LISTS = frozenset({"to", "cc", "bcc"})
_MESSAGE_TYPES = {int(m): m for m in MessageType}
_VERSIONS = {b: version_text(b) for b in range(0x80, 0x100)}
_TRAILING_JUNK = frozenset(b"\x00\n\r \t")


def decode_mms(data: bytes | bytearray | memoryview) -> MmsPdu:
    """Decode one MMS PDU; raises :class:`PduError` (with the offset) for anything else."""
    if type(data) is bytes and len(data) > 1 and data[0] == 0x8C and data[1] in SMALL_TYPES:
        pdu = decode_small(data)  # a notification or report in the usual forms
        if pdu is not None:
            return pdu
    return decode_mms_general(data)


def decode_mms_general(data: bytes | bytearray | memoryview) -> MmsPdu:
    """Every PDU, every form: what decode_mms does when the fast path declines."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise PduError(f"expected bytes, got {type(data).__name__}")
    r = Reader(data)
    data = r.data
    if r.at_end():
        raise PduError("empty input: an MMS PDU starts with X-Mms-Message-Type (0x8C)", 0)
    if data[0] != 0x8C:
        raise PduError(f"not an MMS PDU: the first octet is 0x{data[0]:02x}, expected X-Mms-Message-Type (0x8C)", 0)
    fields: dict[str, Any] = {}
    extra: list[Header] = []
    content_type = None
    parts: tuple[Part, ...] = ()
    trailing = b""
    while not r.at_end():
        at = r.pos
        b = data[at]
        if b & 0x80:
            code = b & 0x7F
            r.pos += 1
            if code == t.CONTENT_TYPE:
                content_type = decode_content_type(r)
                break
            handler = _HANDLERS.get(code)
            attr = handler[0] if handler else None
            value: Any = _UNRECOGNISED
            if handler is not None and (attr in _ADDRESS_LISTS or attr not in fields):
                value = handler[1](r)
            if value is _UNRECOGNISED or attr is None:  # (no handler means unrecognised)
                r.pos = at + 1
                skip_value(r)
                name = t.FIELDS.get(code, f"X-Mms-Field-0x{code:02x}")
                extra.append(Header(name, data[at + 1 : r.pos]))
            elif attr in _ADDRESS_LISTS:
                fields.setdefault(attr, []).append(value)
            elif attr == "subject":
                fields["subject"], fields["subject_charset"], raw = value
                if raw is not None:
                    fields["subject_raw"] = raw
            else:
                fields[attr] = value
        elif b >= 0x20:
            name = text(r.token_text())
            extra.append(Header(name, text(r.text_string())))
        else:
            rest = data[at : r.end]
            if not set(rest) <= _TRAILING_JUNK:
                raise PduError(f"expected a header field, found 0x{b:02x}", at)
            trailing = rest
            r.pos = r.end
    if content_type is not None:
        body_at = r.pos
        if content_type.is_multipart:
            parts = decode_entries(r)
            trailing = r.rest()
        else:
            parts = (Part(content_type, data[body_at : r.end]),)
    if "message_type" not in fields:  # pragma: no cover - the first octet was checked
        raise PduError("no X-Mms-Message-Type header", 0)
    for key in _ADDRESS_LISTS:
        if key in fields:
            fields[key] = tuple(fields[key])
    fields["content_type"] = content_type
    fields["parts"] = parts
    fields["extra_headers"] = tuple(extra)
    fields["trailing"] = trailing
    return build_pdu(fields)


# -- value decoders: each returns the value, or _UNRECOGNISED ------------------


def _message_type(r: Reader) -> Any:
    at = r.pos
    b = r.byte()
    if b not in _MESSAGE_TYPES:
        raise PduError(f"X-Mms-Message-Type 0x{b:02x} is not a known MMS message type", at)
    return _MESSAGE_TYPES[b]


def _text(r: Reader) -> str:
    return text(r.text_string())


def _uri(r: Reader) -> Any:
    if 0 < r.peek() <= 0x1F:  # the MMS 1.3 mbox form (length, status count, URI)
        return _UNRECOGNISED
    return text(r.text_string()).strip()


def _version(r: Reader) -> str:
    b = r.peek()
    if b & 0x80:
        r.pos += 1
        return _VERSIONS[b]
    if 0x10 <= b <= 0x1F:  # a 1.x version octet missing its high bit (seen in test PDUs)
        r.pos += 1
        return version_text(b)
    return text(r.text_string())


def _date(r: Reader) -> Any:
    at = r.pos
    return date_from_seconds(r.integer_value(), at)


def _integer(r: Reader) -> int:
    return r.integer_value()


def _address(r: Reader) -> Address:
    mib, raw = r.encoded_string()
    return address_from(raw, mib)


def _from(r: Reader) -> Any:
    region = r.length_region()
    token = region.byte()
    if token == 0x81:
        return Address.insert_token()
    if token != 0x80:
        return _UNRECOGNISED
    return _address(region)


def _encoded_text(r: Reader) -> str:
    mib, raw = r.encoded_string()
    return decode_text(raw, mib)


def _subject(r: Reader) -> tuple[str, int | None, bytes | None]:
    mib, raw = r.encoded_string()
    return subject_from(raw, mib)


def _expiry(r: Reader) -> Any:
    region = r.length_region()
    token = region.byte()
    at = region.pos
    if token == 0x80:
        return Expiry.at(date_from_seconds(region.integer_value(), at))
    if token == 0x81:
        return Expiry.after(region.integer_value())
    return _UNRECOGNISED


def _choice(table: dict[int, str]) -> Callable[[Reader], Any]:
    def decode(r: Reader) -> Any:
        b = r.peek()
        if b in table:
            r.pos += 1
            return table[b]
        return _UNRECOGNISED

    return decode


def _yes_no(r: Reader) -> Any:
    b = r.peek()
    if b in (t.YES, t.NO):
        r.pos += 1
        return b == t.YES
    return _UNRECOGNISED


def _message_class(r: Reader) -> Any:
    b = r.peek()
    if b & 0x80:
        return _choice(t.MESSAGE_CLASSES)(r)
    if b < 0x20:
        return _UNRECOGNISED
    return text(r.token_text())


def _code(r: Reader) -> Any:
    b = r.peek()
    if not b & 0x80:
        return _UNRECOGNISED
    r.pos += 1
    return b


_HANDLERS: dict[int, tuple[str, Callable[[Reader], Any]]] = {
    t.MESSAGE_TYPE: ("message_type", _message_type),
    t.TRANSACTION_ID: ("transaction_id", _text),
    t.MMS_VERSION: ("mms_version", _version),
    t.MESSAGE_ID: ("message_id", _text),
    t.DATE: ("date", _date),
    t.FROM: ("sender", _from),
    t.TO: ("to", _address),
    t.CC: ("cc", _address),
    t.BCC: ("bcc", _address),
    t.SUBJECT: ("subject", _subject),
    t.MESSAGE_CLASS: ("message_class", _message_class),
    t.PRIORITY: ("priority", _choice(t.PRIORITIES)),
    t.EXPIRY: ("expiry", _expiry),
    t.DELIVERY_TIME: ("delivery_time", _expiry),
    t.DELIVERY_REPORT: ("delivery_report", _yes_no),
    t.READ_REPORT: ("read_report", _yes_no),
    t.REPORT_ALLOWED: ("report_allowed", _yes_no),
    t.SENDER_VISIBILITY: ("sender_visibility", _choice(t.SENDER_VISIBILITIES)),
    t.MESSAGE_SIZE: ("message_size", _integer),
    t.CONTENT_LOCATION: ("content_location", _uri),
    t.STATUS: ("status", _code),
    t.RESPONSE_STATUS: ("response_status", _code),
    t.RESPONSE_TEXT: ("response_text", _encoded_text),
    t.RETRIEVE_STATUS: ("retrieve_status", _code),
    t.RETRIEVE_TEXT: ("retrieve_text", _encoded_text),
    t.READ_STATUS: ("read_status", _code),
}
