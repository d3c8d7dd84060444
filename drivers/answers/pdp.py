"""The PDP context answers of TS 27.007 §10.1, read: definitions, states, addresses.

Pure functions over answer lines (sans-I/O); :class:`~mmsua.drivers.pdp.PdpContext`
runs the commands. A vendor's own context answers (Quectel +QIACT) live in its folder.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .fields import after_prefix, split_fields


@dataclass(frozen=True, slots=True)
class ContextDefinition:
    cid: int
    pdp_type: str
    apn: str


def parse_cgdcont(lines: Sequence[str]) -> dict[int, ContextDefinition]:
    """``+CGDCONT: <cid>,"<type>","<apn>"[,...]`` lines (trailing fields vary by vendor)."""
    found: dict[int, ContextDefinition] = {}
    for line in lines:
        if not line.strip().upper().startswith("+CGDCONT"):
            continue
        fields = split_fields(after_prefix(line, "+CGDCONT"))
        if len(fields) >= 2 and fields[0].isdigit():
            found[int(fields[0])] = ContextDefinition(int(fields[0]), fields[1].upper(), fields[2] if len(fields) > 2 else "")
    return found


def parse_cgact(lines: Sequence[str]) -> dict[int, bool]:
    """``+CGACT: <cid>,<state>`` lines."""
    states: dict[int, bool] = {}
    for line in lines:
        if not line.strip().upper().startswith("+CGACT"):
            continue
        fields = split_fields(after_prefix(line, "+CGACT"))
        if len(fields) >= 2 and fields[0].isdigit() and fields[1].isdigit():
            states[int(fields[0])] = fields[1] == "1"
    return states


_DOTTED16 = re.compile(r"^(\d+\.){15}\d+$")


def normalise_address(text: str) -> str | None:
    text = text.strip().strip('"')
    if not text or text in ("0.0.0.0", "0:0:0:0:0:0:0:0", "::"):
        return None
    if _DOTTED16.match(text):  # 27.007 dotted IPv6 form
        octets = bytes(int(x) for x in text.split("."))
        if not any(octets):
            return None
        return str(ipaddress.IPv6Address(octets))
    return text


def parse_cgpaddr(lines: Sequence[str], cid: int) -> list[str]:
    """``+CGPADDR: <cid>,<addr>[,<addr2>]`` (quoted or not) → the addresses of ``cid``."""
    for line in lines:
        if not line.strip().upper().startswith("+CGPADDR"):
            continue
        fields = split_fields(after_prefix(line, "+CGPADDR"))
        if fields and fields[0].isdigit() and int(fields[0]) == cid:
            return [a for a in (normalise_address(f) for f in fields[1:]) if a]
    return []
