"""Huawei's URCs: ^RSSI/^MODE/^SRVST/^BOOT... anywhere, even inside answers (turned
off with AT^CURC=0), ^SYSSTART on a restart (ME909s AT spec), ^SMMEMFULL when an SMS storage
overflows (MU509 AT spec §6.21). modem-dialects.md §3.3."""

from __future__ import annotations

from ...at.urcs import UrcTable

URCS = UrcTable(
    always=("^RSSI:", "^HCSQ:", "^SRVST:", "^MODE:", "^BOOT:", "^SIMST:", "^DSFLOWRPT:", "^NDISSTAT:",
            "^CEND:", "^ORIG:", "^CONF:", "^CONN:", "^SYSSTART", "^SMMEMFULL:"),
    strong_reset=("^SYSSTART",),  # not ^BOOT: E220 firmware repeats it as noise (gammu#393)
)
