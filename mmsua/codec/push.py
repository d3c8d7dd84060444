"""The WSP Push PDU (WAP-230 §8.2.4, WAP-251) as carried by WAP Push SMS.

Connectionless form: TID, PDU type (0x06 Push / 0x07 ConfirmedPush),
HeadersLen (uintvar), Content-Type, headers, body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mmsua.codec.errors import PduError
from mmsua.codec.frozen import filling
from mmsua.codec.reader import Reader
from mmsua.codec.wsp import (
    ContentType,
    Header,
    app_id_value,
    decode_content_type,
    decode_header,
    enc_integer,
    enc_text_string,
    enc_uintvar,
    encode_content_type,
    encode_headers,
)
from mmsua.codec.wsp_tables import PDU_CONFIRMED_PUSH, PDU_PUSH, PUSH_APP_IDS

__all__ = ["PushPdu", "decode_push", "encode_push", "MMS_APP_ID", "MMS_CONTENT_TYPE"]

MMS_APP_ID = 0x04  # x-wap-application:mms.ua
MMS_CONTENT_TYPE = "application/vnd.wap.mms-message"
_APP_ID_HEADER = "X-Wap-Application-Id"


@dataclass(frozen=True, slots=True)
class PushPdu:
    transaction_id: int | None
    pdu_type: int
    content_type: ContentType
    headers: tuple[Header, ...]
    app_id: int | str | None
    body: bytes
    # Real-world deviations that decoding worked around, in words.
    notes: tuple[str, ...] = ()

    @property
    def is_mms(self) -> bool:
        return self.content_type.media_type == MMS_CONTENT_TYPE

    @property
    def app_id_name(self) -> str | None:
        if isinstance(self.app_id, int):
            return PUSH_APP_IDS.get(self.app_id, f"application id {self.app_id}")
        return self.app_id


_PushFilling = filling(PushPdu)


def _new_push(*values: object) -> PushPdu:
    """PushPdu(*values) without the frozen __init__'s cost (mmsua.codec.frozen)."""
    p: Any = object.__new__(_PushFilling)
    p.transaction_id, p.pdu_type, p.content_type, p.headers, p.app_id, p.body, p.notes = values
    p.__class__ = PushPdu
    return p  # type: ignore[no-any-return]


# Push header octets already read, and what they meant: an MMSC sends the same few
# octets (content type, application id) with every notification. Only short readings
# without notes are kept; at most _HEADERS_READ_MAX, cleared when full.
_HEADERS_READ: dict[bytes, tuple[ContentType, tuple[Header, ...], int | str | None]] = {}
_HEADERS_READ_MAX = 32
_HEADERS_READ_OCTETS = 64  # real ones are a few octets: longer ones are not kept, so the memo stays small


def decode_push(data: bytes | bytearray | memoryview, *, connectionless: bool = True) -> PushPdu:
    """Decode a WSP Push PDU; ``connectionless`` means it starts with a TID octet."""
    r = Reader(data)
    data = r.data  # bytes, whatever buffer came in
    tid = r.byte() if connectionless else None
    pdu_type = r.byte()
    if pdu_type not in (PDU_PUSH, PDU_CONFIRMED_PUSH):
        raise PduError(f"WSP PDU type 0x{pdu_type:02x} is not Push (0x06) or ConfirmedPush (0x07)", r.pos - 1)
    len_at = r.pos
    headers_len = r.uintvar()
    if headers_len == 0:
        raise PduError("WSP headers length is 0, leaving no room for the required content type", len_at)
    if headers_len > r.remaining:
        raise PduError(f"WSP headers length {headers_len} runs past the end of the data ({r.remaining} bytes remain)", len_at)
    known = _HEADERS_READ.get(data[r.pos : r.pos + headers_len])
    if known is not None:
        body_start = r.pos + headers_len
        return _new_push(tid, pdu_type, known[0], known[1], known[2], data[body_start:], ())
    region = r.sub(headers_len, "WSP push headers")
    content_type = decode_content_type(region)
    headers: list[Header] = []
    notes: list[str] = []
    body_start = r.pos
    while not region.at_end():
        # Some MMSCs overstate HeadersLen: the MMS body then starts inside the
        # header area. An M-Message-Type header (0x8C 0x80-0x9F) there is the tell.
        if (
            content_type.media_type == MMS_CONTENT_TYPE
            and region.remaining >= 2
            and data[region.pos] == 0x8C
            and 0x80 <= data[region.pos + 1] <= 0x9F
        ):
            notes.append(f"headers length overstated by {region.remaining}: MMS body starts at offset {region.pos}")
            body_start = region.pos
            break
        headers.append(decode_header(region))
    app_id: int | str | None = None
    for h in headers:
        if h.name == _APP_ID_HEADER and isinstance(h.value, (int, str)):
            app_id = h.value
            break
    read = tuple(headers)
    if not notes and headers_len <= _HEADERS_READ_OCTETS:  # what they mean, wherever they stand (immutable values)
        if len(_HEADERS_READ) >= _HEADERS_READ_MAX:
            _HEADERS_READ.clear()
        _HEADERS_READ[data[region.end - headers_len : region.end]] = (content_type, read, app_id)
    return _new_push(tid, pdu_type, content_type, read, app_id, data[body_start:], tuple(notes))


def encode_push(
    content_type: ContentType | str,
    body: bytes,
    *,
    transaction_id: int | None = 0,
    app_id: int | str | None = MMS_APP_ID,
    headers: tuple[Header, ...] = (),
    pdu_type: int = PDU_PUSH,
) -> bytes:
    """Encode a Push PDU; ``transaction_id=None`` gives the connection-mode form (no TID)."""
    ct = ContentType(content_type) if isinstance(content_type, str) else content_type
    head = [encode_content_type(ct)]
    if app_id is not None:
        value = app_id_value(app_id)
        head.append(b"\xaf" + (enc_integer(value) if isinstance(value, int) else enc_text_string(value)))
    head.append(encode_headers(h for h in headers if h.name != _APP_ID_HEADER or app_id is None))
    joined = b"".join(head)
    prefix = b"" if transaction_id is None else bytes((transaction_id & 0xFF,))
    return prefix + bytes((pdu_type,)) + enc_uintvar(len(joined)) + joined + bytes(body)
