"""Sierra Wireless MC7455/EM7455/EM7565 (and the older 312U).

Facts: modem-dialects.md §3.4: AT on USB interface 3, standard 27.005 SMS,
no socket AT commands; MMS goes through a second PDN on QMI/MBIM (an interface).
"""

from __future__ import annotations

from ...profile import BEARER_INTERFACE, BEARER_PPP, Profile, UsbModem, timeouts
from .urcs import URCS

USB = (
    UsbModem(0x1199, 0x9071, "Sierra Wireless", "MC7455/EM7455", 3),
    UsbModem(0x1199, 0x9079, "Sierra Wireless", "EM7455 (Lenovo)", 3),
    UsbModem(0x1199, 0x9091, "Sierra Wireless", "EM7565", 3),
)

PROFILE = Profile(
    name="sierra",
    description="Sierra Wireless MC7455/EM7455/EM7565",
    manufacturer_patterns=("sierra",),
    init_commands=("AT+CGEREP=2,1",),
    cnmi_modes=(1, 2),
    storage_preference=("ME", "SM"),
    cnma_command="AT+CNMA=0",
    cnma_services=frozenset(),
    bearers=(BEARER_INTERFACE, BEARER_PPP),
    timeouts=timeouts(),
    urcs=URCS,
    usb=USB,
)
