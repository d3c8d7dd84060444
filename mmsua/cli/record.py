"""``mmsua record``: write a transcript of mmsua talking to a real modem.

The port is wrapped in ``record://PORT?out=FILE`` (mmsua.drivers' pyserial URL
handler), so every byte either way lands in FILE in the hw_fixtures transcript
format. With no command after ``--`` a built-in identification probe runs;
otherwise the given mmsua subcommand runs with ``--port`` set to the recording
URL (e.g. ``mmsua record --port /dev/ttyUSB2 --out f.txt -- doctor``).
"""

from __future__ import annotations

import argparse
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from mmsua import exit_codes

# Read-only commands: identification, SIM, registration, signal, SMS and PDP settings.
PROBE: tuple[str, ...] = (
    "ATI",
    "AT+CGMI",
    "AT+CGMM",
    "AT+CGMR",
    "AT+CPIN?",
    "AT+CREG?",
    "AT+CGREG?",
    "AT+CEREG?",
    "AT+CSQ",
    "AT+CSMS?",
    "AT+CPMS=?",
    "AT+CPMS?",
    "AT+CNMI=?",
    "AT+CNMI?",
    "AT+CMGF=?",
    "AT+CGDCONT?",
    "AT+CGACT?",
)


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "record",
        help="record a serial transcript of a real modem (to contribute a hw_fixtures file)",
        description=(
            "Wrap a modem port and write everything sent and received to a transcript "
            "(format: hw_fixtures/README.md). Without a command, run a read-only probe "
            "(ATI, AT+CGMI, AT+CGMM, AT+CPIN?, AT+CREG?, AT+CSQ, AT+CPMS=?, AT+CNMI=? ...). "
            "Stop the daemon first (two programs on one port steal each other's answers). "
            "Redact IMEI, IMSI and phone numbers before sharing the file."
        ),
    )
    p.add_argument("--port", required=True, help="modem AT port: a device path or a pyserial URL")
    p.add_argument("--out", required=True, type=Path, help="transcript file to write")
    p.add_argument("--baudrate", type=int, default=115200, help="UART speed (ignored by USB ports; default 115200)")
    p.add_argument("--rtscts", action="store_true", help="hardware flow control")
    p.add_argument("--timeout", type=float, default=5.0, help="per-command timeout in seconds (default 5)")
    p.add_argument("--no-timing", action="store_true", help="do not write '@ seconds' timing lines")
    p.add_argument("--force", action="store_true", help="overwrite --out if it exists")
    p.add_argument(
        "command",
        nargs=argparse.REMAINDER,
        help="-- SUBCOMMAND [ARGS]: run that mmsua subcommand against the recorded port instead of the probe",
    )
    p.set_defaults(func=run)


def record_url(port: str, out: Path, *, timing: bool = True) -> str:
    query = urllib.parse.urlencode({"out": str(out), **({} if timing else {"timing": "0"})})
    return f"record://{port}?{query}"


def run(args: argparse.Namespace) -> int:
    import sys

    from mmsua.cli.port_check import check_port
    from mmsua.textsafe import clean_line

    out: Path = args.out
    if out.exists() and not args.force:
        print(f"mmsua record: {out} exists; use --force to overwrite it", file=sys.stderr)
        return exit_codes.USAGE
    problem = check_port(args.port)
    if problem is not None:  # said before touching the port or writing the file
        print(f"mmsua record: {problem.what}: {problem.advice}", file=sys.stderr)
        return exit_codes.UNAVAILABLE if problem.kind == "busy" else exit_codes.IOERR
    try:
        out.write_text("", encoding="utf-8")
    except OSError as exc:
        print(f"mmsua record: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return exit_codes.IOERR
    url = record_url(args.port, out, timing=not args.no_timing)
    command = [c for c in args.command if c != "--"] if args.command else []
    if command:
        from mmsua.cli.main import main

        status = main([*command, "--port", url])
    else:
        status = _probe(url, args, clean_line)
    # stderr: stdout belongs to the recorded subcommand (e.g. `doctor --json`).
    print(
        f"transcript written to {out}. Before sharing it, replace IMEI, IMSI, ICCID and phone numbers "
        "with zeros (see hw_fixtures/README.md).",
        file=sys.stderr,
    )
    return status


def _probe(url: str, args: argparse.Namespace, clean_line: Callable[..., str]) -> int:
    import sys

    from mmsua.drivers.at.channel import AtChannel
    from mmsua.drivers.errors import AtTimeout, ModemError, PortGone

    channel = AtChannel(url, baudrate=args.baudrate, rtscts=args.rtscts, default_timeout=args.timeout)
    try:
        channel.open()
    except PortGone as exc:
        print(f"mmsua record: {exc}", file=sys.stderr)
        return exit_codes.IOERR
    except AtTimeout as exc:
        print(f"mmsua record: the modem does not answer AT ({exc})", file=sys.stderr)
        return exit_codes.UNAVAILABLE
    failed = 0
    try:
        for cmd in PROBE:
            try:
                resp = channel.command(cmd)
            except PortGone as exc:
                print(f"mmsua record: {exc}", file=sys.stderr)
                return exit_codes.IOERR
            except ModemError as exc:  # an error answer is worth recording too
                failed += 1
                print(f"{cmd}: {clean_line(str(exc))}")
                continue
            shown = " | ".join(clean_line(line) for line in resp.lines)
            print(f"{cmd}: {shown} {resp.final}".rstrip())
    finally:
        channel.close()
    print(f"{len(PROBE) - failed} of {len(PROBE)} probe commands answered OK")
    return exit_codes.OK
