"""SIMCom's URCs: sockets (+CIPRXGET, +IPCLOSE, +CIPEVENT, SIM800's CIPSTART forms),
boot lines without a prefix (RDY, START, SMS DONE, PB DONE, SMS Ready). SIM7500/SIM7600
and SIM800 TCP/IP AT manuals; modem-dialects.md §3.2."""

from __future__ import annotations

import re

from ...at.urcs import UrcTable

URCS = UrcTable(
    always=("+CIPRXGET: 1,", "+RECEIVE,", "+IPCLOSE:", "+CIPEVENT:", "+PDP: DEACT", "+SAPBR ",
            "RDY", "START", "SMS DONE", "PB DONE", "SMS READY", "CALL READY", "NORMAL POWER DOWN",
            "CONNECT OK", "CONNECT FAIL", "ALREADY CONNECT", "CLOSED"),
    ambiguous=("+NETOPEN:", "+NETCLOSE:", "+CIPOPEN:", "+CIPCLOSE:", "+CIPSEND:", "+HTTPACTION:"),
    strong_reset=("RDY", "START"),
    weak_reset=("SMS DONE", "PB DONE", "SMS READY", "CALL READY"),
    # PB DONE may come minutes after RDY: alone it is never a restart.
    late_boot=("SMS DONE", "PB DONE", "SMS READY", "CALL READY"),
    # +CIPRXGET: 2,<link>,<read>,<rest>; +HTTPREAD: <n> (SIM800) / +HTTPREAD: DATA,<n> (SIM7600)
    binary_length={"+CIPRXGET": 2, "+HTTPREAD": -1},
    pushed=(re.compile(r"^\+RECEIVE,\d+,(\d+):$"),),  # SIM800 CIPRXGET=0 push mode
    grouped=(re.compile(r"^\d+, (CONNECT OK|CONNECT FAIL|ALREADY CONNECT|CLOSED)$"),),  # SIM800 CIPMUX=1
)
