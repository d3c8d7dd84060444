"""One emulated modem model: what it answers (profile), the vendor's own commands and its
internal TCP/IP stack. Each vendor module under vendors/ declares its dialects."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from mmsua.sim.modem.commands import CommandGroup
from mmsua.sim.modem.machine import ModemMachine, StackFactory
from mmsua.sim.modem.profile import Profile


@dataclass(frozen=True, slots=True)
class Dialect:
    profile: Profile
    commands: CommandGroup[ModemMachine]  # the vendor's commands, beside V.250, 27.007 and 27.005
    stack: StackFactory | None = None  # the internal TCP/IP stack, if the module has one
    aliases: tuple[str, ...] = ()  # other names `mmsua sim --profile` accepts
    # The URC the module prints when an SMS storage fills, if it is on (None: it says nothing).
    storage_full_urc: Callable[[ModemMachine, str], str | None] | None = None
