"""Huawei sticks in modem (not HiLink) mode and the ME909s/MU509 M2M modules.

Facts: modem-dialects.md §3.3: ^RSSI/^MODE/^SRVST/^BOOT URCs anywhere (turned
off with AT^CURC=0), unquoted CREG LAC/CI, CPMS only in its three-storage form
(E3372-325), ofono treats Huawei as phase 2 and sends AT+CNMA=0 only,
Qualcomm-based CNMI mode 1, no internal TCP stack on consumer sticks (the
ME909s ^IPINIT stack is not implemented here), data via NDIS interface or PPP.
"""

from __future__ import annotations

from .base import BEARER_INTERFACE, BEARER_PPP, Profile, timeouts

PROFILE = Profile(
    name="huawei",
    description="Huawei E3372/E3531/E173/E1752 (stick firmware) and ME909s/MU509",
    manufacturer_patterns=("huawei",),
    init_commands=("AT^CURC=0", "AT+CGEREP=2,1"),
    reset_urcs=("^SYSSTART", "RDY"),  # not ^BOOT: E220 firmware repeats it as noise (gammu#393)
    cnmi_modes=(1, 2),
    storage_preference=("SM", "ME"),
    cnma_command="AT+CNMA=0",
    cnma_services=frozenset(),  # phase 2 whatever +CSMS says (ofono)
    bearers=(BEARER_INTERFACE, BEARER_PPP),
    timeouts=timeouts({"AT^NDISDUP": 60.0}),
    signal_command="AT^HCSQ?",
)
