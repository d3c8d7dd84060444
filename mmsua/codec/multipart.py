"""The WSP multipart format (WAP-230 §8.5): application/vnd.wap.multipart.*.

Body: nEntries (uintvar), then per entry HeadersLen, DataLen (uintvars),
Content-Type and headers (HeadersLen octets together), data (DataLen octets).
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass

from mmsua.codec.errors import PduError
from mmsua.codec.reader import Reader
from mmsua.codec.wsp import (
    ContentType,
    Header,
    charset_codec,
    decode_content_type,
    decode_header,
    decode_params,
    decode_text,
    enc_uintvar,
    encode_content_type,
    encode_header,
    utf8,
)

__all__ = ["Part", "decode_multipart", "decode_entries", "encode_multipart", "encode_multipart_chunks"]

_TEXTUAL = ("application/smil", "application/xml", "application/xhtml+xml", "application/vnd.wap.xhtml+xml")


@dataclass(frozen=True, slots=True)
class Part:
    """One body part. ``data`` is the payload after any Content-Transfer-Encoding is undone."""

    content_type: ContentType
    data: bytes
    content_id: str | None = None
    content_location: str | None = None
    headers: tuple[Header, ...] = ()
    # Header bytes that did not parse (real phones send some); re-encoded as they came.
    raw_headers: bytes = b""
    # True when even the content type did not parse: raw_headers then holds the whole
    # header area and content_type is application/octet-stream.
    unparsed_content_type: bool = False

    @classmethod
    def make(
        cls,
        data: bytes,
        media_type: str,
        *,
        name: str | None = None,
        charset: str | None = None,
        content_id: str | None = None,
        content_location: str | None = None,
    ) -> Part:
        ct = ContentType.of(media_type, charset=charset, name=name)
        return cls(ct, bytes(data), content_id, content_location if content_location is not None else name)

    @classmethod
    def from_text(cls, value: str, *, name: str | None = None, content_id: str | None = None) -> Part:
        return cls.make(utf8(value), "text/plain", charset="utf-8", name=name, content_id=content_id)

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def name(self) -> str | None:
        return self.content_type.name or _disposition_filename(self.headers) or self.content_location

    @property
    def charset(self) -> str | None:
        """The Python codec of the declared charset, or None."""
        return charset_codec(self.content_type.charset)

    @property
    def is_text(self) -> bool:
        media = self.content_type.media_type
        return media.startswith("text/") or media in _TEXTUAL

    @property
    def text(self) -> str | None:
        """The payload as text for textual parts (charset fallbacks as in decode_text)."""
        if not self.is_text:
            return None
        return decode_text(self.data, self.content_type.charset)


def _disposition_filename(headers: tuple[Header, ...]) -> str | None:
    """The filename parameter of a binary Content-Disposition header, if any.

    Content-disposition-value = Value-length Disposition *(Parameter), where
    Disposition is a short integer (form-data, attachment, inline) or a token.
    """
    for h in headers:
        if not (h.name.startswith("Content-Disposition") and isinstance(h.value, bytes)):
            continue
        try:
            region = Reader(h.value).length_region()
            if region.peek() & 0x80:
                region.byte()
            else:
                region.token_text()
            for key, value in decode_params(region):
                if key in ("filename", "name"):
                    return value
        except PduError:
            return None
    return None


def _transfer_encoding(headers: tuple[Header, ...]) -> str | None:
    for h in headers:
        if h.name.lower() == "content-transfer-encoding" and isinstance(h.value, str):
            return h.value.strip().lower()
    return None


def decode_multipart(data: bytes, start: int = 0, end: int | None = None) -> tuple[Part, ...]:
    """Decode a whole multipart body; bytes after the last entry are an error."""
    r = Reader(data, start, end)
    parts = decode_entries(r)
    if not r.at_end():
        raise PduError(f"{r.remaining} bytes follow the last multipart entry", r.pos)
    return parts


def decode_entries(r: Reader) -> tuple[Part, ...]:
    """Decode the multipart entries at ``r``; ``r`` ends after the last one."""
    count_at = r.pos
    count = r.uintvar()
    # Each entry takes at least three octets; a larger count cannot be honest.
    if count * 3 > r.remaining:
        raise PduError(f"multipart claims {count} entries but only {r.remaining} bytes follow", count_at)
    parts = []
    for index in range(count):
        entry_at = r.pos
        headers_len = r.uintvar()
        data_len = r.uintvar()
        if headers_len + data_len > r.remaining:
            raise PduError(
                f"part {index + 1} of {count} declares {headers_len} header and {data_len} data bytes "
                f"but only {r.remaining} remain",
                entry_at,
            )
        region = r.sub(headers_len, "part headers")
        payload = r.data[r.pos : r.pos + data_len]
        r.pos += data_len
        parts.append(_part(region, payload))
    return tuple(parts)


def _part(region: Reader, payload: bytes) -> Part:
    headers: list[Header] = []
    raw_headers = b""
    content_id = content_location = None
    start = region.pos
    try:
        content_type = decode_content_type(region)
    except PduError:
        region.pos = start
        return Part(ContentType("application/octet-stream"), payload, raw_headers=region.rest(), unparsed_content_type=True)
    while not region.at_end():
        at = region.pos
        try:
            h = decode_header(region)
        except PduError:
            region.pos = at
            raw_headers = region.rest()
            break
        lname = h.name.lower()
        if lname == "content-id" and content_id is None and isinstance(h.value, str):
            content_id = h.value
        elif lname == "content-location" and content_location is None and isinstance(h.value, str):
            content_location = h.value
        else:
            headers.append(h)
    hdrs = tuple(headers)
    cte = _transfer_encoding(hdrs)
    if cte == "base64":
        payload = _unbase64(payload)
    elif cte == "quoted-printable":
        payload = binascii.a2b_qp(payload)
    return Part(content_type, payload, content_id, content_location, hdrs, raw_headers)


def _unbase64(payload: bytes) -> bytes:
    try:
        return binascii.a2b_base64(payload, strict_mode=False)
    except binascii.Error:
        pass
    # Real MMSCs send base64 with a stray trailing character: decode the whole quads.
    compact = b"".join(payload.split())
    try:
        return binascii.a2b_base64(compact[: len(compact) - len(compact) % 4])
    except binascii.Error:
        return payload  # not base64 after all: keep the bytes as they came


def encode_part_chunks(part: Part) -> list[bytes]:
    if part.unparsed_content_type:
        return [enc_uintvar(len(part.raw_headers)), enc_uintvar(len(part.data)), part.raw_headers, part.data]
    head = [encode_content_type(part.content_type)]
    if part.content_id is not None:
        head.append(encode_header(Header("Content-ID", part.content_id)))
    if part.content_location is not None:
        head.append(encode_header(Header("Content-Location", part.content_location)))
    for h in part.headers:
        head.append(encode_header(h))
    head.append(part.raw_headers)
    headers = b"".join(head)
    data = part.data
    cte = _transfer_encoding(part.headers)
    if cte == "base64":
        data = binascii.b2a_base64(data, newline=False)
    elif cte == "quoted-printable":
        data = binascii.b2a_qp(data, quotetabs=True, istext=False)
    return [enc_uintvar(len(headers)), enc_uintvar(len(data)), headers, data]


def encode_multipart_chunks(parts: tuple[Part, ...] | list[Part]) -> list[bytes]:
    """The multipart body as a list of chunks (bodies are not copied until joined)."""
    chunks = [enc_uintvar(len(parts))]
    for part in parts:
        chunks.extend(encode_part_chunks(part))
    return chunks


def encode_multipart(parts: tuple[Part, ...] | list[Part]) -> bytes:
    return b"".join(encode_multipart_chunks(parts))
