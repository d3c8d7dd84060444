"""`mmsua delete ID`: delete a message from the store (the TUI's delete action)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument, message_id

    parser = subparsers.add_parser("delete", help="delete a message")
    parser.add_argument("id", type=message_id, help="id of the message (from `mmsua ls`)")
    add_socket_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mmsua import exit_codes
    from mmsua.api.methods import Api
    from mmsua.daemon.clisupport import run_with_client

    def body(client: Api) -> int:
        client.delete(args.id)
        print(f"message {args.id} deleted")
        return exit_codes.OK

    return run_with_client(args, body)
