"""Huawei sticks in modem (not HiLink) mode and the ME909s/MU509 M2M modules.

Facts: modem-dialects.md §3.3: ^RSSI/^MODE/^SRVST/^BOOT URCs anywhere (turned
off with AT^CURC=0), unquoted CREG LAC/CI, CPMS only in its three-storage form
(E3372-325), ofono treats Huawei as phase 2 and sends AT+CNMA=0 only,
Qualcomm-based CNMI mode 1, no internal TCP stack on consumer sticks (the
ME909s ^IPINIT stack is not implemented here), data via NDIS interface or PPP.
"""

from __future__ import annotations

import re

from ...profile import BEARER_INTERFACE, BEARER_PPP, Profile, SmsFull, UsbModem, timeouts
from .signal import HCSQ
from .urcs import URCS

USB = (
    UsbModem(0x12D1, 0x1506, "Huawei", "E3372/E3131 (stick mode)", 2, "PCUI port (gammu's interface 02 advice)"),
    UsbModem(0x12D1, 0x1001, "Huawei", "E1752/E169/E220", 2, "PCUI port (gammu's interface 02 advice)"),
    UsbModem(0x12D1, 0x1003, "Huawei", "E220/E230", None),
    UsbModem(0x12D1, 0x155E, "Huawei", "Brovi E3372-325", 0, "AT on ttyUSB0 (gammu#829)"),
    UsbModem(0x12D1, 0x15C1, "Huawei", "ME909s", None),
    UsbModem(0x12D1, 0x1F01, "Huawei", "E3372/E3131 in storage or HiLink mode", None, "run usb_modeswitch; HiLink has no AT port"),
)

PROFILE = Profile(
    name="huawei",
    description="Huawei E3372/E3531/E173/E1752 (stick firmware) and ME909s/MU509",
    manufacturer_patterns=("huawei",),
    init_commands=("AT^CURC=0", "AT+CGEREP=2,1"),
    reset_urcs=("^SYSSTART", "RDY"),  # not ^BOOT: E220 firmware repeats it as noise (gammu#393)
    cnmi_modes=(1, 2),
    storage_preference=("SM", "ME"),
    # ^SMMEMFULL: <mem_type> ("SM" the SIM, "ME" NV), reported by itself when a message
    # storage overflows (MU509 AT Command Interface Specification §6.21).
    sms_full=SmsFull(patterns=(re.compile(r"^\^SMMEMFULL:"),)),
    cnma_command="AT+CNMA=0",
    cnma_services=frozenset(),  # phase 2 whatever +CSMS says (ofono)
    bearers=(BEARER_INTERFACE, BEARER_PPP),
    timeouts=timeouts({"AT^NDISDUP": 60.0}),
    signal=HCSQ,
    urcs=URCS,
    usb=USB,
)
