"""The PDP context of the MMS APN, and only that one.

Every command names the configured cid explicitly (``AT+CGACT=1,<cid>``, never
the all-contexts form), and a cid that is already active with another APN is
refused instead of redefined: that is the Pi's internet context.

Shared APN (``context="auto"``): when another cid is already active on the MMS
APN (the LTE default bearer on cid 1 when MMS uses the internet APN), that
context is used as it is: never redefined, never activated, never deactivated.
Many networks refuse a second PDN connection to one APN (24.301 ESM cause #55,
27.007 +CME ERROR 203). ``context="own"`` always uses the configured cid.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .answers.pdp import ContextDefinition, parse_cgact, parse_cgdcont, parse_cgpaddr
from .errors import CmeError, ModemError, ModemReset, PortGone

if TYPE_CHECKING:  # the profile names its family's PdpDialect, defined here
    from .profile import Profile

log = logging.getLogger(__name__)

PDP_TYPES = ("IP", "IPV6", "IPV4V6")
AUTH_METHODS = {"none": 0, "pap": 1, "chap": 2}
CONTEXT_MODES = ("auto", "own")
# 27.007 v17 §9.2.2 codes for 24.301 ESM causes #50/#51/#57: the network allows only
# this PDP type on the APN. What mms.pdp_type must say then.
_ONLY_TYPE = {192: "IP", 193: "IPV6", 196: "IPV4V6"}
_ONLY_TYPE_TEXT = {"ipv4 only": "IP", "ipv6 only": "IPV6", "ipv4v6 only": "IPV4V6"}


@dataclass(frozen=True, slots=True)
class PdpSettings:
    """The MMS context as config gives it."""

    cid: int
    apn: str
    pdp_type: str = "IP"
    username: str | None = None
    password: str | None = None
    auth: str = "none"
    context: str = "auto"  # auto: reuse an active context on the MMS APN; own: always cid

    def __post_init__(self) -> None:
        if self.context not in CONTEXT_MODES:
            raise ValueError(f"context {self.context!r} is not one of {', '.join(CONTEXT_MODES)}")
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


class PdpTypeRefused(ModemError):
    """The network allows another PDP type on this APN (e.g. IPv6 only): retrying cannot help."""

    def __init__(self, message: str, allowed: str) -> None:
        super().__init__(message)
        self.allowed = allowed


class SecondContextRefused(ModemError):
    """The network refuses a second context on an APN that already has an active one."""


class ActivationFailed(ModemError):
    """The network refused the MMS context after every retry."""

    def __init__(self, message: str, attempts: int, last: Exception | None) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last = last


# --------------------------------------------------------------------------------------
# --------------------------------------------------------------------------------------
# The context's commands, as a family says them


Run = Callable[[str], Any]  # runs one AT command with the profile's timeout; returns its AtResponse


@dataclass(frozen=True, slots=True)
class PdpDialect:
    """How a modem family activates, reads and releases a context.

    This base is 3GPP TS 27.007's (AT+CGACT, AT+CGAUTH, AT+CGPADDR); a vendor whose
    firmware wants its own commands (Quectel's AT+QIACT for its socket stack)
    overrides what differs, in its folder, and its profile names it."""

    def active_cids(self, run: Run) -> dict[int, bool]:
        """cid -> active, for every context the modem lists."""
        return parse_cgact(run("AT+CGACT?").lines)

    def set_credentials(self, run: Run, settings: PdpSettings) -> None:
        """After AT+CGDCONT: the username, password and authentication method, if any."""
        auth = AUTH_METHODS[settings.auth.lower()]
        if settings.username or settings.password or auth:
            run(f'AT+CGAUTH={settings.cid},{auth},"{settings.username or ""}","{settings.password or ""}"')

    def activate_command(self, cid: int) -> str:
        return f"AT+CGACT=1,{cid}"

    def deactivate_command(self, cid: int) -> str:
        return f"AT+CGACT=0,{cid}"

    def addresses(self, run: Run, cid: int) -> list[str]:
        return parse_cgpaddr(run(f"AT+CGPADDR={cid}").lines, cid)


STANDARD_PDP = PdpDialect()


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
        ask_cause: bool = False,
    ) -> None:
        """``ask_cause``: after a refusal without a cause code (Quectel's bare ERROR to
        AT+QIACT, SIMCom's +NETOPEN: 1) ask AT+CEER once, so an APN that allows only
        another PDP type fails at once with what to change instead of after every retry."""
        self.channel = channel
        self.profile = profile
        self.settings = settings
        self._delays = tuple(retry_delays)
        self._sleep = sleep
        self._ask_cause = ask_cause
        self.shared: ContextDefinition | None = None  # the active context reused (auto mode)

    @property
    def cid(self) -> int:
        """The cid MMS uses: the shared context's, else the configured one."""
        return self.shared.cid if self.shared is not None else self.settings.cid

    @property
    def owned(self) -> bool:
        """False when MMS rides on a context someone else activated (it is never taken down)."""
        return self.shared is None

    def _cmd(self, cmd: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.profile.timeout_for(cmd))
        return self.channel.command(cmd, **kwargs)

    def definitions(self) -> dict[int, ContextDefinition]:
        return parse_cgdcont(self._cmd("AT+CGDCONT?").lines)

    def is_active(self) -> bool:
        return self.profile.pdp.active_cids(self._cmd).get(self.cid, False)

    def _active_cids(self) -> set[int]:
        return {cid for cid, up in self.profile.pdp.active_cids(self._cmd).items() if up}

    def _find_shared(self, definitions: dict[int, ContextDefinition]) -> ContextDefinition | None:
        """Another cid on the MMS APN (case-insensitive) that is active now; asked only when
        one is defined, so a modem without one sees no extra command."""
        apn = self.settings.apn.lower()
        candidates = [d for cid, d in sorted(definitions.items()) if cid != self.settings.cid and apn and d.apn.lower() == apn]
        if not candidates:
            return None
        active = self._active_cids()
        return next((d for d in candidates if d.cid in active), None)

    def define(self) -> None:
        """AT+CGDCONT for our cid (and credentials), unless it already says exactly that;
        in auto mode, nothing at all when another active context is on the MMS APN."""
        s = self.settings
        pdp_type = s.pdp_type.upper()
        definitions = self.definitions()
        self.shared = self._find_shared(definitions) if s.context == "auto" else None
        if self.shared is not None:
            log.info("the MMS APN %r is already active on context %s: MMS uses it (it is not ours to take down)",
                     s.apn, self.shared.cid)
            return
        existing = definitions.get(s.cid)
        if existing is not None and (existing.apn.lower(), existing.pdp_type) != (s.apn.lower(), pdp_type):
            if self.is_active():
                raise ContextBusy(
                    f"context {s.cid} is active with APN {existing.apn!r} (probably the internet connection); "
                    f"choose a free cid for the MMS APN {s.apn!r} (mms.cid in config)"
                )
        if existing is None or (existing.apn.lower(), existing.pdp_type) != (s.apn.lower(), pdp_type):
            self._cmd(f'AT+CGDCONT={s.cid},"{pdp_type}","{s.apn}"')
        self.profile.pdp.set_credentials(self._cmd, s)

    def activate(self) -> list[str]:
        """Activate (retrying refusals with back-off) and return the context's addresses."""
        if self.shared is not None or self.is_active():
            return self.addresses()
        command = self.profile.pdp.activate_command(self.cid)
        try:
            self.retrying(lambda: self._cmd(command), "activating")
        except SecondContextRefused:
            # Auto: a context on the APN came up since define() (the default bearer after
            # registration): use it; if there is none to see, the refusal stands.
            if self.settings.context != "auto" or self._find_shared(self.definitions()) is None:
                raise
            self.define()
            if self.shared is None:
                raise
        return self.addresses()

    def retrying(self, action: Callable[[], Any], what: str) -> Any:
        """Run ``action``; a refusal (any ModemError but a lost port or a reset) is retried
        after each back-off delay; ActivationFailed when every try was refused."""
        last: Exception | None = None
        for attempt, delay in enumerate((*self._delays, None), start=1):
            try:
                return action()
            except ModemError as error:
                if isinstance(error, (PortGone, ModemReset, PdpTypeRefused, SecondContextRefused)):
                    raise
                self._raise_if_wrong_type(error, first=attempt == 1)
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

    def _raise_if_wrong_type(self, error: ModemError, *, first: bool) -> None:
        """PdpTypeRefused when the refusal says the APN allows only another PDP type;
        SecondContextRefused when it refuses a second context on the APN. Neither is retried."""
        code = error.code if isinstance(error, CmeError) else None
        cause = error.meaning if isinstance(error, CmeError) and code is None else ""
        if code is None and not cause and first and self._ask_cause and not isinstance(error, CmeError):
            try:
                cause = " ".join(self._cmd("AT+CEER").lines)
            except ModemError as ceer_error:  # optional in 27.007; a modem without it changes nothing
                log.info("AT+CEER: %s", ceer_error)
        if code == 203 or "multiple pdn connections" in cause.lower():
            advice = ('set mms.context = "auto"' if self.settings.context == "own" else
                      "no context on it that the modem lists can be shared (AT+CGDCONT?/AT+CGACT?): "
                      "use bearer = \"interface\" on the interface that carries it")
            raise SecondContextRefused(
                f"{advice}: the network refuses a second context on the APN {self.settings.apn!r}, "
                f"which is already active ({cause or error})"
            )
        allowed = _ONLY_TYPE.get(code) if code is not None else _type_in_text(cause)
        if allowed is None or allowed == self.settings.pdp_type.upper():
            return
        raise PdpTypeRefused(
            f"set mms.pdp_type = \"{allowed}\" (or --pdp-type {allowed}): the network allows only {allowed} "
            f"on the MMS APN {self.settings.apn!r} and refused the {self.settings.pdp_type.upper()} context "
            f"({cause or error})",
            allowed,
        )

    def addresses(self) -> list[str]:
        return self.profile.pdp.addresses(self._cmd, self.cid)

    def deactivate(self) -> None:
        if self.shared is not None:
            log.info("context %s is the shared one on APN %r: left up", self.shared.cid, self.settings.apn)
            return
        self._cmd(self.profile.pdp.deactivate_command(self.cid))


def _type_in_text(text: str) -> str | None:
    """"PDN type IPv6 only allowed" (a +CEER report or verbose +CME ERROR) → "IPV6"."""
    lowered = text.lower()
    for phrase in ("ipv4v6 only", "ipv6 only", "ipv4 only"):
        if phrase in lowered:
            return _ONLY_TYPE_TEXT[phrase]
    return None
