"""Quectel's signal report: AT+QCSQ (Quectel EC2x/BG96 AT manuals; modem-dialects.md §3.1)."""

from __future__ import annotations

from ...answers.device import Signal, percent_from_dbm
from ...answers.fields import after_prefix, split_fields, to_int
from ...profile import SignalQuery


def parse_qcsq(line: str) -> Signal:
    """Quectel ``+QCSQ: "LTE",<rssi>,<rsrp>,<sinr>,<rsrq>`` (dBm values; sinr in 1/5 dB steps)."""
    f = split_fields(after_prefix(line, "+QCSQ"))
    sysmode = f[0].upper() if f else ""
    nums = [to_int(x) for x in f[1:]]
    if sysmode in ("NOSERVICE", ""):
        return Signal(None, None)
    if sysmode == "LTE" and len(nums) >= 4:
        rssi, rsrp, sinr, rsrq = nums[:4]
        return Signal(
            rssi,
            percent_from_dbm(rsrp, -140.0, -44.0) if rsrp is not None else None,
            None,
            float(rsrp) if rsrp is not None else None,
            float(rsrq) if rsrq is not None else None,
            (sinr / 5.0 - 20.0) if sinr is not None else None,
            "lte",
        )
    rssi = nums[0] if nums else None
    return Signal(rssi, percent_from_dbm(rssi) if rssi is not None else None, technology=sysmode.lower())


QCSQ = SignalQuery("AT+QCSQ", "+QCSQ", parse_qcsq)
