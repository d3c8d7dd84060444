"""SMS User Data Header (3GPP TS 23.040 §9.2.3.24): information elements.

The UDH is a length octet (UDHL) followed by information elements, each an
identifier (IEI), a length and that many octets. Concatenation (IEI 0x00 with an
8-bit reference, 0x08 with a 16-bit one) and application port addressing (0x04
with 8-bit ports, 0x05 with 16-bit ports) and the national language shift tables
(0x24 single shift, 0x25 locking shift: TS 23.038 Annex A) are understood; every
element is kept as it came, so a header re-encodes to the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mmsua.codec.errors import PduError
from mmsua.codec.frozen import filling

IEI_CONCAT_8 = 0x00
IEI_PORTS_8 = 0x04
IEI_PORTS_16 = 0x05
IEI_CONCAT_16 = 0x08
IEI_NATIONAL_SINGLE = 0x24
IEI_NATIONAL_LOCKING = 0x25

WAP_PUSH_PORT = 2948  # WAP-259 WDP: the connectionless push port of the handset
WAP_PUSH_SOURCE_PORT = 9200  # WAP connectionless session service on the server side


@dataclass(frozen=True, slots=True)
class InformationElement:
    iei: int
    data: bytes

    def encode(self) -> bytes:
        return bytes((self.iei, len(self.data))) + self.data


@dataclass(frozen=True, slots=True)
class Concat:
    """One segment of a concatenated message: segment ``sequence`` of ``total``."""

    reference: int
    total: int
    sequence: int
    bits: int = 8  # width of the reference: 8 (IEI 0x00) or 16 (IEI 0x08)

    def element(self) -> InformationElement:
        if self.bits == 16:
            return InformationElement(IEI_CONCAT_16, self.reference.to_bytes(2, "big") + bytes((self.total, self.sequence)))
        return InformationElement(IEI_CONCAT_8, bytes((self.reference, self.total, self.sequence)))


@dataclass(frozen=True, slots=True)
class Ports:
    """Application port addressing: the datagram goes to ``destination``."""

    destination: int
    source: int
    bits: int = 16  # 8 (IEI 0x04) or 16 (IEI 0x05)

    def element(self) -> InformationElement:
        if self.bits == 8:
            return InformationElement(IEI_PORTS_8, bytes((self.destination, self.source)))
        return InformationElement(IEI_PORTS_16, self.destination.to_bytes(2, "big") + self.source.to_bytes(2, "big"))


_ElementFilling = filling(InformationElement)
_ConcatFilling = filling(Concat)
_PortsFilling = filling(Ports)
_UdhFilling: type  # made below the class


def new_element(iei: int, data: bytes) -> InformationElement:
    """InformationElement(iei, data) for checked values, without the frozen __init__'s cost."""
    e: Any = object.__new__(_ElementFilling)
    e.iei, e.data = iei, data
    e.__class__ = InformationElement
    return e  # type: ignore[no-any-return]


def _new_concat(reference: int, total: int, sequence: int, bits: int) -> Concat:
    c: Any = object.__new__(_ConcatFilling)
    c.reference, c.total, c.sequence, c.bits = reference, total, sequence, bits
    c.__class__ = Concat
    return c  # type: ignore[no-any-return]


def _new_ports(destination: int, source: int, bits: int) -> Ports:
    p: Any = object.__new__(_PortsFilling)
    p.destination, p.source, p.bits = destination, source, bits
    p.__class__ = Ports
    return p  # type: ignore[no-any-return]


def new_udh(elements: tuple[InformationElement, ...]) -> Udh:
    """Udh(elements) for a decoder's checked elements."""
    u: Any = object.__new__(_UdhFilling)
    u.elements = elements
    u.__class__ = Udh
    return u  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Udh:
    elements: tuple[InformationElement, ...]

    @classmethod
    def of(cls, *, concat: Concat | None = None, ports: Ports | None = None, locking: int = 0, single: int = 0,
           extra: tuple[InformationElement, ...] = ()) -> Udh:
        """A header with the given concatenation, port and national language elements
        (in that order; a language of 0 adds none) and any others."""
        elements: list[InformationElement] = []
        if concat is not None:
            elements.append(concat.element())
        if ports is not None:
            elements.append(ports.element())
        for iei, language in ((IEI_NATIONAL_LOCKING, locking), (IEI_NATIONAL_SINGLE, single)):
            if language:
                if not 0 < language <= 0xFF:
                    raise PduError(f"national language identifier {language} is not an octet")
                elements.append(InformationElement(iei, bytes((language,))))
        return cls(tuple(elements) + tuple(extra))

    def _language(self, iei: int) -> int:
        for ie in self.elements:
            if ie.iei == iei and len(ie.data) == 1:
                return ie.data[0]
        return 0

    @property
    def national_locking(self) -> int:
        """The national language identifier of the locking shift table (IEI 0x25), or 0."""
        return self._language(IEI_NATIONAL_LOCKING)

    @property
    def national_single(self) -> int:
        """The national language identifier of the single shift table (IEI 0x24), or 0."""
        return self._language(IEI_NATIONAL_SINGLE)

    @property
    def concat(self) -> Concat | None:
        """The concatenation element, or None.

        Per §9.2.3.24.1/.8 an element with a total of 0, or a sequence of 0 or
        beyond the total, is to be ignored: it stays in ``elements`` but is not
        reported here.
        """
        for ie in self.elements:
            iei, data = ie.iei, ie.data
            if iei == IEI_CONCAT_8 and len(data) == 3:
                ref, total, seq, bits = data[0], data[1], data[2], 8
            elif iei == IEI_CONCAT_16 and len(data) == 4:
                ref, total, seq, bits = data[0] << 8 | data[1], data[2], data[3], 16
            else:
                continue
            if total == 0 or seq == 0 or seq > total:
                continue
            return _new_concat(ref, total, seq, bits)
        return None

    @property
    def ports(self) -> Ports | None:
        """The application port element (the first well-formed one), or None."""
        for ie in self.elements:
            iei, data = ie.iei, ie.data
            if iei == IEI_PORTS_16 and len(data) == 4:
                return _new_ports(data[0] << 8 | data[1], data[2] << 8 | data[3], 16)
            if iei == IEI_PORTS_8 and len(data) == 2:
                return _new_ports(data[0], data[1], 8)
        return None

    def encode(self) -> bytes:
        """The header with its leading length octet (UDHL)."""
        body = b"".join(ie.encode() for ie in self.elements)
        if len(body) > 139:
            raise PduError(f"user data header of {len(body)} octets does not fit an SMS")
        return bytes((len(body),)) + body


_UdhFilling = filling(Udh)


def decode_udh(data: bytes, offset: int = 0) -> tuple[Udh, int]:
    """Decode the header at the start of ``data`` (the user data).

    Returns the header and its size in octets including the UDHL octet.
    ``offset`` is where ``data`` starts in the whole PDU, for error positions.
    """
    if not data:
        raise PduError("user data header indicated but the user data is empty", offset)
    udhl = data[0]
    if 1 + udhl > len(data):
        raise PduError(f"user data header length {udhl} runs past the user data ({len(data) - 1} octets)", offset)
    elements: list[InformationElement] = []
    pos = 1
    end = 1 + udhl
    while pos < end:
        if pos + 2 > end:
            raise PduError("information element header cut short by the user data header length", offset + pos)
        iei, iel = data[pos], data[pos + 1]
        if pos + 2 + iel > end:
            raise PduError(f"information element 0x{iei:02X} of {iel} octets runs past the user data header", offset + pos)
        elements.append(new_element(iei, bytes(data[pos + 2 : pos + 2 + iel])))
        pos += 2 + iel
    return new_udh(tuple(elements)), end
