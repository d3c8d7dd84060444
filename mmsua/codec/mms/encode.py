"""Encode :class:`MmsPdu` into MMS encapsulation bytes (OMA-TS-MMS_ENC 1.0-1.3)."""

from __future__ import annotations

import re

from mmsua.codec.errors import PduError
from mmsua.codec.mms import tables as t
from mmsua.codec.mms.pdu import Address, Expiry, MessageType, MmsPdu
from mmsua.codec.multipart import encode_multipart_chunks
from mmsua.codec.wsp import (
    Header,
    charset_codec,
    decode_text,
    enc_encoded_string,
    enc_long,
    enc_text_string,
    enc_value_length,
    encode_content_type,
    encode_text,
    seconds_from_date,
    utf8,
)

__all__ = ["encode_mms", "REQUIRED"]

M = MessageType
# What each PDU must carry (MMS_ENC §6, the "Mandatory" rows), as MmsPdu attribute names.
REQUIRED: dict[MessageType, tuple[str, ...]] = {
    M.M_SEND_REQ: ("transaction_id", "mms_version", "sender", "content_type"),
    M.M_SEND_CONF: ("transaction_id", "mms_version", "response_status"),
    M.M_NOTIFICATION_IND: ("transaction_id", "mms_version", "message_class", "message_size", "expiry", "content_location"),
    M.M_NOTIFYRESP_IND: ("transaction_id", "mms_version", "status"),
    M.M_RETRIEVE_CONF: ("mms_version", "date", "content_type"),
    M.M_ACKNOWLEDGE_IND: ("transaction_id", "mms_version"),
    M.M_DELIVERY_IND: ("mms_version", "message_id", "to", "date", "status"),
    M.M_READ_REC_IND: ("mms_version", "message_id", "to", "sender", "read_status"),
    M.M_READ_ORIG_IND: ("mms_version", "message_id", "to", "sender", "date", "read_status"),
}
_VERSION = re.compile(r"([0-7])(?:\.(\d|1[0-4]))?")
_CLASS_CODES = {v: k for k, v in t.MESSAGE_CLASSES.items()}
_PRIORITY_CODES = {v: k for k, v in t.PRIORITIES.items()}
_VISIBILITY_CODES = {v: k for k, v in t.SENDER_VISIBILITIES.items()}
_UNKNOWN_FIELD = re.compile(r"X-Mms-Field-0x([0-9a-f]{2})")


def encode_mms(pdu: MmsPdu, *, strict: bool = True) -> bytes:
    """Encode a PDU. With ``strict`` (the default) a PDU lacking a field its type
    requires raises :class:`PduError`; ``strict=False`` writes whatever is there."""
    if strict:
        _check_required(pdu)
    out: list[bytes] = [bytes((0x80 | t.MESSAGE_TYPE, int(pdu.message_type)))]
    add = out.append
    if pdu.transaction_id is not None:
        add(b"\x98" + enc_text_string(pdu.transaction_id))
    if pdu.mms_version is not None:
        add(b"\x8d" + _version(pdu.mms_version))
    if pdu.message_id is not None:
        add(b"\x8b" + enc_text_string(pdu.message_id))
    if pdu.date is not None:
        add(b"\x85" + enc_long(seconds_from_date(pdu.date)))
    if pdu.sender is not None:
        add(b"\x89" + _from(pdu.sender))
    for code, addresses in ((0x97, pdu.to), (0x82, pdu.cc), (0x81, pdu.bcc)):
        for address in addresses:
            add(bytes((code,)) + _address(address))
    if pdu.subject is not None:
        add(b"\x96" + _subject(pdu))
    if pdu.message_class is not None:
        class_code = _CLASS_CODES.get(pdu.message_class)
        add(b"\x8a" + (bytes((class_code,)) if class_code else _token(pdu.message_class, "message class")))
    if pdu.priority is not None:
        add(b"\x8f" + _choice(_PRIORITY_CODES, pdu.priority, "priority"))
    if pdu.expiry is not None:
        add(b"\x88" + _expiry(pdu.expiry))
    if pdu.delivery_time is not None:
        add(b"\x87" + _expiry(pdu.delivery_time))
    for code, flag in ((0x86, pdu.delivery_report), (0x90, pdu.read_report), (0x91, pdu.report_allowed)):
        if flag is not None:
            add(bytes((code, t.YES if flag else t.NO)))
    if pdu.sender_visibility is not None:
        add(b"\x94" + _choice(_VISIBILITY_CODES, pdu.sender_visibility, "sender visibility"))
    if pdu.message_size is not None:
        add(b"\x8e" + enc_long(pdu.message_size))
    if pdu.content_location is not None:
        if pdu.content_location != pdu.content_location.strip():
            raise PduError("X-Mms-Content-Location must not begin or end with white space")
        add(b"\x83" + enc_text_string(pdu.content_location))
    for code, value in ((0x95, pdu.status), (0x92, pdu.response_status), (0x99, pdu.retrieve_status), (0x9B, pdu.read_status)):
        if value is not None:
            if not 0x80 <= value <= 0xFF:
                raise PduError(f"{t.FIELDS[code & 0x7F]} code {value} is not an octet with the high bit set")
            add(bytes((code, value)))
    if pdu.response_text is not None:
        add(b"\x93" + _encoded(pdu.response_text))
    if pdu.retrieve_text is not None:
        add(b"\x9a" + _encoded(pdu.retrieve_text))
    for header in pdu.extra_headers:
        add(_extra(header))
    if pdu.content_type is not None:
        add(b"\x84" + encode_content_type(pdu.content_type))
        if pdu.content_type.is_multipart:
            out.extend(encode_multipart_chunks(pdu.parts))
        else:
            if len(pdu.parts) != 1 or pdu.parts[0].content_type != pdu.content_type:
                raise PduError("a PDU whose content type is not multipart needs exactly one part of that type")
            add(pdu.parts[0].data)
    elif pdu.parts:
        raise PduError("a PDU with parts needs a content type")
    out.append(pdu.trailing)
    return b"".join(out)


def _check_required(pdu: MmsPdu) -> None:
    missing = [name for name in REQUIRED.get(pdu.message_type, ("mms_version",)) if getattr(pdu, name) in (None, ())]
    if pdu.message_type is M.M_SEND_REQ and not (pdu.to or pdu.cc or pdu.bcc):
        missing.append("to/cc/bcc")
    if missing:
        raise PduError(f"{pdu.message_type.spec_name} requires {', '.join(missing)}")


def _version(value: str) -> bytes:
    m = _VERSION.fullmatch(value)
    if m:
        minor = 0x0F if m.group(2) is None else int(m.group(2))
        return bytes((0x80 | int(m.group(1)) << 4 | minor,))
    return enc_text_string(value)


def _address_text(address: Address) -> bytes:
    wire = str(address)
    if address.charset is not None and charset_codec(address.charset):
        try:
            return enc_encoded_string(encode_text(wire, address.charset), address.charset)
        except PduError:
            pass  # not writable in the charset it came with: plain text below
    return enc_text_string(wire)


def _address(address: Address) -> bytes:
    if address.is_insert_token:
        raise PduError("insert-address-token is only valid in From")
    return _address_text(address)


def _from(address: Address) -> bytes:
    if address.is_insert_token:
        return b"\x01\x81"
    body = b"\x80" + _address_text(address)
    return enc_value_length(len(body)) + body


def _subject(pdu: MmsPdu) -> bytes:
    mib, subject = pdu.subject_charset, pdu.subject or ""
    if mib is None:
        return enc_text_string(subject)
    raw = pdu.subject_raw
    if raw is not None and decode_text(raw, mib) == subject:
        return enc_encoded_string(raw, mib)  # the bytes as they came
    if charset_codec(mib) is None:
        return enc_encoded_string(utf8(subject), mib)
    return enc_encoded_string(encode_text(subject, mib), mib)


def _encoded(value: str) -> bytes:
    if value.isascii():
        return enc_text_string(value)
    return enc_encoded_string(encode_text(value, 106), 106)


def _expiry(value: Expiry) -> bytes:
    if value.absolute is not None:
        body = b"\x80" + enc_long(seconds_from_date(value.absolute))
    else:
        assert value.relative is not None
        body = b"\x81" + enc_long(value.relative)
    return enc_value_length(len(body)) + body


def _choice(codes: dict[str, int], value: str, what: str) -> bytes:
    code = codes.get(value)
    if code is None:
        raise PduError(f"{what} {value!r} is not one of {', '.join(codes)}")
    return bytes((code,))


def _token(value: str, what: str) -> bytes:
    raw = utf8(value)
    if not raw or b"\x00" in raw or not 0x20 <= raw[0] <= 0x7F:
        raise PduError(f"{what} {value!r} cannot be written as a token")
    return raw + b"\x00"


def _extra(header: Header) -> bytes:
    if isinstance(header.value, (bytes, bytearray)):
        code = t.FIELD_CODES.get(header.name.lower())
        if code is None:
            m = _UNKNOWN_FIELD.fullmatch(header.name)
            if not m:
                raise PduError(f"raw header {header.name!r} is not an MMS header field")
            code = int(m.group(1), 16)
        return bytes((0x80 | code,)) + bytes(header.value)
    return _token(header.name, "header name") + enc_text_string(str(header.value))
