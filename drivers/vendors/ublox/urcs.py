"""u-blox's URCs: sockets and PDP (+UUSORD, +UUSOCL, +UUPSDA...), +UMWI inside
answers. SARA-R4/R5 AT manual; modem-dialects.md §3.5."""

from __future__ import annotations

from ...at.urcs import UrcTable

URCS = UrcTable(
    always=("+UUSORD:", "+UUSORF:", "+UUSOCL:", "+UUPSDA:", "+UUPSDD:", "+UUHTTPCR:"),
    ambiguous=("+UMWI:",),
)
