"""How the emulated modem finds the handler of a command.

A handler group (V.250, 27.007, 27.005, one per vendor) names the commands it
answers; a dialect's table is the union of its groups, and a command no group
names is answered with ERROR, as a module answers a command it does not know.
Generic in the modem type so this module imports no modem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from mmsua.sim.modem.errors import cme

M = TypeVar("M")

# Information lines before the final OK; None when a prompt opened and its data handler answers.
Reply = list[str] | None


@dataclass(frozen=True, slots=True)
class Request:
    name: str  # the table's name of the command: "+CREG" (also for AT^CREG), "E", "&F"
    op: str  # "" (action), "=" (set), "?" (read), "=?" (test)
    args: list[str]  # the set command's parameters, quotes removed ([] unless op is "=")
    text: str  # the raw text after the name: ATE0 -> "0"


Handler = Callable[[M, Request], Reply]


@dataclass(frozen=True, slots=True)
class Entry(Generic[M]):
    handler: Handler[M]
    needs_sim: bool  # refused until the SIM is unlocked
    sms: bool  # an SMS command: refused with +CMS codes, and until the SMS layer is ready


class CommandGroup(Generic[M]):
    """Handlers of one source (a spec or a vendor's manual), by command name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.entries: dict[str, Entry[M]] = {}

    def command(self, *names: str, needs_sim: bool = False, sms: bool = False) -> Callable[[Handler[M]], Handler[M]]:
        """Register the decorated function as the handler of `names` ("+CMGF", "E", "&F")."""

        def register(handler: Handler[M]) -> Handler[M]:
            for name in names:
                if name in self.entries:
                    raise ValueError(f"{name} registered twice in {self.name}")
                self.entries[name] = Entry(handler, needs_sim or sms, sms)
            return handler

        return register


class CommandTable(Generic[M]):
    """The commands one dialect answers: its groups merged, none named twice."""

    def __init__(self, groups: Iterable[CommandGroup[M]]) -> None:
        self.groups = tuple(groups)
        self._entries: dict[str, Entry[M]] = {}
        for group in self.groups:
            for name, entry in group.entries.items():
                if name in self._entries:
                    raise ValueError(f"{name} is answered by two groups (one is {group.name})")
                self._entries[name] = entry

    def lookup(self, name: str) -> Entry[M] | None:
        return self._entries.get(command_key(name))

    def names(self) -> list[str]:
        return sorted(self._entries)


def command_key(name: str) -> str:
    """The table's name of a parsed command: +CMGF, ^CMGF and $CMGF are one command."""
    if name[:1] in ("+", "^", "$"):
        return "+" + name.lstrip("+^&$")
    return name


def int_arg(args: list[str], i: int) -> int:
    """Parameter i as a number; a missing or malformed one is 27.007's "incorrect parameters"."""
    try:
        return int(args[i])
    except (IndexError, ValueError):
        raise cme(50) from None

