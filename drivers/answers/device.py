"""The modem's device answers, read: identification, SIM, registration, signal, operator.

Pure functions over answer lines (sans-I/O) that accept every real form listed in
modem-dialects.md §2.3-2.6; :class:`~mmsua.drivers.modem.Modem` runs the commands.
Vendor signal forms (+QCSQ, ^HCSQ) live in their vendor's folder.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..errors import AnswerError
from .fields import after_prefix, split_fields, to_hex, to_int

# --------------------------------------------------------------------------------------
# Boundary types


@dataclass(frozen=True, slots=True)
class ModemIdentity:
    manufacturer: str
    model: str
    revision: str
    imei: str


@dataclass(frozen=True, slots=True)
class Registration:
    """One registration answer or URC (CREG, CGREG or CEREG).

    ``state``: "not-registered", "home", "searching", "denied", "unknown",
    "roaming", "sms-only-home", "sms-only-roaming", "emergency-only".
    ``lac`` is the LAC or TAC, ``cell`` the cell id, both as integers.
    """

    state: str
    technology: str | None = None
    lac: int | None = None
    cell: int | None = None
    source: str = "CREG"

    @property
    def registered(self) -> bool:
        return self.state in ("home", "roaming", "sms-only-home", "sms-only-roaming")


@dataclass(frozen=True, slots=True)
class Signal:
    """Signal strength: ``rssi_dbm`` from CSQ (None when unknown, rssi 99)."""

    rssi_dbm: int | None
    percent: int | None
    ber: int | None = None
    rsrp_dbm: float | None = None
    rsrq_db: float | None = None
    sinr_db: float | None = None
    technology: str | None = None


@dataclass(frozen=True, slots=True)
class Operator:
    name: str | None
    mode: int | None = None
    technology: str | None = None



# --------------------------------------------------------------------------------------
# Registration (27.007 7.2, 10.1.20, 10.1.22 and the real variants)

_REG_STATES = {
    0: "not-registered",
    1: "home",
    2: "searching",
    3: "denied",
    4: "unknown",
    5: "roaming",
    6: "sms-only-home",
    7: "sms-only-roaming",
    8: "emergency-only",
    9: "home",  # CSFB not preferred, home
    10: "roaming",
    11: "emergency-only",
}

_ACT = {
    0: "gsm",
    1: "gsm-compact",
    2: "umts",
    3: "edge",
    4: "hsdpa",
    5: "hsupa",
    6: "hspa",
    7: "lte",
    8: "ec-gsm-iot",
    9: "nb-iot",
    10: "lte-5gcn",
    11: "nr-5gcn",
    12: "ng-ran",
    13: "en-dc",
}

_REG_PREFIX = re.compile(r"^\s*\+(C|CG|CE|C5G)REG\s*:?", re.IGNORECASE)


def parse_registration(line: str, *, solicited: bool) -> Registration:
    """Parse ``+CREG``/``+CGREG``/``+CEREG`` as a read answer or as a URC.

    ``solicited`` says which: a read answer starts with ``<n>``, a URC starts
    with ``<stat>`` (u-blox ``+CREG: 5,"EA6D","544C28",2``). Accepted: quoted or
    unquoted hex, leading zeros, spaces after commas and inside numbers, empty
    LAC, AcT after n=0 (Telit), RAC in CGREG, extra trailing fields (Samsung).
    """
    match = _REG_PREFIX.match(line)
    if not match:
        raise AnswerError("registration", line)
    source = match.group(1).upper() + "REG"
    fields = split_fields(line[match.end() :])
    if solicited:
        if len(fields) < 2:
            raise AnswerError("registration", line)
        fields = fields[1:]
    stat = to_int(fields[0])
    if stat is None or stat not in _REG_STATES:
        raise AnswerError("registration", line)
    lac = to_hex(fields[1]) if len(fields) > 1 else None
    cell = to_hex(fields[2]) if len(fields) > 2 else None
    act = to_int(fields[3]) if len(fields) > 3 else None
    # Some firmware put an unknown/placeholder value; FFFF/FFFE is "no LAC".
    if lac in (0xFFFF, 0xFFFE) and source == "CREG" and stat in (0, 2, 3, 4):
        lac = None
    return Registration(_REG_STATES[stat], _ACT.get(act) if act is not None else None, lac, cell, source)


def is_registration_line(line: str) -> bool:
    """Whether ``line`` is a +CREG/+CGREG/+CEREG/+C5GREG line (answer or URC)."""
    return _REG_PREFIX.match(line) is not None


def is_registration_answer(line: str, n: int) -> bool:
    """Whether a ``+CREG/+CGREG/+CEREG:`` line is the read answer, knowing ``<n>`` is set.

    With ``AT+CREG=2`` set, the answer is ``<n>,<stat>[,<lac>,<ci>[,<AcT>...]]`` and
    the URC ``<stat>[,<lac>,<ci>[,<AcT>...]]`` (27.007 7.2): the answer starts with
    n and an unquoted small stat, and never has 3 fields (n,stat,lac without ci),
    which the URC stat,lac,ci has. Unquoted LACs (Huawei) differ from a stat by
    value (> 11) or by the field count. Left ambiguous: a URC of stat n with an
    unquoted LAC of 0..11 *and* AcT (4 fields) — no real modem has shown one.
    """
    match = _REG_PREFIX.match(line)
    if not match:
        return False
    raw = [f.strip() for f in line[match.end() :].split(",")]
    if len(raw) < 2 or len(raw) == 3:
        return False
    first, stat = to_int(raw[0].replace(" ", "")), raw[1].replace(" ", "")
    return first == n and stat.isdigit() and int(stat) in _REG_STATES


# What a modem reports while it is still looking for a network after boot or CFUN=1.
UNSETTLED = frozenset({"searching", "unknown", "not-registered"})


def best_registration(regs: Iterable[Registration]) -> Registration:
    """CREG, CGREG and CEREG together: LTE-only modems show CREG 0 with CEREG 1."""
    order = ["home", "roaming", "sms-only-home", "sms-only-roaming", "searching", "denied", "emergency-only", "unknown", "not-registered"]
    regs = list(regs)
    if not regs:
        return Registration("unknown")
    return min(regs, key=lambda r: order.index(r.state) if r.state in order else len(order))


# --------------------------------------------------------------------------------------
# Signal (27.007 8.5 CSQ, 8.69 CESQ, vendor forms)


def percent_from_dbm(dbm: float, low: float = -113.0, high: float = -51.0) -> int:
    return max(0, min(100, round((dbm - low) * 100 / (high - low))))


def parse_csq(line: str) -> Signal:
    """``+CSQ: <rssi>,<ber>``: rssi 0-31 → -113..-51 dBm, 99 unknown."""
    fields = split_fields(after_prefix(line, "+CSQ"))
    rssi = to_int(fields[0])
    ber = to_int(fields[1]) if len(fields) > 1 else None
    if rssi is None:
        raise AnswerError("signal", line)
    if rssi == 99 or not 0 <= rssi <= 31:
        # 100-191 is the TD-SCDMA range; treat as unknown here.
        return Signal(None, None, None if ber in (None, 99) else ber)
    dbm = -113 + 2 * rssi
    return Signal(dbm, percent_from_dbm(dbm), None if ber in (None, 99) else ber)


def parse_cesq(line: str) -> Signal:
    """``+CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>`` (255 = unknown)."""
    f = [to_int(x) for x in split_fields(after_prefix(line, "+CESQ"))]
    if len(f) < 6:
        raise AnswerError("signal", line)
    rxlev, ber, rscp, _ecno, rsrq, rsrp = f[:6]
    rsrp_dbm = -141.0 + rsrp if rsrp is not None and 0 <= rsrp <= 97 else None
    rsrq_db = -20.0 + rsrq * 0.5 if rsrq is not None and 0 <= rsrq <= 34 else None
    rssi = -111 + rxlev if rxlev is not None and 0 <= rxlev <= 63 else None
    if rssi is None and rscp is not None and 0 <= rscp <= 96:
        rssi = -121 + rscp
    if rsrp_dbm is not None:
        return Signal(rssi, percent_from_dbm(rsrp_dbm, -140.0, -44.0), None, rsrp_dbm, rsrq_db, None, "lte")
    return Signal(rssi, percent_from_dbm(rssi) if rssi is not None else None, None if ber in (None, 99) else ber)


# --------------------------------------------------------------------------------------
# Identification, SIM, operator, own number, SPN


def parse_ati(lines: Sequence[str]) -> dict[str, str]:
    """ATI in its two shapes: labelled (Huawei, SIMCom) or bare (Quectel)."""
    out: dict[str, str] = {}
    bare: list[str] = []
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        key, sep, value = line.partition(":")
        k = key.strip().lower()
        if sep and k in ("manufacturer", "model", "revision", "imei", "+gcap"):
            out.setdefault(k.lstrip("+"), value.strip())
        else:
            bare.append(line)
    # Quectel: "Quectel" / "EC25" / "Revision: ..." — the first two bare lines.
    if bare and "manufacturer" not in out:
        out["manufacturer"] = bare[0]
    if len(bare) > 1 and "model" not in out:
        out["model"] = bare[1]
    return out


def clean_value(lines: Sequence[str], prefix: str | None = None) -> str:
    """The one value of a bare-value answer (CGMI, CGMM, CGSN, CIMI).

    Padding is stripped (`` MULTIBAND  900E  1800 ``); a ``+CGMI:`` style prefix
    some firmware add is removed; multi-line answers (Quectel M95 CGMI) keep
    their first line.
    """
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if prefix and line.upper().startswith(prefix.upper()):
            line = after_prefix(line, prefix)
        return " ".join(line.strip('"').split())
    return ""


_IMSI = re.compile(r"\b(\d{6,15})\b")


def parse_imsi(lines: Sequence[str]) -> str:
    for line in lines:
        match = _IMSI.search(line.replace('"', " "))
        if match:
            return match.group(1)
    raise AnswerError("IMSI", " | ".join(lines))


def parse_cpin(line: str) -> str:
    """``+CPIN: READY`` → "READY"; ``+CPIN: SIM PIN`` → "SIM PIN"."""
    return after_prefix(line, "+CPIN").strip('"').strip().upper()


def parse_cops(line: str) -> Operator:
    """``+COPS: <mode>[,<format>,<oper>[,<AcT>]]``."""
    f = split_fields(after_prefix(line, "+COPS"))
    mode = to_int(f[0]) if f else None
    name = f[2] if len(f) > 2 and f[2] else None
    act = to_int(f[3]) if len(f) > 3 else None
    return Operator(name, mode, _ACT.get(act) if act is not None else None)


def parse_cnum(lines: Sequence[str]) -> str | None:
    """The first number of ``+CNUM: [<alpha>],<number>,<type>`` lines, if any."""
    for line in lines:
        if not line.strip().upper().startswith("+CNUM"):
            continue
        f = split_fields(after_prefix(line, "+CNUM"))
        if len(f) >= 2 and f[1].strip():
            number = f[1].strip()
            toa = to_int(f[2]) if len(f) > 2 else None
            if toa == 145 and not number.startswith("+"):
                number = "+" + number
            return number
    return None


# GSM 03.38 default alphabet, positions that differ from ASCII (for EF-SPN).
_GSM_DIFF = {
    0x00: "@", 0x01: "£", 0x02: "$", 0x03: "¥", 0x04: "è", 0x05: "é", 0x06: "ù", 0x07: "ì",
    0x08: "ò", 0x09: "Ç", 0x0B: "Ø", 0x0C: "ø", 0x0E: "Å", 0x0F: "å", 0x10: "Δ", 0x11: "_",
    0x12: "Φ", 0x13: "Γ", 0x14: "Λ", 0x15: "Ω", 0x16: "Π", 0x17: "Ψ", 0x18: "Σ", 0x19: "Θ",
    0x1A: "Ξ", 0x1C: "Æ", 0x1D: "æ", 0x1E: "ß", 0x1F: "É", 0x24: "¤", 0x40: "¡", 0x5B: "Ä",
    0x5C: "Ö", 0x5D: "Ñ", 0x5E: "Ü", 0x5F: "§", 0x60: "¿", 0x7B: "ä", 0x7C: "ö", 0x7D: "ñ",
    0x7E: "ü", 0x7F: "à",
}


def decode_spn(hex_data: str) -> str | None:
    """EF-SPN (TS 31.102 4.2.12): display byte, then the name in the SIM alphabet or UCS2."""
    try:
        raw = bytes.fromhex(hex_data.strip().strip('"'))
    except ValueError:
        return None
    body = raw[1:]
    if not body:
        return None
    if body[0] == 0x80:  # UCS2 big-endian, FFFF padded
        text = body[1:]
        text = text[: len(text) - len(text) % 2]
        chars = [text[i : i + 2] for i in range(0, len(text), 2)]
        name = "".join(c.decode("utf-16-be") for c in chars if c != b"\xff\xff")
        return name.strip() or None
    name = "".join(_GSM_DIFF.get(b, chr(b)) for b in body if b != 0xFF and b < 0x80)
    return name.strip() or None


def parse_crsm(line: str) -> tuple[int, int, str]:
    """``+CRSM: <sw1>,<sw2>[,<response>]``."""
    f = split_fields(after_prefix(line, "+CRSM"))
    if len(f) < 2 or to_int(f[0]) is None or to_int(f[1]) is None:
        raise AnswerError("SIM file", line)
    return to_int(f[0]) or 0, to_int(f[1]) or 0, f[2] if len(f) > 2 else ""


