"""The Profile: everything that differs between modem families, as data.

A profile is chosen from the modem's identification (see
:func:`mmsua.drivers.profiles.select_profile`) and can be forced by name from
config. Code in modem.py, sms.py, pdp.py and the bearers reads these fields
instead of testing vendor names, so adding a vendor is one file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

# Bearer kinds a profile can offer (the engine picks one from config).
BEARER_INTERNAL_TCP = "internal_tcp"
BEARER_INTERFACE = "interface"
BEARER_PPP = "ppp"


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
    # Data path.
    bearers: tuple[str, ...] = (BEARER_INTERFACE, BEARER_PPP)
    socket_dialect: str | None = None  # "quectel" | "simcom" | None
    # PDP credentials: "cgauth" (27.007 AT+CGAUTH) or "qicsgp" (Quectel).
    pdp_auth: str = "cgauth"
    # Command-specific timeouts in seconds, keyed by the command's prefix up to
    # '=' or '?' (e.g. "AT+CGACT"). Everything else uses the channel default.
    timeouts: Mapping[str, float] = field(default_factory=_frozen)
    # Largest chunk one socket send/receive command moves.
    socket_chunk: int = 1460
    # Vendor signal command ("AT+QCSQ", "AT^HCSQ?", "AT+CESQ") tried after CSQ.
    signal_command: str | None = "AT+CESQ"

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
