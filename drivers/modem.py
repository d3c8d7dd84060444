"""The modem as a device: identification, SIM, registration, signal, operator.

:class:`Modem` runs the commands over an :class:`~mmsua.drivers.at.channel.AtChannel`;
the answers are read by the pure parsers of :mod:`mmsua.drivers.answers.device`
(re-exported here: ``Registration``, ``Signal``... are this module's boundary types).
What differs per family (signal command, reset URCs, init) comes from the profile.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from .answers.device import (
    UNSETTLED,
    ModemIdentity,
    Operator,
    Registration,
    Signal,
    best_registration,
    clean_value,
    decode_spn,
    is_registration_answer,
    is_registration_line,
    parse_ati,
    parse_cnum,
    parse_cops,
    parse_cpin,
    parse_crsm,
    parse_csq,
    parse_imsi,
    parse_registration,
)
from .answers.fields import after_prefix, split_fields, to_int
from .errors import AnswerError, CmeError, ModemError, ModemReset, PortGone
from .profile import Profile
from .vendors import select_profile

__all__ = ["AnswerError", "Modem", "ModemIdentity", "Operator", "Registration", "Signal", "SimError", "retry_busy"]

log = logging.getLogger(__name__)


class SimError(ModemError):
    """The SIM is missing, locked (PIN/PUK) or refuses the PIN."""

    def __init__(self, message: str, state: str | None = None) -> None:
        super().__init__(message)
        self.state = state



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
            stated = to_int(fields[0]) if fields else None
            mode = stated if stated is not None else 1
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

    def gid1(self) -> str | None:
        """EF-GID1 (file 6F3E = 28478, TS 31.102 4.2.10), hex, if the SIM has it: the group
        identifier that tells an MVNO's SIMs from their host network's (carrier rules)."""
        response = self._optional("AT+CRSM=176,28478,0,0,0")
        if response is None:
            return None
        for line in _lines(response, "+CRSM"):
            sw1, _sw2, data = parse_crsm(line)
            if sw1 in (0x90, 0x91) and data and len(data) <= 64 and all(c in "0123456789abcdefABCDEF" for c in data):
                return data.upper()
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
            if reg.state not in UNSETTLED or time.monotonic() + poll > deadline:
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
            if is_registration_line(line):
                try:
                    callback(parse_registration(line, solicited=False))
                except AnswerError as error:
                    log.warning("%s", error)

        unsubscribe: Callable[[], None] = self.channel.subscribe(handle)
        return unsubscribe

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

        unsubscribe: Callable[[], None] = self.channel.subscribe(handle)
        return unsubscribe

    def signal(self) -> Signal:
        """AT+CSQ, refined by the profile's signal query when CSQ is unknown or for LTE detail."""
        csq = Signal(None, None)
        for line in _lines(self.command("AT+CSQ", prefix="+CSQ"), "+CSQ"):
            csq = parse_csq(line)
        query = self.profile.signal if self.profile else None
        if query is None:
            return csq
        # ^HCSQ is also a URC name: the prefix makes the channel keep it as the answer.
        response = self._optional(query.command, prefix=query.prefix)
        for line in _lines(response, query.prefix) if response is not None else ():
            try:
                detail = query.parse(line)
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

