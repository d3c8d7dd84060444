"""A fast path for the SMS a modem prints most: an 8-bit SMS-DELIVER (a WAP push segment).

:func:`deliver_fast` walks the octets of an SMS-DELIVER with its SMSC prefix with
local indices: no cursor object, no call per field. It reads only the usual forms
(numeric SMSC and originator, 8-bit user data, a time stamp that is a valid time,
well-formed UDH elements, nothing after the user data) and decides nothing itself:
digits, time zones and data codings come from the same tables as in mmsua.codec.sms.
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


def deliver_fast(data: bytes) -> SmsDeliver | None:
    """``data`` (SMSC address first) as an 8-bit SMS-DELIVER, or None to leave it to the general decoder."""
    n = len(data)
    sl = data[0]
    if sl == 0:
        smsc = None
    else:
        if sl > 11 or sl + 1 > n:
            return None
        toa = data[1]
        if toa & 0x70 == 0x50:  # alphanumeric
            return None
        number = _digits(data[2 : sl + 1])
        smsc = "+" + number if toa & 0x70 == 0x10 and number else number
    pos = sl + 1
    if pos + 3 > n:
        return None
    fo = data[pos]
    if fo & 0x03:  # not an SMS-DELIVER
        return None
    digits, toa = data[pos + 1], data[pos + 2]
    if digits > MAX_ADDRESS_DIGITS or toa & 0x70 == 0x50:
        return None
    pos += 3 + (digits + 1) // 2
    if pos + 10 > n:  # TP-PID, TP-DCS, TP-SCTS and TP-UDL
        return None
    number = _digits(data[pos - (digits + 1) // 2 : pos])[:digits]
    originator = "+" + number if toa & 0x70 == 0x10 and number else number
    pid, dcs = data[pos], data[pos + 1]
    timestamp = _stamp(data[pos + 2 : pos + 9])
    udl = data[pos + 9]
    pos += 10
    if timestamp is None or udl > MAX_UD_OCTETS or pos + udl != n or data_coding(dcs).alphabet != "8bit":
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
