"""How the emulated modem reports a failed command (27.007 9.2, 27.005 3.2.5)."""

from __future__ import annotations

CME_TEXT = {
    3: "operation not allowed",
    4: "operation not supported",
    10: "SIM not inserted",
    11: "SIM PIN required",
    12: "SIM PUK required",
    13: "SIM failure",
    14: "SIM busy",
    16: "incorrect password",
    21: "invalid index",
    30: "no network service",
    50: "incorrect parameters",
    100: "unknown",
    133: "requested service option not subscribed",
    134: "service option temporarily out of order",
    148: "unspecified GPRS error",
    149: "PDP authentication failure",
    193: "PDN type IPv6 only allowed",  # 27.007 v17 9.2.2.2 (24.301 ESM cause #51)
    203: "multiple PDN connections for a given APN not allowed",  # 27.007 v17 (ESM cause #55)
    550: "unknown error",
    552: "invalid parameters",
    561: "open PDP context failed",
    563: "socket identity has been used",
    567: "socket has been closed",
    572: "operation not allowed",
}

CMS_TEXT = {
    302: "operation not allowed",
    303: "operation not supported",
    304: "invalid PDU mode parameter",
    311: "SIM PIN required",
    314: "SIM busy",
    321: "invalid memory index",
    322: "memory full",
    330: "SMSC address unknown",
    331: "no network service",
    340: "no +CNMA acknowledgement expected",
    500: "unknown error",
}


class AtError(Exception):
    """A command failed: plain ERROR, or +CME/+CMS ERROR with a code.

    `detail` lines (e.g. SIMCom "+IP ERROR: Network not opened") come before the final.
    """

    def __init__(self, kind: str = "", code: int = 0, detail: tuple[str, ...] = (), repeats: int = 1) -> None:
        super().__init__(kind, code)
        self.kind = kind  # "", "CME" or "CMS"
        self.code = code
        self.detail = detail
        self.repeats = repeats  # the final result code comes this many times (SIM7600 +CIPERROR quirk)

    def final(self, cmee: int) -> str:
        if not self.kind or cmee == 0:
            return "ERROR"
        if cmee == 2:
            table = CME_TEXT if self.kind == "CME" else CMS_TEXT
            return f"+{self.kind} ERROR: {table.get(self.code, 'unknown')}"
        return f"+{self.kind} ERROR: {self.code}"


def cme(code: int) -> AtError:
    return AtError("CME", code)


def cms(code: int) -> AtError:
    return AtError("CMS", code)



