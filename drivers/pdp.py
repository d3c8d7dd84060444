"""The PDP context of the MMS APN, and only that one.

Every command names the configured cid explicitly (``AT+CGACT=1,<cid>``, never
the all-contexts form), and a cid that is already active with another APN is
refused instead of redefined: that is the Pi's internet context.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import ModemError, ModemReset, PortGone
from .modem import after_prefix, split_fields
from .profiles import Profile

log = logging.getLogger(__name__)

PDP_TYPES = ("IP", "IPV6", "IPV4V6")
AUTH_METHODS = {"none": 0, "pap": 1, "chap": 2}
# Quectel QICSGP <context_type>: 1 IPv4, 2 IPv6, 3 IPv4v6.
_QUECTEL_TYPE = {"IP": 1, "IPV6": 2, "IPV4V6": 3}


@dataclass(frozen=True, slots=True)
class ContextDefinition:
    cid: int
    pdp_type: str
    apn: str


@dataclass(frozen=True, slots=True)
class PdpSettings:
    """The MMS context as config gives it."""

    cid: int
    apn: str
    pdp_type: str = "IP"
    username: str | None = None
    password: str | None = None
    auth: str = "none"

    def __post_init__(self) -> None:
        if not 1 <= self.cid <= 24:
            raise ValueError(f"MMS context id {self.cid} is out of range 1..24")
        if self.pdp_type.upper() not in PDP_TYPES:
            raise ValueError(f"PDP type {self.pdp_type!r} is not one of {', '.join(PDP_TYPES)}")
        if self.auth.lower() not in AUTH_METHODS:
            raise ValueError(f"auth {self.auth!r} is not one of {', '.join(AUTH_METHODS)}")
        if '"' in self.apn or '"' in (self.username or "") or '"' in (self.password or ""):
            raise ValueError("APN, username and password cannot contain a double quote")


class ContextBusy(ModemError):
    """The configured cid is active with another APN: it is not ours to change."""


class ActivationFailed(ModemError):
    """The network refused the MMS context after every retry."""

    def __init__(self, message: str, attempts: int, last: Exception | None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last = last


# --------------------------------------------------------------------------------------
# Parsers


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


def parse_qiact(lines: Sequence[str]) -> dict[int, tuple[bool, str | None]]:
    """Quectel ``+QIACT: <cid>,<state>,<type>[,"<ip>"]``."""
    states: dict[int, tuple[bool, str | None]] = {}
    for line in lines:
        if not line.strip().upper().startswith("+QIACT"):
            continue
        fields = split_fields(after_prefix(line, "+QIACT"))
        if len(fields) >= 2 and fields[0].isdigit():
            address = fields[3] if len(fields) > 3 and fields[3] else None
            states[int(fields[0])] = (fields[1] == "1", address)
    return states


_DOTTED16 = re.compile(r"^(\d+\.){15}\d+$")


def _normalise_address(text: str) -> str | None:
    text = text.strip().strip('"')
    if not text or text in ("0.0.0.0", "0:0:0:0:0:0:0:0", "::"):
        return None
    if _DOTTED16.match(text):  # 27.007 dotted IPv6 form
        octets = bytes(int(x) for x in text.split("."))
        if not any(octets):
            return None
        import ipaddress

        return str(ipaddress.IPv6Address(octets))
    return text


def parse_cgpaddr(lines: Sequence[str], cid: int) -> list[str]:
    """``+CGPADDR: <cid>,<addr>[,<addr2>]`` (quoted or not) → the addresses of ``cid``."""
    for line in lines:
        if not line.strip().upper().startswith("+CGPADDR"):
            continue
        fields = split_fields(after_prefix(line, "+CGPADDR"))
        if fields and fields[0].isdigit() and int(fields[0]) == cid:
            return [a for a in (_normalise_address(f) for f in fields[1:]) if a]
    return []


# --------------------------------------------------------------------------------------
# The context


class PdpContext:
    """Define, activate, read and deactivate the MMS APN's context."""

    def __init__(
        self,
        channel: Any,
        profile: Profile,
        settings: PdpSettings,
        *,
        retry_delays: Sequence[float] = (2.0, 5.0, 10.0, 20.0),
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.channel = channel
        self.profile = profile
        self.settings = settings
        self._delays = tuple(retry_delays)
        self._sleep = sleep

    @property
    def cid(self) -> int:
        return self.settings.cid

    def _cmd(self, cmd: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.profile.timeout_for(cmd))
        return self.channel.command(cmd, **kwargs)

    @property
    def _quectel(self) -> bool:
        return self.profile.pdp_auth == "qicsgp"

    def definitions(self) -> dict[int, ContextDefinition]:
        return parse_cgdcont(self._cmd("AT+CGDCONT?").lines)

    def is_active(self) -> bool:
        if self._quectel:
            return parse_qiact(self._cmd("AT+QIACT?").lines).get(self.cid, (False, None))[0]
        return parse_cgact(self._cmd("AT+CGACT?").lines).get(self.cid, False)

    def define(self) -> None:
        """AT+CGDCONT for our cid (and credentials), unless it already says exactly that."""
        s = self.settings
        pdp_type = s.pdp_type.upper()
        existing = self.definitions().get(s.cid)
        if existing is not None and (existing.apn.lower(), existing.pdp_type) != (s.apn.lower(), pdp_type):
            if self.is_active():
                raise ContextBusy(
                    f"context {s.cid} is active with APN {existing.apn!r} (probably the internet connection); "
                    f"choose a free cid for the MMS APN {s.apn!r} (mms.cid in config)"
                )
        if existing is None or (existing.apn.lower(), existing.pdp_type) != (s.apn.lower(), pdp_type):
            self._cmd(f'AT+CGDCONT={s.cid},"{pdp_type}","{s.apn}"')
        auth = AUTH_METHODS[s.auth.lower()]
        if self._quectel:
            self._cmd(
                f'AT+QICSGP={s.cid},{_QUECTEL_TYPE[pdp_type]},"{s.apn}","{s.username or ""}","{s.password or ""}",{auth}'
            )
        elif s.username or s.password or auth:
            self._cmd(f'AT+CGAUTH={s.cid},{auth},"{s.username or ""}","{s.password or ""}"')

    def activate(self) -> list[str]:
        """Activate (retrying refusals with back-off) and return the context's addresses."""
        if self.is_active():
            return self.addresses()
        command = f"AT+QIACT={self.cid}" if self._quectel else f"AT+CGACT=1,{self.cid}"
        self.retrying(lambda: self._cmd(command), "activating")
        return self.addresses()

    def retrying(self, action: Callable[[], Any], what: str) -> Any:
        """Run ``action``; a refusal (any ModemError but a lost port or a reset) is retried
        after each back-off delay; ActivationFailed when every try was refused."""
        last: Exception | None = None
        for attempt, delay in enumerate((*self._delays, None), start=1):
            try:
                return action()
            except ModemError as error:
                if isinstance(error, (PortGone, ModemReset)):
                    raise
                last = error
                if delay is None:
                    break
                log.warning("%s context %s refused (%s); retry %d in %.0f s", what, self.cid, error, attempt, delay)
                self._sleep(delay)
        raise ActivationFailed(
            f"the network refused the MMS context (cid {self.cid}, APN {self.settings.apn!r}) "
            f"{len(self._delays) + 1} times; last answer: {last}. Check the APN and its username/password",
            len(self._delays) + 1,
            last,
        )

    def addresses(self) -> list[str]:
        if self._quectel:
            state = parse_qiact(self._cmd("AT+QIACT?").lines).get(self.cid)
            if state and state[1]:
                return [a for a in (_normalise_address(state[1]),) if a]
        return parse_cgpaddr(self._cmd(f"AT+CGPADDR={self.cid}").lines, self.cid)

    def deactivate(self) -> None:
        command = f"AT+QIDEACT={self.cid}" if self._quectel else f"AT+CGACT=0,{self.cid}"
        self._cmd(command)
