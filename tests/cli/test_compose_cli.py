"""`mmsua compose` (built by the engine's composer): an M-Send.req that mmsua and python-messaging both read, with
content types taken from the bytes, not the file names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from mmsua.cli.main import main
from mmsua.codec.mms import decode_mms
from mmsua.engine.compose import sniff_type


def _image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buf, format=fmt)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "media"),
    [(_image("JPEG"), "image/jpeg"), (_image("PNG"), "image/png"), (_image("GIF"), "image/gif"),
     (_image("BMP"), "image/bmp"), (b"#!AMR\n\x3c", "audio/amr"), (b"\x00\x00\x00\x18ftyp3gp4", "video/3gpp"),
     (b"BEGIN:VCARD\r\nFN:A\r\nEND:VCARD\r\n", "text/x-vcard"), ("plain ü".encode(), "text/plain"),
     (bytes(range(256)), "application/octet-stream")],
)
def test_content_type_from_bytes(data: bytes, media: str) -> None:
    assert sniff_type(data) == media


def test_compose_writes_a_send_req_both_decoders_read(tmp_path: Path, capsys) -> None:
    png_named_jpg = tmp_path / "photo.jpg"
    png_named_jpg.write_bytes(_image("PNG"))
    card = tmp_path / "me.vcf"
    card.write_bytes(b"BEGIN:VCARD\r\nFN:Me\r\nEND:VCARD\r\n")
    out = tmp_path / "send.mms"
    code = main(["compose", "--to", "+44 7700 900123", "--to", "bob@example.com", "--subject", "Grüße",
                 "--text", "Hello ✓", "--attach", str(png_named_jpg), str(card), "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    data = out.read_bytes()

    pdu = decode_mms(data)
    assert pdu.message_type.spec_name == "m-send-req" and pdu.mms_version == "1.2" and pdu.transaction_id
    assert [str(a) for a in pdu.to] == ["+447700900123/TYPE=PLMN", "bob@example.com"]
    assert pdu.sender.is_insert_token and pdu.subject == "Grüße"
    assert pdu.content_type.media_type == "application/vnd.wap.multipart.related"
    assert pdu.content_type.get("type") == "application/smil"
    smil, text, photo, vcard = pdu.parts
    assert smil.content_type.media_type == "application/smil"
    assert pdu.content_type.start.strip("<>") == smil.content_id.strip("<>")
    smil_text = smil.text
    assert 'src="photo.jpg"' in smil_text and 'src="text.txt"' in smil_text and "<img" in smil_text
    assert text.text == "Hello ✓"
    assert photo.content_type.media_type == "image/png" and photo.data == png_named_jpg.read_bytes()
    assert vcard.content_type.media_type == "text/x-vcard"

    from messaging.mms.message import MMSMessage

    theirs = MMSMessage.from_data(data)
    assert theirs.headers["Message-Type"] == "m-send-req"
    assert theirs.headers["Subject"] == "Grüße"
    assert theirs.headers["Content-Type"][0] == "application/vnd.wap.multipart.related"
    assert [p.content_type.lower() for p in theirs.data_parts] == ["application/smil", "text/plain", "image/png", "text/x-vcard"]
    assert theirs.data_parts[2].data == png_named_jpg.read_bytes()
    assert theirs.data_parts[1].data.decode("utf-8") == "Hello ✓"


def test_compose_usage_errors(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x.mms"
    assert main(["compose", "--to", "not a number!", "--text", "x", "--out", str(out)]) == 2
    assert main(["compose", "--to", "+1555", "--attach", str(tmp_path / "missing.jpg"), "--out", str(out)]) == 2
    assert main(["compose", "--to", "+1555", "--out", str(out)]) == 2
    assert not out.exists()
    with pytest.raises(SystemExit) as exit_:
        main(["compose", "--text", "x", "--out", str(out)])
    assert exit_.value.code == 2


def test_compose_warns_when_the_message_is_over_the_carriers_limit(tmp_path: Path, capsys,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # no user config: the default limit
    big = tmp_path / "big.bin"
    big.write_bytes(bytes(400 * 1024))
    out = tmp_path / "big.mms"
    assert main(["compose", "--to", "+15550100002", "--attach", str(big), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "over the carrier's limit of 307,200 (mms.max_size)" in err
    assert out.stat().st_size > 400 * 1024  # written as given; only a warning

    small = tmp_path / "small.mms"
    assert main(["compose", "--to", "+15550100002", "--text", "hi", "--out", str(small), "--max-size", "100"]) == 0
    assert "over the carrier's limit of 100" in capsys.readouterr().err
    assert main(["compose", "--to", "+15550100002", "--text", "hi", "--out", str(small)]) == 0
    assert "warning" not in capsys.readouterr().err
