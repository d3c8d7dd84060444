"""`mmsua delete ID`: delete a message from the store (the TUI's delete action);
`mmsua delete --conversation ID`: every message of a conversation, after a question
on a terminal, or with --yes."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mmsua.api.methods import Api


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument, message_id

    parser = subparsers.add_parser("delete", help="delete a message, or a whole conversation")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=message_id, help="id of the message (from `mmsua ls`)")
    which.add_argument("--conversation", type=int, metavar="ID", help="every message of this conversation (from `mmsua ls`)")
    parser.add_argument("--yes", "-y", action="store_true", help="delete a conversation without asking")
    add_socket_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mmsua import exit_codes
    from mmsua.daemon.clisupport import run_with_client

    def body(client: Api) -> int:
        if args.id is not None:
            client.delete(args.id)
            print(f"message {args.id} deleted")
            return exit_codes.OK
        if not args.yes and not _confirmed(client, args.conversation):
            return exit_codes.USAGE
        client.delete_conversation(args.conversation)
        print(f"conversation {args.conversation} deleted")
        return exit_codes.OK

    return run_with_client(args, body)


def _confirmed(client: Api, conversation_id: int) -> bool:
    """Ask on a terminal; without one (a script) only --yes deletes."""
    import sys

    client.list_messages(conversation_id, limit=1)  # a conversation that is not there: NotFound, before asking
    if not sys.stdin.isatty():
        print(f"mmsua delete: deleting conversation {conversation_id} needs --yes (no terminal to ask on)", file=sys.stderr)
        return False
    try:
        answer = input(f"Delete every message of conversation {conversation_id}? [y/N] ")
    except EOFError:
        answer = ""
    if answer.strip().lower() not in ("y", "yes"):
        print("nothing deleted")
        return False
    return True
