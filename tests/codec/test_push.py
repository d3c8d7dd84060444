"""The WSP Push PDU (WAP-230 §8.2.4.1, WAP-251): connectionless form with a TID."""

from __future__ import annotations

import pytest

from mmsua.codec.errors import PduError
from mmsua.codec.mms import MessageType, MmsPdu, decode_mms, encode_mms
from mmsua.codec.push import MMS_APP_ID, decode_push, encode_push
from mmsua.codec.wsp import ContentType, Header

NOTIFYRESP_LIKE = encode_mms(MmsPdu(MessageType.M_NOTIFYRESP_IND, transaction_id="t", mms_version="1.2", status=0x81))

# TID 0x01, Push (0x06), HeadersLen 3: content type 0xBE (mms-message), X-Wap-Application-Id 0x84.
HAND_BUILT = b"\x01\x06\x03\xbe\xaf\x84" + NOTIFYRESP_LIKE


def test_hand_built_mms_push() -> None:
    push = decode_push(HAND_BUILT)
    assert push.transaction_id == 1 and push.pdu_type == 0x06
    assert push.content_type.media_type == "application/vnd.wap.mms-message"
    assert push.app_id == MMS_APP_ID == 4
    assert push.app_id_name == "x-wap-application:mms.ua"
    assert push.is_mms
    assert decode_mms(push.body).status_name == "retrieved"
    assert encode_push("application/vnd.wap.mms-message", NOTIFYRESP_LIKE, transaction_id=1) == HAND_BUILT


def test_textual_application_id_and_extra_headers() -> None:
    data = encode_push(
        ContentType("application/vnd.wap.sic"),
        b"\x02\x05\x6a",
        transaction_id=9,
        app_id="x-wap-application:wml.ua",
        headers=(Header("Push-Flag", 2),),
    )
    push = decode_push(data)
    assert push.app_id == 2  # the well-known text form is written compactly
    assert [h.name for h in push.headers] == ["X-Wap-Application-Id", "Push-Flag"]
    assert not push.is_mms and push.body == b"\x02\x05\x6a"
    vendor = decode_push(encode_push("application/vnd.x", b"", app_id="x-vendor:thing"))
    assert vendor.app_id == "x-vendor:thing"


def test_connection_mode_has_no_tid() -> None:
    data = encode_push("text/plain", b"hi", transaction_id=None, app_id=None)
    push = decode_push(data, connectionless=False)
    assert push.transaction_id is None and push.body == b"hi" and push.app_id is None


@pytest.mark.parametrize(
    ("data", "offset", "words"),
    [
        (b"\x01\x05\x01\x83", 1, "not Push"),
        (b"\x01\x06\x00\xbe", 2, "headers length is 0"),
        (b"\x01\x06\x09\xbe\xaf", 2, "remain"),
        (b"\x01", 1, "end of data"),
    ],
)
def test_broken_pushes(data: bytes, offset: int, words: str) -> None:
    with pytest.raises(PduError) as info:
        decode_push(data)
    assert info.value.offset == offset and words in info.value.reason


def test_overstated_headers_length_is_recovered_with_a_note() -> None:
    # HeadersLen says 5 but content type + app id take 3: the MMS body starts inside.
    data = b"\x2e\x06\x05\xbe\xaf\x84" + NOTIFYRESP_LIKE
    push = decode_push(data)
    assert push.body == NOTIFYRESP_LIKE
    assert push.notes and "overstated" in push.notes[0]


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_any_bytes_like_input_gives_bytes_out(kind: type) -> None:
    push = decode_push(kind(HAND_BUILT))
    assert type(push.body) is bytes and push.body == NOTIFYRESP_LIKE
    assert decode_mms(kind(NOTIFYRESP_LIKE)).transaction_id == "t"
