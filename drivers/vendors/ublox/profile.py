"""u-blox SARA/LARA/TOBY modules.

Facts: modem-dialects.md §3.5: +UMWI URCs inside answers, verbose CME errors,
sockets via USOCR/USOWR with an '@' prompt (not implemented here: the bearer
list says what works), PDP via CGDCONT/CGACT on SARA-R4 and UPSD on older parts.
"""

from __future__ import annotations

from ...profile import BEARER_INTERFACE, BEARER_PPP, Profile, UsbModem, timeouts
from .urcs import URCS

USB = (
    UsbModem(0x1546, 0x1141, "u-blox", "SARA-R4/LARA-R2/TOBY-L2", None),
    UsbModem(0x1546, 0x1102, "u-blox", "SARA-U2/LISA-U2", None),
)

PROFILE = Profile(
    name="ublox",
    description="u-blox SARA-R4/R5, LARA-R, TOBY-L",
    manufacturer_patterns=("u-blox", "ublox"),
    init_commands=("AT+CGEREP=2,1",),
    cnmi_modes=(1, 2),
    storage_preference=("ME", "SM"),
    cnma_command="AT+CNMA",
    bearers=(BEARER_INTERFACE, BEARER_PPP),
    timeouts=timeouts({"AT+UPSDA": 180.0}),
    urcs=URCS,
    usb=USB,
)
