"""What the emulated modem is configured with and keeps per context: plain records, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass, field

REG_STATES = {"idle": 0, "home": 1, "searching": 2, "denied": 3, "unknown": 4, "roaming": 5}  # 27.007 <stat>


@dataclass(frozen=True, slots=True)
class Timing:
    """Delays of the emulated module, in seconds (real ones are longer; tests want short)."""

    sms_ready: float = 0.05  # after boot URCs, until "SMS DONE"
    pb_ready: float = 0.05  # after "SMS DONE", until the phonebook's "PB DONE" (it comes later on real modules)
    register: float = 0.02  # from SIM ready to registered
    pdp_activate: float = 0.0  # extra time AT+CGACT/QIACT/NETOPEN take
    cnma_timeout: float = 10.0  # unacknowledged +CMT is given back to the network


@dataclass(slots=True)
class Context:
    cid: int
    pdp_type: str
    apn: str
    user: str = ""
    password: str = ""
    auth: int = 0
    active: bool = False
    address: str = ""  # IPv4, "" when none
    address6: str = ""  # IPv6 text form, "" when none (an IPv6-only APN gives only this)
    by_netopen: bool = False  # SIMCom: activated by AT+NETOPEN, so AT+NETCLOSE takes it down

    def down(self) -> None:
        self.active = False
        self.address = self.address6 = ""
        self.by_netopen = False


@dataclass(slots=True)
class Network:
    """What the carrier tells the modem about the network it is in."""

    operator: str = "SimCarrier"
    mcc_mnc: str = "00101"
    apns: dict[str, tuple[str, str]] = field(default_factory=lambda: {"internet": ("", ""), "mms": ("", "")})
    registration: str = "home"
    rssi: int = 23
    # APNs (lower case) on which the network gives only IPv6 (T-Mobile US's MMS APN):
    # an "IP" context on them is refused with 27.007 +CME ERROR 193.
    ipv6_only: frozenset[str] = frozenset()
    # The LTE default bearer: cid 1 on this APN, active as soon as the module registers.
    default_bearer: str = ""
    # Refuse a second context on an APN that already has an active one (EPS ESM cause #55,
    # 27.007 +CME ERROR 203 "multiple PDN connections for a given APN not allowed").
    one_context_per_apn: bool = False
