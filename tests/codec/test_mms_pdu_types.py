"""Each PDU a handset sends or receives, built by hand from OMA-TS-MMS_ENC §6/§7,
decodes to its fields and re-encodes to the same message; address forms and
Expiry/Delivery-Time in both forms round-trip."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mmsua.codec.mms import Address, Expiry, MessageType, decode_mms, encode_mms

SECONDS = 0x65920A80
WHEN = datetime.fromtimestamp(SECONDS, UTC)
DATE = b"\x85\x04" + SECONDS.to_bytes(4, "big")  # Date: Long-integer seconds
V12 = b"\x8d\x92"  # X-Mms-MMS-Version 1.2
TO = b"\x97+15550001/TYPE=PLMN\x00"


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        (b"\x8c\x85\x98T-1\x00" + V12 + b"\x91\x80",
         dict(message_type=MessageType.M_ACKNOWLEDGE_IND, transaction_id="T-1", report_allowed=True)),
        (b"\x8c\x83\x98T-2\x00" + V12 + b"\x95\x83\x91\x81",
         dict(message_type=MessageType.M_NOTIFYRESP_IND, transaction_id="T-2", status=0x83, report_allowed=False)),
        (b"\x8c\x86" + V12 + b"\x8bmid-1\x00" + TO + DATE + b"\x95\x81",
         dict(message_type=MessageType.M_DELIVERY_IND, message_id="mid-1", to=(Address.phone("+15550001"),),
              date=WHEN, status=0x81)),
        (b"\x8c\x87" + V12 + b"\x8bmid-2\x00" + TO + b"\x89\x01\x81" + b"\x9b\x80",
         dict(message_type=MessageType.M_READ_REC_IND, message_id="mid-2", sender=Address.insert_token(), read_status=0x80)),
        (b"\x8c\x88" + V12 + b"\x8bmid-3\x00" + TO + b"\x89\x15\x80+15550002/TYPE=PLMN\x00" + DATE + b"\x9b\x81",
         dict(message_type=MessageType.M_READ_ORIG_IND, message_id="mid-3", sender=Address.phone("+15550002"),
              date=WHEN, read_status=0x81)),
        (b"\x8c\x81\x98T-3\x00" + V12 + b"\x92\xe3\x8bmid-4\x00",
         dict(message_type=MessageType.M_SEND_CONF, transaction_id="T-3", response_status=0xE3, message_id="mid-4")),
        (b"\x8c\x84\x98R-1\x00" + V12 + b"\x8bmid-5\x00" + DATE + b"\x89\x15\x80+15550002/TYPE=PLMN\x00" + TO
         + b"\x96Hi\x00" + b"\x84\x83" + b"hello",
         dict(message_type=MessageType.M_RETRIEVE_CONF, transaction_id="R-1", message_id="mid-5", date=WHEN,
              subject="Hi")),
    ],
    ids=lambda v: v["message_type"].spec_name if isinstance(v, dict) else None,
)
def test_hand_built_pdu_decodes_and_round_trips(wire: bytes, expected: dict) -> None:
    pdu = decode_mms(wire)
    assert pdu.mms_version == "1.2"
    for name, value in expected.items():
        assert getattr(pdu, name) == value, name
    assert decode_mms(encode_mms(pdu)) == pdu


def test_retrieve_conf_single_text_body() -> None:
    wire = b"\x8c\x84" + V12 + DATE + b"\x84\x83" + b"hello"
    pdu = decode_mms(wire)
    (part,) = pdu.parts
    assert pdu.content_type.media_type == "text/plain" and part.text == "hello"


@pytest.mark.parametrize(
    ("field", "octets", "value"),
    [
        ("expiry", b"\x88\x06\x80\x04" + SECONDS.to_bytes(4, "big"), Expiry.at(WHEN)),
        ("expiry", b"\x88\x04\x81\x02\x0e\x10", Expiry.after(3600)),
        ("delivery_time", b"\x87\x06\x80\x04" + SECONDS.to_bytes(4, "big"), Expiry.at(WHEN)),
        ("delivery_time", b"\x87\x03\x81\x01\x3c", Expiry.after(60)),
    ],
)
def test_expiry_and_delivery_time_absolute_and_relative(field: str, octets: bytes, value: Expiry) -> None:
    wire = b"\x8c\x80\x98S\x00" + V12 + b"\x89\x01\x81" + TO + octets
    pdu = decode_mms(wire)
    assert getattr(pdu, field) == value
    assert decode_mms(encode_mms(pdu, strict=False)) == pdu


@pytest.mark.parametrize(
    ("wire", "address", "text"),
    [
        (b"+447700900123/TYPE=PLMN", Address("+447700900123", "PLMN"), "+447700900123/TYPE=PLMN"),
        (b"alice@example.com", Address("alice@example.com", "email"), "alice@example.com"),
        (b"192.0.2.7/TYPE=IPv4", Address("192.0.2.7", "IPv4"), "192.0.2.7/TYPE=IPv4"),
        (b"2001:db8::7/TYPE=IPv6", Address("2001:db8::7", "IPv6"), "2001:db8::7/TYPE=IPv6"),
    ],
)
def test_address_forms_decode_and_reencode(wire: bytes, address: Address, text: str) -> None:
    data = b"\x8c\x86" + V12 + b"\x8bm\x00\x97" + wire + b"\x00" + DATE + b"\x95\x81"
    pdu = decode_mms(data)
    assert pdu.to == (address,) and str(pdu.to[0]) == text
    assert decode_mms(encode_mms(pdu)) == pdu
