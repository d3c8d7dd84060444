"""Huawei's signal report: AT^HCSQ? (Huawei ME909s/E3372 AT manuals; modem-dialects.md §3.3)."""

from __future__ import annotations

from ...answers.device import Signal, percent_from_dbm
from ...answers.fields import after_prefix, split_fields, to_int
from ...profile import SignalQuery


def parse_hcsq(line: str) -> Signal:
    """Huawei ``^HCSQ: "LTE",<rssi>,<rsrp>,<sinr>,<rsrq>`` (0-96/0-97/0-251/0-34 scales)."""
    f = split_fields(after_prefix(line, "^HCSQ"))
    sysmode = f[0].upper() if f else ""
    nums = [to_int(x) for x in f[1:]]
    if sysmode in ("NOSERVICE", "") or not nums or nums[0] is None or nums[0] == 255:
        return Signal(None, None)
    rssi = -121 + nums[0] if sysmode != "GSM" else -111 + nums[0]
    lte = [n for n in nums[:4] if n is not None and n != 255]
    if sysmode == "LTE" and len(lte) == 4:
        _rssi, rsrp_step, sinr_step, rsrq_step = lte
        rsrp = -141.0 + rsrp_step
        return Signal(rssi, percent_from_dbm(rsrp, -140.0, -44.0), None, rsrp, -20.0 + rsrq_step * 0.5, -20.0 + sinr_step * 0.2, "lte")
    return Signal(rssi, percent_from_dbm(rssi), technology=sysmode.lower())


HCSQ = SignalQuery("AT^HCSQ?", "^HCSQ", parse_hcsq)
