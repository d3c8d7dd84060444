"""`mmsua read ID`, `read --all`, `read --conversation ID`: mark received messages read
(each with the read report its sender asked for, when reports.send_read_reports allows)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument, message_id

    parser = subparsers.add_parser("read", help="mark messages read: one, a conversation's, or all")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=message_id, help="id of the message (from `mmsua ls`)")
    which.add_argument("--conversation", type=int, metavar="ID", help="every message of this conversation")
    which.add_argument("--all", action="store_true", help="every message")
    add_socket_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mmsua import exit_codes
    from mmsua.api.methods import Api
    from mmsua.daemon.clisupport import run_with_client

    def body(client: Api) -> int:
        if args.id is not None:
            client.mark_read(args.id)
            print(f"message {args.id} marked read")
            return exit_codes.OK
        count = client.mark_all_read(args.conversation)
        where = f" in conversation {args.conversation}" if args.conversation is not None else ""
        print(f"{count} message{'' if count == 1 else 's'} marked read{where}")
        return exit_codes.OK

    return run_with_client(args, body)
