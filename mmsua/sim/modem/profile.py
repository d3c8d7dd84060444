"""What an emulated modem model answers: one frozen record per model (the records live with their vendor in vendors/).

Facts come from ../shared/research/modem-dialects.md (section numbers in the
comments), the real logs in ../shared/hw_transcripts and 3GPP TS 27.005/27.007.
Where the vendors' manuals were not at hand the 27.005/27.007 form is used and
the comment says so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Profile:
    key: str
    manufacturer: str  # AT+CGMI
    model: str  # AT+CGMM
    revision: str  # AT+CGMR
    ati: tuple[str, ...]  # ATI lines; "{imei}" is filled in
    cgmr_prefix: str  # SIMCom answers "+CGMR: <rev>", the others the bare value
    boot_urcs: tuple[str, ...]  # power-on burst before SMS is ready (2.4)
    ready_urcs: tuple[str, ...]  # "SMS ready" signal(s)
    csms_services: str  # AT+CSMS=? list
    cnmi_test: str  # AT+CNMI=? answer (without prefix)
    cnmi_default: tuple[int, int, int, int, int]
    storages: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]  # AT+CPMS=? lists
    first_index: int  # index of the first storage slot
    empty_slot_ok: bool  # AT+CMGR of an empty slot: bare OK (EC25/EC20, 2.8) or +CMS ERROR: 321
    cmt_alpha: str  # what fills the <alpha> field of +CMT/+CMGR/+CMGL in PDU mode
    cmee_default: int
    cgdcont_tail: str  # fields after the APN in AT+CGDCONT? lines (2.11); {addr}: unassigned address of the type
    max_read: int = 1500  # largest QIRD / CIPRXGET=2 chunk (5.3)
    capacities: tuple[tuple[str, int], ...] = (("SM", 30), ("ME", 50), ("SR", 10))  # slots per memory
    cgpaddr_quoted: bool = True  # +CGPADDR: 1,"10.0.0.1" (27.007) or 1,10.0.0.1 (SIMCom manual)
    cgauth_password_first: bool = False  # AT+CGAUTH=<cid>,<auth>,<passwd>,<user> (SIMCom manuals; 27.007 has user first)
    cdsi_mem: str | None = None  # the memory +CDSI names when it is not the one used (EC25 says "SM" for SR)
