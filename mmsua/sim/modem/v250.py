"""ITU-T V.250 basic commands: echo, result codes, identification, reset, dial."""

from __future__ import annotations

from mmsua.sim.modem.commands import CommandGroup, Reply, Request
from mmsua.sim.modem.errors import AtError
from mmsua.sim.modem.machine import ModemMachine

V250: CommandGroup[ModemMachine] = CommandGroup("V.250")


class NoCarrier(AtError):
    """ATD on a network with no circuit-switched data: the call ends at once."""

    def final(self, cmee: int) -> str:
        return "NO CARRIER"


@V250.command("E")
def echo(m: ModemMachine, req: Request) -> Reply:
    if req.text not in ("", "0", "1"):
        raise AtError()
    m.echo = req.text == "1"
    return []


@V250.command("V")
def verbose(m: ModemMachine, req: Request) -> Reply:
    m.verbose = req.text != "0"
    return []


@V250.command("Q")
def quiet(m: ModemMachine, req: Request) -> Reply:
    m.quiet = req.text == "1"
    return []


@V250.command("I")
def identification(m: ModemMachine, req: Request) -> Reply:
    return [line.format(imei=m.imei) for line in m.profile.ati]


@V250.command("Z", "&F")
def reset_settings(m: ModemMachine, req: Request) -> Reply:
    m.echo, m.cmee = True, m.profile.cmee_default
    return []


@V250.command("&W", "H")
def accepted(m: ModemMachine, req: Request) -> Reply:
    return []


@V250.command("D")
def dial(m: ModemMachine, req: Request) -> Reply:
    raise NoCarrier()  # no circuit-switched data on the simulated network
