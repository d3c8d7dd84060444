"""`mmsua show ID`: one message with its parts and per-recipient status."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument, message_id

    parser = subparsers.add_parser("show", help="show a message")
    parser.add_argument("id", type=message_id, help="message id (from `mmsua ls`)")
    parser.add_argument("--json", action="store_true", help="print the API's JSON")
    parser.add_argument("--mark-read", action="store_true", help="mark it read (sends a read report if asked and allowed)")
    add_socket_argument(parser)
    parser.set_defaults(func=run, logs=False)  # a client that only asks the daemon: nothing logs (see main)


def run(args: argparse.Namespace) -> int:
    from mmsua import exit_codes
    from mmsua.api.methods import Api
    from mmsua.daemon import render
    from mmsua.daemon.clisupport import print_json, run_with_client

    def body(client: Api) -> int:
        message = client.mark_read(args.id) if args.mark_read else client.show_message(args.id)
        if args.json:
            print_json(message)
        else:
            print(render.message_detail(message))
        return exit_codes.OK

    return run_with_client(args, body)
