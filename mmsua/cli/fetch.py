"""`mmsua fetch ID`: download a deferred message now."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument, message_id

    parser = subparsers.add_parser("fetch", help="download a deferred message (policy.retrieval = manual, roaming, too large)")
    parser.add_argument("id", type=message_id, help="id of the deferred or failed notification (from `mmsua ls`)")
    parser.add_argument("--json", action="store_true", help="print the API's JSON")
    add_socket_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mmsua import exit_codes
    from mmsua.daemon import render
    from mmsua.daemon.clisupport import print_json, run_with_client

    def body(client) -> int:
        message = client.fetch(args.id)
        if args.json:
            print_json(message)
        else:
            print(f"message {message.get('id')}: {render.line(message.get('state'))}")
        return exit_codes.OK

    return run_with_client(args, body)
