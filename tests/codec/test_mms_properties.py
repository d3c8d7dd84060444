"""Properties of the MMS codec: decode(encode(m)) == m for generated messages, and
any bytes at all decode to a message or raise PduError (never another exception)."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from mmsua.codec.errors import PduError
from mmsua.codec.mms import Address, ContentType, Expiry, Header, MessageType, MmsPdu, Part, decode_mms, encode_mms, tables
from mmsua.codec.multipart import decode_multipart, encode_multipart
from mmsua.codec.push import decode_push, encode_push

# MMSUA_HYPOTHESIS_SCALE=20 runs 20x the examples, for a long hunt outside the normal suite.
SCALE = int(os.environ.get("MMSUA_HYPOTHESIS_SCALE", "1"))

# U+FEFF/U+FFFE are left out: as the first character they read as a byte-order mark.
TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\ufeff\ufffe"), max_size=24
)
TOKEN = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_.0123456789", min_size=1, max_size=12).filter(
    lambda s: s[0].isalpha()
)
DATES = st.integers(min_value=0, max_value=4_102_444_800).map(lambda s: datetime.fromtimestamp(s, UTC))

ADDRESSES = st.one_of(
    st.from_regex(r"\+?[0-9]{3,15}", fullmatch=True).map(Address.phone),
    st.tuples(TOKEN, TOKEN).map(lambda t: Address.email(f"{t[0]}@{t[1]}.example")),
    st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: Address(".".join(map(str, t)), "IPv4")),
    st.builds(lambda v, cs: Address(v, "PLMN", cs), st.from_regex(r"[0-9]{3,12}", fullmatch=True), st.sampled_from([None, 106, 3])),
)
SUBJECTS = st.one_of(
    st.tuples(TEXT, st.none()),
    st.tuples(TEXT, st.just(106)),
    st.tuples(st.text(alphabet=st.characters(max_codepoint=255, blacklist_characters="\x00"), max_size=20), st.just(4)),
    st.tuples(TEXT, st.just(1015)),
    st.tuples(st.text(alphabet="abcxyz ", max_size=10), st.sampled_from([17, 2025, 2026, 3])),
)
# Binary values of header fields this codec keeps raw: a short integer, a text, or a length-prefixed blob.
RAW_VALUES = st.one_of(
    st.integers(0x80, 0xFF).map(lambda b: bytes((b,))),
    TOKEN.map(lambda s: s.encode() + b"\x00"),
    st.binary(max_size=40).map(lambda b: bytes((len(b),)) + b if len(b) < 31 else b"\x1f" + bytes((len(b),)) + b),
)
MODELLED = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12,
            0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B}
RAW_FIELDS = sorted(name for code, name in tables.FIELDS.items() if code not in MODELLED)
EXTRA = st.one_of(
    st.builds(Header, st.sampled_from(RAW_FIELDS), RAW_VALUES),
    st.builds(Header, TOKEN.map(lambda s: "X-" + s), TEXT),
)
PART_TYPES = ["text/plain", "image/jpeg", "image/gif", "application/smil", "audio/amr", "video/3gpp", "text/x-vcard", "x-custom/thing"]
PART_HEADERS = st.one_of(
    st.builds(Header, TOKEN.map(lambda s: "X-" + s), TEXT),
    st.builds(Header, st.just("Content-Transfer-Encoding"), st.sampled_from(["base64", "quoted-printable", "8bit"])),
    st.builds(Header, st.just("X-Wap-Content-URI"), TEXT),
)


@st.composite
def parts(draw: st.DrawFn) -> Part:
    media = draw(st.sampled_from(PART_TYPES))
    params = []
    if media.startswith("text/") or media == "application/smil":
        cs = draw(st.sampled_from([None, "utf-8", "us-ascii", "iso-8859-1", "utf-16", "x-unregistered"]))
        if cs:
            params.append(("charset", cs))
    if draw(st.booleans()):
        params.append((draw(st.sampled_from(["name", "filename", "x-extra"])), draw(TEXT)))
    return Part(
        ContentType(media, tuple(params)),
        draw(st.binary(max_size=300)),
        draw(st.none() | TEXT),
        draw(st.none() | TEXT),
        tuple(draw(st.lists(PART_HEADERS, max_size=2))),
    )


@st.composite
def pdus(draw: st.DrawFn) -> MmsPdu:
    subject, charset = draw(st.none() | SUBJECTS) or (None, None)
    opt = lambda s: draw(st.none() | s)  # noqa: E731 - a local shorthand
    body = draw(st.sampled_from(["none", "related", "mixed", "single"]))
    content_type, body_parts = None, ()
    if body == "single":
        part = draw(parts())
        content_type, body_parts = part.content_type, (Part(part.content_type, part.data),)
    elif body != "none":
        body_parts = tuple(draw(st.lists(parts(), max_size=4)))
        params = (("start", draw(TEXT)), ("type", "application/smil")) if body == "related" and draw(st.booleans()) else ()
        content_type = ContentType(f"application/vnd.wap.multipart.{body}", params)
    return MmsPdu(
        message_type=draw(st.sampled_from(list(MessageType)[:9])),
        transaction_id=opt(TEXT),
        mms_version=opt(st.sampled_from(["1.0", "1.1", "1.2", "1.3", "1", "2.0"])),
        message_id=opt(TEXT),
        date=opt(DATES),
        sender=opt(ADDRESSES | st.just(Address.insert_token())),
        to=tuple(draw(st.lists(ADDRESSES, max_size=3))),
        cc=tuple(draw(st.lists(ADDRESSES, max_size=2))),
        bcc=tuple(draw(st.lists(ADDRESSES, max_size=1))),
        subject=subject,
        subject_charset=charset,
        message_class=opt(st.sampled_from(["personal", "advertisement", "informational", "auto"]) | TOKEN),
        priority=opt(st.sampled_from(["low", "normal", "high"])),
        expiry=opt(st.builds(Expiry.at, DATES) | st.builds(Expiry.after, st.integers(0, 2**32))),
        delivery_time=opt(st.builds(Expiry.after, st.integers(0, 10**6))),
        delivery_report=opt(st.booleans()),
        read_report=opt(st.booleans()),
        report_allowed=opt(st.booleans()),
        sender_visibility=opt(st.sampled_from(["hide", "show"])),
        message_size=opt(st.integers(0, 2**40)),
        content_location=opt(TEXT.filter(lambda s: s == s.strip())),
        status=opt(st.integers(0x80, 0xFF)),
        response_status=opt(st.integers(0x80, 0xFF)),
        response_text=opt(TEXT),
        retrieve_status=opt(st.integers(0x80, 0xFF)),
        retrieve_text=opt(TEXT),
        read_status=opt(st.integers(0x80, 0x81)),
        content_type=content_type,
        parts=body_parts,
        extra_headers=tuple(draw(st.lists(EXTRA, max_size=3))),
    )


@settings(max_examples=200 * SCALE)
@given(pdus())
def test_decode_of_encode_is_identity(pdu: MmsPdu) -> None:
    assert decode_mms(encode_mms(pdu, strict=False)) == pdu


@settings(max_examples=60 * SCALE)
@given(st.lists(parts(), max_size=5))
def test_multipart_round_trip(body: list[Part]) -> None:
    assert decode_multipart(encode_multipart(body)) == tuple(body)


@settings(max_examples=60 * SCALE)
@given(st.binary(max_size=200), st.integers(0, 255), st.sampled_from([4, 8, "x-wap-application:mms.ua", "x-vendor:app", None]))
def test_push_round_trip(body: bytes, tid: int, app_id: object) -> None:
    data = encode_push(ContentType("application/vnd.wap.sic"), body, transaction_id=tid, app_id=app_id)
    push = decode_push(data)
    assert (push.transaction_id, push.body) == (tid, body)
    assert push.app_id == ({"x-wap-application:mms.ua": 4}.get(app_id, app_id) if isinstance(app_id, str) else app_id)


def _decodes_or_pdu_error(data: bytes) -> None:
    for decoder in (decode_mms, decode_push, decode_multipart):
        try:
            value = decoder(data)
        except PduError as exc:
            assert exc.offset is None or 0 <= exc.offset <= len(data)
        else:
            _use(value)


def _use(value: object) -> None:
    """What callers read from a decoded value must not raise either."""
    parts = value if isinstance(value, tuple) else getattr(value, "parts", ())
    for part in parts:
        _ = (part.text, part.name, part.charset, part.size, str(part.content_type))
    if isinstance(value, MmsPdu):
        _ = [str(a) for a in (value.sender, *value.to, *value.cc, *value.bcc) if a is not None]
        _ = (value.status_name, value.response_status_name, value.retrieve_status_name, value.text)
        # Whatever decodes, re-encodes to the same message.
        assert decode_mms(encode_mms(value, strict=False)) == value


@settings(max_examples=200 * SCALE)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_pdu_error(data: bytes) -> None:
    _decodes_or_pdu_error(data)


@settings(max_examples=200 * SCALE)
@given(st.binary(max_size=120).map(lambda b: b"\x8c\x84" + b))
def test_random_mms_looking_bytes_raise_only_pdu_error(data: bytes) -> None:
    _decodes_or_pdu_error(data)


@settings(max_examples=200 * SCALE)
@given(pdus(), st.data())
def test_mutated_messages_raise_only_pdu_error(pdu: MmsPdu, data: st.DataObject) -> None:
    raw = bytearray(encode_mms(pdu, strict=False))
    for _ in range(data.draw(st.integers(1, 4))):
        action = data.draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        at = data.draw(st.integers(0, max(0, len(raw) - 1)))
        if action == "flip" and raw:
            raw[at] = data.draw(st.integers(0, 255))
        elif action == "insert":
            raw[at:at] = data.draw(st.binary(min_size=1, max_size=4))
        elif action == "delete" and raw:
            del raw[at]
        elif action == "truncate":
            del raw[at:]
    _decodes_or_pdu_error(bytes(raw))


def test_a_huge_declared_length_is_refused_without_allocating() -> None:
    # A multipart entry claiming 4 GB of data in a 20-byte input.
    data = b"\x8c\x84\x8d\x92\x84\xa3" + b"\x01" + b"\x01\x8f\xff\xff\xff\x7f" + b"\x83" + b"abc"
    try:
        decode_mms(data)
    except PduError as exc:
        assert "remain" in exc.reason
    else:  # pragma: no cover
        raise AssertionError("a length beyond the input must be refused")
