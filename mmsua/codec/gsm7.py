"""The GSM 7-bit default alphabet, its extension table (3GPP TS 23.038 §6.2.1) and
the national language shift tables (Annex A, in :mod:`mmsua.codec.gsm7_national`).

Written from the spec rather than imported from gsmmodem.pdu: importing that
module loads gsmmodem.modem and pyserial (the codec must not), and its basic
table has a grave accent where the spec has '§' (0x5F). tests/codec cross-check
these functions against gsmmodem on the characters it gets right.

Every function takes ``locking`` and ``single``, the national language
identifiers of the locking and single shift tables in force (UDH IEIs 0x25 and
0x24); 0, or a language without such a table, means the default one (§6.2.1.2.4).
"""

from __future__ import annotations

from functools import lru_cache

from mmsua.codec.errors import PduError
from mmsua.codec.gsm7_national import LOCKING, SINGLE, UNDEFINED

ESCAPE = 0x1B

BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
assert len(BASIC) == 128

EXTENSION = {0x0A: "\x0c", 0x14: "^", 0x28: "{", 0x29: "}", 0x2F: "\\", 0x3C: "[", 0x3D: "~", 0x3E: "]", 0x40: "|", 0x65: "€"}


def tables(locking: int = 0, single: int = 0) -> tuple[str, dict[int, str]]:
    """The (locking table, single shift table) for two national language identifiers."""
    return LOCKING.get(locking, BASIC), SINGLE.get(single, EXTENSION)


@lru_cache(maxsize=64)
def _encoding(locking: int, single: int) -> dict[str, tuple[int, ...]]:
    lock, shift = tables(locking, single)
    out: dict[str, tuple[int, ...]] = {}
    for code, ch in sorted(shift.items(), reverse=True):
        out[ch] = (ESCAPE, code)  # the lowest code wins where a table repeats a character
    for code in range(127, -1, -1):
        ch = lock[code]
        if code != ESCAPE and ch != UNDEFINED:
            out[ch] = (code,)  # one septet beats an escape sequence
    return out


def can_encode(text: str, locking: int = 0, single: int = 0) -> bool:
    table = _encoding(locking, single)
    return all(ch in table for ch in text)


def encode(text: str, locking: int = 0, single: int = 0) -> bytes:
    """Septet values (one per byte, unpacked) for ``text``; PduError if a character has none."""
    table = _encoding(locking, single)
    out = bytearray()
    for i, ch in enumerate(text):
        codes = table.get(ch)
        if codes is None:
            raise PduError(f"character {ch!r} at position {i} is not in the GSM 7-bit alphabet"
                           + (f" with national tables {locking}/{single}" if locking or single else ""))
        out.extend(codes)
    return bytes(out)


def decode(septets: bytes, locking: int = 0, single: int = 0) -> str:
    """Text for septet values. An escape to a code the single shift table lacks shows
    the locking table's character (§6.2.1.1); a code the locking table leaves undefined
    shows U+FFFD."""
    lock, shift = tables(locking, single)
    out: list[str] = []
    escaped = False
    for s in septets:
        s &= 0x7F
        if escaped:
            escaped = False
            out.append(shift.get(s, " " if s == ESCAPE else lock[s]))
        elif s == ESCAPE:
            escaped = True
        else:
            out.append(lock[s])
    if escaped:  # a lone escape at the end shows as a space
        out.append(" ")
    text = "".join(out)
    return text.replace(UNDEFINED, "\ufffd") if UNDEFINED in text else text


def septet_length(text: str, locking: int = 0, single: int = 0) -> int:
    return len(encode(text, locking, single))


def pack(septets: bytes, fill_bits: int = 0) -> bytes:
    """Pack septets into octets, least significant bits first, after ``fill_bits`` zero bits."""
    value = 0
    for i, s in enumerate(septets):
        value |= (s & 0x7F) << (7 * i + fill_bits)
    nbits = fill_bits + 7 * len(septets)
    return value.to_bytes((nbits + 7) // 8, "little")


def unpack(octets: bytes, count: int, fill_bits: int = 0) -> bytes:
    """The first ``count`` septets packed in ``octets`` after ``fill_bits`` bits."""
    value = int.from_bytes(octets, "little") >> fill_bits
    return bytes((value >> (7 * i)) & 0x7F for i in range(count))
