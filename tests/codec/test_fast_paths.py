"""The codec's fast paths give exactly what the general paths give (issue 13).

The SMS-DELIVER fast path (mmsua/codec/sms_fast.py) likewise may decline anything, but
``decode_sms`` must give what ``decode_sms_general`` gives, or its very error, for every
way of calling it; and a WSP push whose header octets were read before must decode as
they did the first time.

The MMS fast path (mmsua/codec/mms/small.py) may decline any input, but what it
returns must equal, field for field (those left out of ``==`` too, and each time
zone), what the general decoder returns for the same bytes; and it may never return
a PDU where the general decoder raises. The SMS layer's tables (BCD digits, time
stamps, data coding) and hex reading must agree with the octet-by-octet readings.
Checked on every corpus capture and on generated and mutated inputs.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_mms_properties import pdus

from mmsua.codec import push as push_codec
from mmsua.codec import sms as sms_codec
from mmsua.codec import sms_fast
from mmsua.codec.errors import PduError
from mmsua.codec.mms import Address, Expiry, MessageType, MmsPdu, decode_mms, encode_mms
from mmsua.codec.mms.decode import decode_mms_general
from mmsua.codec.mms.pdu import FIELD_NAMES, build_pdu, build_pdu_from
from mmsua.codec.mms.small import SMALL_TYPES, decode_small
from mmsua.codec.push import MMS_CONTENT_TYPE, decode_push, encode_push
from mmsua.codec.sms_fast import deliver_fast
from mmsua.codec.udh import Concat, InformationElement, Ports, Udh
from mmsua.codec.wsp import ASCII_TRANSPARENT, Header, decode_text


def same(a: Any, b: Any) -> bool:
    """Equal in every field, ``compare=False`` ones included, and of the same types."""
    if type(a) is not type(b):
        return False
    if dataclasses.is_dataclass(a):
        return all(same(getattr(a, f.name), getattr(b, f.name)) for f in dataclasses.fields(a))
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return bool(a == b)


def general_or_error(data: bytes) -> MmsPdu | PduError:
    try:
        return decode_mms_general(data)
    except PduError as exc:
        return exc


def check_agrees(data: bytes) -> bool:
    """The fast path's answer (when it gives one) is the general decoder's; decode_mms
    gives the general decoder's result or its very error. True when the fast path answered."""
    general = general_or_error(data)
    fast = decode_small(data) if len(data) > 1 and data[0] == 0x8C and data[1] in SMALL_TYPES else None
    if fast is not None:
        assert isinstance(general, MmsPdu), f"fast path decoded what the general decoder refuses: {general}"
        assert same(fast, general), (fast, general)
    try:
        result: MmsPdu | PduError = decode_mms(data)
    except PduError as exc:
        result = exc
    if isinstance(general, PduError):
        assert isinstance(result, PduError) and (result.reason, result.offset) == (general.reason, general.offset)
    else:
        assert same(result, general)
    return fast is not None


# -- MMS: the corpus ------------------------------------------------------------------


@pytest.mark.corpus
def test_every_corpus_capture_agrees(shared_dir: Path) -> None:
    captures = sorted((shared_dir / "corpus" / "mms").glob("*.mms"))
    taken = [path.name for path in captures if check_agrees(path.read_bytes())]
    notifications = [p.name for p in captures if p.read_bytes()[1] == MessageType.M_NOTIFICATION_IND]
    assert notifications and set(notifications) <= set(taken), set(notifications) - set(taken)  # not vacuous


@pytest.mark.corpus
@settings(max_examples=300)
@given(data=st.data())
def test_mutated_corpus_captures_agree(shared_dir: Path, data: st.DataObject) -> None:
    small = [p.read_bytes() for p in sorted((shared_dir / "corpus" / "mms").glob("*.mms")) if p.read_bytes()[1] in SMALL_TYPES]
    check_agrees(mutated(data, data.draw(st.sampled_from(small)), keep=2))


def mutated(data: st.DataObject, original: bytes, keep: int) -> bytes:
    """``original`` with one to four octets changed, cut, inserted or deleted (its first ``keep`` left)."""
    blob = bytearray(original)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(blob) - 1))
        kind = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if kind == "flip":
            blob[at] = data.draw(st.integers(0, 255))
        elif kind == "cut":
            del blob[max(at, keep):]
        elif kind == "insert":
            blob[at:at] = data.draw(st.binary(min_size=1, max_size=3))
        elif len(blob) > keep:
            del blob[at]
    return bytes(blob)


# -- MMS: generated -------------------------------------------------------------------


@settings(max_examples=300)
@given(pdus().filter(lambda p: p.message_type in SMALL_TYPES))
def test_generated_small_pdus_agree(pdu: MmsPdu) -> None:
    check_agrees(encode_mms(pdu, strict=False))


@settings(max_examples=300)
@given(st.sampled_from(sorted(SMALL_TYPES)), st.binary(max_size=60))
def test_any_bytes_after_a_small_type_agree(message_type: int, rest: bytes) -> None:
    check_agrees(bytes((0x8C, message_type)) + rest)


def test_the_fast_path_reads_a_plain_notification() -> None:
    pdu = MmsPdu(MessageType.M_NOTIFICATION_IND, transaction_id="t1", mms_version="1.2",
                 sender=Address.phone("+447700900123"), subject="Hi", subject_charset=106, message_class="personal",
                 message_size=1234, expiry=Expiry.after(3600), content_location="http://mmsc.example/1")
    data = encode_mms(pdu)
    fast = decode_small(data)
    assert fast is not None and same(fast, decode_mms_general(data)) and fast == pdu


@pytest.mark.parametrize("data", [
    b"\x8c\x82\x98t1\x00\x98t2\x00",  # a repeated header: kept as an extra header by the general decoder
    b"\x8c\x82\x98t1\x00\x84\xa1",  # a body
    b"\x8c\x82X-Custom\x00v\x00",  # a textual header
    b"\x8c\x82\x98t1",  # no NUL: the general decoder says where
    b"\x8c\x82\x8e\x1f" + b"\x01" * 31,  # a long integer over 30 octets
    b"\x8c\x82\x88\x05\x81\x03\x03",  # an expiry whose length runs past the end
    b"\x8c\x82\x89\x1f\x90\x80\x80\x80\x00\x80a\x00",  # a uintvar length over 32 bits
    b"\x8c\x82\x96\x03\x04\x7fa\x00",  # a charset written as a bare octet
])
def test_the_fast_path_declines_what_it_does_not_read(data: bytes) -> None:
    assert decode_small(data) is None
    check_agrees(data)


# -- the values the decoders build ----------------------------------------------------


def test_build_pdu_from_fills_every_field_in_order() -> None:
    values: list[object] = [object() for _ in FIELD_NAMES]
    pdu = build_pdu_from(values)
    assert type(pdu) is MmsPdu
    assert [getattr(pdu, name) for name in FIELD_NAMES] == values
    with pytest.raises(dataclasses.FrozenInstanceError):
        pdu.subject = "changed"  # type: ignore[misc]
    assert build_pdu({"message_type": MessageType.M_SEND_CONF}) == MmsPdu(MessageType.M_SEND_CONF)


def test_address_and_expiry_constructors_match_the_dataclass_ones() -> None:
    assert same(Address.parse("+44/TYPE=PLMN", 106), Address("+44", "PLMN", 106))
    assert same(Address.parse("a@b.example"), Address("a@b.example", "email"))
    when = datetime(2024, 5, 1, tzinfo=UTC)
    assert same(Expiry.at(when), Expiry(absolute=when)) and same(Expiry.after(5), Expiry(relative=5))
    with pytest.raises(PduError):
        Expiry.at(None)  # type: ignore[arg-type]
    with pytest.raises(PduError):
        Expiry.after(None)  # type: ignore[arg-type]


def test_ascii_transparent_codecs_read_ascii_as_ascii() -> None:
    ascii_bytes = bytes(range(128))
    for codec in ASCII_TRANSPARENT:
        assert ascii_bytes.decode(codec) == ascii_bytes.decode("ascii"), codec


@given(st.binary(max_size=40), st.sampled_from([None, 3, 4, 106, 2252, 17, 1015, 999]))
def test_decode_text_fast_paths_match_the_fallback_chain(raw: bytes, mib: int | None) -> None:
    got = decode_text(raw, mib)
    if mib == 106:  # utf-8: as the utf-8-sig codec reads it, else with replacement characters
        try:
            expected = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            expected = raw.decode("utf-8-sig", errors="replace")
        assert got == expected
    if raw.isascii():
        assert got == raw.decode("ascii") or mib in (17, 1015)


# -- SMS ----------------------------------------------------------------------------------


def _bcd_digits_octet_by_octet(raw: bytes, count: int) -> str:
    out: list[str] = []
    for octet in raw:
        for nibble in (octet & 0x0F, octet >> 4):
            if len(out) < count and nibble != 0xF:
                out.append("0123456789*#abc"[nibble])
    return "".join(out)


def test_bcd_table_matches_the_nibble_reading_for_every_octet_pair() -> None:
    for first in range(256):
        raw = bytes((first, 0x21))
        for count in range(5):
            assert sms_codec._bcd_digits(raw, count) == _bcd_digits_octet_by_octet(raw, count)


@given(st.binary(max_size=11), st.integers(0, 24))
def test_bcd_table_matches_the_nibble_reading(raw: bytes, count: int) -> None:
    assert sms_codec._bcd_digits(raw, count) == _bcd_digits_octet_by_octet(raw, count)


TIME_OCTETS = st.one_of(
    st.binary(min_size=7, max_size=7),
    st.lists(st.integers(0, 99).map(lambda v: (v % 10) << 4 | v // 10), min_size=6, max_size=6).flatmap(
        lambda fields: st.integers(0, 255).map(lambda tz: bytes([*fields, tz]))),
)


@settings(max_examples=500)
@given(TIME_OCTETS)
def test_time_stamp_table_matches_the_checked_reading(raw: bytes) -> None:
    def outcome(read: Any) -> Any:
        try:
            when = read(raw, 10, "time stamp")
            return when, when.utcoffset()
        except PduError as exc:
            return exc.reason, exc.offset

    assert outcome(sms_codec._time_of) == outcome(sms_codec._time_of_checked)


def test_every_time_zone_octet_reads_as_before() -> None:
    for tz in range(256):
        raw = bytes((0x42, 0x50, 0x10, 0x21, 0x43, 0x65, tz))
        try:
            expected = sms_codec._time_of_checked(raw, 0, "t").utcoffset()
        except PduError:
            expected = None
        got = sms_codec._time_of(raw, 0, "t").utcoffset() if expected is not None else None
        assert got == expected
    assert sms_codec._time_of(bytes((0x42, 0x50, 0x10, 0x21, 0x43, 0x65, 0x88)), 0, "t").utcoffset() == -timedelta(hours=2)


def test_data_coding_is_the_same_for_every_octet_and_call() -> None:
    for dcs in (*range(256), -1, 256, 0x1FF):
        assert sms_codec.data_coding(dcs) == sms_codec._data_coding(dcs) == sms_codec.data_coding(dcs)


def _hex_the_old_way(text: str) -> bytes | tuple[str, int | None]:
    text = re.sub(r"\s+", "", text)
    bad = re.search(r"[^0-9A-Fa-f]", text)
    if bad:
        return f"not hexadecimal: {bad.group()!r}", bad.start()
    if len(text) % 2:
        return "odd number of hex digits", len(text)
    return bytes.fromhex(text)


@given(st.text(alphabet="0123456789abcdefABCDEF \t\n\x0b\x0c\x1c\u00a0g", max_size=30))
def test_hex_reading_matches_the_regular_expression_reading(text: str) -> None:
    expected = _hex_the_old_way(text)
    try:
        got: bytes | tuple[str, int | None] = sms_codec._as_bytes(text)
    except PduError as exc:
        got = (exc.reason, exc.offset)
    assert got == expected


def test_a_time_zone_is_shared_not_changed() -> None:
    first = sms_codec._time_of(bytes((0x42, 0x50, 0x10, 0x21, 0x43, 0x65, 0x40)), 0, "t")
    assert first.tzinfo == timezone(timedelta(hours=1))


# -- the builders of frozen values (mmsua/codec/frozen.py) --------------------------------


def test_builders_match_the_dataclass_init() -> None:
    from mmsua.codec import udh as udh_codec
    from mmsua.codec.push import PushPdu, _new_push
    from mmsua.codec.reassembly import Datagram, _new_datagram
    from mmsua.codec.sms import SmsDeliver, _new_deliver
    from mmsua.codec.wsp import ContentType

    when = datetime(2024, 5, 1, tzinfo=timezone(timedelta(hours=1)))
    cases = [
        (SmsDeliver, _new_deliver, ("+1", "123", 0x81, 0, 4, when, None, b"ud", None, True, False, True, ("n",))),
        (Datagram, _new_datagram, ("123", 2948, 9200, b"data", (), 1.0, 2.0, 7)),
        (PushPdu, _new_push, (1, 6, ContentType("application/vnd.wap.mms-message"), (), 4, b"body", ())),
        (InformationElement, udh_codec.new_element, (5, b"\x0b\x84\x23\xf0")),
        (Concat, udh_codec._new_concat, (300, 3, 2, 16)),
        (Ports, udh_codec._new_ports, (2948, 9200, 16)),
        (Udh, lambda *v: udh_codec.new_udh(v), (InformationElement(0, b"\x2a\x02\x01"),)),
    ]
    for cls, build, values in cases:
        built = build(*values)
        assert type(built) is cls and same(built, cls(*values) if cls is not Udh else cls(values))
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(built, dataclasses.fields(cls)[0].name, None)
        if cls in (SmsDeliver, Datagram, PushPdu):
            with pytest.raises(ValueError):
                build(*values[:-1])  # a value short: the unpacking refuses


def test_udh_concat_and_ports_read_as_the_dataclasses_do() -> None:
    for data in (b"\x00\x03\x2a\x02\x01\x05\x04\x0b\x84\x23\xf0", b"\x08\x04\x01\x2c\x03\x02\x04\x02\x0b\xc4",
                 b"\x00\x03\x2a\x00\x01\x00\x03\x2a\x02\x03\x00\x03\x07\x02\x02\x05\x03\x01\x02\x03\x04\x02\x0b\xc4"):
        udh, _ = sms_codec.decode_udh(bytes((len(data),)) + data)
        concat, ports = udh.concat, udh.ports
        assert concat is not None and ports is not None
        assert same(concat, Concat(concat.reference, concat.total, concat.sequence, concat.bits))
        assert same(ports, Ports(ports.destination, ports.source, ports.bits))
        assert concat.element() in udh.elements and ports.element() in udh.elements
    assert sms_codec.decode_udh(b"\x0a\x08\x04\x01\x2c\x03\x02\x04\x02\x0b\xc4")[0].concat == Concat(300, 3, 2, 16)
    skipping = sms_codec.decode_udh(b"\x18\x00\x03\x2a\x00\x01\x00\x03\x2a\x02\x03\x00\x03\x07\x02\x02\x05\x03\x01\x02\x03"
                                    b"\x04\x02\x0b\xc4")[0]  # a total of 0, a sequence past the total, a short ports element
    assert (skipping.concat, skipping.ports) == (Concat(7, 2, 2), Ports(11, 196, 8))


# -- SMS-DELIVER: the fast path against the general decoder ----------------------------


def _sms_outcome(decode: Any, data: bytes, **kwargs: Any) -> Any:
    try:
        return decode(data, **kwargs)
    except PduError as exc:
        return (exc.reason, exc.offset)


def check_sms_agrees(data: bytes) -> bool:
    """decode_sms gives decode_sms_general's answer, or its error, however it is called;
    the fast path answers only where the SMSC reading decodes, and then the same.
    True when the fast path answered. Its memos start cold, so later calls read them warm."""
    sms_fast._PREFIXES.clear()
    sms_fast._STAMPS.clear()
    fast = deliver_fast(data) if data else None
    if fast is not None:
        general = _sms_outcome(sms_codec.decode_sms_general, data, has_smsc=True)
        assert isinstance(general, sms_codec.SmsDeliver), f"fast path decoded what the general decoder refuses: {general}"
        assert same(fast, general), (fast, general)
    lengths: list[int | None] = [None, len(data)]
    if data:
        lengths.append(len(data) - 1 - data[0])
    calls: list[dict[str, Any]] = [{"has_smsc": True}, {"has_smsc": False}]
    calls += [{"tpdu_length": n} for n in lengths]
    for kwargs in calls:
        expected = _sms_outcome(sms_codec.decode_sms_general, data, **kwargs)
        got = _sms_outcome(sms_codec.decode_sms, data, **kwargs)
        assert type(got) is type(expected) and (got == expected if isinstance(got, tuple) else same(got, expected)), kwargs
        assert same(got, _sms_outcome(sms_codec.decode_sms, data.hex(), **kwargs)) or isinstance(got, tuple)
    return fast is not None


def _corpus_sms(shared_dir: Path) -> list[bytes]:
    return [bytes.fromhex(line) for path in sorted((shared_dir / "corpus" / "sms").glob("*.hex"))
            for line in path.read_text().split()]


@pytest.mark.corpus
def test_every_corpus_sms_agrees(shared_dir: Path) -> None:
    pdus = _corpus_sms(shared_dir)
    taken = [check_sms_agrees(pdu) for pdu in pdus]
    assert pdus and sum(taken) >= 4  # the push segments take the fast path: not vacuous


@pytest.mark.corpus
@settings(max_examples=300)
@given(data=st.data())
def test_mutated_corpus_sms_agree(shared_dir: Path, data: st.DataObject) -> None:
    check_sms_agrees(mutated(data, data.draw(st.sampled_from(_corpus_sms(shared_dir))), keep=1))


NUMBERS = st.one_of(st.from_regex(r"\+?[0-9]{0,20}", fullmatch=True), st.from_regex(r"[0-9*#abc]{1,12}", fullmatch=True),
                    st.sampled_from(["Vodafone", "+447700900555", "+4477009005551"]))
ELEMENTS = st.lists(st.tuples(st.integers(0, 255), st.binary(max_size=6)).map(lambda t: InformationElement(*t)), max_size=3)


@st.composite
def delivers(draw: st.DrawFn) -> bytes:
    udh = draw(st.one_of(st.none(), st.builds(
        lambda concat, ports, extra: Udh.of(concat=concat, ports=ports, extra=tuple(extra)),
        st.one_of(st.none(), st.builds(Concat, st.integers(0, 255), st.integers(0, 3), st.integers(0, 3))),
        st.one_of(st.none(), st.builds(Ports, st.integers(0, 255), st.integers(0, 255), st.just(8)),
                  st.just(Ports(2948, 9200, 16))), ELEMENTS)))
    dcs = draw(st.sampled_from([0x04, 0xF5, 0x00, 0x08, 0x24, 0x16, 0xF1, 0xC0]))
    alphabet = sms_codec.data_coding(dcs).alphabet
    user_data = draw(st.binary(max_size=40)) if alphabet == "8bit" else b""
    text = draw(st.text(alphabet="abc XYZ 123", max_size=20)) if alphabet != "8bit" else None
    zone = timezone(timedelta(minutes=15 * draw(st.integers(-48, 56))))
    when = draw(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2089, 12, 31))).replace(microsecond=0, tzinfo=zone)
    pdu = sms_codec.encode_deliver(draw(NUMBERS) or "0", user_data=user_data, text=text, udh=udh, dcs=dcs, timestamp=when,
                                   smsc=draw(st.one_of(st.none(), st.from_regex(r"\+?[0-9*#]{1,18}", fullmatch=True))),
                                   pid=draw(st.sampled_from([0, 0x39])), more_messages=draw(st.booleans()),
                                   status_report_indication=draw(st.booleans()), reply_path=draw(st.booleans()))
    if draw(st.booleans()):  # damage one octet
        at = draw(st.integers(0, len(pdu) - 1))
        pdu = pdu[:at] + bytes((draw(st.integers(0, 255)),)) + pdu[at + 1:]
    return pdu


@settings(max_examples=400)
@given(delivers())
def test_generated_delivers_agree(pdu: bytes) -> None:
    check_sms_agrees(pdu)


@settings(max_examples=300)
@given(st.binary(max_size=8), st.binary(max_size=50))
def test_any_bytes_agree(prefix: bytes, rest: bytes) -> None:
    check_sms_agrees(b"\x07\x91\x44\x77\x00\x09\x00\xf0" + prefix + rest)
    check_sms_agrees(prefix + rest)


def test_the_fast_path_reads_a_push_segment_and_declines_the_rest() -> None:
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    push = encode_push(MMS_CONTENT_TYPE, b"\x8c\x82" + bytes(200), transaction_id=1)
    segments = sms_codec.wap_push_sms("+447700900555", push, reference=42, timestamp=when, smsc="+447700900000")
    assert len(segments) == 2 and all(check_sms_agrees(pdu) for pdu in segments)
    text = sms_codec.encode_deliver("+447700900555", text="hello", dcs=0x00, timestamp=when)
    report = sms_codec.encode_status_report(message_reference=1, recipient="+44", service_centre_time=when,
                                            discharge_time=when, status=0)
    bad_stamp = segments[0][:19] + b"\xff" + segments[0][20:]  # a damaged time stamp: notes, so the general path
    for declined in (text, report, bad_stamp, segments[0] + b"\x00", segments[0][:-1]):
        assert deliver_fast(declined) is None
        assert not check_sms_agrees(declined)


# -- WSP push: header octets read before ------------------------------------------------


def _push_outcome(data: bytes, connectionless: bool) -> Any:
    try:
        return decode_push(data, connectionless=connectionless)
    except PduError as exc:
        return (exc.reason, exc.offset)


def check_push_agrees(data: bytes) -> None:
    """A push decodes the same with its header octets remembered as when they were not."""
    for connectionless in (True, False):
        push_codec._HEADERS_READ.clear()
        first = _push_outcome(data, connectionless)
        again = _push_outcome(data, connectionless)
        assert type(first) is type(again) and (first == again if isinstance(first, tuple) else same(first, again))
    push_codec._HEADERS_READ.clear()


@pytest.mark.corpus
@settings(max_examples=300)
@given(data=st.data())
def test_pushes_decode_alike_when_their_headers_were_read_before(shared_dir: Path, data: st.DataObject) -> None:
    captures = [p.read_bytes() for p in sorted((shared_dir / "corpus" / "wsp").glob("*.wsp"))]
    blob = bytearray(data.draw(st.sampled_from(captures)))
    for _ in range(data.draw(st.integers(0, 3))):
        at = data.draw(st.integers(0, max(len(blob) - 1, 0)))
        blob[at:at + data.draw(st.integers(0, 1))] = data.draw(st.binary(max_size=2))
    check_push_agrees(bytes(blob))


def test_remembered_headers_serve_another_push_with_its_own_body() -> None:
    push_codec._HEADERS_READ.clear()
    one = decode_push(encode_push(MMS_CONTENT_TYPE, b"\x8c\x82one", transaction_id=1))
    two = decode_push(encode_push(MMS_CONTENT_TYPE, b"\x8c\x82two", transaction_id=9))
    assert len(push_codec._HEADERS_READ) == 1
    assert (one.body, one.transaction_id, two.body, two.transaction_id) == (b"\x8c\x82one", 1, b"\x8c\x82two", 9)
    assert same(one.content_type, two.content_type) and one.headers == two.headers and one.app_id == two.app_id
    long = encode_push(MMS_CONTENT_TYPE, b"\x8c\x82", transaction_id=2, headers=(Header("X-Long", "x" * 80),))
    assert decode_push(long).headers[-1].value == "x" * 80 and len(push_codec._HEADERS_READ) == 1  # not kept
