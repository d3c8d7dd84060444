"""The GSM 7-bit default alphabet and its extension table (3GPP TS 23.038 §6.2.1).

Written from the spec rather than imported from gsmmodem.pdu: importing that
module loads gsmmodem.modem and pyserial (the codec must not), and its basic
table has a grave accent where the spec has '§' (0x5F). tests/codec cross-check
these functions against gsmmodem on the characters it gets right.

National language shift tables (UDH IEIs 0x24/0x25) are not implemented: such
messages decode with the default tables, and the IEs stay in the UDH.
"""

from __future__ import annotations

from mmsua.codec.errors import PduError

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

_ENCODE: dict[str, tuple[int, ...]] = {ch: (i,) for i, ch in enumerate(BASIC) if i != ESCAPE}
_ENCODE.update({ch: (ESCAPE, code) for code, ch in EXTENSION.items()})


def can_encode(text: str) -> bool:
    return all(ch in _ENCODE for ch in text)


def encode(text: str) -> bytes:
    """Septet values (one per byte, unpacked) for ``text``; PduError if a character has none."""
    out = bytearray()
    for i, ch in enumerate(text):
        codes = _ENCODE.get(ch)
        if codes is None:
            raise PduError(f"character {ch!r} at position {i} is not in the GSM 7-bit alphabet")
        out.extend(codes)
    return bytes(out)


def decode(septets: bytes) -> str:
    """Text for septet values; an escape to an undefined code shows the basic character (§6.2.1.1)."""
    out: list[str] = []
    escaped = False
    for s in septets:
        s &= 0x7F
        if escaped:
            escaped = False
            out.append(EXTENSION.get(s, " " if s == ESCAPE else BASIC[s]))
        elif s == ESCAPE:
            escaped = True
        else:
            out.append(BASIC[s])
    if escaped:  # a lone escape at the end shows as a space
        out.append(" ")
    return "".join(out)


def septet_length(text: str) -> int:
    return len(encode(text))


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
