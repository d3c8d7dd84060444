"""A plain 3GPP module: 27.005/27.007 as the specs write them, no vendor commands, no TCP/IP stack."""

from __future__ import annotations

from mmsua.sim.modem.commands import CommandGroup
from mmsua.sim.modem.dialect import Dialect
from mmsua.sim.modem.machine import ModemMachine
from mmsua.sim.modem.profile import Profile

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
)

COMMANDS: CommandGroup[ModemMachine] = CommandGroup("generic")  # none beyond the specs

DIALECTS = (Dialect(GENERIC, COMMANDS, aliases=("3gpp",)),)
