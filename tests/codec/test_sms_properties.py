"""Property tests for the SMS codec: encode_deliver -> decode_sms round trips, and
any bytes at all decode or raise PduError (never another exception)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmsua.codec import gsm7
from mmsua.codec.errors import PduError
from mmsua.codec.sms import (
    Concat,
    Ports,
    SmsDeliver,
    Udh,
    decode_sms,
    encode_deliver,
    encode_status_report,
    split_text_submit,
    tpdu_length,
    wap_push_sms,
)
from mmsua.codec.udh import InformationElement

numbers = st.one_of(
    st.from_regex(r"\+[1-9][0-9]{1,14}", fullmatch=True),
    st.from_regex(r"[0-9*#]{1,20}", fullmatch=True),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=11)
    .filter(lambda s: not s.isdigit()),
)
smscs = st.none() | st.from_regex(r"\+[1-9][0-9]{1,14}", fullmatch=True)
zones = st.integers(min_value=-79, max_value=79).map(lambda q: timezone(timedelta(minutes=15 * q)))
timestamps = st.builds(
    lambda dt, tz: dt.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2089, 12, 31, 23, 59, 59)).map(
        lambda d: d.replace(microsecond=0)),
    zones,
)
concats = st.builds(Concat, st.integers(0, 255), st.integers(2, 255), st.integers(1, 2), st.just(8)) | st.builds(
    Concat, st.integers(0, 65535), st.integers(2, 255), st.integers(1, 2), st.just(16))
ports = st.builds(Ports, st.integers(0, 65535), st.integers(0, 65535), st.just(16)) | st.builds(
    Ports, st.integers(0, 255), st.integers(0, 255), st.just(8))
udhs = st.none() | st.builds(
    lambda c, p, extra: Udh.of(concat=c, ports=p, extra=extra),
    st.none() | concats, st.none() | ports,
    st.lists(st.builds(InformationElement, st.integers(0x20, 0x6F), st.binary(max_size=6)), max_size=2).map(tuple),
).filter(lambda u: bool(u.elements))


@given(numbers, st.binary(max_size=100), udhs, st.sampled_from([0x04, 0xF4, 0xF5, 0x06, 0x16]), timestamps, smscs,
       st.integers(0, 255))
def test_binary_deliver_round_trip(originator, payload, udh, dcs, when, smsc, pid) -> None:
    pdu = encode_deliver(originator, user_data=payload, udh=udh, dcs=dcs, timestamp=when, smsc=smsc, pid=pid)
    sms = decode_sms(pdu, tpdu_length=tpdu_length(pdu))
    assert isinstance(sms, SmsDeliver)
    assert (sms.originator, sms.user_data, sms.udh, sms.dcs, sms.pid, sms.smsc) == (originator, payload, udh, dcs, pid, smsc)
    assert sms.timestamp == when and sms.timestamp.utcoffset() == when.utcoffset()
    assert sms.text is None


gsm_text = st.text(alphabet=gsm7.BASIC.replace("\x1b", "") + "".join(gsm7.EXTENSION.values()), max_size=60)


@given(numbers, gsm_text, udhs, timestamps)
def test_seven_bit_deliver_round_trip(originator, text, udh, when) -> None:
    pdu = encode_deliver(originator, text=text, udh=udh, dcs=0x00, timestamp=when)
    sms = decode_sms(pdu)
    assert (sms.text, sms.udh, sms.originator) == (text, udh, originator)
    again = encode_deliver(originator, user_data=sms.user_data, udh=udh, dcs=0x00, timestamp=when)
    assert again == pdu


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=80), timestamps)
def test_ucs2_deliver_round_trip(text, when) -> None:
    # Characters outside the BMP take four octets (a surrogate pair): what does
    # not fit one SMS must be refused, what fits must come back unchanged.
    if len(text.encode("utf-16-be")) > 140:
        with pytest.raises(PduError, match="exceeds"):
            encode_deliver("+15551234567", text=text, dcs=0x08, timestamp=when)
        return
    sms = decode_sms(encode_deliver("+15551234567", text=text, dcs=0x08, timestamp=when))
    assert sms.text == text


@given(st.text(st.characters(blacklist_categories=("Cs",)), max_size=700), st.integers(0, 65535))
def test_split_text_submit_round_trip(text, reference) -> None:
    parts = split_text_submit("+15551234567", text, reference=reference)
    decoded = [decode_sms(p.hex, tpdu_length=p.tpdu_length) for p in parts]
    assert "".join(d.text for d in decoded) == text
    assert all(p.tpdu_length == len(p.hex) // 2 - 1 for p in parts)
    if len(parts) > 1:
        assert [d.udh.concat.sequence for d in decoded] == list(range(1, len(parts) + 1))


@given(st.binary(max_size=2000), st.integers(0, 65535), timestamps)
def test_wap_push_sms_joins_back(push, reference, when) -> None:
    pdus = wap_push_sms("+15551234567", push, reference=reference, timestamp=when)
    decoded = [decode_sms(p) for p in pdus]
    assert b"".join(d.user_data for d in decoded) == push
    assert all(d.ports == Ports(2948, 9200, 16) for d in decoded)


@given(st.integers(0, 255), numbers, timestamps, timestamps, st.integers(0, 255))
def test_status_report_round_trip(ref, recipient, sct, dt, status) -> None:
    report = decode_sms(encode_status_report(message_reference=ref, recipient=recipient,
                                             service_centre_time=sct, discharge_time=dt, status=status))
    assert (report.message_reference, report.recipient, report.status) == (ref, recipient, status)
    assert (report.service_centre_time, report.discharge_time) == (sct, dt)


def _only_pdu_error(data, **kwargs) -> None:
    try:
        decode_sms(data, **kwargs)
    except PduError as exc:
        assert exc.offset is None or 0 <= exc.offset <= max(len(data), 1) * 2
        assert exc.reason


@given(st.binary(max_size=200), st.none() | st.booleans(), st.none() | st.integers(0, 300))
def test_random_bytes_raise_only_pdu_error(data, has_smsc, length) -> None:
    _only_pdu_error(data, has_smsc=has_smsc, tpdu_length=length)


@given(st.text(max_size=80))
def test_random_text_raises_only_pdu_error(text) -> None:
    _only_pdu_error(text)


SEED = bytes.fromhex(
    "0791447758100650440E8088581000000081000401608241547440440C08049F8E020205040B8423F02F70726F6D6D732F73"
    "6572766C6574732F4E4F4B3543694B636F544D595347344D4253774141734B763134465548414141414141414100")


@given(st.lists(st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255)), min_size=1, max_size=4),
       st.integers(0, len(SEED)))
def test_mutated_real_pdu_raises_only_pdu_error(edits, cut) -> None:
    data = bytearray(SEED)
    for pos, value in edits:
        data[pos] = value
    _only_pdu_error(bytes(data[:cut]))
    _only_pdu_error(bytes(data))


@given(st.binary(max_size=160), st.integers(0, 200))
def test_random_user_data_headers_decode_or_raise_pdu_error(data, offset) -> None:
    from mmsua.codec.udh import decode_udh

    try:
        udh, size = decode_udh(data, offset)
    except PduError as exc:
        assert offset <= exc.offset <= offset + len(data)
        return
    assert 1 <= size <= len(data) and udh.encode() == data[:size]  # kept as it came
    _ = (udh.concat, udh.ports, udh.national_locking, udh.national_single)


@given(st.binary(min_size=1, max_size=140), st.sampled_from([0x00, 0x10, 0x24, 0x25, 0x08, 0x05]),
       st.integers(0, 0xFF), st.integers(0, 120))
def test_seven_bit_user_data_with_any_header_decodes(data, iei, value, udl) -> None:
    """Any header (including national language IEs naming reserved languages) in a 7-bit SMS."""
    header = bytes((3, iei, 1, value))
    tpdu = (bytes.fromhex("00040B916407281553F80000") + bytes.fromhex("99309251619580")
            + bytes((udl,)) + header + data)
    try:
        sms = decode_sms(bytes((0x00,)) + tpdu[1:], has_smsc=True)
    except PduError:
        return
    assert sms.text is not None or sms.coding.compressed
