"""`mmsua ls`: conversations (names from the daemon's contacts), or the messages of one conversation."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument

    parser = subparsers.add_parser("ls", help="list conversations (or one conversation's messages)")
    parser.add_argument("conversation", nargs="?", type=int, help="list this conversation's messages")
    parser.add_argument("--query", "-q", help="only conversations matching this text")
    parser.add_argument("--blocked", action="store_true", help="the conversations of blocked numbers (kept apart)")
    parser.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    parser.add_argument("--json", action="store_true", help="print the API's JSON")
    add_socket_argument(parser)
    parser.set_defaults(func=run, logs=False)  # a client that only asks the daemon: nothing logs (see main)


def run(args: argparse.Namespace) -> int:
    from mmsua import exit_codes
    from mmsua.api.methods import Api
    from mmsua.api.wire import Shape
    from mmsua.daemon import render
    from mmsua.daemon.clisupport import print_json, run_with_client

    def body(client: Api) -> int:
        if args.conversation is not None:
            messages = client.list_messages(args.conversation, limit=args.limit)
            items: list[Shape] = list(messages)
            rows = [render.message_row(m) for m in messages]
        else:
            conversations = client.list_conversations(query=args.query, limit=args.limit, blocked=args.blocked)
            items, rows = list(conversations), [render.conversation_row(c) for c in conversations]
        if args.json:
            print_json(items)
        elif not items:
            print("no messages" if args.conversation is not None else "no conversations")
        else:
            for row in rows:
                print(row)
        return exit_codes.OK

    return run_with_client(args, body)
