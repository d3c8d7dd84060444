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


@V250.command("X")
def result_code_selection(m: ModemMachine, req: Request) -> Reply:
    """V.250 6.2.7 ATX<value>: which result codes and call progress monitoring (0-4).
    No call is ever made on the simulated network, so the choice changes nothing heard."""
    if req.text not in ("", "0", "1", "2", "3", "4"):
        raise AtError()
    return []


@V250.command("&C")
def dcd_behaviour(m: ModemMachine, req: Request) -> Reply:
    """V.250 6.2.8 AT&C<value>: DCD always on (0) or following the carrier (1). A pty has no
    DCD line; the setting is accepted as a module accepts it."""
    if req.text not in ("", "0", "1"):
        raise AtError()
    return []


@V250.command("+GCAP")
def capabilities(m: ModemMachine, req: Request) -> Reply:
    """V.250 6.1.9 complete capabilities list: +CGSM, the GSM/3GPP command set (27.007), as
    the SIM7600 and MC7455 answer it in hw_fixtures (the E3372 adds +DS,+ES, V.42bis and
    error control, which the emulated modems do not have)."""
    return [] if req.op == "=?" else ["+GCAP: +CGSM"]


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
