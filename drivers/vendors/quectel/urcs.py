"""Quectel's URCs: sockets (+QIURC), boot (RDY, +QUSIM, +QIND), HTTP; the serial
M95/M26 boot like SIM800 (SMS Ready, Call Ready). Quectel EC2x/BG96 AT and TCP/IP
manuals; modem-dialects.md §3.1."""

from __future__ import annotations

import re

from ...at.urcs import UrcTable

URCS = UrcTable(
    always=("+QIURC:", "+QIND:", "+QUSIM:", "+QHTTPGET:", "+QHTTPPOST:", "+QHTTPREAD:", "RDY", "POWERED DOWN",
            "SMS READY", "CALL READY"),
    ambiguous=("+QIOPEN:",),
    strong_reset=("RDY",),
    weak_reset=("+QUSIM:", "+QIND: SMS DONE", "+QIND: PB DONE", "SMS READY", "CALL READY"),
    late_boot=("+QIND: SMS DONE", "+QIND: PB DONE", "SMS READY", "CALL READY"),
    binary_length={"+QIRD": 0, "+QIURC": 2},  # +QIRD: <n>; +QIURC: "recv",<id>,<n> (direct push)
    pushed=(re.compile(r'^\+QIURC: "recv",\d+,(\d+)$'),),  # direct-push mode
)
