"""The MMS PDU as typed, frozen values, and readable names for its codes."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from mmsua.codec.errors import PduError
from mmsua.codec.frozen import filling
from mmsua.codec.mms import tables
from mmsua.codec.multipart import Part
from mmsua.codec.wsp import ContentType, Header

__all__ = [
    "MessageType", "Address", "Expiry", "MmsPdu",
    "status_name", "status_meaning", "response_status_name", "response_status_meaning",
    "retrieve_status_name", "retrieve_status_meaning", "read_status_name", "read_status_meaning",
]


class MessageType(enum.IntEnum):
    """X-Mms-Message-Type; ``spec_name`` is the spec's spelling (``m-send-req``)."""

    M_SEND_REQ = 0x80
    M_SEND_CONF = 0x81
    M_NOTIFICATION_IND = 0x82
    M_NOTIFYRESP_IND = 0x83
    M_RETRIEVE_CONF = 0x84
    M_ACKNOWLEDGE_IND = 0x85
    M_DELIVERY_IND = 0x86
    M_READ_REC_IND = 0x87
    M_READ_ORIG_IND = 0x88
    M_FORWARD_REQ = 0x89
    M_FORWARD_CONF = 0x8A
    M_MBOX_STORE_REQ = 0x8B
    M_MBOX_STORE_CONF = 0x8C
    M_MBOX_VIEW_REQ = 0x8D
    M_MBOX_VIEW_CONF = 0x8E
    M_MBOX_UPLOAD_REQ = 0x8F
    M_MBOX_UPLOAD_CONF = 0x90
    M_MBOX_DELETE_REQ = 0x91
    M_MBOX_DELETE_CONF = 0x92
    M_MBOX_DESCR = 0x93
    M_DELETE_REQ = 0x94
    M_DELETE_CONF = 0x95
    M_CANCEL_REQ = 0x96
    M_CANCEL_CONF = 0x97

    @property
    def spec_name(self) -> str:
        return tables.MESSAGE_TYPES[self.value]

    @classmethod
    def from_spec_name(cls, name: str) -> MessageType:
        for member in cls:
            if member.spec_name == name.lower():
                return member
        raise ValueError(f"no MMS message type {name!r}")


_ADDRESS_KINDS = {"plmn": "PLMN", "ipv4": "IPv4", "ipv6": "IPv6"}
INSERT_ADDRESS_TOKEN = "insert-address-token"


@dataclass(frozen=True, slots=True)
class Address:
    """An MMS address: ``value`` plus ``kind`` (PLMN, email, IPv4, IPv6, insert-address-token,
    another /TYPE= word as written, or "unknown" for bare text without a type)."""

    value: str
    kind: str
    # The MIBenum the address came with, kept for re-encoding; not part of equality.
    charset: int | None = field(default=None, compare=False)

    @classmethod
    def parse(cls, wire: str, charset: int | None = None) -> Address:
        if wire == INSERT_ADDRESS_TOKEN:
            return cls.insert_token()
        make = _new_address if cls is Address else cls  # every decoded address comes here
        base, sep, kind = wire.rpartition("/TYPE=")
        if not sep:
            base, sep, kind = wire.rpartition("/type=")
        if sep:
            return make(base, _ADDRESS_KINDS.get(kind.lower(), kind), charset)
        if "@" in wire:
            return make(wire, "email", charset)
        return make(wire, "unknown", charset)

    @classmethod
    def phone(cls, number: str) -> Address:
        return cls(number, "PLMN")

    @classmethod
    def email(cls, addr: str) -> Address:
        return cls(addr, "email")

    @classmethod
    def insert_token(cls) -> Address:
        return cls("", INSERT_ADDRESS_TOKEN)

    @property
    def is_insert_token(self) -> bool:
        return self.kind == INSERT_ADDRESS_TOKEN

    @property
    def is_phone(self) -> bool:
        return self.kind == "PLMN" or (self.kind == "unknown" and self.value.lstrip("+").isdigit())

    def __str__(self) -> str:
        if self.kind == INSERT_ADDRESS_TOKEN:
            return INSERT_ADDRESS_TOKEN
        if self.kind in ("email", "unknown"):
            return self.value
        return f"{self.value}/TYPE={self.kind}"


@dataclass(frozen=True, slots=True)
class Expiry:
    """X-Mms-Expiry / X-Mms-Delivery-Time: an absolute UTC time or seconds from now."""

    absolute: datetime | None = None
    relative: int | None = None

    def __post_init__(self) -> None:
        if (self.absolute is None) == (self.relative is None):
            raise PduError("an Expiry is either absolute or relative, not both or neither")

    @classmethod
    def at(cls, when: datetime) -> Expiry:
        if cls is Expiry and when is not None:  # valid as it stands: skip the generated __init__
            return _new_expiry(when, None)
        return cls(absolute=when)

    @classmethod
    def after(cls, seconds: int) -> Expiry:
        if cls is Expiry and seconds is not None:
            return _new_expiry(None, seconds)
        return cls(relative=seconds)

    def __str__(self) -> str:
        return self.absolute.isoformat() if self.absolute is not None else f"+{self.relative}s"


@dataclass(frozen=True, slots=True)
class MmsPdu:
    message_type: MessageType
    transaction_id: str | None = None
    mms_version: str | None = None
    message_id: str | None = None
    date: datetime | None = None
    sender: Address | None = None
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    bcc: tuple[Address, ...] = ()
    subject: str | None = None
    subject_charset: int | None = None  # MIBenum; None means a plain Text-string
    message_class: str | None = None
    priority: str | None = None
    expiry: Expiry | None = None
    delivery_time: Expiry | None = None
    delivery_report: bool | None = None
    read_report: bool | None = None
    report_allowed: bool | None = None
    sender_visibility: str | None = None
    message_size: int | None = None
    content_location: str | None = None
    status: int | None = None
    response_status: int | None = None
    response_text: str | None = None
    retrieve_status: int | None = None
    retrieve_text: str | None = None
    read_status: int | None = None
    content_type: ContentType | None = None
    parts: tuple[Part, ...] = ()
    # Header fields this codec does not model, in order, re-encoded as they came.
    extra_headers: tuple[Header, ...] = ()
    # Bytes after the last header of a PDU without a body (stray NULs, a trailing LF).
    trailing: bytes = b""
    # The subject's bytes as they came when its charset cannot write the text back
    # (unknown or mislabelled); the encoder reuses them. Not part of equality.
    subject_raw: bytes | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.message_type, MessageType):
            object.__setattr__(self, "message_type", MessageType(self.message_type))
        for name in ("to", "cc", "bcc", "parts", "extra_headers"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, tuple(value))

    @property
    def status_name(self) -> str | None:
        return None if self.status is None else status_name(self.status)

    @property
    def response_status_name(self) -> str | None:
        return None if self.response_status is None else response_status_name(self.response_status)

    @property
    def retrieve_status_name(self) -> str | None:
        return None if self.retrieve_status is None else retrieve_status_name(self.retrieve_status)

    @property
    def text(self) -> str:
        """The text/plain parts joined by blank lines."""
        return "\n\n".join(p.text or "" for p in self.parts if p.content_type.media_type == "text/plain")


# Decoding builds many small frozen values: filling their slots directly costs about
# half of the generated frozen __init__ (object.__setattr__ per field), which would
# otherwise be a large part of decoding a notification.
_SET_ADDRESS = tuple(Address.__dict__[name].__set__ for name in ("value", "kind", "charset"))
_SET_EXPIRY = tuple(Expiry.__dict__[name].__set__ for name in ("absolute", "relative"))


def _new_address(value: str, kind: str, charset: int | None) -> Address:
    address = object.__new__(Address)
    set_value, set_kind, set_charset = _SET_ADDRESS
    set_value(address, value)
    set_kind(address, kind)
    set_charset(address, charset)
    return address


def _new_expiry(absolute: datetime | None, relative: int | None) -> Expiry:
    expiry = object.__new__(Expiry)
    set_absolute, set_relative = _SET_EXPIRY
    set_absolute(expiry, absolute)
    set_relative(expiry, relative)
    return expiry


FIELD_NAMES = tuple(f.name for f in fields(MmsPdu))
FIELD_DEFAULTS = tuple(f.default for f in fields(MmsPdu))  # message_type's is MISSING: always given


# A decoded PDU is filled through an unfrozen twin (mmsua.codec.frozen): about a
# quarter of what filling the frozen instance costs (a descriptor call per field),
# which would otherwise be a large part of decoding a notification.
_Filling = filling(MmsPdu)


def build_pdu_from(values: list[object]) -> MmsPdu:
    """An MmsPdu from every field's value in declaration order (``FIELD_NAMES``), already
    well typed: tuples, and a MessageType (what ``__post_init__`` would otherwise fix)."""
    pdu: Any = object.__new__(_Filling)
    (pdu.message_type, pdu.transaction_id, pdu.mms_version, pdu.message_id, pdu.date, pdu.sender, pdu.to, pdu.cc,
     pdu.bcc, pdu.subject, pdu.subject_charset, pdu.message_class, pdu.priority, pdu.expiry, pdu.delivery_time,
     pdu.delivery_report, pdu.read_report, pdu.report_allowed, pdu.sender_visibility, pdu.message_size,
     pdu.content_location, pdu.status, pdu.response_status, pdu.response_text, pdu.retrieve_status,
     pdu.retrieve_text, pdu.read_status, pdu.content_type, pdu.parts, pdu.extra_headers, pdu.trailing,
     pdu.subject_raw) = values
    pdu.__class__ = MmsPdu
    return pdu  # type: ignore[no-any-return]


def build_pdu(values: dict[str, object]) -> MmsPdu:
    """:func:`build_pdu_from` with the fields by name; those not given take their defaults."""
    return build_pdu_from(list(map(values.get, FIELD_NAMES, FIELD_DEFAULTS)))


def _lookup(table: dict[int, tuple[str, str]], code: int, index: int, ranges: bool = False) -> str:
    entry = table.get(code)
    if entry is None and ranges:
        # MMS_ENC: unknown codes in a range mean that range's generic failure.
        if 0xC0 <= code <= 0xDF:
            entry = table[0xC0]
        elif 0xE0 <= code <= 0xFF:
            entry = table[0xE0]
    if entry is None:
        return f"unknown (0x{code:02x})"
    return entry[index]


def status_name(code: int) -> str:
    return _lookup(tables.STATUS_VALUES, code, 0)


def status_meaning(code: int) -> str:
    return _lookup(tables.STATUS_VALUES, code, 1)


def response_status_name(code: int) -> str:
    return _lookup(tables.RESPONSE_STATUS_VALUES, code, 0, ranges=True)


def response_status_meaning(code: int) -> str:
    return _lookup(tables.RESPONSE_STATUS_VALUES, code, 1, ranges=True)


def retrieve_status_name(code: int) -> str:
    return _lookup(tables.RETRIEVE_STATUS_VALUES, code, 0, ranges=True)


def retrieve_status_meaning(code: int) -> str:
    return _lookup(tables.RETRIEVE_STATUS_VALUES, code, 1, ranges=True)


def read_status_name(code: int) -> str:
    return _lookup(tables.READ_STATUS_VALUES, code, 0)


def read_status_meaning(code: int) -> str:
    return _lookup(tables.READ_STATUS_VALUES, code, 1)
