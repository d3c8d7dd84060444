"""Cosmetic damage does not lose an SMS: a time stamp that is not BCD (seen on real
networks) decodes to None with a note, while broken structure stays a PduError."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from mmsua.codec.errors import PduError
from mmsua.codec.push import MMS_CONTENT_TYPE, decode_push, encode_push
from mmsua.codec.sms import SmsDeliver, SmsStatusReport, decode_sms, encode_status_report, tpdu_length, wap_push_sms

TS = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
SCTS_AT = 12  # SMSC 0, first octet 1, originator 2-9, PID 10, DCS 11, time stamp 12-18


def _damage(pdu: bytes, at: int, octets: bytes) -> bytes:
    return pdu[:at] + octets + pdu[at + len(octets):]


@pytest.mark.parametrize(
    ("octets", "words"),
    [
        (b"\x8a", "not two decimal semi-octets"),  # year nibble A
        (b"\x99\x13", "not a valid date"),  # month 31
        (b"\xff" * 7, "not two decimal semi-octets"),  # all filler, as some SCs send
        (b"\x42\x50\x10\x21\x00\x00\xfa", "time zone"),
    ],
)
def test_wap_push_with_a_damaged_time_stamp_still_decodes(octets: bytes, words: str) -> None:
    push = encode_push(MMS_CONTENT_TYPE, b"\x8c\x82\x98T\x00", transaction_id=1)
    (pdu,) = wap_push_sms("+447700900555", push, reference=1, timestamp=TS)
    assert pdu[1 + SCTS_AT - 1 - 1] == 0x04  # DCS just before the time stamp (no SMSC: offset 0 is 0x00)
    damaged = _damage(pdu, SCTS_AT, octets)
    sms = decode_sms(damaged.hex(), tpdu_length=tpdu_length(damaged))
    assert isinstance(sms, SmsDeliver)
    assert sms.timestamp is None and sms.user_data == push and sms.ports.destination == 2948
    (note,) = sms.notes
    assert "service centre time stamp" in note and words in note and "left out" in note
    assert decode_push(sms.user_data).body == b"\x8c\x82\x98T\x00"


def test_status_report_with_damaged_times_keeps_its_status() -> None:
    pdu = encode_status_report(message_reference=7, recipient="+15550001", service_centre_time=TS,
                               discharge_time=TS, status=0)
    at = len(pdu) - 1 - 7  # the discharge time stamp, before the status octet
    sms = decode_sms(_damage(pdu, at, b"\xee").hex(), has_smsc=True)
    assert isinstance(sms, SmsStatusReport)
    assert sms.service_centre_time == TS and sms.discharge_time is None and sms.outcome == "delivered"
    assert len(sms.notes) == 1 and "discharge time" in sms.notes[0] and f"offset {at}" in sms.notes[0]


def test_a_clean_reading_is_preferred_over_a_damaged_one() -> None:
    """Without a length hint, the reading with the SMSC prefix wins unless only it has damage."""
    (pdu,) = wap_push_sms("+447700900555", b"\x01\x06\x01\xbe", reference=1, timestamp=TS, smsc="+447700900000")
    sms = decode_sms(pdu.hex())
    assert sms.smsc == "+447700900000" and sms.timestamp == TS and not sms.notes


@pytest.mark.parametrize(
    ("hexpdu", "offset", "words"),
    [
        ("00040B916407281553F80004993092516195", 12, "time stamp"),  # time stamp cut short
        ("00040B916407281553F8000499309251619580FF", 19, "exceeds 140"),
        ("00440B916407281553F800049930925161958003050003", 20, "runs past"),
    ],
)
def test_structure_beyond_the_input_is_still_an_error(hexpdu: str, offset: int, words: str) -> None:
    with pytest.raises(PduError) as err:
        decode_sms(hexpdu, has_smsc=True)
    assert err.value.offset == offset and words in err.value.reason
