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
            print(_said(message, render.line))
        return exit_codes.OK

    return run_with_client(args, body)


def _said(message: dict, line) -> str:
    """One line on what fetch started: the daemon answers at once and downloads in the background."""
    ident, state = message.get("id"), line(message.get("state"))
    if state in ("notified", "retrieving"):
        return f"message {ident}: download started; `mmsua show {ident}` shows it once it has arrived"
    return f"message {ident}: {state}"
