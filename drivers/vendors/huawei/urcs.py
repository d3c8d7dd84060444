"""Huawei's URCs: ^RSSI/^MODE/^SRVST/^BOOT... anywhere, even inside answers (turned
off with AT^CURC=0), ^SYSSTART on a restart (ME909s AT spec). modem-dialects.md §3.3."""

from __future__ import annotations

from ...at.urcs import UrcTable

URCS = UrcTable(
    always=("^RSSI:", "^HCSQ:", "^SRVST:", "^MODE:", "^BOOT:", "^SIMST:", "^DSFLOWRPT:", "^NDISSTAT:",
            "^CEND:", "^ORIG:", "^CONF:", "^CONN:", "^SYSSTART"),
    strong_reset=("^SYSSTART",),  # not ^BOOT: E220 firmware repeats it as noise (gammu#393)
)
