"""SIMCom SIM7600/SIM7000/A76xx (LTE) and SIM800/SIM900 (2G).

Facts: modem-dialects.md §3.2 (SIM7500/SIM7600 TCP/IP AT manual, ofono and
ModemManager simtech code): boot URCs without prefix (SMS DONE, PB DONE),
sockets via CSOCKSETPN/NETOPEN/CIPOPEN/CIPSEND and manual receive CIPRXGET,
ofono never sends AT+CNMA to SIMCom, so direct delivery is not offered.
SIM800L offers <ds> only 0/1 (python-gsmmodem#60).
"""

from __future__ import annotations

from ...profile import (
    BEARER_INTERFACE,
    BEARER_INTERNAL_TCP,
    BEARER_PPP,
    Profile,
    SmsReady,
    SocketStackClass,
    UsbModem,
    timeouts,
)
from .urcs import URCS

USB = (
    UsbModem(0x1E0E, 0x9001, "SIMCom", "SIM7600/SIM7000", 2, "if3 is the modem (PPP) port", 3),
    UsbModem(0x1E0E, 0x9011, "SIMCom", "A7600/SIM7600 (RNDIS)", 4, "if5 is the second AT/PPP port", 5),
)

PROFILE = Profile(
    name="simcom",
    description="SIMCom SIM7600/SIM7000/SIM5320/A76xx",
    manufacturer_patterns=("simcom",),
    init_commands=("AT+CGEREP=2,1",),
    sms_ready=SmsReady(urcs=("SMS DONE",)),
    reset_urcs=("RDY",),
    cnmi_modes=(1, 2),
    storage_preference=("ME", "SM", "MT"),
    cnma_command=None,
    direct_delivery_ok=False,
    bearers=(BEARER_INTERNAL_TCP, BEARER_INTERFACE, BEARER_PPP),
    sockets=SocketStackClass("simcom", f"{__package__}.sockets", "SimcomSockets"),
    timeouts=timeouts({"AT+NETOPEN": 30.0, "AT+NETCLOSE": 30.0, "AT+CIPOPEN": 30.0, "AT+CIPCLOSE": 15.0}),
    socket_chunk=1460,
    urcs=URCS,
    usb=USB,
)

SIM800_PROFILE = Profile(
    name="simcom-sim800",
    description="SIMCom SIM800/SIM800L/SIM800C/SIM900/SIM808 (2G, one UART)",
    manufacturer_patterns=("simcom",),
    model_patterns=("sim800", "sim900", "sim808", "sim868"),
    init_commands=(),
    sms_ready=SmsReady(urcs=("SMS Ready",)),
    reset_urcs=("RDY",),
    cnmi_modes=(2, 1),
    storage_preference=("SM", "ME"),
    cnma_command=None,
    direct_delivery_ok=False,
    # Its CIPSTART stack has one context only (the Pi's internet would lose it);
    # PPP on the single UART needs CMUX. Neither is implemented as internal_tcp.
    bearers=(BEARER_PPP,),
    timeouts=timeouts({"AT+SAPBR": 85.0, "AT+CIICR": 85.0}),
    signal=None,
    urcs=URCS,
)

