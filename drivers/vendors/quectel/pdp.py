"""Quectel's context commands: AT+QICSGP/QIACT/QIDEACT, which its socket stack needs.

The TCP/IP AT manuals (EC2x/BG96) bring a context up for AT+QIOPEN with AT+QIACT,
not AT+CGACT, and set the APN and credentials with AT+QICSGP; AT+QIACT? lists the
active contexts with their address. modem-dialects.md §3.1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ...answers.fields import after_prefix, split_fields
from ...answers.pdp import normalise_address
from ...pdp import AUTH_METHODS, PdpDialect, PdpSettings, Run

# QICSGP <context_type>: 1 IPv4, 2 IPv6, 3 IPv4v6.
_CONTEXT_TYPE = {"IP": 1, "IPV6": 2, "IPV4V6": 3}


def parse_qiact(lines: Sequence[str]) -> dict[int, tuple[bool, str | None]]:
    """``+QIACT: <cid>,<state>,<type>[,"<ip>"]``."""
    states: dict[int, tuple[bool, str | None]] = {}
    for line in lines:
        if not line.strip().upper().startswith("+QIACT"):
            continue
        fields = split_fields(after_prefix(line, "+QIACT"))
        if len(fields) >= 2 and fields[0].isdigit():
            address = fields[3] if len(fields) > 3 and fields[3] else None
            states[int(fields[0])] = (fields[1] == "1", address)
    return states


@dataclass(frozen=True, slots=True)
class QuectelPdp(PdpDialect):
    """AT+QICSGP for the APN and credentials (always sent), AT+QIACT/QIDEACT, AT+QIACT? states."""

    def active_cids(self, run: Run) -> dict[int, bool]:
        return {cid: up for cid, (up, _address) in parse_qiact(run("AT+QIACT?").lines).items()}

    def set_credentials(self, run: Run, settings: PdpSettings) -> None:
        pdp_type = settings.pdp_type.upper()
        auth = AUTH_METHODS[settings.auth.lower()]
        run(
            f'AT+QICSGP={settings.cid},{_CONTEXT_TYPE[pdp_type]},"{settings.apn}",'
            f'"{settings.username or ""}","{settings.password or ""}",{auth}'
        )

    def activate_command(self, cid: int) -> str:
        return f"AT+QIACT={cid}"

    def deactivate_command(self, cid: int) -> str:
        return f"AT+QIDEACT={cid}"

    def addresses(self, run: Run, cid: int) -> list[str]:
        state = parse_qiact(run("AT+QIACT?").lines).get(cid)
        if state and state[1]:
            return [a for a in (normalise_address(state[1]),) if a]
        return PdpDialect.addresses(self, run, cid)
