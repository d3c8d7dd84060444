"""`mmsua sim`: run the simulated carrier in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from mmsua import exit_codes

if TYPE_CHECKING:
    from mmsua.sim.carrier import Handset, SimulatedCarrier


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.sim.personalities import PERSONALITIES

    parser = subparsers.add_parser(
        "sim",
        help="run a simulated carrier (emulated modem on a pty, SMSC, MMSC, proxy)",
        description="Run a simulated carrier in the foreground: an emulated modem on a pseudo-terminal that "
        "mmsua, minicom or picocom can open, an MMSC and an MMS proxy on 127.0.0.1. Ctrl-C stops it.",
        epilog="carrier personalities (--personality):\n" + personality_list(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--personality", default="default", choices=list(PERSONALITIES), metavar="NAME",
                        help=f"how the carrier behaves: {', '.join(PERSONALITIES)} (default: default; see below)")
    parser.add_argument("--list-personalities", action="store_true", help="list the carrier personalities and exit")
    parser.add_argument("--profile", default="quectel-eg25g", help="modem dialect: generic, quectel-eg25g or simcom-sim7600")
    parser.add_argument("--line-rate", type=float, default=None, metavar="BYTES_PER_S",
                        help="serial line rate in bytes per second (a 115200-baud line moves 11520)")
    parser.add_argument("--number", default="+15550100001", help="the handset's own number")
    parser.add_argument("--friend", action="store_true", help="add a scripted friend who answers every MMS")
    parser.add_argument("--no-proxy", action="store_true",
                        help="no MMS proxy: handsets reach the MMSC directly (with the proxy, the MMSC takes nothing that skips it)")
    parser.add_argument("--pin", default=None, help="SIM PIN the emulated modem asks for")
    parser.set_defaults(func=run)


def personality_list() -> str:
    """One line per carrier personality: its name and what makes it different."""
    from mmsua.sim.personalities import PERSONALITIES

    return "\n".join(f"  {p.name:<11} {p.summary}" for p in PERSONALITIES.values())


def daemon_command(port: str, apn: str, mmsc: str, proxy: str | None) -> str:
    """The `mmsua daemon` line that drives this carrier's handset, ready to paste."""
    import shlex

    words = ["mmsua", "daemon", "--port", port, "--apn", apn, "--mmsc", mmsc, *(["--proxy", proxy] if proxy else [])]
    return shlex.join(words)


def run(args: argparse.Namespace) -> int:
    import signal
    import sys

    from mmsua.sim.carrier import SimulatedCarrier

    if args.list_personalities:
        print(personality_list())
        return exit_codes.OK
    try:
        carrier = SimulatedCarrier(profile=args.profile, line_rate=args.line_rate, proxy=not args.no_proxy,
                                   require_proxy=not args.no_proxy, friend=args.friend, personality=args.personality)
    except ValueError as err:
        print(f"mmsua sim: {err}", file=sys.stderr)
        return exit_codes.USAGE
    # The stop signals are blocked before the carrier starts a thread (every thread inherits
    # the mask) and taken by sigwait below: no handler runs in the middle of the main
    # thread's work, the wait needs no polling, and a SIGINT inherited as ignored (a
    # background job of a script, nohup) stops the carrier all the same.
    stops = {signal.SIGINT, signal.SIGTERM}
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    handlers = {sig: signal.signal(sig, signal.SIG_DFL) for sig in stops}  # blocked, a default one waits
    try:
        with carrier:
            phone = carrier.add_handset(args.number, pin=args.pin)
            _banner(args, carrier, phone)
            signal.sigwait(stops)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    print("simulated carrier stopped")
    return exit_codes.OK


def _banner(args: argparse.Namespace, carrier: SimulatedCarrier, phone: Handset) -> None:
    """Where to connect: device, numbers, MMSC, proxy, and the daemon line to paste."""
    print(f"serial device : {phone.pty_path}  (-> {phone.pty.device if phone.pty else '-'})")
    print(f"modem profile : {phone.modem.profile.key}  ({phone.modem.profile.manufacturer} {phone.modem.profile.model})")
    print(f"own number    : {phone.msisdn}")
    print(f"personality   : {carrier.personality.name}  ({carrier.personality.summary})")
    print(f"SIM           : IMSI {phone.modem.imsi}, SPN {carrier.operator!r}")
    print(f"largest MMS   : {carrier.mmsc.max_message_size if carrier.mmsc else '-'} bytes")
    print(f"line rate     : {f'{phone.line.line_rate:g} bytes/s' if phone.line.line_rate else 'unlimited'}")
    print(f"APN           : {carrier.apn}")
    print(f"MMSC          : {carrier.mmsc_url}")
    print(f"MMS proxy     : {carrier.proxy or 'none'}")
    if carrier.friend is not None:
        print(f"friend        : {carrier.friend.msisdn} (answers every MMS with a picture)")
    print(f"daemon        : {daemon_command(str(phone.pty_path), carrier.apn, carrier.mmsc_url, carrier.proxy)}"
          + ("   (and modem.pin in the config file: the SIM asks for the PIN)" if args.pin else ""))
    print("try: picocom --echo " + str(phone.pty_path) + "   (Ctrl-C here stops the carrier)", flush=True)
