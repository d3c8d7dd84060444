"""SIMCom SIM7600/SIM7000/A76xx (LTE) and SIM800/SIM900 (2G).

Facts: modem-dialects.md §3.2 (SIM7500/SIM7600 TCP/IP AT manual, ofono and
ModemManager simtech code): boot URCs without prefix (SMS DONE, PB DONE),
sockets via CSOCKSETPN/NETOPEN/CIPOPEN/CIPSEND and manual receive CIPRXGET,
ofono never sends AT+CNMA to SIMCom, so direct delivery is not offered.
SIM800L offers <ds> only 0/1 (python-gsmmodem#60).
"""

from __future__ import annotations

from .base import (
    BEARER_INTERFACE,
    BEARER_INTERNAL_TCP,
    BEARER_PPP,
    Profile,
    SmsReady,
    timeouts,
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
    socket_dialect="simcom",
    timeouts=timeouts({"AT+NETOPEN": 30.0, "AT+NETCLOSE": 30.0, "AT+CIPOPEN": 30.0, "AT+CIPCLOSE": 15.0}),
    socket_chunk=1460,
    signal_command="AT+CESQ",
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
    signal_command=None,
)

# Both are this module's profiles (the registry finds them here).
PROFILES = (PROFILE, SIM800_PROFILE)
