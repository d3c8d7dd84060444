"""The bounded WSP reader: primitives from WAP-230 §8.4.2 and its refusal to read past the input."""

from __future__ import annotations

import pytest

from mmsua.codec.errors import PduError
from mmsua.codec.reader import Reader
from mmsua.codec.wsp import enc_integer, enc_long, enc_uintvar, enc_value_length


@pytest.mark.parametrize(
    ("data", "value"),
    [(b"\x00", 0), (b"\x7f", 127), (b"\x81\x00", 128), (b"\x81\x80\x00", 16384), (b"\x8f\xff\xff\xff\x7f", 0xFFFFFFFF)],
)
def test_uintvar(data: bytes, value: int) -> None:
    r = Reader(data)
    assert r.uintvar() == value and r.at_end()
    assert enc_uintvar(value) == data


def test_uintvar_limits() -> None:
    with pytest.raises(PduError, match="5 octets"):
        Reader(b"\x81\x81\x81\x81\x81\x01").uintvar()
    with pytest.raises(PduError, match="32 bits"):
        Reader(b"\x9f\xff\xff\xff\x7f").uintvar()
    with pytest.raises(PduError) as info:
        Reader(b"\x81\x81").uintvar()
    assert info.value.offset == 2


def test_short_long_and_integer_values() -> None:
    assert Reader(b"\x85").short_integer() == 5
    with pytest.raises(PduError, match="short integer"):
        Reader(b"\x05").short_integer()
    assert Reader(b"\x02\x74\x00").long_integer() == 29696
    assert Reader(b"\x8a").integer_value() == 10
    assert Reader(b"\x03\x01\x19\x40").integer_value() == 72000
    assert enc_long(29696) == b"\x02\x74\x00" and enc_integer(10) == b"\x8a" and enc_integer(200) == b"\x01\xc8"
    with pytest.raises(PduError, match="over 30"):
        Reader(b"\x1f" + b"\x00" * 40).long_integer()
    with pytest.raises(PduError) as info:
        Reader(b"\x04\x01\x02").long_integer()  # four octets promised, two present
    assert info.value.offset == 1 and "remain" in info.value.reason


def test_value_length_short_and_quoted() -> None:
    r = Reader(b"\x03abc")
    assert r.value_length() == 3
    long = b"\x1f\x81\x00" + b"x" * 128
    assert Reader(long).value_length() == 128
    assert enc_value_length(3) == b"\x03" and enc_value_length(128) == b"\x1f\x81\x00"


def test_value_length_beyond_the_input_is_refused_before_reading() -> None:
    with pytest.raises(PduError) as info:
        Reader(b"\x1f\x8f\xff\xff\xff\x7fabc").value_length()  # 4 GB claimed
    assert info.value.offset == 0 and "runs past the end" in info.value.reason
    with pytest.raises(PduError, match="value length"):
        Reader(b"\x40").value_length()


def test_text_and_quoted_strings() -> None:
    r = Reader(b"hello\x00\x7f\xc3\xa9t\xc3\xa9\x00\"<cid>\x00")
    assert r.text_string() == b"hello"
    assert r.text_string() == "été".encode()  # the 0x7F quote is dropped
    assert r.quoted_string() == b"<cid>"
    assert r.at_end()
    with pytest.raises(PduError, match="not terminated") as info:
        Reader(b"abc").text_string()
    assert info.value.offset == 0


def test_encoded_string_forms() -> None:
    assert Reader(b"plain\x00").encoded_string() == (None, b"plain")
    assert Reader(b"\x00").encoded_string() == (None, b"")
    assert Reader(b"\x04\xeaab\x00").encoded_string() == (106, b"ab")
    # UTF-16 text holds zero octets: the length, not the NUL, bounds it.
    utf16 = "hi".encode("utf-16-be")
    body = b"\x02\x03\xf7" + utf16 + b"\x00"
    assert Reader(bytes((len(body),)) + body).encoded_string() == (1015, utf16)


def test_encoded_string_tolerates_a_charset_without_its_high_bit() -> None:
    # Seen from a French MMSC: charset 0x04 (iso-8859-1) written without 0x80.
    data = b"\x0e\x04+33123456789\x00"
    assert Reader(data).encoded_string() == (4, b"+33123456789")


def test_sub_reader_is_bounded() -> None:
    r = Reader(b"abcdef")
    inner = r.sub(3, "x")
    assert inner.rest() == b"abc" and r.rest() == b"def"
    with pytest.raises(PduError, match="needs 9 bytes"):
        Reader(b"abc").sub(9, "thing")
    with pytest.raises(PduError, match="negative"):
        Reader(b"abc").take(-1)


def test_memoryview_input() -> None:
    assert Reader(memoryview(b"\x81\x00")).uintvar() == 128
