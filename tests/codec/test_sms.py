"""SMS PDU codec: hand-made vectors from 3GPP TS 23.040 / 23.038, interop with
python-gsmmodem-new, and the error contract (PduError with an offset, nothing else)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from mmsua.codec import gsm7
from mmsua.codec.errors import PduError
from mmsua.codec.sms import (
    Concat,
    Ports,
    SmsDeliver,
    SmsStatusReport,
    SmsSubmit,
    Udh,
    data_coding,
    decode_sms,
    encode_deliver,
    encode_status_report,
    encode_submit,
    split_text_submit,
    status_meaning,
    tpdu_length,
    wap_push_sms,
)
from mmsua.codec.udh import InformationElement

# The textbook SMS-DELIVER: SMSC +27381000015, national originator, "hellohello" in 7 bits.
HELLO_DELIVER = "07917283010010F5040BC87238880900F10000993092516195800AE8329BFD4697D9EC37"
# SMS-SUBMIT to +46708251358, relative validity 0xAA (4 days), "hellohello"; "00" = SIM's SMSC.
HELLO_SUBMIT = "0011000B916407281553F80000AA0AE8329BFD4697D9EC37"
TS = datetime(1999, 3, 29, 15, 16, 59, tzinfo=timezone(timedelta(hours=2)))


def test_textbook_deliver() -> None:
    sms = decode_sms(HELLO_DELIVER)
    assert isinstance(sms, SmsDeliver)
    assert sms.smsc == "+27381000015"
    assert sms.originator == "27838890001"
    assert sms.originator_toa == 0xC8
    assert (sms.pid, sms.dcs) == (0, 0)
    assert sms.timestamp == TS and sms.timestamp.utcoffset() == timedelta(hours=2)
    assert sms.text == "hellohello"
    assert sms.udh is None
    assert sms.user_data == gsm7.encode("hellohello")
    assert sms.more_messages is False  # TP-MMS set: no more messages waiting


def test_lowercase_spaced_hex_and_bytes_decode_alike() -> None:
    spaced = " ".join(HELLO_DELIVER[i : i + 2] for i in range(0, len(HELLO_DELIVER), 2)).lower()
    assert decode_sms(spaced + "\r\n") == decode_sms(bytes.fromhex(HELLO_DELIVER)) == decode_sms(HELLO_DELIVER)


def test_textbook_submit_encodes_to_the_known_bytes() -> None:
    pdu = encode_submit("+46708251358", text="hellohello", validity=timedelta(days=4))
    assert pdu.hex == HELLO_SUBMIT
    assert pdu.tpdu_length == len(HELLO_SUBMIT) // 2 - 1
    sms = decode_sms(pdu.hex, tpdu_length=pdu.tpdu_length)
    assert isinstance(sms, SmsSubmit)
    assert sms.destination == "+46708251358" and sms.text == "hellohello" and sms.validity == timedelta(days=4)


def test_smsc_prefix_is_told_by_the_cmt_length() -> None:
    tpdu = HELLO_DELIVER[16:]  # drop "07 91 7283010010F5"
    length = len(tpdu) // 2
    assert decode_sms(tpdu, tpdu_length=length).smsc is None
    assert decode_sms(HELLO_DELIVER, tpdu_length=length).smsc == "+27381000015"
    # A wrong stated length (as real modems print) falls back to inference.
    assert decode_sms(HELLO_DELIVER, tpdu_length=29).text == "hellohello"
    assert decode_sms(tpdu).text == "hellohello"
    assert decode_sms(tpdu, has_smsc=False).smsc is None
    with pytest.raises(PduError):
        decode_sms(tpdu, has_smsc=True)


def test_ucs2_deliver_hand_made() -> None:
    sms = decode_sms("040B916407281553F80008993092516195800604" "1F04400438", has_smsc=False)
    assert sms.text == "При"
    assert sms.user_data == bytes.fromhex("041F04400438")


def test_seven_bit_with_udh_skips_fill_bits() -> None:
    # UDH 05 00 03 2A 02 01 (48 bits) + 1 fill bit = 7 septets, then "Hi" packed from bit 1.
    hexpdu = "440B916407281553F8000099309251619580" "09" "0500032A0201" "9069"
    sms = decode_sms(hexpdu, has_smsc=False)
    assert sms.udh is not None and sms.concat == Concat(0x2A, 2, 1, 8)
    assert sms.text == "Hi"
    assert encode_deliver("+46708251358", text="Hi", dcs=0x00, timestamp=TS, udh=sms.udh)[1:] == bytes.fromhex(hexpdu)


def test_eight_bit_wap_push_is_exact_bytes() -> None:
    payload = bytes(range(256))[:100]
    pdu = encode_deliver("+447785016005", user_data=payload, dcs=0xF5, udh=Udh.of(ports=Ports(2948, 9200)), timestamp=TS)
    sms = decode_sms(pdu)
    assert sms.user_data == payload and sms.text is None
    assert sms.ports == Ports(2948, 9200, 16)
    assert data_coding(0xF5).alphabet == "8bit" and data_coding(0xF5).message_class == 1


@pytest.mark.parametrize(
    ("dcs", "alphabet", "cls"),
    [(0x00, "gsm7", None), (0x04, "8bit", None), (0x06, "8bit", None), (0x08, "ucs2", None),
     (0x14, "8bit", 0), (0x18, "ucs2", 0), (0x0C, "gsm7", None), (0x44, "8bit", None),
     (0xF4, "8bit", 0), (0xF5, "8bit", 1), (0xF0, "gsm7", 0), (0xE0, "ucs2", None), (0x80, "gsm7", None)],
)
def test_data_coding_groups(dcs: int, alphabet: str, cls: int | None) -> None:
    coding = data_coding(dcs)
    assert (coding.alphabet, coding.message_class) == (alphabet, cls)


def test_status_report_hand_made() -> None:
    hexpdu = "00" "06" "2A" "0B916407281553F8" "99309251619580" "99309251619580" "00"
    report = decode_sms(hexpdu)
    assert isinstance(report, SmsStatusReport)
    assert report.message_reference == 0x2A and report.recipient == "+46708251358"
    assert report.status == 0 and report.outcome == "delivered"
    assert report.status_meaning == "short message received by the SME"
    assert report.discharge_time == TS
    again = encode_status_report(message_reference=0x2A, recipient="+46708251358", service_centre_time=TS,
                                 discharge_time=TS, status=0)
    assert again == bytes.fromhex(hexpdu)


def test_status_meanings_cover_ranges() -> None:
    assert "SC still trying" in status_meaning(0x20)
    assert status_meaning(0x46) == "SM validity period expired"
    assert "SC-specific" in status_meaning(0x5A)
    assert "reserved" in status_meaning(0x90)


def test_alphanumeric_originator_and_negative_time_zone() -> None:
    when = datetime(2024, 12, 31, 23, 59, 58, tzinfo=timezone(timedelta(hours=-3, minutes=-30)))
    pdu = encode_deliver("Vodafone", text="Zum Portal €", dcs=0x00, timestamp=when, smsc="+491722270541")
    sms = decode_sms(pdu)
    assert sms.originator == "Vodafone" and sms.originator_toa == 0xD0
    assert sms.timestamp == when and sms.timestamp.utcoffset() == timedelta(hours=-3, minutes=-30)
    assert sms.text == "Zum Portal €" and sms.smsc == "+491722270541"


def test_gsm7_table_follows_the_spec_where_gsmmodem_does_not() -> None:
    assert gsm7.decode(bytes([0x5F])) == "§"
    assert gsm7.encode("€[]") == bytes([0x1B, 0x65, 0x1B, 0x3C, 0x1B, 0x3E])
    assert gsm7.decode(bytes([0x1B, 0x41])) == "A"  # undefined escape: the basic character
    assert gsm7.decode(bytes([0x41, 0x1B])) == "A "


def test_split_text_submit_seven_bit_and_ucs2() -> None:
    text = "x" * 150 + "€" * 10  # 170 septets: two parts, escapes never split
    parts = split_text_submit("+46708251358", text, reference=7)
    assert len(parts) == 2
    decoded = [decode_sms(p.hex, tpdu_length=p.tpdu_length) for p in parts]
    assert [d.udh.concat for d in decoded] == [Concat(7, 2, 1, 8), Concat(7, 2, 2, 8)]
    assert "".join(d.text for d in decoded) == text
    emoji = "Grüße 😀 " * 20
    parts = split_text_submit("+46708251358", emoji, reference=300)
    decoded = [decode_sms(p.hex) for p in parts]
    assert all(d.dcs == 0x08 and d.udh.concat.bits == 16 for d in decoded)
    assert "".join(d.text for d in decoded) == emoji
    assert len(split_text_submit("+1", "short", reference=1)) == 1


def test_wap_push_sms_segments() -> None:
    push = bytes(range(200)) + bytes(100)
    pdus = wap_push_sms("+447785342749", push, reference=0x9F8E, timestamp=TS, smsc="+447785016005")
    assert len(pdus) == 3
    decoded = [decode_sms(p, tpdu_length=tpdu_length(p)) for p in pdus]
    assert all(d.ports == Ports(2948, 9200, 16) for d in decoded)
    assert [d.concat for d in decoded] == [Concat(0x9F8E, 3, n, 16) for n in (1, 2, 3)]
    assert b"".join(d.user_data for d in decoded) == push
    single = wap_push_sms("+1", b"\x01\x06", reference=1, timestamp=TS)
    assert len(single) == 1 and decode_sms(single[0]).concat is None


def test_udh_keeps_unknown_elements_and_ignores_invalid_concat() -> None:
    udh = Udh((InformationElement(0x24, b"\x01"), InformationElement(0x00, b"\x01\x00\x01"),
               InformationElement(0x00, b"\x02\x02\x01")))
    pdu = encode_deliver("+1", user_data=b"x", udh=udh, timestamp=TS)
    sms = decode_sms(pdu)
    assert sms.udh == udh
    assert sms.concat == Concat(2, 2, 1, 8)  # the total-0 element is ignored (§9.2.3.24.1)


def test_gsmmodem_decodes_what_we_encode_and_we_decode_what_it_encodes() -> None:
    from gsmmodem import pdu as gpdu

    ours = encode_deliver("+46708251358", text="Grüße", dcs=0x08, timestamp=TS, smsc="+27381000015")
    theirs = gpdu.decodeSmsPdu(ours.hex())
    assert theirs["number"] == "+46708251358" and theirs["text"] == "Grüße" and theirs["smsc"] == "+27381000015"
    for text in ("hello world", "Ünïcødé ✓"):
        (pdu,) = gpdu.encodeSmsSubmitPdu("+46708251358", text, reference=5, requestStatusReport=False)
        sms = decode_sms(bytes(pdu.data), tpdu_length=pdu.tpduLength)
        assert isinstance(sms, SmsSubmit) and sms.text == text and sms.destination == "+46708251358"
        assert sms.message_reference == 5


def test_septet_packing_agrees_with_gsmmodem() -> None:
    from gsmmodem import pdu as gpdu

    for n in range(1, 20):
        septets = bytes((i * 37 + 11) % 128 for i in range(n))
        assert gsm7.pack(septets) == bytes(gpdu.packSeptets(bytearray(septets)))
        assert gsm7.unpack(gsm7.pack(septets), n) == septets


@pytest.mark.parametrize(
    ("hexpdu", "offset", "words"),
    [
        ("", 0, "empty"),
        ("0G", 1, "not hexadecimal"),
        ("123", 3, "odd"),
        ("00", 1, "first octet"),
        ("0003", 1, "reserved"),
        ("0004", 2, "originator address length"),
        ("00041591", 2, "exceeds"),
        # SMSC 0, first octet 1, address 2-9, PID 10, DCS 11, time stamp 12-18, UDL 19, UD 20-
        ("00040B916407281553F80000993092516195800AE8329B", 20, "user data"),
        ("00040B916407281553F80000993092516195800AE8329BFD4697D9EC3700", 29, "after the end"),
        ("00440B916407281553F800049930925161958003050003", 20, "runs past"),
        ("00040B916407281553F8000499309251619580FF", 19, "exceeds 140"),
    ],
)
def test_malformed_pdus_raise_pdu_error_with_offset(hexpdu: str, offset: int, words: str) -> None:
    with pytest.raises(PduError) as err:
        decode_sms(hexpdu, has_smsc=True if hexpdu.startswith("00") else None)
    assert err.value.offset == offset, err.value
    assert words in err.value.reason


def test_encoders_refuse_what_cannot_be_sent() -> None:
    with pytest.raises(PduError):
        encode_submit("+1", text="x" * 161, dcs=0x00)
    with pytest.raises(PduError):
        encode_deliver("+1", user_data=bytes(141), timestamp=TS)
    with pytest.raises(PduError):
        encode_deliver("+1", user_data=b"", timestamp=TS.replace(tzinfo=None))
    with pytest.raises(PduError):
        encode_submit("+1", text="hi", dcs=0x04)
    with pytest.raises(PduError):
        encode_status_report(message_reference=300, recipient="+1", service_centre_time=TS,
                             discharge_time=TS, status=0)


def test_udh_8bit_ports_and_16bit_concatenation_by_hand() -> None:
    # UDHL 10: IEI 0x08 (ref 0x1234, 3 parts, part 2), IEI 0x04 (ports 226 <- 227)
    udh = bytes.fromhex("0A" "0804123403" "02" "0402E2E3")
    pdu = bytes.fromhex("00" "44" "0B916407281553F8" "00" "04" "99309251619580") + bytes((len(udh) + 2,)) + udh + b"\x01\x02"
    sms = decode_sms(pdu, has_smsc=True)
    assert sms.concat == Concat(0x1234, 3, 2, 16) and sms.ports == Ports(0xE2, 0xE3, 8)
    assert sms.user_data == b"\x01\x02" and sms.udh.encode() == udh
