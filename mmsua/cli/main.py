"""Entry point of the ``mmsua`` console script.

Each subcommand lives in its own module under ``mmsua.cli`` (fetch, retry, cancel
and resend-as-sms share the table in ``message_actions``; block, unblock and blocked
share ``blocking``; mute and unmute ``muting``) and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a callable
taking the parsed arguments and returning an exit status. Heavy imports stay
inside those callables so ``mmsua --help`` is instant.

This module imports nothing but ``sys`` before :func:`main` runs, so a Ctrl-C at
any moment after the console script starts, the imports included, ends in one
line and exit status 130, never a traceback; so does any fault of mmsua.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

INTERRUPTED = 130  # 128 + SIGINT, as shells report a Ctrl-C

# Order is the order shown in --help.
SUBCOMMANDS: tuple[str, ...] = (
    "daemon",
    "send",
    "ls",
    "show",
    "fetch",
    "retry",
    "cancel",
    "resend-as-sms",
    "delete",
    "read",
    "forward",
    "block",
    "unblock",
    "blocked",
    "mute",
    "unmute",
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a Ctrl-C or a fault of mmsua is one line on stderr and an exit status."""
    try:
        return _main(argv)
    except KeyboardInterrupt:
        print(f"{_prog(argv)}: interrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # `mmsua decode x | head` closes the pipe early; that is not an error.
        sys.stderr.close()
        return 0
    except Exception as error:  # a bug: one line here, the traceback with -vv
        import logging

        logging.getLogger("mmsua").debug("unexpected error", exc_info=True)
        print(f"{_prog(argv)}: internal error: {type(error).__name__}: {error} (run with -vv for the details)",
              file=sys.stderr)
        from mmsua import exit_codes

        return exit_codes.SOFTWARE


def _prog(argv: Sequence[str] | None) -> str:
    """``mmsua COMMAND`` for messages, read from the arguments without parsing them."""
    args = sys.argv[1:] if argv is None else list(argv)
    command = next((a for a in args if a in SUBCOMMANDS), None)
    return f"mmsua {command}" if command else "mmsua"


def _main(argv: Sequence[str] | None) -> int:
    from mmsua import exit_codes

    parser = build_parser(_command_in(sys.argv[1:] if argv is None else list(argv)))
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:
        parser.print_help(sys.stderr)
        return exit_codes.USAGE
    if args.verbose or getattr(args, "logs", True):  # a command that never logs skips importing logging
        _setup_logging(args.verbose)
    return int(args.func(args))


# Subcommands registered by a module that registers several: the table of message
# actions and the blocking commands (tests/cli/test_startup_imports.py holds these to
# those modules' COMMANDS; importing them here would cost every command their imports).
SHARED_MODULES: dict[str, str] = {
    "fetch": "message_actions", "retry": "message_actions", "cancel": "message_actions",
    "resend-as-sms": "message_actions", "block": "blocking", "unblock": "blocking", "blocked": "blocking",
    "mute": "muting", "unmute": "muting",
}


def _module_of(command: str) -> str:
    """The module that registers a subcommand: its own, or one that registers several."""
    return SHARED_MODULES.get(command, command.replace("-", "_"))


def _command_in(args: list[str]) -> str | None:
    """The subcommand a command line runs: its first word that is not an option (the
    top-level options take no values), when that names one; else None."""
    first = next((a for a in args if not a.startswith("-")), None)
    if first not in SUBCOMMANDS or {"-h", "--help"} & set(args[: args.index(first)]):
        return None  # the whole parser: for its help, or to say what is wrong
    return first


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or, with ``only``, just that subcommand's: a command then
    imports its own module and none of the others' (each costs its imports at start)."""
    import argparse
    import importlib

    from mmsua import __version__

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
    for module in dict.fromkeys(_module_of(name) for name in (SUBCOMMANDS if only is None else (only,))):
        importlib.import_module(f"mmsua.cli.{module}").register(subparsers)
    return parser


def _setup_logging(verbosity: int) -> None:
    import logging

    level = logging.WARNING if verbosity == 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
