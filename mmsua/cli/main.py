"""Entry point of the ``mmsua`` console script.

Each subcommand lives in its own module under ``mmsua.cli`` (fetch, retry and
resend-as-sms share the table in ``message_actions``) and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable
taking the parsed arguments and returning an exit status. Heavy imports stay
inside those callables so ``mmsua --help`` is instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from mmsua import __version__, exit_codes
from mmsua.cli import message_actions

# Order is the order shown in --help.
SUBCOMMANDS: tuple[str, ...] = (
    "daemon",
    "send",
    "ls",
    "show",
    "fetch",
    "retry",
    "resend-as-sms",
    "delete",
    "export",
    "status",
    "config",
    "demo",
    "decode",
    "compose",
    "tui",
    "sim",
    "record",
    "doctor",
)


def _module_of(command: str) -> str:
    """The module that registers a subcommand: its own, or the shared table of message actions."""
    return "message_actions" if command in message_actions.COMMANDS else command.replace("-", "_")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mmsua",
        description=(
            "An MMS phone for the terminal: a USB GSM/LTE modem, the carrier's MMSC, "
            "and an inbox. Run 'mmsua demo' to see it work on a simulated carrier."
        ),
    )
    parser.add_argument("--version", action="version", version=f"mmsua {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (repeat for debug)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in dict.fromkeys(_module_of(name) for name in SUBCOMMANDS):
        importlib.import_module(f"mmsua.cli.{module}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return exit_codes.USAGE
    _setup_logging(args.verbose)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `mmsua decode x | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        return exit_codes.OK


def _setup_logging(verbosity: int) -> None:
    import logging

    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
