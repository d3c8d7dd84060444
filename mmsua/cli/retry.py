"""`mmsua retry ID`: queue a failed outgoing message again (the TUI's retry action)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument, message_id

    parser = subparsers.add_parser("retry", help="send a failed outgoing message again")
    parser.add_argument("id", type=message_id, help="id of the failed outgoing message")
    parser.add_argument("--json", action="store_true", help="print the API's JSON")
    add_socket_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mmsua.daemon.clisupport import queued_result, run_with_client

    return run_with_client(args, lambda client: queued_result(client.retry(args.id), args.json))
