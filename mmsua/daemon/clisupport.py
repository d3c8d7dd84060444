"""What every CLI client shares: the --socket option, connecting, errors as exit statuses.

Every subcommand's ``register`` imports this module, so it imports the client and
the API's shapes only when a command runs: ``mmsua decode`` never loads them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mmsua import exit_codes, paths
from mmsua.api.errors import ApiError, BadRequest, InternalError, NotFound, TooLarge, TooLate, Unavailable
from mmsua.textsafe import clean_line

if TYPE_CHECKING:
    from mmsua.api.methods import Api

EXIT_FOR_CODE = {
    BadRequest.code: exit_codes.USAGE,
    NotFound.code: exit_codes.FAILURE,
    TooLarge.code: exit_codes.FAILURE,
    TooLate.code: exit_codes.FAILURE,
    Unavailable.code: exit_codes.TEMPFAIL,
    InternalError.code: exit_codes.SOFTWARE,
}


def add_socket_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--socket", metavar="PATH", help=f"the daemon's API socket (default {paths.socket_path()})")


def run_with_client(args: argparse.Namespace, body: Callable[[Api], int]) -> int:
    """Connect, run ``body``, and turn API failures into a message and an exit status.

    The message names the subcommand ("mmsua send: no message 42"); the API's error
    code is for programs, so only ``--json`` shows it: ``{"error": {code, message}}``."""
    from mmsua.daemon.client import Client, DaemonUnavailable

    prog = f"mmsua {args.command}" if getattr(args, "command", None) else "mmsua"
    try:
        with Client(getattr(args, "socket", None)) as client:
            return body(client)
    except DaemonUnavailable as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return exit_codes.UNAVAILABLE
    except ApiError as error:
        if getattr(args, "json", False):
            print_json({"error": {"code": error.code, "message": error.message}})
        print(f"{prog}: {clean_line(str(error.message))}", file=sys.stderr)
        return EXIT_FOR_CODE.get(error.code, exit_codes.FAILURE)


def print_json(value: Any) -> None:
    """A shape (or a list of them, or plain JSON) as the API's JSON."""
    from mmsua.api.wire import encode

    # ensure_ascii keeps control characters from the network escaped on the terminal.
    json.dump(encode(value), sys.stdout, ensure_ascii=True, indent=2)
    sys.stdout.write("\n")


def message_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a message id is a number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("a message id is a positive number")
    return value
