"""A bounded reader over bytes: the WSP (WAP-230 §8.4.2) primitives.

Every read checks the remaining input first, so a length from the wire can
never drive an allocation or a slice beyond the input, and every failure is a
:class:`PduError` carrying the offset where decoding stopped.
"""

from __future__ import annotations

from mmsua.codec.errors import PduError

QUOTE = 0x7F  # Text-string quote before a first octet >= 128
_WIDE_CHARSETS = frozenset({1000, 1013, 1014, 1015, 1017, 1018, 1019})  # UCS-2, UTF-16, UTF-32
LENGTH_QUOTE = 31  # Value-length: a uintvar length follows


class Reader:
    """Reads WSP primitives from ``data[pos:end]``; ``pos`` advances."""

    __slots__ = ("data", "pos", "end")

    def __init__(self, data: bytes | bytearray | memoryview, pos: int = 0, end: int | None = None) -> None:
        self.data = data if isinstance(data, bytes) else bytes(data)
        self.pos = pos
        self.end = len(self.data) if end is None else end

    # -- position -------------------------------------------------------
    @property
    def remaining(self) -> int:
        return self.end - self.pos

    def at_end(self) -> bool:
        return self.pos >= self.end

    def error(self, reason: str, offset: int | None = None) -> PduError:
        return PduError(reason, self.pos if offset is None else offset)

    def need(self, n: int, what: str) -> None:
        if n > self.end - self.pos:
            raise PduError(f"{what} needs {n} bytes but only {self.end - self.pos} remain (input ends at {self.end})", self.pos)

    def sub(self, length: int, what: str) -> Reader:
        """A reader over the next ``length`` bytes; this reader skips past them."""
        self.need(length, what)
        start = self.pos
        self.pos += length
        return Reader(self.data, start, start + length)

    # -- octets ---------------------------------------------------------
    def peek(self) -> int:
        if self.pos >= self.end:
            raise PduError("unexpected end of data", self.pos)
        return self.data[self.pos]

    def byte(self) -> int:
        if self.pos >= self.end:
            raise PduError("unexpected end of data", self.pos)
        b = self.data[self.pos]
        self.pos += 1
        return b

    def take(self, n: int, what: str = "field") -> bytes:
        """The next ``n`` bytes (one copy), after checking they exist."""
        if n < 0:
            raise PduError(f"negative length for {what}", self.pos)
        self.need(n, what)
        start = self.pos
        self.pos += n
        return self.data[start : self.pos]

    def rest(self) -> bytes:
        start, self.pos = self.pos, self.end
        return self.data[start : self.end]

    # -- integers -------------------------------------------------------
    def uintvar(self) -> int:
        """Variable-length unsigned integer, at most 5 octets (32 bits)."""
        start = self.pos
        value = 0
        for _ in range(5):
            b = self.byte()
            value = (value << 7) | (b & 0x7F)
            if not b & 0x80:
                if value > 0xFFFFFFFF:
                    raise PduError("uintvar exceeds 32 bits", start)
                return value
        raise PduError("uintvar longer than 5 octets", start)

    def short_integer(self) -> int:
        b = self.byte()
        if not b & 0x80:
            raise PduError(f"expected a short integer (octet >= 0x80), found 0x{b:02x}", self.pos - 1)
        return b & 0x7F

    def long_integer(self) -> int:
        start = self.pos
        n = self.byte()
        if n > 30:
            raise PduError(f"long integer length {n} is over 30", start)
        if n == 0:
            raise PduError("long integer of length 0", start)
        return int.from_bytes(self.take(n, "long integer"), "big")

    def integer_value(self) -> int:
        b = self.peek()
        if b & 0x80:
            self.pos += 1
            return b & 0x7F
        return self.long_integer()

    def value_length(self) -> int:
        """Value-length: a short length (0-30) or 31 then a uintvar; checked against the input."""
        start = self.pos
        b = self.byte()
        if b < LENGTH_QUOTE:
            n = b
        elif b == LENGTH_QUOTE:
            n = self.uintvar()
        else:
            raise PduError(f"expected a value length, found 0x{b:02x}", start)
        if n > self.end - self.pos:
            raise PduError(f"value length {n} runs past the end of the data ({self.end - self.pos} bytes remain)", start)
        return n

    def length_region(self) -> Reader:
        """Reads a Value-length and returns a reader over that many bytes."""
        n = self.value_length()
        return self.sub(n, "value")

    # -- strings --------------------------------------------------------
    def cstring(self) -> bytes:
        """Bytes up to (not including) the next NUL, which is consumed."""
        nul = self.data.find(b"\x00", self.pos, self.end)
        if nul < 0:
            where = "the end of the data" if self.end == len(self.data) else f"the end of its field at offset {self.end}"
            raise PduError(f"string is not terminated by NUL before {where}", self.pos)
        start = self.pos
        self.pos = nul + 1
        return self.data[start:nul]

    def text_string(self) -> bytes:
        """Text-string: optional 0x7F quote, text, NUL."""
        if self.peek() == QUOTE:
            self.pos += 1
        return self.cstring()

    def quoted_string(self) -> bytes:
        """Quoted-string: '"' text NUL (the opening quote is optional in practice)."""
        if self.peek() == 0x22:
            self.pos += 1
        return self.cstring()

    def token_text(self) -> bytes:
        return self.cstring()

    def encoded_string(self) -> tuple[int | None, bytes]:
        """Encoded-string-value: Text-string, or Value-length Char-set Text-string.

        Returns (MIBenum or None, raw text bytes). In the charset form the text ends
        at the first NUL, except in UTF-16/UCS-2/UTF-32, whose text holds zero octets
        and ends with the length region (less one terminating NUL).
        """
        b = self.peek()
        if b > LENGTH_QUOTE:
            return None, self.text_string()
        if b == 0:  # an empty Text-string, not a zero value-length
            self.pos += 1
            return None, b""
        region = self.length_region()
        charset = _charset_in(region)
        if not region.at_end() and region.peek() == QUOTE:
            region.pos += 1
        raw = region.rest()
        if charset in _WIDE_CHARSETS:
            # UTF-16/32 text holds zero octets: the length bounds it, less one NUL.
            return charset, raw[:-1] if raw.endswith(b"\x00") else raw
        nul = raw.find(b"\x00")
        return charset, raw if nul < 0 else raw[:nul]


def _charset_in(region: Reader) -> int:
    """Well-known-charset inside an encoded string, tolerating one real-world slip.

    Some MMSCs write the MIBenum as a bare octet without the short-integer high
    bit (e.g. 0x04 for iso-8859-1); read literally that is a long-integer length.
    When the literal reading gives an unknown charset but the bare octet is a
    known one, take the bare octet.
    """
    from mmsua.codec.wsp_tables import CHARSETS

    start = region.pos
    b = region.peek()
    if b & 0x80:
        region.pos += 1
        return 0 if b == 0x80 else b & 0x7F
    if b == 0:
        region.pos += 1
        return 0
    try:
        value = region.long_integer()
    except PduError:
        value = None
    if value in CHARSETS:
        return value
    if b in CHARSETS:
        region.pos = start + 1
        return b
    if value is None:
        raise PduError("bad charset in encoded string", start)
    return value
