"""`mmsua forward ID --to NUMBER...`: a message's text and attachments to other people."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument, message_id

    parser = subparsers.add_parser("forward", help="send a message's text and attachments to other people")
    parser.add_argument("id", type=message_id, help="id of the message (from `mmsua ls`)")
    parser.add_argument("--to", action="append", required=True, metavar="N", help="recipient number or e-mail (repeat for a group)")
    parser.add_argument("--separately", action="store_true", help="one message per recipient instead of a group MMS")
    parser.add_argument("--via", choices=("auto", "sms", "mms"), default="auto",
                        help="auto (default): the daemon chooses SMS or MMS; sms: text only; mms")
    parser.add_argument("--json", action="store_true", help="print the queued message(s) as JSON")
    add_socket_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mmsua import exit_codes
    from mmsua.api.methods import Api
    from mmsua.daemon import render
    from mmsua.daemon.clisupport import print_json, run_with_client

    def body(client: Api) -> int:
        queued = client.forward(args.id, tuple(args.to), separately=args.separately, via=args.via)
        messages = queued if isinstance(queued, list) else [queued]
        if args.json:
            print_json(queued)
        for message in [] if args.json else messages:
            to = ", ".join(render.line(a) for a in message.to)
            print(f"message {args.id} forwarded to {to}: queued as message {message.id} ({render.line(message.kind)})")
        return exit_codes.OK

    return run_with_client(args, body)
