"""The AT dialects the emulated modem can speak, one frozen record per modem.

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
    ip_stack: str | None  # "quectel", "simcom" or None (no internal TCP/IP)
    max_read: int = 1500  # largest QIRD / CIPRXGET=2 chunk (5.3)
    capacities: tuple[tuple[str, int], ...] = (("SM", 30), ("ME", 50), ("SR", 10))  # slots per memory
    cgpaddr_quoted: bool = True  # +CGPADDR: 1,"10.0.0.1" (27.007) or 1,10.0.0.1 (SIMCom manual)
    cdsi_mem: str | None = None  # the memory +CDSI names when it is not the one used (EC25 says "SM" for SR)


GENERIC = Profile(
    key="generic",
    manufacturer="Generic",
    model="3GPP-MODEM",
    revision="SIM-1.0",
    ati=("Generic", "3GPP-MODEM", "Revision: SIM-1.0"),
    cgmr_prefix="",
    boot_urcs=("+CPIN: READY",),
    ready_urcs=(),
    csms_services="(0,1)",
    cnmi_test="(0-2),(0-3),(0-3),(0-2),(0,1)",
    cnmi_default=(0, 0, 0, 0, 0),
    storages=(("SM", "ME"), ("SM", "ME"), ("SM", "ME")),
    first_index=1,  # 27.005 numbers storage from 1 unless the vendor says otherwise
    empty_slot_ok=False,
    cmt_alpha="",
    cmee_default=0,
    # 27.007 read form as the SIM7600 real log prints it: the unassigned address per PDP type, four zeros
    cgdcont_tail=',"{addr}",0,0,0,0',
    ip_stack=None,
)

QUECTEL_EG25G = Profile(
    key="quectel-eg25g",
    manufacturer="Quectel",
    model="EG25",
    revision="EG25GGBR07A08M2G",
    ati=("Quectel", "EG25", "Revision: EG25GGBR07A08M2G"),  # three lines (2.3)
    cgmr_prefix="Revision: ",  # EC25 AT manual, as hw_fixtures/quectel/ec25/startup.txt has it
    boot_urcs=("RDY", "+CPIN: READY", "+QUSIM: 1", "+CFUN: 1"),  # EG25-G boot log; +CFUN shows the power-on level
    ready_urcs=("+QIND: SMS DONE", "+QIND: PB DONE"),
    csms_services="(0,1)",
    cnmi_test="(0-2),(0-3),(0,2),(0-2),(0,1)",
    cnmi_default=(2, 1, 0, 0, 0),
    # EC25 AT manual lists as hw_fixtures/quectel/ec25 have them; MT is SM and ME together
    storages=(("ME", "MT", "SM", "SR"), ("ME", "MT", "SM", "SR"), ("ME", "MT", "SM")),
    capacities=(("SM", 50), ("ME", 255), ("SR", 50)),
    cdsi_mem="SM",  # stores status reports in SR, announces +CDSI: "SM",<i> (asterisk-chan-quectel PR#75, 2.8)
    first_index=0,  # "+CMTI: "SM",0" (EC25 transcript)
    empty_slot_ok=True,  # EC25/EC20 answer an empty slot with a bare OK (2.8)
    cmt_alpha="",
    cmee_default=1,
    cgdcont_tail=',"0.0.0.0",0,0,0,0',
    ip_stack="quectel",
)

SIMCOM_SIM7600 = Profile(
    key="simcom-sim7600",
    manufacturer="SIMCOM INCORPORATED",
    model="SIMCOM_SIM7600G-H",
    revision="LE20B04SIM7600G22",
    ati=(
        "Manufacturer: SIMCOM INCORPORATED",
        "Model: SIMCOM_SIM7600G-H",
        "Revision: LE20B04SIM7600G22",
        "IMEI: {imei}",
        "+GCAP: +CGSM",
    ),
    cgmr_prefix="+CGMR: ",
    boot_urcs=("RDY", "+CPIN: READY"),  # SIM7600 boot hexdump
    ready_urcs=("SMS DONE", "PB DONE"),  # T-SIM7600X#90
    csms_services="(0-1)",  # hw_fixtures/simcom/sim7600/startup-and-stored-sms.txt
    cnmi_test="(0-2),(0-3),(0,2),(0-2),(0,1)",
    cnmi_default=(2, 1, 0, 0, 0),
    storages=(("ME", "SM", "SR"), ("ME", "SM", "SR"), ("ME", "SM")),  # same fixture
    capacities=(("SM", 30), ("ME", 255), ("SR", 30)),
    first_index=0,
    empty_slot_ok=False,
    cmt_alpha='""',
    cmee_default=0,
    cgdcont_tail=',"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",0,0,0,0',  # T-SIM7600X#90
    ip_stack="simcom",
    cgpaddr_quoted=False,  # "+CGPADDR: 5,10.181.7.2" (SIM7600 TCP/IP manual, hw_fixtures/simcom)
)

PROFILES: dict[str, Profile] = {p.key: p for p in (GENERIC, QUECTEL_EG25G, SIMCOM_SIM7600)}
ALIASES = {"quectel": "quectel-eg25g", "eg25g": "quectel-eg25g", "simcom": "simcom-sim7600", "sim7600": "simcom-sim7600", "3gpp": "generic"}


def get_profile(name: str) -> Profile:
    key = ALIASES.get(name.lower(), name.lower())
    try:
        return PROFILES[key]
    except KeyError:
        raise ValueError(f"unknown modem profile {name!r}; known: {', '.join(PROFILES)}") from None
