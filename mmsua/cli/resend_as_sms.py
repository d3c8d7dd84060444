"""`mmsua resend-as-sms ID`: send the text of an outgoing MMS as SMS (the user's fallback)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument, message_id

    parser = subparsers.add_parser("resend-as-sms", help="send the text of an outgoing MMS as SMS instead")
    parser.add_argument("id", type=message_id, help="id of the outgoing MMS (usually a failed one)")
    parser.add_argument("--json", action="store_true", help="print the API's JSON")
    add_socket_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mmsua.daemon.clisupport import queued_result, run_with_client

    return run_with_client(args, lambda client: queued_result(client.resend_as_sms(args.id), args.json))
