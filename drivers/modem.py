"""The modem as a device: identification, SIM, registration, signal, operator.

The parsers at the top are pure functions over answer lines (sans-I/O) and
accept every real form listed in modem-dialects.md §2.3-2.6; :class:`Modem`
runs the commands over an :class:`~mmsua.drivers.at.channel.AtChannel`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import CmeError, ModemError, ModemReset, PortGone
from .profiles import Profile, select_profile

log = logging.getLogger(__name__)

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


class SimError(ModemError):
    """The SIM is missing, locked (PIN/PUK) or refuses the PIN."""

    def __init__(self, message: str, state: str | None = None) -> None:
        super().__init__(message)
        self.state = state


class AnswerError(ModemError):
    """A modem answer that no known form matches (the line is kept)."""

    def __init__(self, what: str, line: str) -> None:
        super().__init__(f"cannot read {what} from {line!r}")
        self.line = line


# --------------------------------------------------------------------------------------
# Field splitting shared by every parser


def split_fields(text: str) -> list[str]:
    """Split a comma list, keeping quoted strings (with commas) whole.

    Quotes are removed; unquoted fields are stripped of all whitespace (Gobi
    1000 prints ``  0 5`` for LAC 05). Quoted fields keep their inside.
    """
    fields: list[str] = []
    current: list[str] = []
    quoted = False
    was_quoted = False
    for ch in text:
        if ch == '"':
            if not quoted and not was_quoted:
                current = []  # blanks before the opening quote are not part of the value
            quoted = not quoted
            was_quoted = True
        elif was_quoted and not quoted and ch != ",":
            continue  # blanks after the closing quote
        elif ch == "," and not quoted:
            fields.append("".join(current) if was_quoted else "".join(current).replace(" ", "").strip())
            current, was_quoted = [], False
        else:
            current.append(ch)
    fields.append("".join(current) if was_quoted else "".join(current).replace(" ", "").strip())
    return fields


def after_prefix(line: str, prefix: str) -> str:
    """The text after ``prefix`` and its colon, tolerating a missing space."""
    body = line.strip()
    if body.upper().startswith(prefix.upper()):
        body = body[len(prefix) :]
    return body.lstrip(":").strip()


def _int(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text, 10)
    except ValueError:
        return None


def _hex(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None


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
    stat = _int(fields[0])
    if stat is None or stat not in _REG_STATES:
        raise AnswerError("registration", line)
    lac = _hex(fields[1]) if len(fields) > 1 else None
    cell = _hex(fields[2]) if len(fields) > 2 else None
    act = _int(fields[3]) if len(fields) > 3 else None
    # Some firmware put an unknown/placeholder value; FFFF/FFFE is "no LAC".
    if lac in (0xFFFF, 0xFFFE) and source == "CREG" and stat in (0, 2, 3, 4):
        lac = None
    return Registration(_REG_STATES[stat], _ACT.get(act) if act is not None else None, lac, cell, source)


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
    first, stat = _int(raw[0].replace(" ", "")), raw[1].replace(" ", "")
    return first == n and stat.isdigit() and int(stat) in _REG_STATES


# What a modem reports while it is still looking for a network after boot or CFUN=1.
_UNSETTLED = frozenset({"searching", "unknown", "not-registered"})


def best_registration(regs: Iterable[Registration]) -> Registration:
    """CREG, CGREG and CEREG together: LTE-only modems show CREG 0 with CEREG 1."""
    order = ["home", "roaming", "sms-only-home", "sms-only-roaming", "searching", "denied", "emergency-only", "unknown", "not-registered"]
    regs = list(regs)
    if not regs:
        return Registration("unknown")
    return min(regs, key=lambda r: order.index(r.state) if r.state in order else len(order))


# --------------------------------------------------------------------------------------
# Signal (27.007 8.5 CSQ, 8.69 CESQ, vendor forms)


def _percent_from_dbm(dbm: float, low: float = -113.0, high: float = -51.0) -> int:
    return max(0, min(100, round((dbm - low) * 100 / (high - low))))


def parse_csq(line: str) -> Signal:
    """``+CSQ: <rssi>,<ber>``: rssi 0-31 → -113..-51 dBm, 99 unknown."""
    fields = split_fields(after_prefix(line, "+CSQ"))
    rssi = _int(fields[0])
    ber = _int(fields[1]) if len(fields) > 1 else None
    if rssi is None:
        raise AnswerError("signal", line)
    if rssi == 99 or not 0 <= rssi <= 31:
        # 100-191 is the TD-SCDMA range; treat as unknown here.
        return Signal(None, None, None if ber in (None, 99) else ber)
    dbm = -113 + 2 * rssi
    return Signal(dbm, _percent_from_dbm(dbm), None if ber in (None, 99) else ber)


def parse_cesq(line: str) -> Signal:
    """``+CESQ: <rxlev>,<ber>,<rscp>,<ecno>,<rsrq>,<rsrp>`` (255 = unknown)."""
    f = [_int(x) for x in split_fields(after_prefix(line, "+CESQ"))]
    if len(f) < 6:
        raise AnswerError("signal", line)
    rxlev, ber, rscp, _ecno, rsrq, rsrp = f[:6]
    rsrp_dbm = -141.0 + rsrp if rsrp is not None and 0 <= rsrp <= 97 else None
    rsrq_db = -20.0 + rsrq * 0.5 if rsrq is not None and 0 <= rsrq <= 34 else None
    rssi = -111 + rxlev if rxlev is not None and 0 <= rxlev <= 63 else None
    if rssi is None and rscp is not None and 0 <= rscp <= 96:
        rssi = -121 + rscp
    if rsrp_dbm is not None:
        return Signal(rssi, _percent_from_dbm(rsrp_dbm, -140.0, -44.0), None, rsrp_dbm, rsrq_db, None, "lte")
    return Signal(rssi, _percent_from_dbm(rssi) if rssi is not None else None, None if ber in (None, 99) else ber)


def parse_qcsq(line: str) -> Signal:
    """Quectel ``+QCSQ: "LTE",<rssi>,<rsrp>,<sinr>,<rsrq>`` (dBm values; sinr in 1/5 dB steps)."""
    f = split_fields(after_prefix(line, "+QCSQ"))
    sysmode = f[0].upper() if f else ""
    nums = [_int(x) for x in f[1:]]
    if sysmode in ("NOSERVICE", ""):
        return Signal(None, None)
    if sysmode == "LTE" and len(nums) >= 4:
        rssi, rsrp, sinr, rsrq = nums[:4]
        return Signal(
            rssi,
            _percent_from_dbm(rsrp, -140.0, -44.0) if rsrp is not None else None,
            None,
            float(rsrp) if rsrp is not None else None,
            float(rsrq) if rsrq is not None else None,
            (sinr / 5.0 - 20.0) if sinr is not None else None,
            "lte",
        )
    rssi = nums[0] if nums else None
    return Signal(rssi, _percent_from_dbm(rssi) if rssi is not None else None, technology=sysmode.lower())


def parse_hcsq(line: str) -> Signal:
    """Huawei ``^HCSQ: "LTE",<rssi>,<rsrp>,<sinr>,<rsrq>`` (0-96/0-97/0-251/0-34 scales)."""
    f = split_fields(after_prefix(line, "^HCSQ"))
    sysmode = f[0].upper() if f else ""
    nums = [_int(x) for x in f[1:]]
    if sysmode in ("NOSERVICE", "") or not nums or nums[0] is None or nums[0] == 255:
        return Signal(None, None)
    rssi = -121 + nums[0] if sysmode != "GSM" else -111 + nums[0]
    if sysmode == "LTE" and len(nums) >= 4 and all(n is not None and n != 255 for n in nums[:4]):
        rsrp = -141.0 + nums[1]  # type: ignore[operator]
        return Signal(rssi, _percent_from_dbm(rsrp, -140.0, -44.0), None, rsrp, -20.0 + nums[3] * 0.5, -20.0 + nums[2] * 0.2, "lte")  # type: ignore[operator]
    return Signal(rssi, _percent_from_dbm(rssi), technology=sysmode.lower())


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
    mode = _int(f[0]) if f else None
    name = f[2] if len(f) > 2 and f[2] else None
    act = _int(f[3]) if len(f) > 3 else None
    return Operator(name, mode, _ACT.get(act) if act is not None else None)


def parse_cnum(lines: Sequence[str]) -> str | None:
    """The first number of ``+CNUM: [<alpha>],<number>,<type>`` lines, if any."""
    for line in lines:
        if not line.strip().upper().startswith("+CNUM"):
            continue
        f = split_fields(after_prefix(line, "+CNUM"))
        if len(f) >= 2 and f[1].strip():
            number = f[1].strip()
            toa = _int(f[2]) if len(f) > 2 else None
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
    if len(f) < 2 or _int(f[0]) is None or _int(f[1]) is None:
        raise AnswerError("SIM file", line)
    return _int(f[0]) or 0, _int(f[1]) or 0, f[2] if len(f) > 2 else ""


# --------------------------------------------------------------------------------------
# The device


# CME errors that mean "the SIM or the modem is still starting, ask again".
BUSY_CME = frozenset({10, 14, 515})


def retry_busy(call: Callable[[], Any], *, delays: Sequence[float], sleep: Callable[[float], None]) -> Any:
    """Run ``call``; on CME 10/14/515 wait and try again (one try per delay)."""
    for delay in (*delays, None):
        try:
            return call()
        except CmeError as error:
            if error.code not in BUSY_CME or delay is None:
                raise
            log.info("modem busy (%s); retrying in %.1f s", error, delay)
            sleep(delay)
    raise AssertionError("unreachable")


def _lines(response: Any, prefix: str | None = None) -> list[str]:
    lines = [str(x) for x in getattr(response, "lines", ())]
    if prefix:
        return [x for x in lines if x.strip().upper().startswith(prefix.upper())]
    return lines


class Modem:
    """One modem behind an open AT channel.

    ``profile`` may be given (config override); otherwise it is chosen from
    :meth:`identify` by :meth:`start`. ``pin`` is entered when the SIM asks.
    ``sleep`` and ``busy_delays`` are the retry back-off (tests pass a no-op sleep).
    """

    def __init__(
        self,
        channel: Any,
        profile: Profile | None = None,
        *,
        pin: str | None = None,
        busy_delays: Sequence[float] = (0.5, 1.0, 2.0, 4.0, 8.0),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.channel = channel
        self.profile = profile
        self._pin = pin
        self._delays = tuple(busy_delays)
        self._sleep = sleep
        self.identity: ModemIdentity | None = None
        # <n> of CREG/CGREG/CEREG as this object set it: lets a registration URC that
        # arrives during the read be told from the answer (see is_registration_answer).
        self.registration_modes: dict[str, int] = {}

    # -- plumbing

    def command(self, cmd: str, **kwargs: Any) -> Any:
        if "timeout" not in kwargs and self.profile is not None:
            kwargs["timeout"] = self.profile.timeout_for(cmd)
        return self.channel.command(cmd, **kwargs)

    def _busy(self, cmd: str, **kwargs: Any) -> Any:
        return retry_busy(lambda: self.command(cmd, **kwargs), delays=self._delays, sleep=self._sleep)

    def _optional(self, cmd: str, **kwargs: Any) -> Any | None:
        """A command some firmware lack: ERROR means "not available", not failure."""
        try:
            return self.command(cmd, **kwargs)
        except ModemError as error:
            if isinstance(error, (PortGone, ModemReset)):
                raise
            log.info("%s not available: %s", cmd, error)
            return None

    # -- start-up

    def start(self, *, profile_override: str | None = None) -> ModemIdentity:
        """Basic settings, identification, profile choice and the profile's init."""
        self.command("AT")
        self.command("ATE0")
        self._optional("AT+CMEE=1")
        identity = self.identify()
        if self.profile is None or profile_override:
            self.profile = select_profile(identity, profile_override)
        log.info("modem %s %s (%s): profile %s", identity.manufacturer, identity.model, identity.revision, self.profile.name)
        for cmd in self.profile.init_commands:
            self._optional(cmd)
        return identity

    def identify(self) -> ModemIdentity:
        """AT+CGMI/CGMM/CGMR/CGSN with ATI filling what they do not answer."""
        ati: dict[str, str] = {}
        response = self._optional("ATI")
        if response is not None:
            ati = parse_ati(_lines(response))
        manufacturer = self._value("AT+CGMI", "+CGMI") or ati.get("manufacturer", "")
        model = self._value("AT+CGMM", "+CGMM") or ati.get("model", "")
        revision = self._value("AT+CGMR", "+CGMR") or ati.get("revision", "")
        imei = self._value("AT+CGSN", "+CGSN") or self._value("AT+GSN", "+GSN") or ati.get("imei", "")
        if revision.lower().startswith("revision:"):
            revision = revision.split(":", 1)[1].strip()
        self.identity = ModemIdentity(manufacturer, model, revision, imei)
        return self.identity

    def _value(self, cmd: str, prefix: str) -> str:
        response = self._optional(cmd)
        return clean_value(_lines(response), prefix) if response is not None else ""

    # -- SIM

    def sim_state(self) -> str:
        response = self._busy("AT+CPIN?", prefix="+CPIN")
        for line in _lines(response, "+CPIN"):
            return parse_cpin(line)
        raise AnswerError("SIM state", " | ".join(_lines(response)))

    def unlock(self) -> str:
        """Make the SIM ready: enter the configured PIN if asked; say clearly what is missing."""
        state = self.sim_state()
        if state == "READY":
            return state
        if state == "SIM PIN":
            if not self._pin:
                raise SimError("the SIM asks for its PIN and none is configured (set sim_pin)", state)
            self.command(f'AT+CPIN="{self._pin}"')
            # The SIM is busy for seconds after a PIN (faucamp/python-gsmmodem#10).
            state = self.sim_state()
            if state != "READY":
                raise SimError(f"the SIM is still {state} after the PIN was entered", state)
            return state
        if state == "SIM PUK":
            raise SimError("the SIM is PUK-locked: unlock it in a phone with the PUK", state)
        raise SimError(f"the SIM is in state {state}; it cannot be used until that is resolved", state)

    def radio_on(self) -> int:
        """AT+CFUN=1 when the modem started in 0 (off) or 4 (flight mode); returns the old mode."""
        mode = 1
        response = self._optional("AT+CFUN?", prefix="+CFUN")
        for line in _lines(response, "+CFUN") if response is not None else ():
            fields = split_fields(after_prefix(line, "+CFUN"))
            mode = _int(fields[0]) if fields and _int(fields[0]) is not None else 1
        if mode != 1:
            self._busy("AT+CFUN=1", timeout=30.0)
        return mode

    def imsi(self) -> str:
        return parse_imsi(_lines(self._busy("AT+CIMI")))

    def own_number(self) -> str | None:
        response = self._optional("AT+CNUM")
        return parse_cnum(_lines(response)) if response is not None else None

    def service_provider(self) -> str | None:
        """EF-SPN (file 6F46 = 28486) via restricted SIM access, if the SIM has it."""
        response = self._optional("AT+CRSM=176,28486,0,0,17")
        if response is None:
            return None
        for line in _lines(response, "+CRSM"):
            sw1, _sw2, data = parse_crsm(line)
            if sw1 in (0x90, 0x91) and data:
                return decode_spn(data)
        return None

    # -- network

    def registration(self) -> Registration:
        """The best of CREG, CGREG and CEREG (the ones the modem knows)."""
        found: list[Registration] = []
        for cmd, prefix in (("AT+CREG?", "+CREG"), ("AT+CGREG?", "+CGREG"), ("AT+CEREG?", "+CEREG")):
            lines = self._registration_lines(cmd, prefix)
            for line in lines or ():
                try:
                    found.append(parse_registration(line, solicited=True))
                except AnswerError as error:
                    log.warning("%s", error)
        return best_registration(found)

    def wait_for_registration(self, timeout: float, poll: float = 0.5) -> Registration:
        """The registration once the modem has settled, or the last one read when
        ``timeout`` seconds pass first. A modem just plugged in (or just given
        AT+CFUN=1) says "searching", "unknown" or "not-registered" for several
        seconds before it registers; "denied" and every registered state are final."""
        deadline = time.monotonic() + timeout
        while True:
            reg = self.registration()
            if reg.state not in _UNSETTLED or time.monotonic() + poll > deadline:
                return reg
            time.sleep(poll)  # polling the modem: nothing on the host can tell us sooner

    def _registration_lines(self, cmd: str, prefix: str) -> list[str] | None:
        """The answer lines of a registration read; a URC of the same name that comes
        during it goes to the subscribers (when <n> is known), not into the answer."""
        n = self.registration_modes.get(prefix)
        shape = (lambda line: is_registration_answer(line, n)) if n is not None else None
        response = self._optional(cmd, prefix=prefix, **({"is_answer": shape} if shape else {}))
        if response is None:
            return None
        lines = _lines(response, prefix)
        if not lines and shape is not None:
            # No line had the answer's shape: the modem lost the setting (a reset); read again plainly.
            log.info("%s: no answer of the shape n=%d; the modem may have reset, reading again", cmd, n)
            del self.registration_modes[prefix]
            response = self._optional(cmd, prefix=prefix)
            lines = _lines(response, prefix) if response is not None else []
        return lines

    def enable_registration_urcs(self) -> None:
        for cmd in ("AT+CREG=2", "AT+CGREG=2", "AT+CEREG=2"):
            if self._optional(cmd) is not None:
                self.registration_modes[cmd[2:-2]] = 2

    def on_registration(self, callback: Callable[[Registration], None]) -> Callable[[], None]:
        """Call ``callback`` with every registration URC; returns the unsubscribe."""

        def handle(urc: Any) -> None:
            line = getattr(urc, "line", str(urc))
            if _REG_PREFIX.match(line):
                try:
                    callback(parse_registration(line, solicited=False))
                except AnswerError as error:
                    log.warning("%s", error)

        return self.channel.subscribe(handle)

    def on_reset(self, callback: Callable[[str], None]) -> Callable[[], None]:
        """Call ``callback(line)`` when the modem announces a restart (RDY, ^BOOT...).

        Everything set up is gone then (echo, CMEE, CNMI, CPMS, contexts, sockets):
        the owner re-runs :meth:`start`, the SMS set-up and the bearer. A command
        pending at that moment raises ModemReset instead.
        """
        markers = tuple(x.upper() for x in (self.profile.reset_urcs if self.profile else ("RDY",)))

        def handle(urc: Any) -> None:
            line = (getattr(urc, "line", "") or "").strip()
            if getattr(urc, "reset", None) == "strong" or line.upper().startswith(markers):
                callback(line)

        return self.channel.subscribe(handle)

    def signal(self) -> Signal:
        """AT+CSQ, refined by the profile's vendor command when CSQ is unknown or for LTE detail."""
        csq = Signal(None, None)
        for line in _lines(self.command("AT+CSQ", prefix="+CSQ"), "+CSQ"):
            csq = parse_csq(line)
        extra = self.profile.signal_command if self.profile else None
        if extra:
            parsers = {"+CESQ": parse_cesq, "+QCSQ": parse_qcsq, "^HCSQ": parse_hcsq}
            answer_prefix = next((p for p in parsers if extra.upper().startswith("AT" + p)), None)
            # ^HCSQ is also a URC name: the prefix makes the channel keep it as the answer.
            response = self._optional(extra, prefix=answer_prefix) if answer_prefix else self._optional(extra)
            for line in _lines(response) if response is not None else ():
                for prefix, parser in parsers.items():
                    if line.strip().upper().startswith(prefix):
                        try:
                            detail = parser(line)
                        except AnswerError as error:
                            log.info("%s", error)
                            continue
                        if detail.percent is not None and (csq.percent is None or detail.rsrp_dbm is not None):
                            return Signal(
                                csq.rssi_dbm if csq.rssi_dbm is not None else detail.rssi_dbm,
                                detail.percent,
                                csq.ber,
                                detail.rsrp_dbm,
                                detail.rsrq_db,
                                detail.sinr_db,
                                detail.technology,
                            )
        return csq

    def operator(self) -> Operator:
        for line in _lines(self.command("AT+COPS?", prefix="+COPS"), "+COPS"):
            return parse_cops(line)
        return Operator(None)
