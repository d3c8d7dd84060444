"""Sierra Wireless (and Wavecom) URCs: +WIND, also the answer to AT+WIND?.
modem-dialects.md §3.4."""

from __future__ import annotations

from ...at.urcs import UrcTable

URCS = UrcTable(ambiguous=("+WIND:",))
