"""Interop both ways with python-messaging (``messaging.mms``), a peer written by others.

Known limits of the peer that shape these tests (facts about python-messaging 0.5.x):
its headers are a dict (a repeated To keeps only the last), its encoder writes only
Message-Type, Transaction-Id, MMS-Version, From, To/Cc/Bcc, Subject and Status, it
always adds its own SMIL part, it reads image files in text mode (binary data has to be
handed to it directly), and its part decoder reads part headers with the MMS header
table, so it cannot see the well-known Content-ID/Content-Location part headers
(it only reads their textual form). Parts are therefore compared by content type,
parameters and payload.
"""

from __future__ import annotations

import array
from datetime import UTC, datetime
from pathlib import Path

import pytest

messaging_message = pytest.importorskip("messaging.mms.message", reason="python-messaging is a test dependency")
MMSMessage = messaging_message.MMSMessage
MMSMessagePage = messaging_message.MMSMessagePage

from mmsua.codec.mms import (  # noqa: E402 - after the importorskip
    Address,
    ContentType,
    Expiry,
    MessageType,
    MmsPdu,
    Part,
    decode_mms,
    encode_mms,
)


def _peer_decode(data: bytes):  # noqa: ANN202 - the peer's own type
    return MMSMessage.from_data(array.array("B", data))


def _jpeg(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (48, 32), (200, 40, 40)).save(path, "JPEG")
    return path


def test_peer_decodes_our_retrieve_conf_to_the_same_headers_and_parts() -> None:
    jpeg = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
    pdu = MmsPdu(
        MessageType.M_RETRIEVE_CONF,
        transaction_id="tx-9",
        mms_version="1.2",
        message_id="mid-1",
        date=datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC),
        sender=Address.phone("+447700900123"),
        to=(Address.email("a@b.example"),),
        cc=(Address.phone("+15551234567"),),
        subject="Grüße aus Berlin",
        subject_charset=106,
        message_class="personal",
        priority="high",
        delivery_report=False,
        read_report=True,
        content_type=ContentType.of("application/vnd.wap.multipart.related", start="<smil>", type="application/smil"),
        parts=(
            Part(ContentType.of("application/smil", charset="utf-8"), b"<smil><body/></smil>", content_location="s.smil"),
            Part(ContentType.of("text/plain", charset="utf-8", name="t.txt"), "héllo wörld".encode(), content_location="t.txt"),
            Part(ContentType.of("image/jpeg", name="p.jpg"), jpeg, content_location="p.jpg"),
        ),
    )
    peer = _peer_decode(encode_mms(pdu))
    h = peer.headers
    assert h["Message-Type"] == "m-retrieve-conf"
    assert h["Transaction-Id"] == "tx-9"
    assert h["MMS-Version"] == "1.2"
    assert h["Message-ID"] == "mid-1"
    assert h["Date"] == datetime.fromtimestamp(pdu.date.timestamp())  # the peer gives naive local time
    assert h["From"] == "+447700900123/TYPE=PLMN"
    assert h["To"] == "a@b.example"
    assert h["Cc"] == "+15551234567/TYPE=PLMN"
    assert h["Subject"] == "Grüße aus Berlin"
    assert h["Message-Class"] == "Personal"
    assert h["Priority"] == "High"
    assert h["Delivery-Report"] is False
    assert h["Read-Reply"] is True
    media, params = h["Content-Type"]
    assert media == "application/vnd.wap.multipart.related"
    assert params == {"Start": "<smil>", "Type": "application/smil"}
    assert len(peer.data_parts) == len(pdu.parts)
    for ours, theirs in zip(pdu.parts, peer.data_parts, strict=False):
        media, params = theirs.headers["Content-Type"]
        assert media == ours.content_type.media_type
        assert {k.lower(): v for k, v in params.items()} == dict(ours.content_type.params)
        assert theirs.data == ours.data


@pytest.mark.parametrize(
    ("pdu", "expected"),
    [
        (
            MmsPdu(MessageType.M_NOTIFICATION_IND, transaction_id="T1", mms_version="1.2", sender=Address.phone("+1555"),
                   subject="S", message_class="personal", message_size=1234, expiry=Expiry.after(3600),
                   content_location="http://mmsc.example/x"),
            {"Message-Type": "m-notification-ind", "Transaction-Id": "T1", "From": "+1555/TYPE=PLMN", "Subject": "S",
             "Message-Class": "Personal", "Message-Size": 1234, "Expiry": 3600, "Content-Location": "http://mmsc.example/x"},
        ),
        (
            MmsPdu(MessageType.M_SEND_CONF, transaction_id="T2", mms_version="1.2", response_status=0x80, message_id="abc",
                   response_text="Accepted"),
            {"Message-Type": "m-send-conf", "Transaction-Id": "T2", "Response-Status": "Ok", "Message-ID": "abc",
             "Response-Text": "Accepted"},
        ),
        (
            MmsPdu(MessageType.M_NOTIFYRESP_IND, transaction_id="T3", mms_version="1.2", status=0x81),
            {"Message-Type": "m-notifyresp-ind", "Transaction-Id": "T3", "Status": "Retrieved"},
        ),
        (
            MmsPdu(MessageType.M_DELIVERY_IND, mms_version="1.2", message_id="m-1", to=(Address.phone("+1555"),),
                   date=datetime(2024, 5, 1, tzinfo=UTC), status=0x82),
            {"Message-Type": "m-delivery-ind", "Message-ID": "m-1", "To": "+1555/TYPE=PLMN", "Status": "Rejected"},
        ),
    ],
    ids=["notification", "send-conf", "notifyresp", "delivery"],
)
def test_peer_decodes_our_small_pdus(pdu: MmsPdu, expected: dict[str, object]) -> None:
    headers = _peer_decode(encode_mms(pdu)).headers
    for key, value in expected.items():
        assert headers[key] == value, key
    assert headers["MMS-Version"] == "1.2"


def test_we_decode_what_the_peer_encodes(tmp_path: Path) -> None:
    image = _jpeg(tmp_path / "photo.jpg")
    msg = MMSMessage()
    msg.headers.update({
        "Message-Type": "m-send-req",
        "Transaction-Id": "peer-1",
        "MMS-Version": "1.2",
        "From": "+447700900999/TYPE=PLMN",
        "To": "+447700900123/TYPE=PLMN",
        "Subject": "Hallå från peer",
    })
    page = MMSMessagePage()
    page.add_image(str(image))
    # The peer would read the file in text mode; it wants one str character per byte.
    page.image[0]._data = image.read_bytes().decode("latin-1")
    page.add_text("hi there")
    msg.add_page(page)
    pdu = decode_mms(msg.encode().tobytes())
    assert pdu.message_type is MessageType.M_SEND_REQ
    assert (pdu.transaction_id, pdu.mms_version) == ("peer-1", "1.2")
    assert pdu.sender == Address.phone("+447700900999")
    assert pdu.to == (Address.phone("+447700900123"),)
    assert pdu.subject == "Hallå från peer"
    assert pdu.content_type is not None and pdu.content_type.media_type == "application/vnd.wap.multipart.related"
    types = [p.content_type.media_type for p in pdu.parts]
    assert types == ["application/smil", "image/jpeg", "text/plain"]
    smil, jpeg, text = pdu.parts
    assert smil.content_id == "<0000>"  # written by the peer as a textual header
    assert b"photo.jpg" in smil.data
    assert jpeg.data == image.read_bytes() and jpeg.name == "photo.jpg"
    assert text.text == "hi there"
    # What the peer wrote, we re-encode and decode again to the same message.
    assert decode_mms(encode_mms(pdu)) == pdu


def test_we_and_the_peer_agree_on_every_manifest_capture_it_decodes(shared_dir: Path) -> None:
    """Headers the peer understands must decode to the same values in mmsua."""
    corpus = shared_dir / "corpus" / "mms"
    if not corpus.is_dir():
        pytest.skip(f"no corpus at {corpus}")
    compared = 0
    for path in sorted(corpus.glob("pm-*.mms")):
        data = path.read_bytes()
        try:
            peer = _peer_decode(data)
        except Exception:  # noqa: BLE001 - the peer fails on some captures; that is its business
            continue
        pdu = decode_mms(data)
        h = peer.headers
        assert h["Message-Type"] == pdu.message_type.spec_name, path.name
        if "Subject" in h and pdu.subject is not None:
            assert h["Subject"] == pdu.subject, path.name
        if "Transaction-Id" in h and pdu.transaction_id is not None:
            assert h["Transaction-Id"] == pdu.transaction_id, path.name
        assert len(peer.data_parts) == len(pdu.parts), path.name
        for ours, theirs in zip(pdu.parts, peer.data_parts, strict=False):
            assert theirs.headers["Content-Type"][0] == ours.content_type.media_type, path.name
            assert bytes(theirs.data if isinstance(theirs.data, bytes) else bytes(theirs.data, "latin-1")) == ours.data, path.name
        compared += 1
    assert compared >= 5
