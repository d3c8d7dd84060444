"""`mmsua export ID DIR`: write a message's parts as files with safe names."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument, message_id

    parser = subparsers.add_parser("export", help="save a message's parts as files")
    parser.add_argument("id", type=message_id, help="message id (from `mmsua ls`)")
    parser.add_argument("directory", help="where to write (created if missing); existing files are never overwritten")
    add_socket_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from mmsua import exit_codes
    from mmsua.api.methods import Api
    from mmsua.daemon.clisupport import run_with_client
    from mmsua.daemon.export import ExportError, export_parts

    def body(client: Api) -> int:
        try:
            written = export_parts(client, args.id, Path(args.directory))
        except ExportError as error:
            print(f"mmsua export: {error}", file=sys.stderr)
            return exit_codes.IOERR
        for path in written:
            print(path)
        if not written:
            print(f"message {args.id} has no parts to export", file=sys.stderr)
        return exit_codes.OK

    return run_with_client(args, body)
