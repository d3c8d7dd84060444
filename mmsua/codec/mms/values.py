"""What decoded header octets mean, shared by the general decoder and the fast path,
so the two differ only in how they walk the octets, never in what a value becomes."""

from __future__ import annotations

from mmsua.codec.errors import PduError
from mmsua.codec.mms.pdu import Address
from mmsua.codec.wsp import ASCII_TRANSPARENT, charset_codec, decode_text, encode_text


def address_from(raw: bytes, mib: int | None) -> Address:
    """To/Cc/Bcc/From: the Encoded-string-value's text as an address."""
    return Address.parse(raw.decode("ascii") if mib is None and raw.isascii() else decode_text(raw, mib), mib)


def subject_from(raw: bytes, mib: int | None) -> tuple[str, int | None, bytes | None]:
    """The subject, its MIBenum, and its bytes when the charset cannot write the text back
    (unknown or mislabelled), for the encoder to reuse."""
    value = decode_text(raw, mib)
    if mib is None:
        return value, None, None
    codec = charset_codec(mib)
    if codec is None:
        return value, mib, raw
    if raw.isascii() and codec in ASCII_TRANSPARENT:
        return value, mib, None  # ASCII in such a charset writes back as it came
    try:
        return value, mib, None if encode_text(value, mib) == raw else raw
    except PduError:
        return value, mib, raw
