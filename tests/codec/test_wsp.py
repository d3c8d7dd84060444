"""WSP content types, parameters, charsets and headers (WAP-230 §8.4), by hand-made vectors."""

from __future__ import annotations

import pytest

from mmsua.codec.errors import PduError
from mmsua.codec.reader import Reader
from mmsua.codec.wsp import (
    ContentType,
    Header,
    charset_codec,
    charset_name,
    decode_content_type,
    decode_header,
    decode_headers,
    decode_text,
    encode_content_type,
    encode_header,
    encode_text,
)


def ct(data: bytes) -> ContentType:
    r = Reader(data)
    value = decode_content_type(r)
    assert r.at_end()
    return value


def test_well_known_short_form() -> None:
    assert ct(b"\x83") == ContentType("text/plain")
    assert ct(b"\xb3").media_type == "application/vnd.wap.multipart.related"
    assert ct(b"\xbe").media_type == "application/vnd.wap.mms-message"
    assert ct(b"\xa3").media_type == "application/vnd.wap.multipart.mixed"
    assert encode_content_type(ContentType("image/jpeg")) == b"\x9e"


def test_textual_media_type() -> None:
    assert ct(b"audio/AMR\x00") == ContentType("audio/amr")
    assert encode_content_type(ContentType("audio/amr")) == b"audio/amr\x00"


def test_general_form_with_typed_parameters() -> None:
    # multipart.related; type=application/smil (a textual Constrained-encoding); start=<0>
    data = b"\x18\xb3\x89application/smil\x00\x8a<0>\x00"
    assert data[0] == len(data) - 1
    value = ct(data)
    assert value.media_type == "application/vnd.wap.multipart.related"
    assert value.type == "application/smil" and value.start == "<0>"
    assert encode_content_type(value) == data


def test_charset_name_and_filename_parameters() -> None:
    data = b"\x0a\x83\x81\xea\x85a.txt\x00"  # text/plain; charset=utf-8; name=a.txt
    assert data[0] == len(data) - 1
    value = ct(data)
    assert value.params == (("charset", "utf-8"), ("name", "a.txt"))
    assert value.charset == "utf-8" and value.name == "a.txt"
    assert encode_content_type(value) == data
    assert ct(b"\x04\x83\x86f\x00").name == "f"  # filename counts as a name


def test_wsp_1_4_text_value_parameters_and_untyped_ones() -> None:
    data = b"\x1e\x83\x97name.txt\x00\x99\"<s>\x00x-foo\x00bar\x00q\x00\x00"
    assert data[0] == len(data) - 1
    value = ct(data)
    assert value.params == (("name", "name.txt"), ("start", "<s>"), ("x-foo", "bar"), ("q", ""))
    assert ct(encode_content_type(value)) == value


def test_q_level_and_any_charset() -> None:
    body = b"\x83\x80\x33\x82\x92\x81\x80"  # q=0.5 (Q-value 51), level=1.2, charset=* (Any-charset)
    value = ct(bytes((len(body),)) + body)
    assert value.params == (("q", "0.5"), ("level", "1.2"), ("charset", "*"))
    assert ct(encode_content_type(value)) == value


def test_unknown_well_known_code_round_trips() -> None:
    value = ct(b"\xff")
    assert value.media_type == "application/x-wsp-0x7f"
    assert encode_content_type(value) == b"\xff"


@pytest.mark.parametrize("data", [b"\x05\x83", b"\x00", b"\x03\x83\x81"])
def test_broken_content_types(data: bytes) -> None:
    with pytest.raises(PduError):
        ct(data)


def test_required_charsets_by_mibenum() -> None:
    expected = {3: "us-ascii", 4: "iso-8859-1", 106: "utf-8", 1000: "iso-10646-ucs-2", 1015: "utf-16",
                17: "shift_jis", 2025: "gb2312", 2026: "big5"}
    for mib, name in expected.items():
        assert charset_name(mib) == name
        assert charset_codec(mib) is not None
    assert charset_name(4242) == "4242" and charset_codec(4242) is None


@pytest.mark.parametrize(
    ("text", "mib"),
    [("日本語テキスト", 17), ("简体中文", 2025), ("繁體中文", 2026), ("Ünïcödé", 4), ("Ωmega ☃", 1000), ("Ωmega ☃", 1015), ("plain", 3)],
)
def test_text_in_each_charset(text: str, mib: int) -> None:
    assert decode_text(encode_text(text, mib), mib) == text


def test_text_fallbacks_for_mislabelled_charsets() -> None:
    assert decode_text(b"pr\xe4sentiert", "us-ascii") == "präsentiert"  # really latin-1
    assert decode_text("grüße".encode(), "us-ascii") == "grüße"  # really UTF-8
    assert decode_text(b"\xef\xbb\xbfHello", "utf-8") == "Hello"  # the BOM is dropped
    assert decode_text(b"\xff\xfeh\x00i\x00", 1015) == "hi"  # little-endian by its BOM
    assert decode_text(b"\x00h\x00i", 1000) == "hi"  # big-endian without one
    assert decode_text("cut \u0436".encode()[:-1], 106).endswith("\ufffd")
    assert decode_text(b"\x80\x81", 4242) == "\x80\x81"  # unknown charset: never fails


def test_well_known_headers() -> None:
    data = b"\xc0\"<img1>\x00\x8eimg.jpg\x00\x8d\x02\x01\x00\xaf\x84\xb4\x87\xb1\x31\x2e\x32\x00"
    headers = decode_headers(Reader(data))
    assert headers == (
        Header("Content-ID", "<img1>"),
        Header("Content-Location", "img.jpg"),
        Header("Content-Length", 256),
        Header("X-Wap-Application-Id", 4),
        Header("Push-Flag", 7),
        Header("X-Wap-Initiator-URI", "1.2"),
    )
    assert b"".join(encode_header(h) for h in headers) == data


def test_textual_and_unmodelled_headers() -> None:
    r = Reader(b"Content-Transfer-Encoding\x00base64\x00\x92\x04\x3d\x1c\x95\x7b")
    assert decode_header(r) == Header("Content-Transfer-Encoding", "base64")
    date = decode_header(r)
    assert date == Header("Date", b"\x04\x3d\x1c\x95\x7b")  # kept raw
    assert encode_header(date) == b"\x92\x04\x3d\x1c\x95\x7b"
    assert encode_header(Header("X-App", "v")) == b"X-App\x00v\x00"
    with pytest.raises(PduError):
        decode_header(Reader(b"\x05abc"))


def test_text_wap_application_id() -> None:
    h = decode_header(Reader(b"\xafx-wap-application:drm.ua\x00"))
    assert h == Header("X-Wap-Application-Id", "x-wap-application:drm.ua")


def test_content_type_textual_form() -> None:
    value = ContentType.parse('text/plain; charset="utf-8"; name=a.txt')
    assert value == ContentType.of("text/plain", charset="utf-8", name="a.txt")
    assert str(value) == "text/plain; charset=utf-8; name=a.txt"
    assert ContentType("a/b", {"Start": "x"}).params == (("start", "x"),)
