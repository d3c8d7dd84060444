"""The fast path for the small MMS PDUs a phone decodes most: M-Notification.ind and
the confirmations, acknowledgements and reports, which are headers only.

On such PDUs fixed per-call costs dominate (a Reader, a call per primitive, a dict of
fields), so this walks the octets with local indices and fills the PDU's slots
directly. It reads the header kinds the general decoder models, in the forms MMSCs
use. It decides nothing itself: what a value becomes is :mod:`values` and the WSP
helpers, shared with the general decoder. It never raises: on anything else (a body,
an unknown, textual or repeated header, a length or charset form it does not read, a
value that does not fit or is out of range) it returns None and ``decode_mms`` runs
the general decoder, which gives the result or the error. So the codec is exactly as
strict as before; tests/codec/test_fast_paths.py holds the two paths to the same results.
"""

from __future__ import annotations

from typing import Any

from mmsua.codec.errors import PduError
from mmsua.codec.mms import tables as t
from mmsua.codec.mms.pdu import FIELD_DEFAULTS, FIELD_NAMES, Address, Expiry, MessageType, MmsPdu, build_pdu_from
from mmsua.codec.mms.values import address_from, subject_from
from mmsua.codec.wsp import date_from_seconds, decode_text, text, version_text

__all__ = ["SMALL_TYPES", "decode_small"]

# Message types that carry no body: the only ones worth trying here.
SMALL_TYPES = frozenset({
    MessageType.M_SEND_CONF, MessageType.M_NOTIFICATION_IND, MessageType.M_NOTIFYRESP_IND,
    MessageType.M_ACKNOWLEDGE_IND, MessageType.M_DELIVERY_IND, MessageType.M_READ_REC_IND,
    MessageType.M_READ_ORIG_IND,
})

_Read = tuple[object, int] | None  # (value, position after it), or None: leave it to the general decoder
_MESSAGE_TYPES = {int(m): m for m in MessageType}
_VERSIONS = {b: version_text(b) for b in range(0x80, 0x100)}
_TRAILING_JUNK = frozenset(b"\x00\n\r \t")
_SLOT = {name: i for i, name in enumerate(FIELD_NAMES)}
_SUBJECT, _SUBJECT_CHARSET, _SUBJECT_RAW = _SLOT["subject"], _SLOT["subject_charset"], _SLOT["subject_raw"]
_TRAILING = _SLOT["trailing"]


# -- primitives: (value, next position) or None --------------------------------------


def _text_string(data: bytes, pos: int, end: int) -> tuple[bytes, int] | None:
    """Text-string: optional 0x7F quote, text, NUL."""
    if pos >= end:
        return None
    if data[pos] == 0x7F:
        pos += 1
    nul = data.find(b"\x00", pos, end)
    if nul < 0:
        return None
    return data[pos:nul], nul + 1


def _integer(data: bytes, pos: int, end: int) -> tuple[int, int] | None:
    """Integer-value: a short integer, or a long integer of 1-30 octets."""
    if pos >= end:
        return None
    b = data[pos]
    if b & 0x80:
        return b & 0x7F, pos + 1
    if b == 0 or b > 30 or pos + 1 + b > end:
        return None
    return int.from_bytes(data[pos + 1 : pos + 1 + b], "big"), pos + 1 + b


def _value_length(data: bytes, pos: int, end: int) -> tuple[int, int] | None:
    """Value-length: (where the value starts, where it ends), checked against the input."""
    if pos >= end:
        return None
    b = data[pos]
    if b < 31:
        start, n = pos + 1, b
    elif b == 31:  # a uintvar of at most 5 octets, at most 32 bits
        start, n = pos + 1, 0
        for _ in range(5):
            if start >= end:
                return None
            octet = data[start]
            start += 1
            n = (n << 7) | (octet & 0x7F)
            if not octet & 0x80:
                break
        else:
            return None
        if n > 0xFFFFFFFF:
            return None
    else:
        return None
    if start + n > end:
        return None
    return start, start + n


def _encoded_string(data: bytes, pos: int, end: int) -> tuple[int | None, bytes, int] | None:
    """Encoded-string-value: a Text-string, or Value-length, a short-integer charset, text."""
    if pos >= end:
        return None
    b = data[pos]
    if b > 31:
        got = _text_string(data, pos, end)
        return None if got is None else (None, got[0], got[1])
    if b == 0:  # an empty Text-string
        return None, b"", pos + 1
    region = _value_length(data, pos, end)
    if region is None:
        return None
    start, stop = region
    if start >= stop:
        return None
    c = data[start]
    if c & 0x80:
        mib = 0 if c == 0x80 else c & 0x7F  # never a wide charset: those are over 1000
    elif c == 0:
        mib = 0
    else:
        return None  # a long-integer charset, or the bare-octet slip: the general reading
    start += 1
    if start < stop and data[start] == 0x7F:
        start += 1
    nul = data.find(b"\x00", start, stop)
    return mib, data[start : stop if nul < 0 else nul], stop


# -- header values that need more than one octet or a NUL-terminated text --------------


def _date(data: bytes, pos: int, end: int) -> _Read:
    got = _integer(data, pos, end)
    if got is None:
        return None
    try:
        return date_from_seconds(got[0]), got[1]
    except PduError:
        return None


def _from(data: bytes, pos: int, end: int) -> _Read:
    region = _value_length(data, pos, end)
    if region is None or region[0] >= region[1]:
        return None
    start, stop = region
    token = data[start]
    if token == 0x81:
        return Address.insert_token(), stop
    if token != 0x80:
        return None
    got = _encoded_string(data, start + 1, stop)
    return None if got is None else (address_from(got[1], got[0]), stop)


def _address(data: bytes, pos: int, end: int) -> _Read:
    got = _encoded_string(data, pos, end)
    return None if got is None else (address_from(got[1], got[0]), got[2])


def _encoded_text(data: bytes, pos: int, end: int) -> _Read:
    got = _encoded_string(data, pos, end)
    return None if got is None else (decode_text(got[1], got[0]), got[2])


def _subject(data: bytes, pos: int, end: int) -> _Read:
    got = _encoded_string(data, pos, end)
    return None if got is None else (subject_from(got[1], got[0]), got[2])


def _expiry(data: bytes, pos: int, end: int) -> _Read:
    region = _value_length(data, pos, end)
    if region is None or region[0] >= region[1]:
        return None
    start, stop = region
    token = data[start]
    if token not in (0x80, 0x81):
        return None
    got = _integer(data, start + 1, stop)
    if got is None:
        return None
    if token == 0x81:
        return Expiry.after(got[0]), stop
    try:
        return Expiry.at(date_from_seconds(got[0])), stop
    except PduError:
        return None


# How each header octet (code | 0x80) is read, and into which slot of FIELD_NAMES. The
# general decoder's table, in three kinds:
# - _OCTET: one octet, looked up in a table (an octet not in it: the general decoder);
# - _TEXT: a Text-string (Content-Location: stripped, and not the MMS 1.3 mbox form);
# - a reader function for the rest, To/Cc/Bcc collected, the subject into three slots.
_OCTET, _TEXT, _URI, _ONE, _LIST, _TRIPLE = range(6)
_YES_NO = {t.YES: True, t.NO: False}
_CODES = {b: b for b in range(0x80, 0x100)}
_HEADERS: dict[int, tuple[int, int, Any]] = {  # Any: an octet table or a reader, by kind
    0x80 | code: (_SLOT[name], kind, how)
    for code, name, kind, how in (
        (t.TRANSACTION_ID, "transaction_id", _TEXT, None),
        (t.MESSAGE_ID, "message_id", _TEXT, None),
        (t.CONTENT_LOCATION, "content_location", _URI, None),
        (t.MMS_VERSION, "mms_version", _OCTET, _VERSIONS),
        (t.MESSAGE_CLASS, "message_class", _OCTET, t.MESSAGE_CLASSES),  # (a Token-text class: general)
        (t.PRIORITY, "priority", _OCTET, t.PRIORITIES),
        (t.SENDER_VISIBILITY, "sender_visibility", _OCTET, t.SENDER_VISIBILITIES),
        (t.DELIVERY_REPORT, "delivery_report", _OCTET, _YES_NO),
        (t.READ_REPORT, "read_report", _OCTET, _YES_NO),
        (t.REPORT_ALLOWED, "report_allowed", _OCTET, _YES_NO),
        (t.STATUS, "status", _OCTET, _CODES),
        (t.RESPONSE_STATUS, "response_status", _OCTET, _CODES),
        (t.RETRIEVE_STATUS, "retrieve_status", _OCTET, _CODES),
        (t.READ_STATUS, "read_status", _OCTET, _CODES),
        (t.DATE, "date", _ONE, _date),
        (t.FROM, "sender", _ONE, _from),
        (t.MESSAGE_SIZE, "message_size", _ONE, _integer),
        (t.EXPIRY, "expiry", _ONE, _expiry),
        (t.DELIVERY_TIME, "delivery_time", _ONE, _expiry),
        (t.RESPONSE_TEXT, "response_text", _ONE, _encoded_text),
        (t.RETRIEVE_TEXT, "retrieve_text", _ONE, _encoded_text),
        (t.SUBJECT, "subject", _TRIPLE, _subject),
        (t.TO, "to", _LIST, _address),
        (t.CC, "cc", _LIST, _address),
        (t.BCC, "bcc", _LIST, _address),
    )
}


def decode_small(data: bytes) -> MmsPdu | None:
    """The PDU, or None when the general decoder must decide. ``data[0]`` is 0x8C and
    ``data[1]`` one of :data:`SMALL_TYPES` (the caller checked)."""
    values: list[object] = list(FIELD_DEFAULTS)
    values[0] = _MESSAGE_TYPES[data[1]]
    headers = _HEADERS
    addresses: dict[int, list[object]] | None = None
    pos, end = 2, len(data)
    while pos < end:
        entry = headers.get(data[pos])
        if entry is None:
            if data[pos] >= 0x20 or not set(data[pos:]) <= _TRAILING_JUNK:
                return None  # another header (Content-Type, unknown, textual, repeated type) or a bad octet
            values[_TRAILING] = data[pos:]
            break
        slot, kind, how = entry
        if kind != _LIST and values[slot] is not None:
            return None  # a repeated header: the general decoder keeps it as an extra header
        pos += 1
        if kind == _OCTET:
            value = how.get(data[pos]) if pos < end else None
            if value is None:
                return None
            values[slot] = value
            pos += 1
        elif kind <= _URI:
            if pos >= end or (kind == _URI and 0 < data[pos] <= 0x1F):
                return None
            if data[pos] == 0x7F:
                pos += 1
            nul = data.find(b"\x00", pos, end)
            if nul < 0:
                return None
            value = text(data[pos:nul])
            values[slot] = value.strip() if kind == _URI else value
            pos = nul + 1
        else:
            got = how(data, pos, end)
            if got is None:
                return None
            value, pos = got
            if kind == _ONE:
                values[slot] = value
            elif kind == _LIST:
                if addresses is None:
                    addresses = {}
                addresses.setdefault(slot, []).append(value)
            else:
                values[_SUBJECT], values[_SUBJECT_CHARSET], values[_SUBJECT_RAW] = value
    if addresses is not None:
        for slot, found in addresses.items():
            values[slot] = tuple(found)
    return build_pdu_from(values)
