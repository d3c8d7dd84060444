"""WSP encoding (WAP-230 §8.4): content types with parameters, headers, text.

Decoders take a :class:`Reader` and return typed values; encoders return bytes.
Every decoded value re-encodes to bytes that decode to the same value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from mmsua.codec.errors import PduError
from mmsua.codec.reader import _WIDE_CHARSETS as WIDE_CHARSETS
from mmsua.codec.reader import QUOTE, Reader
from mmsua.codec.wsp_tables import (
    CHARSET_CODES,
    CHARSETS,
    CONTENT_TYPE_CODES,
    CONTENT_TYPES,
    HEADER_FIELD_CODES,
    HEADER_FIELDS,
    INTEGER_HEADERS,
    PARAMETER_CODES,
    PARAMETERS,
    PUSH_APP_ID_CODES,
    TEXT_HEADERS,
)

__all__ = [
    "ContentType", "Header", "charset_codec", "charset_name", "decode_text", "text",
    "decode_content_type", "decode_params", "encode_content_type", "decode_headers", "decode_header",
    "encode_header", "encode_headers", "enc_uintvar", "enc_long", "enc_integer", "enc_value_length",
    "enc_text_string", "enc_quoted_string", "enc_encoded_string", "date_from_seconds", "seconds_from_date",
]

_UNKNOWN_MEDIA = re.compile(r"application/x-wsp-0x([0-9a-f]{2,4})")
_UNKNOWN_HEADER = re.compile(r"header-0x([0-9a-f]{2})")
_UNKNOWN_PARAM = re.compile(r"param-0x([0-9a-f]{2})")


# ---------------------------------------------------------------------------
# Content types


@dataclass(frozen=True, slots=True)
class ContentType:
    """A media type with its parameters (names lower-case, order kept)."""

    media_type: str
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "media_type", self.media_type.lower())
        if self.params == ():  # the usual case: nothing to normalise
            return
        params = self.params.items() if isinstance(self.params, Mapping) else self.params
        object.__setattr__(self, "params", tuple((str(k).lower(), str(v)) for k, v in params))

    @classmethod
    def of(cls, media_type: str, **params: str | None) -> ContentType:
        """``ContentType.of("text/plain", charset="utf-8")``; ``start_info`` becomes ``start-info``."""
        return cls(media_type, tuple((k.replace("_", "-"), v) for k, v in params.items() if v is not None))

    @classmethod
    def parse(cls, text: str) -> ContentType:
        """From the textual form ``type/sub; name=value; name="quoted value"``."""
        media, _, rest = text.partition(";")
        params = []
        for item in rest.split(";"):
            name, eq, value = item.strip().partition("=")
            if eq and name:
                params.append((name.strip(), value.strip().strip('"')))
        return cls(media.strip(), tuple(params))

    def get(self, name: str, default: str | None = None) -> str | None:
        name = name.lower()
        for key, value in self.params:
            if key == name:
                return value
        return default

    @property
    def charset(self) -> str | None:
        return self.get("charset")

    @property
    def start(self) -> str | None:
        return self.get("start")

    @property
    def type(self) -> str | None:
        return self.get("type")

    @property
    def name(self) -> str | None:
        return self.get("name") or self.get("filename")

    @property
    def is_multipart(self) -> bool:
        return self.media_type.startswith(("application/vnd.wap.multipart.", "multipart/"))

    def __str__(self) -> str:
        parts = [self.media_type]
        for key, value in self.params:
            needs_quotes = not value or any(c in value for c in ' ;,"=<>@')
            parts.append(f'{key}="{value}"' if needs_quotes else f"{key}={value}")
        return "; ".join(parts)


def _media_name(code: int) -> str:
    return CONTENT_TYPES.get(code) or f"application/x-wsp-0x{code:02x}"


def _media_code(media: str) -> int | None:
    code = CONTENT_TYPE_CODES.get(media)
    if code is None:
        m = _UNKNOWN_MEDIA.fullmatch(media)
        if m:
            code = int(m.group(1), 16)
    return code


def decode_content_type(r: Reader) -> ContentType:
    """Content-type-value: a short integer, a text media type, or the general form."""
    b = r.peek()
    if b & 0x80:
        r.pos += 1
        return ContentType(_media_name(b & 0x7F))
    if b > 0x1F:
        return ContentType(text(r.text_string()))
    region = r.length_region()
    if region.at_end():
        raise PduError("content type has an empty general form", region.pos)
    b = region.peek()
    if b & 0x80 or b <= 0x1E:
        media = _media_name(region.integer_value())
    else:
        media = text(region.text_string())
    return ContentType(media, tuple(decode_params(region)))


def decode_params(r: Reader) -> Iterable[tuple[str, str]]:
    while not r.at_end():
        b = r.peek()
        if b & 0x80 or b <= 0x1E:
            at = r.pos
            code = r.integer_value()
            if code > 0xFF:
                raise r.error(f"parameter token {code} out of range", at)
            name, kind = PARAMETERS.get(code, (f"param-0x{code:02x}", "text-value"))
            yield name, _typed_value(r, kind)
        else:
            name = text(r.token_text()).lower()
            yield name, _untyped_value(r)


def _typed_value(r: Reader, kind: str) -> str:
    b = r.peek()
    if kind == "charset":
        if b == 0x80:
            r.pos += 1
            return "*"
        if b & 0x80 or b <= 0x1E:
            return charset_name(r.integer_value())
        return text(r.text_string())
    if kind == "text-string":
        if 0 < b <= 0x1F:  # seen in the field: an Encoded-string-value with a charset
            mib, raw = r.encoded_string()
            return decode_text(raw, mib)
        return text(r.text_string())
    if kind == "constrained-encoding":
        if b & 0x80:
            r.pos += 1
            return _media_name(b & 0x7F)
        return text(r.text_string())
    if kind == "version":
        if b & 0x80:
            return version_text(r.short_integer())
        return text(r.text_string())
    if kind == "q-value":
        v = r.uintvar()
        return f"{(v - 1) / 100:g}" if v <= 100 else f"{(v - 100) / 1000:g}"
    if kind == "integer":
        return str(r.integer_value())
    if kind == "short-integer":
        return str(r.short_integer())
    if kind == "field-name":
        if b & 0x80:
            r.pos += 1
            return HEADER_FIELDS.get(b & 0x7F, f"header-0x{b & 0x7F:02x}")
        return text(r.token_text())
    if kind == "no-value" and b == 0:
        r.pos += 1
        return ""
    return _untyped_value(r)


def _untyped_value(r: Reader) -> str:
    b = r.peek()
    if b == 0:
        r.pos += 1
        return ""
    if b == 0x22:
        return text(r.quoted_string())
    if b & 0x80 or b <= 0x1E:
        return str(r.integer_value())
    return text(r.token_text())


def version_text(v: int) -> str:
    major, minor = (v >> 4) & 0x07, v & 0x0F
    return str(major) if minor == 0x0F else f"{major}.{minor}"


def encode_content_type(ct: ContentType) -> bytes:
    media = ct.media_type
    if not media:
        raise PduError("a content type needs a media type")
    code = _media_code(media)
    if not ct.params:
        if code is not None and code < 0x80:
            return bytes((0x80 | code,))
        if code is None:
            return enc_text_string(media)
    body = [enc_integer(code) if code is not None else enc_text_string(media)]
    for name, value in ct.params:
        body.append(_encode_param(name, value))
    joined = b"".join(body)
    return enc_value_length(len(joined)) + joined


def _encode_param(name: str, value: str) -> bytes:
    if name == "charset":
        if value == "*":
            return b"\x81\x80"
        mib = CHARSETS_BY_EXACT_NAME.get(value)
        if mib is None and value.isdigit() and value.isascii():
            mib = int(value)
        if mib is not None:
            return b"\x81" + enc_integer(mib)
    elif name == "type":
        code = _media_code(value)
        if code is not None and code < 0x80:
            return bytes((0x89, 0x80 | code))
        return b"\x89" + enc_text_string(value)
    elif name in PARAMETER_CODES:
        return bytes((0x80 | PARAMETER_CODES[name],)) + enc_text_string(value)
    m = _UNKNOWN_PARAM.fullmatch(name)
    if m:
        head = bytes((0x80 | int(m.group(1), 16),))
    else:
        head = _token(name, "parameter name")
    return head + _text_value(value)


def utf8(value: str) -> bytes:
    """UTF-8 bytes of text; lone surrogates are a PduError, not a UnicodeEncodeError."""
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise PduError(f"text {value[:40]!r} is not encodable: {exc.reason}") from None


def _text_value(value: str) -> bytes:
    if not value:
        return b"\x00"
    raw = utf8(value)
    if b"\x00" in raw:
        raise PduError(f"text value {value!r} contains NUL")
    if raw[0] == 0x22 or raw[0] < 0x20 or raw[0] >= 0x7F:
        return b'"' + raw + b"\x00"
    return raw + b"\x00"


def _token(name: str, what: str) -> bytes:
    raw = utf8(name)
    if not raw or b"\x00" in raw or not 0x20 <= raw[0] <= 0x7F:
        raise PduError(f"{what} {name!r} cannot be written as a WSP token")
    return raw + b"\x00"


CHARSETS_BY_EXACT_NAME: dict[str, int] = {name: code for code, (name, _c) in CHARSETS.items() if code}


# ---------------------------------------------------------------------------
# Charsets and text


def charset_name(mib: int) -> str:
    """The IANA name of a MIBenum, or its number as text when unknown."""
    entry = CHARSETS.get(mib)
    return entry[0] if entry else str(mib)


def charset_codec(charset: str | int | None) -> str | None:
    """A Python codec for a MIBenum or charset name; None when unknown."""
    if charset is None:
        return None
    if isinstance(charset, int):
        entry = CHARSETS.get(charset)
        return entry[1] if entry else None
    key = charset.strip().lower()
    mib = CHARSET_CODES.get(key)
    if mib is None and key.isdigit():
        mib = int(key)
    if mib is not None:
        entry = CHARSETS.get(mib)
        return entry[1] if entry else None
    import codecs

    try:
        info = codecs.lookup(key)
    except LookupError:
        return None
    # Python also registers bytes-to-bytes codecs (base64, zlib...): not charsets.
    return info.name if getattr(info, "_is_text_encoding", True) else None


def charset_mib(charset: str | None) -> int | None:
    if charset is None:
        return None
    key = charset.strip().lower()
    if key in CHARSET_CODES:
        return CHARSET_CODES[key]
    return int(key) if key.isdigit() else None


# Codecs that read octets 0x00-0x7F as ASCII: in them ASCII bytes are the same text
# whatever the fallbacks of decode_text would do (tests/codec/test_fast_paths.py).
ASCII_TRANSPARENT = frozenset({
    "ascii", "latin-1", "utf-8", "koi8-r",
    *(f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16)),
    *(f"cp{n}" for n in range(1250, 1259)),
})


def decode_text(raw: bytes, charset: str | int | None) -> str:
    """Text in a declared charset, with fallbacks for mislabelled real-world text.

    Order: the declared charset strictly; UTF-8; the declared charset with
    replacement characters; ISO-8859-1 (which never fails).
    """
    codec = charset_codec(charset)
    if raw.isascii() and (codec is None or codec in ASCII_TRANSPARENT):
        return raw.decode("ascii")  # what every step below would give, at once
    if codec in ("utf-16-be", "utf-16-le", "utf-32-be"):
        if raw[:2] == b"\xff\xfe":
            codec, raw = ("utf-16-le" if codec.startswith("utf-16") else "utf-32-le"), raw[2:]
        elif raw[:2] == b"\xfe\xff":
            codec, raw = ("utf-16-be" if codec.startswith("utf-16") else codec), raw[2:]
    elif codec == "utf-8":
        try:  # as utf-8-sig reads it (one leading BOM dropped), without that codec's Python wrapper
            return (raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw).decode("utf-8")
        except UnicodeDecodeError:
            codec = "utf-8-sig"  # and on to the fallbacks
    if codec:
        try:
            return raw.decode(codec)
        except (ValueError, LookupError):  # UnicodeError is a ValueError
            pass
    if codec != "utf-8-sig":
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    if codec and codec not in ("ascii",):
        try:
            return raw.decode(codec, errors="replace")
        except (ValueError, LookupError):
            pass
    return raw.decode("latin-1")


def encode_text(value: str, charset: str | int | None) -> bytes:
    codec = charset_codec(charset) or "utf-8"
    try:
        raw = value.encode(codec)
    except (ValueError, LookupError) as exc:
        raise PduError(f"text {value[:40]!r} cannot be encoded in {charset}: {exc}") from None
    if codec == "utf-8" and value.startswith("\ufeff"):
        raw = b"\xef\xbb\xbf" + raw  # the decoder drops one BOM
    elif codec in ("utf-16-be", "utf-16-le") and value[:1] == "\ufeff":
        raw = "\ufeff".encode(codec) + raw
    return raw


def text(raw: bytes) -> str:
    """A Text-string without a charset: UTF-8 where valid, else ISO-8859-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


# ---------------------------------------------------------------------------
# Dates


def date_from_seconds(seconds: int, offset: int | None = None) -> datetime:
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise PduError(f"date value {seconds} is out of range", offset) from None


def seconds_from_date(value: datetime) -> int:
    if value.tzinfo is None:
        raise PduError("dates must be timezone-aware (UTC)")
    seconds = value.timestamp()
    if seconds < 0:
        raise PduError("dates before 1970 cannot be encoded")
    return int(seconds)


# ---------------------------------------------------------------------------
# Headers


@dataclass(frozen=True, slots=True)
class Header:
    """One WSP header. ``value`` is str or int when understood, else the raw value bytes.

    Well-known fields carry their canonical name (e.g. ``Content-ID``); textual
    (application) headers keep the name as written.
    """

    name: str
    value: str | int | bytes


def skip_value(r: Reader) -> None:
    """Skip one header value using the generic WSP rule for its extent."""
    b = r.peek()
    if b <= 0x1F:
        r.length_region()
    elif b < 0x80:
        r.cstring()
    else:
        r.pos += 1


def decode_header(r: Reader) -> Header:
    start = r.pos
    b = r.peek()
    if b & 0x80:
        r.pos += 1
        code = b & 0x7F
        name = HEADER_FIELDS.get(code, f"header-0x{code:02x}")
        vstart = r.pos
        skip_value(r)
        raw = r.data[vstart : r.pos]
        return Header(name, _interpret(name, raw))
    if b < 0x20:
        raise PduError(f"expected a header field, found 0x{b:02x}", start)
    name = text(r.token_text())
    vstart = r.pos
    b = r.peek()
    if 0x20 <= b < 0x80 or b == 0:
        return Header(name, text(r.text_string()))
    skip_value(r)
    return Header(name, r.data[vstart : r.pos])


def _interpret(name: str, raw: bytes) -> str | int | bytes:
    if not raw:
        return raw
    first = raw[0]
    if name == "Content-ID" or name in TEXT_HEADERS:
        if first >= 0x20 and first < 0x80 or first == 0:
            quote = 0x22 if name == "Content-ID" else QUOTE  # Quoted-string vs Text-string
            return text(raw[1:-1] if first == quote else raw[:-1])
        return raw
    if name in INTEGER_HEADERS:
        try:
            return Reader(raw).integer_value()
        except PduError:
            return raw
    if name == "X-Wap-Application-Id":
        if first & 0x80 or first <= 0x1E:
            try:
                return Reader(raw).integer_value()
            except PduError:
                return raw
        return text(raw[1:-1] if first == QUOTE else raw[:-1])
    return raw


def decode_headers(r: Reader) -> tuple[Header, ...]:
    headers = []
    while not r.at_end():
        headers.append(decode_header(r))
    return tuple(headers)


def encode_header(h: Header) -> bytes:
    code = HEADER_FIELD_CODES.get(h.name.lower())
    if code is not None and HEADER_FIELDS[code] != h.name:
        code = None  # a textual header spelled differently stays textual
    if code is None:
        m = _UNKNOWN_HEADER.fullmatch(h.name)
        code = int(m.group(1), 16) if m else None
    value = h.value
    if isinstance(value, (bytes, bytearray, memoryview)):
        head = bytes((0x80 | code,)) if code is not None else _token(h.name, "header name")
        return head + bytes(value)
    if code is not None:
        head = bytes((0x80 | code,))
        if isinstance(value, int):
            return head + enc_integer(value)
        if h.name == "Content-ID":
            return head + enc_quoted_string(value)
        if h.name in TEXT_HEADERS or h.name == "X-Wap-Application-Id":
            return head + enc_text_string(value)
    if isinstance(value, int):
        value = str(value)
    return _token(h.name, "header name") + enc_text_string(value)


def encode_headers(headers: Iterable[Header]) -> bytes:
    return b"".join(encode_header(h) for h in headers)


def app_id_value(value: int | str) -> int | str:
    """X-Wap-Application-Id in its compact form where one exists."""
    if isinstance(value, str) and value.lower() in PUSH_APP_ID_CODES:
        return PUSH_APP_ID_CODES[value.lower()]
    return value


# ---------------------------------------------------------------------------
# Primitive encoders


def enc_uintvar(n: int) -> bytes:
    if n < 0 or n > 0xFFFFFFFF:
        raise PduError(f"uintvar {n} out of range")
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def enc_long(n: int) -> bytes:
    if n < 0:
        raise PduError(f"long integer {n} is negative")
    size = max(1, (n.bit_length() + 7) // 8)
    if size > 30:
        raise PduError(f"long integer {n} needs more than 30 octets")
    return bytes((size,)) + n.to_bytes(size, "big")


def enc_integer(n: int) -> bytes:
    """Integer-value: a short integer below 128, else a long integer."""
    if 0 <= n < 0x80:
        return bytes((0x80 | n,))
    return enc_long(n)


def enc_value_length(n: int) -> bytes:
    return bytes((n,)) if n < 31 else b"\x1f" + enc_uintvar(n)


def enc_text_string(value: str | bytes) -> bytes:
    """Text-string; quoted with 0x7F when the first octet could be misread."""
    raw = utf8(value) if isinstance(value, str) else bytes(value)
    if b"\x00" in raw:
        raise PduError(f"text {raw[:40]!r} contains NUL")
    if raw and (raw[0] < 0x20 or raw[0] >= 0x7F):
        return b"\x7f" + raw + b"\x00"
    return raw + b"\x00"


def enc_quoted_string(value: str) -> bytes:
    raw = utf8(value)
    if b"\x00" in raw:
        raise PduError(f"text {value[:40]!r} contains NUL")
    return b'"' + raw + b"\x00"


def enc_encoded_string(raw: bytes, mib: int | None) -> bytes:
    """Encoded-string-value: a plain Text-string, or with a charset, Value-length Charset Text."""
    if mib is None:
        return enc_text_string(raw)
    if b"\x00" in raw and mib not in WIDE_CHARSETS:
        raise PduError(f"text {raw[:40]!r} contains NUL")
    quote = b"\x7f" if raw and raw[0] >= 0x7F else b""
    body = enc_integer(mib) + quote + raw + b"\x00"
    return enc_value_length(len(body)) + body
