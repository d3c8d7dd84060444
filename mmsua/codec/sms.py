"""SMS PDUs (3GPP TS 23.040 §9.2): decode SMS-DELIVER, SMS-STATUS-REPORT and
SMS-SUBMIT; encode SMS-SUBMIT (the handset sends), SMS-DELIVER and
SMS-STATUS-REPORT (the simulated carrier sends).

Modems print a PDU as hex after ``+CMT:``/``+CMGR:`` with the SMSC address in
front (TS 27.005 §3.1, the "<pdu>" of PDU mode); the header's length counts the
TPDU octets only. :func:`decode_sms` takes it with or without that prefix.

Binary user data (WAP Push: DCS 0x04, 0xF4/0xF5, or a general-group DCS with
class bits such as 0x06) comes out as the exact octets in ``user_data``; 7-bit
and UCS-2 messages also get ``text``. For a 7-bit message ``user_data`` holds the
septet values after the header, one per byte (unpacked), which is what
:func:`encode_deliver` takes back.

Malformed structure (a length beyond the input, a reserved message type, octets
after the user data) raises :class:`PduError` with the offset in the input
(counting the SMSC prefix when present), never another exception. Damage to a
field that nothing else depends on is not fatal: real networks send SMS-DELIVERs
whose time stamp is not BCD, and the WAP push inside matters more than the SC's
clock. Such a time stamp decodes to None and ``notes`` says what was wrong where.

7-bit text is read with the national language shift tables its UDH names
(IEIs 0x25/0x24, TS 23.038 Annex A); :func:`split_text_submit` picks such
tables when they save segments.
"""

from __future__ import annotations

import binascii
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from mmsua.codec import gsm7
from mmsua.codec.errors import PduError
from mmsua.codec.frozen import filling
from mmsua.codec.gsm7_national import LOCKING, SINGLE
from mmsua.codec.udh import (
    WAP_PUSH_PORT,
    WAP_PUSH_SOURCE_PORT,
    Concat,
    InformationElement,
    Ports,
    Udh,
    decode_udh,
)

__all__ = [
    "Concat", "DataCoding", "InformationElement", "Ports", "SmsDeliver", "SmsStatusReport", "SmsSubmit",
    "SubmitPdu", "Udh", "data_coding", "decode_sms", "encode_deliver", "encode_status_report",
    "encode_submit", "split_text_submit", "status_meaning", "text_segments", "TextSegments", "tpdu_length",
    "wap_push_sms",
]

MAX_UD_OCTETS = 140
MAX_UD_SEPTETS = 160
MAX_ADDRESS_DIGITS = 20  # TP-OA/DA/RA: 2 to 12 octets including the length and type octets

# ----------------------------------------------------------------------------- data types


@dataclass(frozen=True, slots=True)
class DataCoding:
    """What a TP-DCS octet means (3GPP TS 23.038 §4)."""

    alphabet: str  # "gsm7", "8bit" or "ucs2"
    message_class: int | None  # 0-3, or None when the DCS gives no class
    compressed: bool
    group: str  # "general", "automatic-deletion", "reserved", "mwi-discard", "mwi-store", "data-class"


@dataclass(frozen=True, slots=True)
class SmsDeliver:
    smsc: str | None
    originator: str
    originator_toa: int
    pid: int
    dcs: int
    timestamp: datetime | None  # None when the PDU's time stamp is damaged (see notes)
    udh: Udh | None
    user_data: bytes  # after the UDH: octets (8-bit, UCS-2) or unpacked septets (7-bit)
    text: str | None  # 7-bit and UCS-2 messages; None for 8-bit data and compressed text
    more_messages: bool = False
    status_report_indication: bool = False
    reply_path: bool = False
    notes: tuple[str, ...] = ()  # damaged fields decoding worked around, in words

    @property
    def coding(self) -> DataCoding:
        return data_coding(self.dcs)

    @property
    def ports(self) -> Ports | None:
        return self.udh.ports if self.udh else None

    @property
    def concat(self) -> Concat | None:
        return self.udh.concat if self.udh else None


_DeliverFilling = filling(SmsDeliver)


def _new_deliver(*values: object) -> SmsDeliver:
    """SmsDeliver(*values) for a decoder's checked values, without the frozen __init__'s cost."""
    d: Any = object.__new__(_DeliverFilling)
    (d.smsc, d.originator, d.originator_toa, d.pid, d.dcs, d.timestamp, d.udh, d.user_data, d.text,
     d.more_messages, d.status_report_indication, d.reply_path, d.notes) = values
    d.__class__ = SmsDeliver
    return d  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class SmsSubmit:
    smsc: str | None
    destination: str
    destination_toa: int
    message_reference: int
    pid: int
    dcs: int
    validity: timedelta | datetime | bytes | None  # relative, absolute, enhanced (raw 7 octets), none
    udh: Udh | None
    user_data: bytes
    text: str | None
    status_report_request: bool = False
    reject_duplicates: bool = False
    reply_path: bool = False
    notes: tuple[str, ...] = ()

    @property
    def coding(self) -> DataCoding:
        return data_coding(self.dcs)


@dataclass(frozen=True, slots=True)
class SmsStatusReport:
    smsc: str | None
    message_reference: int
    recipient: str
    service_centre_time: datetime | None  # None when damaged (see notes)
    discharge_time: datetime | None
    status: int
    status_meaning: str
    recipient_toa: int = 0x81
    more_messages: bool = False
    notes: tuple[str, ...] = ()

    @property
    def outcome(self) -> str:
        """"delivered", "pending" (the SC is still trying) or "failed" (§9.2.3.15)."""
        if self.status < 0x20:
            return "delivered"
        if self.status < 0x40:
            return "pending"
        return "failed"


@dataclass(frozen=True, slots=True)
class SubmitPdu:
    """An SMS-SUBMIT ready for ``AT+CMGS=<tpdu_length>``: ``hex`` starts with "00"
    (use the SMSC stored in the SIM), and ``tpdu_length`` leaves that octet out."""

    hex: str
    tpdu_length: int


# ----------------------------------------------------------------------------- data coding


def data_coding(dcs: int) -> DataCoding:
    """Interpret TP-DCS. Reserved codings read as the 7-bit default alphabet (§4)."""
    coding = _CODINGS.get(dcs)
    if coding is None:
        coding = _data_coding(dcs)
        if 0 <= dcs <= 0xFF:
            _CODINGS[dcs] = coding  # at most 256 entries: the values are frozen, decoders share them
    return coding


def _data_coding(dcs: int) -> DataCoding:
    group = dcs >> 4
    if group <= 0x7:  # 00xx general, 01xx automatic deletion: same layout of the low bits
        alphabet = ("gsm7", "8bit", "ucs2", "gsm7")[(dcs >> 2) & 0x03]
        cls = dcs & 0x03 if dcs & 0x10 else None
        return DataCoding(alphabet, cls, bool(dcs & 0x20), "general" if group <= 0x3 else "automatic-deletion")
    if group == 0xF:
        return DataCoding("8bit" if dcs & 0x04 else "gsm7", dcs & 0x03, False, "data-class")
    if group == 0xC:
        return DataCoding("gsm7", None, False, "mwi-discard")
    if group == 0xD:
        return DataCoding("gsm7", None, False, "mwi-store")
    if group == 0xE:
        return DataCoding("ucs2", None, False, "mwi-store")
    return DataCoding("gsm7", None, False, "reserved")


_CODINGS: dict[int, DataCoding] = {}


_STATUS = {
    0x00: "short message received by the SME",
    0x01: "short message forwarded by the SC to the SME but the SC is unable to confirm delivery",
    0x02: "short message replaced by the SC",
    0x20: "congestion (SC still trying)",
    0x21: "SME busy (SC still trying)",
    0x22: "no response from SME (SC still trying)",
    0x23: "service rejected (SC still trying)",
    0x24: "quality of service not available (SC still trying)",
    0x25: "error in SME (SC still trying)",
    0x40: "remote procedure error",
    0x41: "incompatible destination",
    0x42: "connection rejected by SME",
    0x43: "not obtainable",
    0x44: "quality of service not available",
    0x45: "no interworking available",
    0x46: "SM validity period expired",
    0x47: "SM deleted by originating SME",
    0x48: "SM deleted by SC administration",
    0x49: "SM does not exist",
    0x60: "congestion (SC gave up)",
    0x61: "SME busy (SC gave up)",
    0x62: "no response from SME (SC gave up)",
    0x63: "service rejected (SC gave up)",
    0x64: "quality of service not available (SC gave up)",
    0x65: "error in SME (SC gave up)",
}


def status_meaning(status: int) -> str:
    """TP-ST in words (TS 23.040 §9.2.3.15), including the reserved and SC-specific ranges."""
    if status in _STATUS:
        return _STATUS[status]
    kind = {0: "transaction completed", 1: "temporary error, SC still trying",
            2: "permanent error, SC gave up", 3: "temporary error, SC gave up"}.get(status >> 5)
    if kind is None:
        return f"reserved status 0x{status:02X}"
    specific = "SC-specific" if status & 0x10 else "reserved"
    return f"{kind} ({specific} value 0x{status:02X})"


# ----------------------------------------------------------------------------- decoding


class _Cursor:
    """Reads octets from the PDU and raises PduError with the absolute offset when they run out."""

    __slots__ = ("data", "pos")

    def __init__(self, data: bytes, pos: int = 0) -> None:
        self.data = data
        self.pos = pos

    def u8(self, what: str) -> int:
        if self.pos >= len(self.data):
            raise PduError(f"PDU ends before the {what}", self.pos)
        value = self.data[self.pos]
        self.pos += 1
        return value

    def take(self, n: int, what: str) -> bytes:
        if self.pos + n > len(self.data):
            raise PduError(f"PDU ends inside the {what} ({n} octets needed, {len(self.data) - self.pos} left)", self.pos)
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk


_BCD_DIGITS = "0123456789*#abc"
# Each octet's two semi-octets as text, low nibble first, 0xF (filler) left out (§9.1.2.3).
_NIBBLES = (*_BCD_DIGITS, "")
_BCD_PAIRS = tuple(_NIBBLES[lo] + _NIBBLES[hi] for hi in range(16) for lo in range(16))


def _bcd_digits(raw: bytes, count: int) -> str:
    """Semi-octet digits, low nibble first; 0xF is filler (§9.1.2.3): the first ``count``
    digits that are not filler."""
    return "".join(map(_BCD_PAIRS.__getitem__, raw))[:count]


def _address(cur: _Cursor, what: str) -> tuple[str, int]:
    """TP-OA / TP-DA / TP-RA (§9.1.2.5): digit count, type of address, semi-octets."""
    start = cur.pos
    if start + 2 <= len(cur.data):
        digits, toa = cur.data[start], cur.data[start + 1]
        cur.pos = start + 2
    else:  # cut short: the octet-by-octet reads say where
        digits = cur.u8(f"{what} length")
        toa = cur.u8(f"{what} type of address")
    if digits > MAX_ADDRESS_DIGITS:
        raise PduError(f"{what} length {digits} exceeds the {MAX_ADDRESS_DIGITS} semi-octets allowed", start)
    raw = cur.take((digits + 1) // 2, what)
    if toa & 0x70 == 0x50:  # alphanumeric: GSM 7-bit packed in the semi-octets
        return gsm7.decode(gsm7.unpack(raw, digits * 4 // 7)), toa
    number = _bcd_digits(raw, digits)
    return ("+" + number if toa & 0x70 == 0x10 and number else number), toa


def _smsc(cur: _Cursor) -> str | None:
    """The RP address the modem prints first: octet count (with the type octet), type, digits."""
    start = cur.pos
    n = cur.u8("SMSC address length")
    if n == 0:
        return None
    if n > 11:
        raise PduError(f"SMSC address length {n} exceeds the 11 octets allowed", start)
    toa = cur.u8("SMSC type of address")
    raw = cur.take(n - 1, "SMSC address")
    if toa & 0x70 == 0x50:
        return gsm7.decode(gsm7.unpack(raw, (n - 1) * 8 // 7))
    number = _bcd_digits(raw, 2 * (n - 1))
    return "+" + number if toa & 0x70 == 0x10 and number else number


def _bcd_value(octet: int, offset: int, what: str) -> int:
    lo, hi = octet & 0x0F, octet >> 4
    if lo > 9 or hi > 9:
        raise PduError(f"octet 0x{octet:02X} is not two decimal semi-octets", offset)
    return lo * 10 + hi


# Table-driven time stamps: each octet's two swapped decimal semi-octets (-1 when
# either is not decimal), and each time zone octet's zone, made at first use.
_BCD_VALUES = tuple(lo * 10 + hi if lo <= 9 and hi <= 9 else -1 for hi in range(16) for lo in range(16))
_ZONES: dict[int, timezone | None] = {}


def _zone(tz: int) -> timezone | None:
    """The zone of a time zone octet (quarter hours, semi-octets swapped, bit 3 the sign),
    None when its digits are not decimal."""
    zone = _ZONES.get(tz, False)
    if zone is False:
        quarters = (tz & 0x07) * 10 + (tz >> 4)
        zone = None if tz >> 4 > 9 else timezone(timedelta(minutes=15 * quarters) * (-1 if tz & 0x08 else 1))
        _ZONES[tz] = zone  # at most 256 entries
    return zone  # type: ignore[return-value]


def _timestamp(cur: _Cursor, what: str, notes: list[str]) -> datetime | None:
    """TP-SCTS-style time stamp (§9.2.3.11): YY MM DD hh mm ss TZ, semi-octets swapped.

    Its seven octets must be there (structure); when they do not make a time, the
    result is None and ``notes`` says why (cosmetic damage, seen on real networks)."""
    start = cur.pos
    raw = cur.take(7, what)
    try:
        return _time_of(raw, start, what)
    except PduError as exc:
        notes.append(f"{what} {raw.hex().upper()} at offset {exc.offset} left out: {exc.reason}")
        return None


def _time_of(raw: bytes, start: int, what: str) -> datetime:
    y, mo, d, h, mi, s = map(_BCD_VALUES.__getitem__, raw[:6])
    zone = _zone(raw[6])
    if zone is not None and min(y, mo, d, h, mi, s) >= 0:
        try:
            return datetime(1900 + y if y >= 90 else 2000 + y, mo, d, h, mi, s, tzinfo=zone)
        except ValueError:
            pass
    return _time_of_checked(raw, start, what)  # not a time: the octet-by-octet reading says why


def _time_of_checked(raw: bytes, start: int, what: str) -> datetime:
    y, mo, d, h, mi, s = (_bcd_value(b, start + i, what) for i, b in enumerate(raw[:6]))
    tz = raw[6]
    if tz >> 4 > 9 or tz & 0x07 > 9:
        raise PduError(f"time zone octet 0x{tz:02X} is not decimal", start + 6)
    quarters = (tz & 0x07) * 10 + (tz >> 4)
    offset = timedelta(minutes=15 * quarters) * (-1 if tz & 0x08 else 1)
    try:
        return datetime(1900 + y if y >= 90 else 2000 + y, mo, d, h, mi, s, tzinfo=timezone(offset))
    except ValueError as exc:
        raise PduError(f"not a valid date and time ({exc})", start) from None


def _relative_validity(vp: int) -> timedelta:
    """TP-VP relative format (§9.2.3.12.1)."""
    if vp <= 143:
        return timedelta(minutes=5 * (vp + 1))
    if vp <= 167:
        return timedelta(hours=12, minutes=30 * (vp - 143))
    if vp <= 196:
        return timedelta(days=vp - 166)
    return timedelta(weeks=vp - 192)


def _user_data(cur: _Cursor, dcs: int, udhi: bool) -> tuple[Udh | None, bytes, str | None]:
    start = cur.pos
    udl = cur.u8("user data length")
    coding = data_coding(dcs)
    udh: Udh | None = None
    if coding.alphabet == "gsm7":
        if udl > MAX_UD_SEPTETS:
            raise PduError(f"user data length {udl} exceeds {MAX_UD_SEPTETS} septets", start)
        raw = cur.take((udl * 7 + 7) // 8, "user data")
        skip = 0
        if udhi:
            udh, header_octets = decode_udh(raw, start + 1)
            skip = (header_octets * 8 + 6) // 7  # the header plus fill bits up to a septet boundary
            if skip > udl:
                raise PduError(f"user data header ({header_octets} octets) is longer than the user data length {udl}", start)
        septets = gsm7.unpack(raw, udl)[skip:]
        if coding.compressed:
            return udh, septets, None
        if udh is None:
            return udh, septets, gsm7.decode(septets)
        return udh, septets, gsm7.decode(septets, udh.national_locking, udh.national_single)
    if udl > MAX_UD_OCTETS:
        raise PduError(f"user data length {udl} exceeds {MAX_UD_OCTETS} octets", start)
    raw = cur.take(udl, "user data")
    header_octets = 0
    if udhi:
        udh, header_octets = decode_udh(raw, start + 1)
    body = bytes(raw[header_octets:])
    text = None
    if coding.alphabet == "ucs2" and not coding.compressed:
        text = body.decode("utf-16-be", errors="replace")  # UCS-2 is UTF-16 without surrogates; phones send both
    return udh, body, text


def _end(cur: _Cursor) -> None:
    extra = len(cur.data) - cur.pos
    if extra:
        raise PduError(f"{extra} octet(s) after the end of the user data", cur.pos)


def _decode_deliver(cur: _Cursor, smsc: str | None, fo: int) -> SmsDeliver:
    notes: list[str] = []
    originator, toa = _address(cur, "originator address")
    pid = cur.u8("protocol identifier")
    dcs = cur.u8("data coding scheme")
    timestamp = _timestamp(cur, "service centre time stamp", notes)
    udh, user_data, text = _user_data(cur, dcs, bool(fo & 0x40))
    _end(cur)
    return _new_deliver(smsc, originator, toa, pid, dcs, timestamp, udh, user_data, text,
                        not fo & 0x04, bool(fo & 0x20), bool(fo & 0x80), tuple(notes))


def _decode_submit(cur: _Cursor, smsc: str | None, fo: int) -> SmsSubmit:
    notes: list[str] = []
    reference = cur.u8("message reference")
    destination, toa = _address(cur, "destination address")
    pid = cur.u8("protocol identifier")
    dcs = cur.u8("data coding scheme")
    vpf = (fo >> 3) & 0x03
    validity: timedelta | datetime | bytes | None = None
    if vpf == 2:
        validity = _relative_validity(cur.u8("validity period"))
    elif vpf == 3:
        validity = _timestamp(cur, "validity period", notes)
    elif vpf == 1:
        validity = bytes(cur.take(7, "enhanced validity period"))
    udh, user_data, text = _user_data(cur, dcs, bool(fo & 0x40))
    _end(cur)
    return SmsSubmit(smsc, destination, toa, reference, pid, dcs, validity, udh, user_data, text,
                     status_report_request=bool(fo & 0x20), reject_duplicates=bool(fo & 0x04), reply_path=bool(fo & 0x80),
                     notes=tuple(notes))


def _decode_status_report(cur: _Cursor, smsc: str | None, fo: int) -> SmsStatusReport:
    notes: list[str] = []
    reference = cur.u8("message reference")
    recipient, toa = _address(cur, "recipient address")
    sc_time = _timestamp(cur, "service centre time stamp", notes)
    discharge = _timestamp(cur, "discharge time", notes)
    status = cur.u8("status")
    if cur.pos < len(cur.data):  # optional TP-PI and what it announces (§9.2.3.27)
        pi = ext = cur.u8("parameter indicator")
        while ext & 0x80:  # extension octets follow; nothing is defined in them yet
            ext = cur.u8("parameter indicator extension")
        if pi & 0x01:
            cur.u8("protocol identifier")
        dcs = cur.u8("data coding scheme") if pi & 0x02 else 0
        if pi & 0x04:
            _user_data(cur, dcs, bool(fo & 0x40))
    _end(cur)
    return SmsStatusReport(smsc, reference, recipient, sc_time, discharge, status, status_meaning(status),
                           recipient_toa=toa, more_messages=not fo & 0x04, notes=tuple(notes))


def _decode(data: bytes, has_smsc: bool) -> SmsDeliver | SmsStatusReport | SmsSubmit:
    cur = _Cursor(data)
    smsc = _smsc(cur) if has_smsc else None
    fo = cur.u8("first octet")
    mti = fo & 0x03
    if mti == 0:
        return _decode_deliver(cur, smsc, fo)
    if mti == 1:
        return _decode_submit(cur, smsc, fo)
    if mti == 2:
        return _decode_status_report(cur, smsc, fo)
    raise PduError("message type indicator 3 is reserved", cur.pos - 1)


_HEX_SPACE = re.compile(r"\s+")


def _as_bytes(pdu: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(pdu, str):
        try:
            return bytes.fromhex(pdu)  # the usual case: hex pairs, maybe spaced
        except ValueError:
            pass  # the reading below takes what fromhex does not, or says what is wrong
        text = _HEX_SPACE.sub("", pdu)
        bad = re.search(r"[^0-9A-Fa-f]", text)
        if bad:
            raise PduError(f"not hexadecimal: {bad.group()!r}", bad.start())
        if len(text) % 2:
            raise PduError("odd number of hex digits", len(text))
        return binascii.unhexlify(text)
    if isinstance(pdu, (bytes, bytearray, memoryview)):
        return bytes(pdu)
    raise PduError(f"an SMS PDU is bytes or hex text, not {type(pdu).__name__}")


def decode_sms(pdu: bytes | str, *, tpdu_length: int | None = None,
               has_smsc: bool | None = None) -> SmsDeliver | SmsStatusReport | SmsSubmit:
    """Decode one SMS PDU as a modem prints it (hex text) or as bytes.

    ``has_smsc`` says whether the SMSC address comes first. When it is None,
    ``tpdu_length`` (the length in the +CMT/+CMGR header, which counts TPDU
    octets only) decides when it matches either reading. When it matches neither
    (modems do print wrong lengths) or is not given, both readings are tried and
    the one that decodes exactly is taken, preferring the SMSC form, which is what
    modems print in PDU mode, and a reading without damaged fields over one with
    them. If neither decodes, the error that got further is raised.
    """
    data = _as_bytes(pdu)
    if not data:
        raise PduError("empty PDU", 0)
    # The fast path reads the SMSC form; it stands in for the general decoder wherever
    # that form is read first (and it declines a damaged time stamp, whose notes may
    # make the other form win).
    if has_smsc or (has_smsc is None and (tpdu_length is None or len(data) != tpdu_length
                                          or len(data) == tpdu_length + 1 + data[0])):
        fast = sms_fast.deliver_fast(data)
        if fast is not None:
            return fast
    return _decode_general(data, tpdu_length, has_smsc)


def decode_sms_general(pdu: bytes | str, *, tpdu_length: int | None = None,
                       has_smsc: bool | None = None) -> SmsDeliver | SmsStatusReport | SmsSubmit:
    """:func:`decode_sms` without its fast path (the tests hold the two to the same answers)."""
    data = _as_bytes(pdu)
    if not data:
        raise PduError("empty PDU", 0)
    return _decode_general(data, tpdu_length, has_smsc)


def _decode_general(data: bytes, tpdu_length: int | None,
                    has_smsc: bool | None) -> SmsDeliver | SmsStatusReport | SmsSubmit:
    if has_smsc is not None:
        return _decode(data, has_smsc)
    if tpdu_length is not None:
        if len(data) == tpdu_length + 1 + data[0]:
            return _decode(data, True)
        if len(data) == tpdu_length:
            return _decode(data, False)
    try:
        first = _decode(data, True)
    except PduError as with_smsc:
        try:
            return _decode(data, False)
        except PduError as without:
            raise with_smsc if (with_smsc.offset or 0) >= (without.offset or 0) else without from None
    if not first.notes:
        return first
    try:
        second = _decode(data, False)
    except PduError:
        return first
    return first if second.notes else second


def tpdu_length(pdu: bytes) -> int:
    """The length a modem puts in the +CMT/+CMGS header for a PDU with SMSC prefix."""
    return len(pdu) - 1 - pdu[0]


# ----------------------------------------------------------------------------- encoding


def _encode_address(address: str, toa: int | None, what: str) -> bytes:
    """TP-OA/DA/RA: "+digits" international, digits (with * # a b c) unknown, anything else alphanumeric."""
    if address.startswith("+") and address[1:] and all(c in _BCD_DIGITS for c in address[1:]):
        digits, default_toa = address[1:], 0x91
    elif address and all(c in _BCD_DIGITS for c in address):
        digits, default_toa = address, 0x81
    else:
        if not address:
            raise PduError(f"empty {what}")
        septets = gsm7.encode(address)
        packed = gsm7.pack(septets)
        if len(packed) > 10:
            raise PduError(f"alphanumeric {what} {address!r} is longer than 11 characters")
        return bytes(((len(septets) * 7 + 3) // 4, 0xD0 if toa is None else toa)) + packed
    if len(digits) > MAX_ADDRESS_DIGITS:
        raise PduError(f"{what} {address!r} has more than {MAX_ADDRESS_DIGITS} digits")
    return bytes((len(digits), default_toa if toa is None else toa)) + _encode_bcd(digits)


def _encode_bcd(digits: str) -> bytes:
    nibbles = [_BCD_DIGITS.index(c) for c in digits]
    if len(nibbles) % 2:
        nibbles.append(0xF)
    return bytes(nibbles[i] | nibbles[i + 1] << 4 for i in range(0, len(nibbles), 2))


def _encode_smsc(smsc: str | None) -> bytes:
    if not smsc:
        return b"\x00"
    international = smsc.startswith("+")
    digits = smsc[1:] if international else smsc
    if not digits or not all(c in _BCD_DIGITS for c in digits) or len(digits) > 20:
        raise PduError(f"SMSC address {smsc!r} is not a number of up to 20 digits")
    body = bytes((0x91 if international else 0x81,)) + _encode_bcd(digits)
    return bytes((len(body),)) + body


def _encode_timestamp(when: datetime, what: str) -> bytes:
    offset = when.utcoffset()
    if offset is None:
        raise PduError(f"{what} needs a time zone (an aware datetime)")
    minutes = int(offset.total_seconds()) // 60
    quarters, rest = divmod(abs(minutes), 15)
    if rest or quarters > 79 or int(offset.total_seconds()) % 60:
        raise PduError(f"{what} time zone offset {offset} is not a whole number of quarter hours within ±19:45")
    if not 1990 <= when.year <= 2089:
        raise PduError(f"{what} year {when.year} is outside 1990-2089, which two digits can carry")
    fields = (when.year % 100, when.month, when.day, when.hour, when.minute, when.second)
    out = bytearray((v % 10) << 4 | v // 10 for v in fields)
    out.append((quarters % 10) << 4 | quarters // 10 | (0x08 if minutes < 0 else 0))
    return bytes(out)


def _encode_relative_validity(validity: timedelta) -> int:
    """The smallest TP-VP whose period is at least ``validity`` (capped at 63 weeks)."""
    for vp in range(256):
        if _relative_validity(vp) >= validity:
            return vp
    return 255


def _user_data_field(alphabet: str, udh: Udh | None, payload: bytes) -> bytes:
    """TP-UDL and TP-UD for septets (gsm7) or octets (8bit, ucs2), with the header in front."""
    header = udh.encode() if udh is not None and udh.elements else b""
    if alphabet == "gsm7":
        fill = (7 - (len(header) * 8) % 7) % 7
        udl = (len(header) * 8 + fill) // 7 + len(payload)
        if udl > MAX_UD_SEPTETS:
            raise PduError(f"user data of {udl} septets exceeds the {MAX_UD_SEPTETS} that fit one SMS")
        return bytes((udl,)) + header + gsm7.pack(payload, fill)
    ud = header + payload
    if len(ud) > MAX_UD_OCTETS:
        raise PduError(f"user data of {len(ud)} octets exceeds the {MAX_UD_OCTETS} that fit one SMS")
    return bytes((len(ud),)) + ud


def _payload(alphabet: str, text: str | None, data: bytes | None, udh: Udh | None = None) -> bytes:
    if text is not None and data is not None:
        raise PduError("give text or data, not both")
    if data is not None:
        if alphabet == "gsm7" and any(b > 0x7F for b in data):
            raise PduError("7-bit user data are septet values 0-127")
        return bytes(data)
    text = text or ""
    if alphabet == "gsm7":
        return gsm7.encode(text, *_languages(udh))
    if alphabet == "ucs2":
        return text.encode("utf-16-be")
    raise PduError("8-bit data coding needs data=bytes, not text")


def _languages(udh: Udh | None) -> tuple[int, int]:
    return (udh.national_locking, udh.national_single) if udh is not None else (0, 0)


def _check_byte(value: int, what: str) -> int:
    if not 0 <= value <= 0xFF:
        raise PduError(f"{what} {value} is not an octet (0-255)")
    return value


def encode_submit(destination: str, *, text: str | None = None, data: bytes | None = None,
                  udh: Udh | None = None, dcs: int | None = None, reference: int = 0,
                  request_status_report: bool = False,
                  validity: timedelta | datetime | None = None) -> SubmitPdu:
    """One SMS-SUBMIT. Without ``dcs``: text goes 7-bit when the alphabet has every
    character and UCS-2 otherwise; data goes 8-bit (0x04)."""
    if dcs is None:
        dcs = 0x04 if data is not None else (0x00 if gsm7.can_encode(text or "", *_languages(udh)) else 0x08)
    _check_byte(dcs, "data coding scheme")
    _check_byte(reference, "message reference")
    alphabet = data_coding(dcs).alphabet
    fo = 0x01
    vp = b""
    if isinstance(validity, timedelta):
        fo |= 0x10
        vp = bytes((_encode_relative_validity(validity),))
    elif isinstance(validity, datetime):
        fo |= 0x18
        vp = _encode_timestamp(validity, "validity period")
    if request_status_report:
        fo |= 0x20
    if udh is not None and udh.elements:
        fo |= 0x40
    tpdu = (bytes((fo, reference)) + _encode_address(destination, None, "destination")
            + bytes((0x00, dcs)) + vp + _user_data_field(alphabet, udh, _payload(alphabet, text, data, udh)))
    return SubmitPdu("00" + tpdu.hex().upper(), len(tpdu))


def _unit_sizes(text: str, alphabet: str, tables: tuple[int, int]) -> list[int]:
    """Septets (gsm7) or UTF-16 units (ucs2) per character."""
    if alphabet == "gsm7":
        return [len(gsm7.encode(ch, *tables)) for ch in text]
    return [len(ch.encode("utf-16-be")) // 2 for ch in text]


def _text_chunks(text: str, sizes: list[int], capacity: int) -> list[str]:
    """Split ``text`` into pieces of at most ``capacity`` units without breaking an
    escape sequence or a surrogate pair."""
    chunks: list[str] = []
    start = used = 0
    for i, size in enumerate(sizes):
        if used + size > capacity:
            chunks.append(text[start:i])
            start, used = i, 0
        used += size
    chunks.append(text[start:])
    return chunks


def _capacity(alphabet: str, header_octets: int) -> int:
    """Units of text one SMS carries after a UDH of ``header_octets`` (0: no UDH)."""
    if alphabet == "gsm7":
        return MAX_UD_SEPTETS - (header_octets * 8 + 6) // 7
    return (MAX_UD_OCTETS - header_octets) // 2


@dataclass(frozen=True, slots=True)
class _Plan:
    alphabet: str
    tables: tuple[int, int]  # national (locking, single) language identifiers
    chunks: list[str]


def _table_choices(text: str) -> list[tuple[int, int]]:
    """The default tables and each national pairing, those that can write ``text``."""
    choices = [(0, 0)]
    for language in sorted(set(LOCKING) | set(SINGLE)):
        for pair in ((0, language), (language, 0), (language, language)):
            if (pair[0] in (0, *LOCKING)) and (pair[1] in (0, *SINGLE)) and pair not in choices:
                choices.append(pair)
    return [c for c in choices if gsm7.can_encode(text, *c)]


def _plan_for(text: str, alphabet: str, tables: tuple[int, int], concat_octets: int) -> _Plan:
    sizes = _unit_sizes(text, alphabet, tables)
    extra = 3 * sum(1 for t in tables if t)  # one 3-octet UDH element per national table
    if sum(sizes) <= _capacity(alphabet, extra + 1 if extra else 0):
        return _Plan(alphabet, tables, [text])
    return _Plan(alphabet, tables, _text_chunks(text, sizes, _capacity(alphabet, 1 + concat_octets + extra)))


def _plan(text: str, concat_octets: int, national: bool) -> _Plan:
    """7-bit with the default tables when they can write ``text``, else UCS-2; national
    shift tables (TS 23.038 Annex A) only when ``national`` and they need fewer SMS,
    since a handset without them shows the wrong letters where UCS-2 always reads."""
    if gsm7.can_encode(text):
        best = _plan_for(text, "gsm7", (0, 0), concat_octets)
    else:
        best = _plan_for(text, "ucs2", (0, 0), concat_octets)
    if national and len(best.chunks) > 1:
        for tables in _table_choices(text):
            if tables == (0, 0):
                continue
            candidate = _plan_for(text, "gsm7", tables, concat_octets)
            if len(candidate.chunks) < len(best.chunks):
                best = candidate
    return best


@dataclass(frozen=True, slots=True)
class TextSegments:
    """How :func:`split_text_submit` would send a text: a composer's counter and the send policy."""

    parts: int
    alphabet: str  # "gsm7" (default alphabet, national tables included) or "ucs2"
    units_left: int  # septets (gsm7) or UTF-16 units (ucs2) still free in the last segment


def text_segments(text: str, *, national: bool = True) -> TextSegments:
    """The segments :func:`split_text_submit` makes of ``text`` with an 8-bit reference
    (the engine's), counted without encoding; more than 255 parts cannot be sent."""
    plan = _plan(text, 5, national)
    extra = 3 * sum(1 for t in plan.tables if t)
    if len(plan.chunks) == 1:
        capacity = _capacity(plan.alphabet, extra + 1 if extra else 0)
    else:
        capacity = _capacity(plan.alphabet, 1 + 5 + extra)
    used = sum(_unit_sizes(plan.chunks[-1], plan.alphabet, plan.tables))
    return TextSegments(len(plan.chunks), plan.alphabet, max(capacity - used, 0))


def split_text_submit(destination: str, text: str, *, reference: int,
                      request_status_report: bool = False, national: bool = True) -> list[SubmitPdu]:
    """A plain-text SMS as one SUBMIT, or several with a concatenation header
    (8-bit reference when ``reference`` < 256, else 16-bit).

    Text goes 7-bit when the default GSM alphabet can write it, else UCS-2; with
    ``national``, national language shift tables are used instead when they make
    fewer segments (e.g. Turkish or Hindi text beyond one UCS-2 SMS)."""
    if not 0 <= reference <= 0xFFFF:
        raise PduError(f"concatenation reference {reference} is not 0-65535")
    bits = 8 if reference <= 0xFF else 16
    plan = _plan(text, 5 if bits == 8 else 6, national)
    dcs = 0x00 if plan.alphabet == "gsm7" else 0x08
    locking, single = plan.tables
    if len(plan.chunks) == 1:
        udh = Udh.of(locking=locking, single=single)
        return [encode_submit(destination, text=text, dcs=dcs, udh=udh if udh.elements else None,
                              request_status_report=request_status_report)]
    if len(plan.chunks) > 255:
        raise PduError(f"text needs {len(plan.chunks)} SMS; a concatenated message has at most 255")
    return [
        encode_submit(destination, text=chunk, dcs=dcs,
                      udh=Udh.of(concat=Concat(reference, len(plan.chunks), i + 1, bits), locking=locking, single=single),
                      request_status_report=request_status_report)
        for i, chunk in enumerate(plan.chunks)
    ]


def encode_deliver(originator: str, *, user_data: bytes = b"", text: str | None = None,
                   udh: Udh | None = None, dcs: int = 0x04, timestamp: datetime,
                   smsc: str | None = None, pid: int = 0, originator_toa: int | None = None,
                   more_messages: bool = False, status_report_indication: bool = False,
                   reply_path: bool = False) -> bytes:
    """An SMS-DELIVER as a modem prints it: SMSC address (0x00 when None), then the TPDU.

    ``user_data`` is octets for 8-bit and UCS-2 codings and septet values for
    7-bit ones (what :func:`decode_sms` returns); ``text`` is the alternative for
    7-bit and UCS-2.
    """
    _check_byte(dcs, "data coding scheme")
    _check_byte(pid, "protocol identifier")
    alphabet = data_coding(dcs).alphabet
    fo = 0x00 | (0 if more_messages else 0x04)
    fo |= 0x20 if status_report_indication else 0
    fo |= 0x40 if udh is not None and udh.elements else 0
    fo |= 0x80 if reply_path else 0
    payload = _payload(alphabet, text, None if text is not None else user_data, udh)
    return (_encode_smsc(smsc) + bytes((fo,)) + _encode_address(originator, originator_toa, "originator")
            + bytes((pid, dcs)) + _encode_timestamp(timestamp, "service centre time stamp")
            + _user_data_field(alphabet, udh, payload))


def encode_status_report(*, message_reference: int, recipient: str, service_centre_time: datetime,
                         discharge_time: datetime, status: int, smsc: str | None = None,
                         recipient_toa: int | None = None) -> bytes:
    """An SMS-STATUS-REPORT as a modem prints it (SMSC address first, 0x00 when None)."""
    _check_byte(message_reference, "message reference")
    _check_byte(status, "status")
    return (_encode_smsc(smsc) + bytes((0x06, message_reference))  # MTI 10, no more messages
            + _encode_address(recipient, recipient_toa, "recipient")
            + _encode_timestamp(service_centre_time, "service centre time stamp")
            + _encode_timestamp(discharge_time, "discharge time") + bytes((status,)))


def wap_push_sms(originator: str, push: bytes, *, reference: int, timestamp: datetime,
                 smsc: str | None = None) -> list[bytes]:
    """A WSP push datagram as SMS-DELIVER PDUs to port 2948 from 9200 (16-bit ports),
    concatenated (8-bit reference when < 256, else 16-bit) when it needs more than one."""
    ports = Ports(WAP_PUSH_PORT, WAP_PUSH_SOURCE_PORT, 16)
    single_room = MAX_UD_OCTETS - len(Udh.of(ports=ports).encode())
    if len(push) <= single_room:
        return [encode_deliver(originator, user_data=push, udh=Udh.of(ports=ports), dcs=0x04,
                               timestamp=timestamp, smsc=smsc)]
    if not 0 <= reference <= 0xFFFF:
        raise PduError(f"concatenation reference {reference} is not 0-65535")
    bits = 8 if reference <= 0xFF else 16
    room = MAX_UD_OCTETS - len(Udh.of(concat=Concat(reference, 1, 1, bits), ports=ports).encode())
    pieces = [push[i : i + room] for i in range(0, len(push), room)]
    if len(pieces) > 255:
        raise PduError(f"push of {len(push)} octets needs {len(pieces)} SMS; at most 255 can be joined")
    return [
        encode_deliver(originator, user_data=piece, dcs=0x04, timestamp=timestamp, smsc=smsc,
                       udh=Udh.of(concat=Concat(reference, len(pieces), i + 1, bits), ports=ports))
        for i, piece in enumerate(pieces)
    ]


# Last: the fast path reads this module's tables and values (and may be imported first).
from mmsua.codec import sms_fast  # noqa: E402
