"""MMS PDUs built by hand from OMA-TS-MMS_ENC (field codes and value encodings),
decoded field by field, re-encoded, and broken on purpose."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mmsua.codec.errors import PduError
from mmsua.codec.mms import (
    Address,
    ContentType,
    Expiry,
    Header,
    MessageType,
    MmsPdu,
    Part,
    decode_mms,
    encode_mms,
    response_status_meaning,
    response_status_name,
    retrieve_status_name,
    status_name,
)

# M-NotifyResp.ind: type 0x83, tid "abc", version 1.2 (0x92), status Retrieved (0x81).
NOTIFYRESP = bytes.fromhex("8c83") + b"\x98abc\x00" + bytes.fromhex("8d92") + bytes.fromhex("9581")

# M-Notification.ind with every field a notification carries.
NOTIFICATION = (
    bytes.fromhex("8c82")
    + b"\x98T1\x00"
    + b"\x8d\x90"  # version 1.0
    + b"\x89\x19\x80+447700900123/TYPE=PLMN\x00"  # From: value-length 25, address-present
    + b"\x96Hello\x00"  # Subject, plain text
    + b"\x8a\x80"  # class personal
    + b"\x88\x05\x81\x03\x01\x19\x40"  # expiry relative 72000 s
    + b"\x8e\x02\x74\x00"  # size 29696 as a 2-octet long integer
    + b"\x83http://mmsc.example/m1\x00"
)


def test_notifyresp_fields() -> None:
    pdu = decode_mms(NOTIFYRESP)
    assert pdu.message_type is MessageType.M_NOTIFYRESP_IND
    assert pdu.message_type.spec_name == "m-notifyresp-ind"
    assert (pdu.transaction_id, pdu.mms_version, pdu.status) == ("abc", "1.2", 0x81)
    assert pdu.status_name == "retrieved"
    assert encode_mms(pdu) == NOTIFYRESP


def test_notification_fields() -> None:
    pdu = decode_mms(NOTIFICATION)
    assert pdu.message_type.spec_name == "m-notification-ind"
    assert pdu.transaction_id == "T1"
    assert pdu.mms_version == "1.0"
    assert pdu.sender == Address.phone("+447700900123")
    assert str(pdu.sender) == "+447700900123/TYPE=PLMN"
    assert pdu.subject == "Hello"
    assert pdu.message_class == "personal"
    assert pdu.message_size == 29696
    assert pdu.expiry == Expiry.after(72000)
    assert pdu.content_location == "http://mmsc.example/m1"
    assert encode_mms(pdu) == NOTIFICATION


def test_send_req_with_parts_round_trips_and_reads_back() -> None:
    smil = Part(ContentType.of("application/smil", charset="utf-8"), b"<smil/>", "<smil>", "smil.smil")
    text = Part.from_text("Grüße", name="t.txt", content_id="<t>")
    image = Part.make(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4, "image/jpeg", name="p.jpg")
    pdu = MmsPdu(
        MessageType.M_SEND_REQ,
        transaction_id="tx-1",
        mms_version="1.2",
        sender=Address.insert_token(),
        to=(Address.phone("+447700900123"), Address.email("a@b.example")),
        cc=(Address.parse("1.2.3.4/TYPE=IPv4"),),
        subject="Ünïcode subject",
        subject_charset=106,
        delivery_report=True,
        read_report=False,
        priority="high",
        expiry=Expiry.at(datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)),
        content_type=ContentType.of("application/vnd.wap.multipart.related", start="<smil>", type="application/smil"),
        parts=(smil, text, image),
    )
    data = encode_mms(pdu)
    back = decode_mms(data)
    assert back == pdu
    assert back.sender.is_insert_token
    assert [str(a) for a in back.to] == ["+447700900123/TYPE=PLMN", "a@b.example"]
    assert back.cc[0].kind == "IPv4" and back.cc[0].value == "1.2.3.4"
    assert back.content_type.start == "<smil>" and back.content_type.type == "application/smil"
    assert back.parts[1].text == "Grüße" and back.parts[1].charset == "utf-8"
    assert back.parts[2].name == "p.jpg" and back.parts[2].size == 4 + 1024
    assert back.parts[2].text is None
    # The well-known encodings the spec gives: From insert-address-token, multipart.related 0xB3.
    assert b"\x89\x01\x81" in data
    assert b"\x84\x1f" in data or data[data.index(b"\x84", 20) + 2] == 0xB3


def test_utf8_subject_encoded_string() -> None:
    # Subject: value-length, charset utf-8 (0xEA = short integer 106), text, NUL
    raw = "Привет".encode()
    body = b"\xea" + raw + b"\x00"
    data = NOTIFYRESP[:2] + b"\x98x\x00\x8d\x92" + b"\x96" + bytes((len(body),)) + body
    pdu = decode_mms(data)
    assert pdu.subject == "Привет" and pdu.subject_charset == 106


def test_unknown_charset_keeps_raw_subject_bytes() -> None:
    raw = b"\x01\x02abc"
    body = b"\x02\x03\xe7" + raw + b"\x00"  # MIBenum 999 as a long integer
    data = b"\x8c\x83\x98x\x00\x8d\x92\x96" + bytes((len(body),)) + body
    pdu = decode_mms(data)
    assert pdu.subject_charset == 999 and pdu.subject_raw == raw
    assert encode_mms(pdu, strict=False) == data


def test_absolute_expiry_and_date() -> None:
    date = b"\x85\x04\x3d\x1c\x95\x7b"  # Date long integer
    expiry = b"\x88\x06\x80\x04\x00\x00\x00\x00"  # absolute 1970-01-01
    data = b"\x8c\x82\x98t\x00\x8d\x90" + date + expiry
    pdu = decode_mms(data)
    assert pdu.date == datetime.fromtimestamp(0x3D1C957B, UTC)
    assert pdu.date.tzinfo is not None
    assert pdu.expiry == Expiry.at(datetime(1970, 1, 1, tzinfo=UTC))


def test_status_and_response_codes_have_meanings() -> None:
    assert [status_name(c) for c in range(0x80, 0x88)] == [
        "expired", "retrieved", "rejected", "deferred", "unrecognised", "indeterminate", "forwarded", "unreachable",
    ]
    assert response_status_name(0x80) == "ok"
    assert response_status_name(0xE2) == "error-permanent-message-format-corrupt"
    assert "corrupt" in response_status_meaning(0xE2)
    # Unassigned codes in a range mean that range's generic failure (MMS_ENC).
    assert response_status_name(0xCF) == "error-transient-failure"
    assert response_status_name(0xF5) == "error-permanent-failure"
    assert retrieve_status_name(0xE2) == "error-permanent-message-not-found"
    assert status_name(0x10) == "unknown (0x10)"


def test_send_conf() -> None:
    data = b"\x8c\x81\x98u\x00\x8d\x92\x92\xe1\x93Unable to send\x00"
    pdu = decode_mms(data)
    assert pdu.response_status == 0xE1 and pdu.response_status_name == "error-permanent-service-denied"
    assert pdu.response_text == "Unable to send"


def test_unknown_fields_are_kept_and_reencoded_as_they_came() -> None:
    previously_sent_date = b"\xa1\x04\x81\x02\x10\x00"  # X-Mms-Previously-Sent-Date, raw
    future_field = b"\xfe\x82"  # a code no version assigns, with a short-integer value
    textual = b"X-Custom\x00value\x00"
    data = b"\x8c\x83\x98x\x00\x8d\x92" + previously_sent_date + future_field + textual + b"\x95\x81"
    pdu = decode_mms(data)
    assert pdu.status == 0x81
    assert pdu.extra_headers == (
        Header("X-Mms-Previously-Sent-Date", b"\x04\x81\x02\x10\x00"),
        Header("X-Mms-Field-0x7e", b"\x82"),
        Header("X-Custom", "value"),
    )
    again = encode_mms(pdu)
    for chunk in (previously_sent_date, future_field, textual):
        assert chunk in again
    assert decode_mms(again) == pdu


def test_unrecognised_value_of_a_known_field_is_kept_raw() -> None:
    data = b"\x8c\x83\x98x\x00\x8d\x92\x8f\x9f\x95\x81"  # priority 0x9F is not assigned
    pdu = decode_mms(data)
    assert pdu.priority is None
    assert pdu.extra_headers == (Header("X-Mms-Priority", b"\x9f"),)
    assert decode_mms(encode_mms(pdu)) == pdu


def test_single_part_body() -> None:
    data = b"\x8c\x84\x8d\x92\x85\x01\x01\x84\x83" + b"just text"
    pdu = decode_mms(data)
    assert pdu.content_type == ContentType("text/plain")
    assert len(pdu.parts) == 1 and pdu.parts[0].text == "just text"
    assert encode_mms(pdu) == data


@pytest.mark.parametrize(
    ("data", "offset"),
    [
        (b"", 0),
        (b"\x8d\x92", 0),  # does not start with X-Mms-Message-Type
        (b"\x8c\x83\x98abc", 3),  # transaction id without NUL
        (b"\x8c\x84\x8d\x92\x89\x1e\x80", 5),  # From value-length past the end
        (b"\x8c\x84\x8d\x92\x84\xb3\x02\x05\x05\x83", 6),  # multipart entry longer than the data
        (b"\x8c\x99", 1),  # message type 0x99 is not assigned
    ],
)
def test_broken_input_raises_pdu_error_with_offset(data: bytes, offset: int) -> None:
    with pytest.raises(PduError) as info:
        decode_mms(data)
    assert info.value.offset == offset
    assert info.value.reason


def test_truncated_message_says_where_it_ends() -> None:
    full = encode_mms(
        MmsPdu(
            MessageType.M_RETRIEVE_CONF,
            mms_version="1.2",
            date=datetime(2024, 5, 1, tzinfo=UTC),
            content_type=ContentType("application/vnd.wap.multipart.mixed"),
            parts=(Part.make(b"x" * 500, "image/png", name="a.png"),),
        )
    )
    with pytest.raises(PduError) as info:
        decode_mms(full[:300])
    assert "remain" in info.value.reason
    assert info.value.offset is not None and info.value.offset < 300


@pytest.mark.parametrize(
    ("pdu", "missing"),
    [
        (MmsPdu(MessageType.M_SEND_REQ, transaction_id="t", mms_version="1.2"), "sender"),
        (MmsPdu(MessageType.M_NOTIFYRESP_IND, transaction_id="t", mms_version="1.2"), "status"),
        (MmsPdu(MessageType.M_NOTIFICATION_IND, transaction_id="t", mms_version="1.2"), "content_location"),
        (MmsPdu(MessageType.M_ACKNOWLEDGE_IND, mms_version="1.2"), "transaction_id"),
    ],
)
def test_encoder_refuses_pdus_missing_required_fields(pdu: MmsPdu, missing: str) -> None:
    with pytest.raises(PduError, match=missing):
        encode_mms(pdu)


def test_address_forms() -> None:
    assert Address.parse("+447700900123/TYPE=PLMN") == Address("+447700900123", "PLMN")
    assert Address.parse("a@b.example").kind == "email"
    assert Address.parse("fe80::1/TYPE=IPv6").kind == "IPv6"
    assert Address.parse("1234/TYPE=PLNM").kind == "PLNM"  # an unknown TYPE word is kept
    for wire in ("+447700900123/TYPE=PLMN", "a@b.example", "1.2.3.4/TYPE=IPv4", "Erotik"):
        assert str(Address.parse(wire)) == wire
    assert str(Address.insert_token()) == "insert-address-token"
    with pytest.raises(PduError):
        encode_mms(MmsPdu(MessageType.M_DELIVERY_IND, mms_version="1.2", message_id="m", to=(Address.insert_token(),), date=datetime(2024, 1, 1, tzinfo=UTC), status=0x81))


def test_content_type_accessors() -> None:
    ct = ContentType.parse('application/vnd.wap.multipart.related; start="<0>"; type=application/smil')
    assert ct.media_type == "application/vnd.wap.multipart.related"
    assert ct.start == "<0>" and ct.type == "application/smil" and ct.get("START") == "<0>"
    assert ct.charset is None and ct.is_multipart
    assert ContentType.of("TEXT/Plain", charset="utf-8").media_type == "text/plain"


def test_mislabelled_subject_bytes_are_written_back_as_they_came() -> None:
    raw = "Grüße".encode()  # declared us-ascii (0x83), really UTF-8
    body = b"\x83" + raw + b"\x00"
    data = b"\x8c\x83\x98x\x00\x8d\x92\x96" + bytes((len(body),)) + body + b"\x95\x81"
    pdu = decode_mms(data)
    assert pdu.subject == "Grüße" and pdu.subject_charset == 3
    assert encode_mms(pdu) == data


def test_text_after_a_nul_inside_an_encoded_string_is_cut() -> None:
    body = b"\xea" + b"abc\x00junk" + b"\x00"
    data = b"\x8c\x83\x98x\x00\x8d\x92\x96" + bytes((len(body),)) + body
    assert decode_mms(data).subject == "abc"
