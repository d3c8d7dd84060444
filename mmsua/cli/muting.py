"""`mmsua mute ID`, `unmute ID`: a conversation whose new messages are announced nowhere.

A muted conversation's messages are stored and counted unread as ever; only the
notifications (desktop, ntfy, hooks; docs/operations.md "Notifications") leave it out.
`mmsua ls` marks it [muted]."""

from __future__ import annotations

import argparse

COMMANDS: tuple[str, ...] = ("mute", "unmute")


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument

    helps = {"mute": "announce none of a conversation's new messages (no desktop or ntfy notification)",
             "unmute": "announce a muted conversation's new messages again"}
    for command in COMMANDS:
        parser = subparsers.add_parser(command, help=helps[command])
        parser.add_argument("conversation", type=int, metavar="CONVERSATION_ID", help="the conversation's id, as `mmsua ls` shows it")
        add_socket_argument(parser)
        parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mmsua import exit_codes
    from mmsua.api.methods import Api
    from mmsua.daemon.clisupport import run_with_client

    def body(client: Api) -> int:
        if args.command == "mute":
            client.mute_conversation(args.conversation)
            print(f"conversation {args.conversation} muted: its new messages are not announced")
        else:
            client.unmute_conversation(args.conversation)
            print(f"conversation {args.conversation} unmuted")
        return exit_codes.OK

    return run_with_client(args, body)
