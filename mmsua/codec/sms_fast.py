"""A fast path for the SMS a modem prints most: an 8-bit SMS-DELIVER (a WAP push segment).

:func:`deliver_fast` walks the octets of an SMS-DELIVER with its SMSC prefix with
local indices: no cursor object, no call per field. It reads only the usual forms
(numeric SMSC and originator, 8-bit user data, a time stamp that is a valid time,
well-formed UDH elements, nothing after the user data) and decides nothing itself:
digits, time zones and data codings come from the same tables as in mmsua.codec.sms,
and what the octets before the time stamp meant, and each time stamp, are kept by
those octets (small memos: the segments of a message share them, and so do a
carrier's notifications, which come from one SMSC and one sender).
It never raises: on anything else it returns None and the general decoder runs,
which gives the result, the notes or the very error as before.
tests/codec/test_fast_paths.py holds the two to the same results and errors.
"""

from __future__ import annotations

from datetime import datetime

from mmsua.codec.sms import (
    _BCD_PAIRS,
    _BCD_VALUES,
    MAX_ADDRESS_DIGITS,
    MAX_UD_OCTETS,
    SmsDeliver,
    _new_deliver,
    _zone,
    data_coding,
)
from mmsua.codec.udh import InformationElement, new_element, new_udh

# Each octet with its semi-octets swapped: then ``hex()`` writes the digits in order.
_SWAPPED = bytes((octet & 0x0F) << 4 | octet >> 4 for octet in range(256))


def _digits(raw: bytes) -> str:
    """The semi-octet digits of ``raw`` (as mmsua.codec.sms reads them): at C speed when
    they are decimal, with at most the last one filler; else through the table."""
    text = raw.translate(_SWAPPED).hex()
    if text.isdigit():
        return text
    if text[-1:] == "f" and text[:-1].isdigit():
        return text[:-1]
    return "".join(map(_BCD_PAIRS.__getitem__, raw))


# Time stamps already read, by their seven octets: the segments of one message share
# one, and a datetime is immutable. Cleared when full, so it stays small.
_STAMPS: dict[bytes, datetime] = {}
_STAMPS_MAX = 64


def _stamp(raw: bytes) -> datetime | None:
    when = _STAMPS.get(raw)
    if when is not None:
        return when
    y, mo, d, h, mi, s = map(_BCD_VALUES.__getitem__, raw[:6])
    zone = _zone(raw[6])
    if zone is None or min(y, mo, d, h, mi, s) < 0:
        return None
    try:
        when = datetime(1900 + y if y >= 90 else 2000 + y, mo, d, h, mi, s, tzinfo=zone)
    except ValueError:
        return None
    if len(_STAMPS) >= _STAMPS_MAX:
        _STAMPS.clear()
    _STAMPS[raw] = when
    return when


# What the octets from the SMSC address to TP-DCS meant, by those octets: the SMSC is
# always the same, and a carrier's notifications come from one sender, so after the
# first segment this is one lookup. Only readings the fast path takes; cleared when full.
_Prefix = tuple[str | None, int, str, int, int, int]  # smsc, first octet, originator, its TOA, PID, DCS
_PREFIXES: dict[bytes, _Prefix] = {}
_PREFIXES_MAX = 64


def _prefix(data: bytes, sl: int, end: int) -> _Prefix | None:
    """Read ``data[:end + 2]``: SMSC (``sl`` octets after its length), TP-MTI and flags,
    TP-OA (ending at ``end``), TP-PID, TP-DCS; None where the fast path does not go."""
    smsc = None
    if sl:
        toa = data[1]
        if toa & 0x70 == 0x50:  # alphanumeric
            return None
        number = _digits(data[2 : sl + 1])
        smsc = "+" + number if toa & 0x70 == 0x10 and number else number
    fo, digits, toa = data[sl + 1], data[sl + 2], data[sl + 3]
    if fo & 0x03 or toa & 0x70 == 0x50:  # not an SMS-DELIVER; an alphanumeric originator
        return None
    dcs = data[end + 1]
    if data_coding(dcs).alphabet != "8bit":
        return None
    number = _digits(data[sl + 4 : end])[:digits]
    return smsc, fo, ("+" + number if toa & 0x70 == 0x10 and number else number), toa, data[end], dcs


def deliver_fast(data: bytes) -> SmsDeliver | None:
    """``data`` (SMSC address first) as an 8-bit SMS-DELIVER, or None to leave it to the general decoder."""
    n = len(data)
    sl = data[0]
    if sl > 11 or sl + 4 > n:  # the SMSC, then TP-MTI, TP-OA's length and type
        return None
    digits = data[sl + 2]
    if digits > MAX_ADDRESS_DIGITS:
        return None
    pos = sl + 4 + (digits + 1) // 2  # after TP-OA
    if pos + 10 > n:  # TP-PID, TP-DCS, TP-SCTS and TP-UDL
        return None
    key = data[: pos + 2]
    known = _PREFIXES.get(key)
    if known is None:
        known = _prefix(data, sl, pos)
        if known is None:
            return None
        if len(_PREFIXES) >= _PREFIXES_MAX:
            _PREFIXES.clear()
        _PREFIXES[key] = known
    smsc, fo, originator, toa, pid, dcs = known
    timestamp = _stamp(data[pos + 2 : pos + 9])
    udl = data[pos + 9]
    pos += 10
    if timestamp is None or udl > MAX_UD_OCTETS or pos + udl != n:
        return None
    udh = None
    if fo & 0x40:
        if not udl:
            return None
        end = pos + 1 + data[pos]
        if end > n:
            return None
        elements: list[InformationElement] = []
        at = pos + 1
        while at < end:
            if at + 2 > end:
                return None
            iel = data[at + 1]
            if at + 2 + iel > end:
                return None
            elements.append(new_element(data[at], data[at + 2 : at + 2 + iel]))
            at += 2 + iel
        udh = new_udh(tuple(elements))
        pos = end
    return _new_deliver(smsc, originator, toa, pid, dcs, timestamp, udh, data[pos:], None,
                        not fo & 0x04, bool(fo & 0x20), bool(fo & 0x80), ())
