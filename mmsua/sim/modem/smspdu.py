"""The few facts the emulated modem reads from an SMS PDU (SMSC address + TPDU, TS 23.040)."""

from __future__ import annotations


def tpdu_length(pdu: bytes) -> int:
    """Octets after the SMSC address, the <length> of +CMT/+CMGR/+CMGS."""
    return len(pdu) - (pdu[0] + 1) if pdu else 0


def is_status_report(pdu: bytes) -> bool:
    """An SMS-STATUS-REPORT (TP-MTI 10 in the first TPDU octet, TS 23.040 9.2.3.1)."""
    try:
        return pdu[pdu[0] + 1] & 0x03 == 0x02
    except IndexError:
        return False


def dcs_message_class(pdu: bytes) -> int | None:
    """Message class of an SMS-DELIVER (SMSC address + TPDU), from its DCS (TS 23.038)."""
    try:
        pos = pdu[0] + 1 + 1  # SMSC address, first octet
        digits = pdu[pos]
        pos += 2 + (digits + 1) // 2 + 1  # OA length, TOA, digits, PID
        dcs = pdu[pos]
    except IndexError:
        return None
    if dcs & 0xC0 == 0x00 and dcs & 0x10:
        return dcs & 0x03
    if dcs & 0xF0 == 0xF0:
        return dcs & 0x03
    return None
