"""The WSP multipart body (WAP-230 §8.5) and SMIL generation for it."""

from __future__ import annotations

import binascii

import pytest

from mmsua.codec.errors import PduError
from mmsua.codec.multipart import Part, decode_multipart, encode_multipart
from mmsua.codec.smil import make_smil
from mmsua.codec.wsp import ContentType, Header

# Two entries: text/plain "hi" with Content-Location "a.txt"; image/gif, 3 bytes.
HAND_BUILT = (
    b"\x02"
    + b"\x08\x02" + b"\x83" + b"\x8ea.txt\x00" + b"hi"
    + b"\x01\x03" + b"\x9d" + b"GIF"
)


def test_hand_built_multipart() -> None:
    text, gif = decode_multipart(HAND_BUILT)
    assert text.content_type == ContentType("text/plain") and text.data == b"hi"
    assert text.content_location == "a.txt" and text.name == "a.txt" and text.text == "hi"
    assert gif.content_type.media_type == "image/gif" and gif.data == b"GIF" and gif.text is None
    assert encode_multipart([text, gif]) == HAND_BUILT


def test_content_id_and_other_part_headers_are_kept() -> None:
    part = Part(ContentType.of("image/png", name="x.png"), b"\x89PNG", "<x>", "x.png", (Header("X-Extra", "1"),))
    (back,) = decode_multipart(encode_multipart([part]))
    assert back == part and back.content_id == "<x>" and back.headers == (Header("X-Extra", "1"),)


def test_transfer_encodings_are_undone_and_redone() -> None:
    b64 = Part(ContentType.of("text/plain", charset="utf-8"), "Tämä".encode(), headers=(Header("Content-Transfer-Encoding", "base64"),))
    qp = Part(ContentType.of("text/plain", charset="utf-8"), "a=b ü".encode(), headers=(Header("Content-Transfer-Encoding", "quoted-printable"),))
    wire = encode_multipart([b64, qp])
    assert binascii.b2a_base64("Tämä".encode(), newline=False) in wire
    assert decode_multipart(wire) == (b64, qp)
    assert decode_multipart(wire)[0].text == "Tämä"


def test_base64_with_a_stray_character_still_decodes() -> None:
    body = b"aGVsbG8gd29ybGQh" + b"T"
    headers = b"\x83" + b"Content-Transfer-Encoding\x00base64\x00"
    data = b"\x01" + bytes((len(headers), len(body))) + headers + body
    assert decode_multipart(data)[0].data == b"hello world!"


def test_unparseable_part_headers_are_kept_raw_and_decoding_goes_on() -> None:
    headers = b"\x83" + b"\x8e" + b"no-nul-here"  # Content-Location text never terminated
    data = b"\x02" + bytes((len(headers), 1)) + headers + b"x" + b"\x01\x01\x9eY"
    first, second = decode_multipart(data)
    assert first.raw_headers == b"\x8eno-nul-here" and first.data == b"x"
    assert second.data == b"Y"
    assert decode_multipart(encode_multipart([first, second])) == (first, second)


@pytest.mark.parametrize(
    ("data", "offset"),
    [
        (b"\x05\x01", 0),  # five entries cannot fit in one byte
        (b"\x01\x01\x05\x83ab", 1),  # data length past the end
        (b"\x01\x01\x01\x83ab", 5),  # a byte after the last entry
    ],
)
def test_broken_multipart(data: bytes, offset: int) -> None:
    with pytest.raises(PduError) as info:
        decode_multipart(data)
    assert info.value.offset == offset


def test_make_smil_refers_to_every_part() -> None:
    parts = [
        Part.make(b"\xff\xd8", "image/jpeg", name="a & b.jpg"),
        Part.from_text("caption", name="c.txt"),
        Part(ContentType("audio/amr"), b"#!AMR", content_id="<snd>"),
    ]
    smil = make_smil(parts).decode()
    assert smil.startswith("<smil>") and smil.rstrip().endswith("</smil>")
    assert 'src="a &amp; b.jpg" region="Image"' in smil
    assert 'src="c.txt" region="Text"' in smil
    assert '<audio src="cid:snd"/>' in smil
    assert smil.count("<par ") == 2  # the caption shares the picture's slide
    import xml.dom.minidom

    xml.dom.minidom.parseString(smil)  # well-formed


def test_make_smil_needs_a_way_to_refer_to_a_part() -> None:
    with pytest.raises(PduError):
        make_smil([Part(ContentType("image/png"), b"")])


def test_a_part_whose_content_type_does_not_parse_is_kept_whole() -> None:
    headers = b"\x1e\x83"  # a general-form content type claiming 30 bytes in a 2-byte area
    data = b"\x01" + bytes((len(headers), 2)) + headers + b"ok"
    (part,) = decode_multipart(data)
    assert part.unparsed_content_type and part.raw_headers == headers
    assert part.content_type.media_type == "application/octet-stream" and part.data == b"ok"
    assert encode_multipart([part]) == data


def test_name_from_content_disposition() -> None:
    # Content-Disposition (0xAE): value-length, attachment (0x81), filename (0x86) "d.pdf"
    disposition = b"\xae\x08\x81\x86d.pdf\x00"
    headers = b"\x83" + disposition
    data = b"\x01" + bytes((len(headers), 1)) + headers + b"x"
    (part,) = decode_multipart(data)
    assert part.name == "d.pdf"
    assert encode_multipart([part]) == data
