"""The emulated modem as the carrier and tests build it: a ModemMachine answering with
the handler groups of its profile's dialect (V.250, 27.007, 27.005 and the vendor's own).

Timing, Network and Context are re-exported: they are what callers configure it with.
"""

from __future__ import annotations

from mmsua.sim.modem.commands import CommandTable
from mmsua.sim.modem.machine import ModemMachine, StackFactory
from mmsua.sim.modem.profile import Profile
from mmsua.sim.modem.profiles import get_dialect
from mmsua.sim.modem.records import Context, Network, Timing
from mmsua.sim.modem.ts27005 import TS27005
from mmsua.sim.modem.ts27007 import TS27007
from mmsua.sim.modem.v250 import V250

__all__ = ["Context", "EmulatedModem", "Network", "Timing", "command_table"]


def command_table(profile: Profile) -> CommandTable[ModemMachine]:
    """Every command a modem of this profile answers."""
    return CommandTable((V250, TS27007, TS27005, get_dialect(profile.key).commands))


class EmulatedModem(ModemMachine):
    """One emulated module with its SIM, speaking its profile's dialect."""

    def wiring(self, profile: Profile) -> tuple[CommandTable[ModemMachine], StackFactory | None]:
        return command_table(profile), get_dialect(profile.key).stack

    def storage_full_urc(self, mem: str) -> str | None:
        urc = get_dialect(self.profile.key).storage_full_urc
        return urc(self, mem) if urc is not None else None
