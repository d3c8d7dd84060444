"""`mmsua status`: modem, network, data path and queues, as the daemon sees them."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument

    parser = subparsers.add_parser("status", help="show the modem, network and queue state")
    parser.add_argument("--json", action="store_true", help="print the API's JSON")
    add_socket_argument(parser)
    parser.set_defaults(func=run, logs=False)  # a client that only asks the daemon: nothing logs (see main)


def run(args: argparse.Namespace) -> int:
    from mmsua import exit_codes
    from mmsua.api.methods import Api
    from mmsua.daemon import render
    from mmsua.daemon.clisupport import print_json, run_with_client

    def body(client: Api) -> int:
        status = client.status()
        if args.json:
            print_json(status)
        else:
            print(render.status_detail(status))
        return exit_codes.OK

    return run_with_client(args, body)
