"""Quectel LTE modules (EC25, EC21, EC20, EG25-G, BG96, EM06) and the serial M95/M26.

Facts: modem-dialects.md §3.1 (Quectel EC2x/BG96 TCP/IP AT manuals, ofono's
Quectel plugin): boot URCs RDY/+CPIN/+QUSIM/+QIND: SMS DONE, AT+QINISTAT bitmap,
CSMS service 128 on serial modules, AT+CNMA=1 on EC2x and bare AT+CNMA on
serial modules, Qualcomm-based CNMI mode 1, sockets via QICSGP/QIACT/QIOPEN.
"""

from __future__ import annotations

import re

from ...profile import (
    BEARER_INTERFACE,
    BEARER_INTERNAL_TCP,
    BEARER_PPP,
    Profile,
    SmsFull,
    SmsReady,
    SocketStackClass,
    UsbModem,
    timeouts,
)
from .pdp import QuectelPdp
from .signal import QCSQ
from .urcs import URCS

USB = (
    UsbModem(0x2C7C, 0x0125, "Quectel", "EC25/EG25-G", 2, "if3 is the second AT port (PPP)", 3),
    UsbModem(0x2C7C, 0x0121, "Quectel", "EC21", 2, "", 3),
    UsbModem(0x05C6, 0x9215, "Quectel", "EC20", 2, "", 3),
    UsbModem(0x2C7C, 0x0296, "Quectel", "BG96", 2, "", 3),
    UsbModem(0x2C7C, 0x0306, "Quectel", "EP06/EG06/EM06", 2, "", 3),
    UsbModem(0x2C7C, 0x0512, "Quectel", "EM12/EG12/EG18", 2),
)

_QUECTEL_TIMEOUTS = timeouts(
    {"AT+QIACT": 150.0, "AT+QIDEACT": 40.0, "AT+QICLOSE": 10.0, "AT+QIOPEN": 10.0, "AT+QISEND": 10.0}
)

# AT+QINDCFG=<type>,<enable>[,<savetonv>]: "smsfull" is off by default; on, the module
# prints +QIND: "smsfull",<storage> when an SMS storage fills (EC2x AT commands manual,
# AT+QINDCFG). Not saved to NV (0): the driver turns it on at each start.
SMS_FULL = SmsFull(patterns=(re.compile(r'^\+QIND:\s*"smsfull"', re.IGNORECASE),), enable='AT+QINDCFG="smsfull",1,0')

PROFILE = Profile(
    name="quectel",
    description="Quectel EC25/EC21/EC20/EG25-G/BG96/EM06 (LTE, Qualcomm-based)",
    manufacturer_patterns=("quectel",),
    init_commands=(
        # URCs must reach the port the driver listens on, or +CMTI never comes.
        'AT+QURCCFG="urcport","all"',
        "AT+CGEREP=2,1",
    ),
    sms_ready=SmsReady(urcs=("+QIND: SMS DONE",), poll="AT+QINISTAT", poll_prefix="+QINISTAT:", poll_ready_mask=2),
    sms_full=SMS_FULL,
    reset_urcs=("RDY",),
    cnmi_modes=(1, 2),
    storage_preference=("ME", "SM", "MT"),
    cnma_command="AT+CNMA=1",
    bearers=(BEARER_INTERNAL_TCP, BEARER_INTERFACE, BEARER_PPP),
    sockets=SocketStackClass("quectel", f"{__package__}.sockets", "QuectelSockets"),
    pdp=QuectelPdp(),
    timeouts=_QUECTEL_TIMEOUTS,
    socket_chunk=1460,
    signal=QCSQ,
    urcs=URCS,
    usb=USB,
)

# M95/M26 answer CGMI with "Quectel_Ltd" or a reseller name; the model says it.
SERIAL_PROFILE = Profile(
    name="quectel-serial",
    description="Quectel M95/M26 (2G serial modules)",
    manufacturer_patterns=("quectel", "foxcom"),
    model_patterns=("m95", "m26", "m66", "mc60"),
    init_commands=("AT+CGEREP=2,1",),
    sms_ready=SmsReady(urcs=("SMS Ready", "Call Ready")),
    reset_urcs=("RDY",),
    cnmi_modes=(2, 1),
    storage_preference=("SM", "ME", "MT"),
    cnma_command="AT+CNMA",
    bearers=(BEARER_PPP,),
    timeouts=timeouts(),
    signal=None,
    urcs=URCS,
)

