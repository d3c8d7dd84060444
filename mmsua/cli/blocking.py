"""`mmsua block NUMBER`, `unblock NUMBER`, `blocked`: the numbers whose messages are kept apart.

A blocked number's SMS and MMS are stored apart (`mmsua ls --blocked`), never announced,
and its MMS are not downloaded (docs/operations.md, "Blocking")."""

from __future__ import annotations

import argparse

COMMANDS: tuple[str, ...] = ("block", "unblock", "blocked")


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument

    helps = {"block": "keep a number's messages apart, unannounced, its MMS not downloaded",
             "unblock": "let a blocked number's messages in again", "blocked": "list the blocked numbers"}
    for command in COMMANDS:
        parser = subparsers.add_parser(command, help=helps[command])
        if command != "blocked":
            parser.add_argument("number", help="the phone number (any form: +44 7700 900123, 07700900123)")
        else:
            parser.add_argument("--json", action="store_true", help="print the API's JSON")
        add_socket_argument(parser)
        parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mmsua import exit_codes
    from mmsua.api.methods import Api
    from mmsua.daemon import render
    from mmsua.daemon.clisupport import print_json, run_with_client

    def body(client: Api) -> int:
        if args.command == "block":
            client.block(args.number)
            print(f"{render.line(args.number)} blocked: its messages are kept apart (`mmsua ls --blocked`)")
        elif args.command == "unblock":
            client.unblock(args.number)
            print(f"{render.line(args.number)} unblocked")
        else:
            numbers = client.list_blocked()
            if args.json:
                print_json(numbers)
            for number in [] if args.json else numbers:
                print(render.line(number))
            if not numbers and not args.json:
                print("no blocked numbers")
        return exit_codes.OK

    return run_with_client(args, body)
