"""URC names: which lines are unsolicited, which announce a restart, which carry bytes.

A :class:`UrcTable` is data plus the lookups the framer makes. :data:`STANDARD`
holds the names of 3GPP TS 27.005/27.007 and V.250; each vendor's profile brings
its own table (drivers/vendors/<vendor>/urcs.py), and the channel frames with all
of them merged (``mmsua.drivers.vendors.known_urcs()``): it listens before the
modem is identified, so every registered family's URCs must be known from the start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, TypeVar

T = TypeVar("T")

_NAME = re.compile(r"^([+^#$%*][A-Za-z0-9_]+)")


def _union(parts: Iterable[tuple[T, ...]]) -> tuple[T, ...]:
    return tuple(dict.fromkeys(item for part in parts for item in part))


def _lengths(mapping: Mapping[str, int] | None = None) -> Mapping[str, int]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class UrcTable:
    """URC names (prefixes, matched case-insensitively) and the forms a framer must know.

    ``always``: URC-only prefixes, URCs wherever they appear (mid-answer, before the echo).
    ``ambiguous``: names shared with a command's answer (``+CREG: n,stat`` vs ``+CREG: stat``).
    ``strong_reset``: lines only a booting modem prints; ``weak_reset``: boot-time lines that
    also come at other times; ``late_boot``: weak signs that end a boot long after its first
    URCs, never a restart alone; ``weak_reset_patterns``: weak signs as patterns.
    ``binary_length``: which comma field of a counted-read line (``+QIRD: 512``) holds the count.
    ``pushed``: URCs followed by raw bytes, group 1 the count. ``grouped``: URC-only forms
    without a prefix (``1, CLOSED``), group 1 the name.
    """

    always: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()
    strong_reset: tuple[str, ...] = ()
    weak_reset: tuple[str, ...] = ()
    late_boot: tuple[str, ...] = ()
    weak_reset_patterns: tuple[re.Pattern[str], ...] = ()
    binary_length: Mapping[str, int] = field(default_factory=_lengths)
    pushed: tuple[re.Pattern[str], ...] = ()
    grouped: tuple[re.Pattern[str], ...] = ()

    def merged(self, *others: UrcTable) -> UrcTable:
        """This table with the others' names added (first occurrence kept)."""
        tables = (self, *others)
        lengths: dict[str, int] = {}
        for table in tables:
            for key, index in table.binary_length.items():
                lengths.setdefault(key, index)
        return UrcTable(
            always=_union(t.always for t in tables),
            ambiguous=_union(t.ambiguous for t in tables),
            strong_reset=_union(t.strong_reset for t in tables),
            weak_reset=_union(t.weak_reset for t in tables),
            late_boot=_union(t.late_boot for t in tables),
            weak_reset_patterns=_union(t.weak_reset_patterns for t in tables),
            binary_length=_lengths(lengths),
            pushed=_union(t.pushed for t in tables),
            grouped=_union(t.grouped for t in tables),
        )

    # -- lookups

    def kind(self, s: str) -> str | None:
        """"always" for URC-only lines, "ambiguous" for answer-or-URC names, else None."""
        up = s.upper()
        for p in self.always:
            if up.startswith(p.upper()) and (len(up) == len(p) or not p[-1].isalnum() or not up[len(p)].isalnum()):
                return "always"
        if any(pattern.match(up) for pattern in self.grouped):
            return "always"
        for p in self.ambiguous:
            if up.startswith(p.upper()):
                return "ambiguous"
        return None

    def name(self, s: str) -> str:
        """The URC's name: its prefix (``+CMTI``), a grouped form's word, else the text before ':'."""
        m = _NAME.match(s)
        if m:
            return m.group(1)
        head = s.split(":", 1)[0].strip()
        for pattern in self.grouped:
            g = pattern.match(s.upper())
            if g:
                return g.group(1)
        return head

    def reset(self, s: str) -> str | None:
        """"strong" (the modem booted), "weak" (a boot-time line) or None."""
        up = s.upper()
        if any(up == p or up.startswith(p + ":") for p in self.strong_reset):
            return "strong"
        if any(up.startswith(p.upper()) for p in self.weak_reset) or any(p.match(up) for p in self.weak_reset_patterns):
            return "weak"
        return None

    def is_late_boot(self, s: str) -> bool:
        return s.strip().upper() in self.late_boot

    def pushed_length(self, s: str) -> int:
        """The byte count of a URC that carries raw data after its line, else 0."""
        for pattern in self.pushed:
            m = pattern.match(s)
            if m:
                return int(m.group(1))
        return 0

    def length_field(self, name: str) -> int:
        return self.binary_length.get(name, 0)


# 3GPP TS 27.005 §3.4.1/§3.4.2, TS 27.007 (§7.2, §7.21, §8.10, §10.1.19, §10.1.20-22) and V.250.
STANDARD = UrcTable(
    always=("+CMTI:", "+CMT:", "+CDS:", "+CDSI:", "+CBM:", "+CBMI:", "RING", "+CRING:", "+CLIP:", "+CCWA:",
            "+CGEV:", "+CIEV:"),
    ambiguous=("+CREG:", "+CGREG:", "+CEREG:", "+C5GREG:", "+CSQ:", "+CPIN:", "+CFUN:", "+CUSD:", "+CTZV:",
               "+CTZE:", "+CSCON:"),
    weak_reset=("+CPIN:", "+CFUN:"),
)
