"""The Profile: everything that differs between modem families, as data and behaviour.

A profile is chosen from the modem's identification (see
:func:`mmsua.drivers.vendors.select_profile`) and can be forced by name from
config. It carries what its family does differently: settings (CNMI modes, CNMA,
timeouts), its socket stack class, its PDP dialect, its signal query, its URC names
and its USB ids. Code in modem.py, sms.py, pdp.py, ports.py, the channel and the
bearers asks the profile instead of testing vendor names, so a vendor is one folder
(drivers/vendors/<vendor>/, see docs/driver.md).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Mapping

from .answers.device import Signal, parse_cesq
from .at.urcs import UrcTable
from .pdp import STANDARD_PDP, PdpDialect

if TYPE_CHECKING:  # the socket stacks take a Profile; a profile names its stack's class (loaded late)
    from .bearers.at_sockets import SocketStack

# Bearer kinds a profile can offer (the engine picks one from config).
BEARER_INTERNAL_TCP = "internal_tcp"
BEARER_INTERFACE = "interface"
BEARER_PPP = "ppp"

# modem.chained_io: a socket read or send written before the answer to the one before has
# ended; "auto" follows Profile.chained_io_proven (V.250 §5.2.1 asks the host to wait).
CHAINED_IO = ("auto", "on", "off")


def _frozen(mapping: Mapping[str, float] | None = None) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True, slots=True)
class SmsReady:
    """How the modem says its SMS subsystem is usable after power-on.

    ``urcs``: URC lines (exact, case-insensitive) that mean "SMS ready".
    ``poll``: a command to ask instead (Quectel AT+QINISTAT) and ``poll_prefix``
    its answer prefix; ``poll_ready_mask`` the bits that must all be set.
    """

    urcs: tuple[str, ...] = ()
    poll: str | None = None
    poll_prefix: str | None = None
    poll_ready_mask: int = 0


# 27.007 §8.9 indicator "smsfull": 1 the SMS memory in the MT has become full, 2 full and
# an incoming SM could not be stored (0: room again). Some firmware print the indicator's
# name instead of its +CIND order number (Cinterion AT^SIND, openmoko gsmd's +CIEV parser).
_CIEV_SMSFULL = re.compile(r'^\+CIEV:\s*"?SMSFULL"?\s*,\s*[12]\s*$', re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class SmsFull:
    """How a family says its SMS storage filled.

    ``patterns``: URC lines that mean "full" (the named 27.007 +CIEV form always counts);
    ``enable``: the command that turns the family's indication on (None: on by default,
    or the family has none), sent by :class:`SmsService` when it watches the storage."""

    patterns: tuple[re.Pattern[str], ...] = ()
    enable: str | None = None

    def matches(self, line: str) -> bool:
        line = line.strip()
        return bool(_CIEV_SMSFULL.match(line)) or any(p.match(line) for p in self.patterns)


@dataclass(frozen=True, slots=True)
class SignalQuery:
    """A family's signal command, tried after AT+CSQ: ``command``, the ``prefix`` of its
    answer line (also a URC name on Huawei, so the channel must be told) and ``parse``."""

    command: str
    prefix: str
    parse: Callable[[str], Signal]


# 3GPP TS 27.007 §8.69 extended signal quality.
CESQ = SignalQuery("AT+CESQ", "+CESQ", parse_cesq)


@dataclass(frozen=True, slots=True)
class SocketStackClass:
    """A family's :class:`~mmsua.drivers.bearers.at_sockets.SocketStack` subclass, by module
    and name: imported when the bearer is built, because the bearers need requests, which
    an idle daemon does not load (tests/engine/test_lazy_requests.py)."""

    dialect: str  # the stack's name ("quectel"), for logs and the engine's question
    module: str
    name: str

    def load(self) -> type[SocketStack]:
        from .bearers.at_sockets import SocketStack

        found = getattr(importlib.import_module(self.module), self.name)
        if not (isinstance(found, type) and issubclass(found, SocketStack)):
            raise TypeError(f"{self.module}.{self.name} is not a SocketStack subclass")
        return found


@dataclass(frozen=True, slots=True)
class UsbModem:
    """One USB modem by its ids, and which USB interface carries AT commands."""

    vid: int
    pid: int
    vendor: str
    model: str
    at_interface: int | None  # None: layout varies, probe this device's ports
    note: str = ""
    data_interface: int | None = None  # the second AT/modem port PPP can take

    @property
    def ids(self) -> tuple[int, int]:
        return self.vid, self.pid


@dataclass(frozen=True, slots=True)
class Profile:
    """One modem family's AT dialect."""

    name: str
    description: str
    # Identification: case-insensitive substrings of the manufacturer (CGMI or
    # ATI) and, optionally, of the model (CGMM). A profile with model patterns is
    # more specific than one without and wins when both match.
    manufacturer_patterns: tuple[str, ...] = ()
    model_patterns: tuple[str, ...] = ()
    # Sent once after ATE0/CMEE, in order; an ERROR answer is logged, not fatal
    # (firmware differ), so only put harmless settings here.
    init_commands: tuple[str, ...] = ()
    sms_ready: SmsReady = field(default_factory=SmsReady)
    # How it says the SMS storage filled (see SmsFull).
    sms_full: SmsFull = field(default_factory=SmsFull)
    # URC lines that only appear when the modem has restarted.
    reset_urcs: tuple[str, ...] = ("RDY",)
    # +CNMI: preferred <mode> values in order (Qualcomm-based firmware refuse 2).
    cnmi_modes: tuple[int, ...] = (2, 1)
    # Storage preference for the three CPMS memories (first one all lists offer).
    storage_preference: tuple[str, ...] = ("ME", "SM", "MT")
    # How to acknowledge a +CMT/+CDS when +CSMS service needs it; None = this
    # family must not be acked by the host (the modem does it).
    cnma_command: str | None = "AT+CNMA"
    # +CSMS <service> values that make +CNMA mandatory for +CMT/+CDS.
    cnma_services: frozenset[int] = frozenset({1, 128})
    # Whether the host may ask for direct delivery (+CMT) at all on this family.
    direct_delivery_ok: bool = True
    # AT+CMGD form: "AT+CMGD={index}" everywhere; some need the flag.
    cmgd_command: str = "AT+CMGD={index}"
    # Data path: the bearers it offers, the class driving its TCP stack over AT
    # (None: no internal_tcp bearer) and how it activates contexts.
    bearers: tuple[str, ...] = (BEARER_INTERFACE, BEARER_PPP)
    sockets: SocketStackClass | None = None
    pdp: PdpDialect = STANDARD_PDP
    # Command-specific timeouts in seconds, keyed by the command's prefix up to
    # '=' or '?' (e.g. "AT+CGACT"). Everything else uses the channel default.
    timeouts: Mapping[str, float] = field(default_factory=_frozen)
    # Largest chunk one socket send/receive command moves.
    socket_chunk: int = 1460
    # Whether a real module of this family is known to take a socket read or send written
    # before the answer to the one before has ended (AtChannel.command_chain/send_chain):
    # what ``modem.chained_io = "auto"`` follows. No family here is, yet (docs/driver.md).
    chained_io_proven: bool = False
    # The signal command tried after CSQ (None: CSQ only).
    signal: SignalQuery | None = CESQ
    # URC names beyond 27.005/27.007's (the channel frames with every profile's).
    urcs: UrcTable = field(default_factory=UrcTable)
    # The family's USB modems (the port finder's table is every profile's).
    usb: tuple[UsbModem, ...] = ()

    def chained_io(self, setting: str) -> bool:
        """Whether socket reads and sends go back to back for ``modem.chained_io`` (CHAINED_IO):
        "on" or "off" as asked, "auto" only where this family is proven to take them."""
        if setting not in CHAINED_IO:
            raise ValueError(f"chained_io {setting!r} is not one of {', '.join(CHAINED_IO)}")
        return setting == "on" or (setting == "auto" and self.chained_io_proven)

    @property
    def socket_dialect(self) -> str | None:
        """The socket stack's name, None without one (the engine asks whether there is one)."""
        return self.sockets.dialect if self.sockets is not None else None

    def timeout_for(self, command: str, default: float | None = None) -> float | None:
        """The timeout for ``command`` (None = the channel's default)."""
        key = command.upper().split("=", 1)[0].split("?", 1)[0]
        return self.timeouts.get(key, default)

    def specificity(self, manufacturer: str, model: str) -> int:
        """0 = no match; 1 = manufacturer matches; 2 = model matches too."""
        text = manufacturer.lower()
        if not self.manufacturer_patterns or not any(p.lower() in text for p in self.manufacturer_patterns):
            return 0
        if not self.model_patterns:
            return 1
        mtext = model.lower().replace(" ", "")
        return 2 if any(p.lower() in mtext for p in self.model_patterns) else 0


# Timeouts every family shares (27.007 leaves them open; see modem-dialects §4.18).
COMMON_TIMEOUTS: dict[str, float] = {
    "AT+CGACT": 150.0,
    "AT+COPS": 180.0,
    "AT+CMGS": 60.0,
    "AT+CNMA": 30.0,
    "AT+CGATT": 75.0,
    "AT+CMGL": 30.0,
    "AT+CPIN": 10.0,
}


def timeouts(extra: Mapping[str, float] | None = None) -> Mapping[str, float]:
    """COMMON_TIMEOUTS plus a family's own, keyed like "AT+QIACT"."""
    return _frozen({**COMMON_TIMEOUTS, **(extra or {})})
