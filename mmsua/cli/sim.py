"""`mmsua sim`: run the simulated carrier in the foreground until Ctrl-C."""

from __future__ import annotations

import argparse

from mmsua import exit_codes


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sim",
        help="run a simulated carrier (emulated modem on a pty, SMSC, MMSC, proxy)",
        description="Run a simulated carrier in the foreground: an emulated modem on a pseudo-terminal that "
        "mmsua, minicom or picocom can open, an MMSC and an MMS proxy on 127.0.0.1. Ctrl-C stops it.",
    )
    parser.add_argument("--profile", default="quectel-eg25g", help="modem dialect: generic, quectel-eg25g or simcom-sim7600")
    parser.add_argument("--line-rate", type=float, default=None, metavar="BPS", help="serial line rate in bytes per second")
    parser.add_argument("--number", default="+15550100001", help="the handset's own number")
    parser.add_argument("--friend", action="store_true", help="add a scripted friend who answers every MMS")
    parser.add_argument("--no-proxy", action="store_true",
                        help="no MMS proxy: handsets reach the MMSC directly (with the proxy, the MMSC takes nothing that skips it)")
    parser.add_argument("--pin", default=None, help="SIM PIN the emulated modem asks for")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import signal
    import sys
    import threading

    from mmsua.sim.carrier import SimulatedCarrier

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        carrier = SimulatedCarrier(profile=args.profile, line_rate=args.line_rate, proxy=not args.no_proxy,
                                   require_proxy=not args.no_proxy, friend=args.friend)
    except ValueError as err:
        print(f"mmsua sim: {err}", file=sys.stderr)
        return exit_codes.USAGE
    with carrier:
        phone = carrier.add_handset(args.number, pin=args.pin)
        print(f"serial device : {phone.pty_path}  (-> {phone.pty.device if phone.pty else '-'})")
        print(f"modem profile : {phone.modem.profile.key}  ({phone.modem.profile.manufacturer} {phone.modem.profile.model})")
        print(f"own number    : {phone.msisdn}")
        print(f"line rate     : {f'{phone.line.line_rate:g} bytes/s' if phone.line.line_rate else 'unlimited'}")
        print(f"APN           : {carrier.apn}")
        print(f"MMSC          : {carrier.mmsc_url}")
        print(f"MMS proxy     : {carrier.proxy or 'none'}")
        if carrier.friend is not None:
            print(f"friend        : {carrier.friend.msisdn} (answers every MMS with a picture)")
        print("try: picocom --echo " + str(phone.pty_path) + "   (Ctrl-C here stops the carrier)", flush=True)
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
    print("simulated carrier stopped")
    return exit_codes.OK
