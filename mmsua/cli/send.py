"""`mmsua send`: queue an MMS (or SMS) with the daemon."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument

    parser = subparsers.add_parser(
        "send",
        help="send an MMS (or an SMS with --sms)",
        description="Queue a message with the running daemon, which sends it as soon as the modem and the MMSC "
        "allow; `mmsua show ID` follows it (queued, sending, sent, delivered). Pictures larger than the carrier's "
        "mms.max_size are fitted to it. E.g. mmsua send --to +447700900123 --text hello --attach cat.jpg",
    )
    parser.add_argument("--to", action="append", default=[], metavar="N", help="recipient number or e-mail (repeat for a group)")
    parser.add_argument("--conversation", type=int, metavar="ID", help="reply to everyone in this conversation (instead of --to)")
    parser.add_argument("--cc", action="append", default=[], metavar="N", help="copy recipient (repeatable)")
    parser.add_argument("--bcc", action="append", default=[], metavar="N", help="blind copy recipient (repeatable)")
    parser.add_argument("--subject", "-s", help="subject line")
    parser.add_argument("--text", "-t", help="message text ('-' reads it from standard input)")
    parser.add_argument("--attach", "-a", action="extend", nargs="+", default=[], metavar="FILE", help="attach files")
    parser.add_argument("--separately", action="store_true", help="one message per recipient instead of a group MMS")
    parser.add_argument("--sms", action="store_true", help="send the text as SMS (no subject or attachments)")
    parser.add_argument("--delivery-report", action="store_true", default=None, help="ask for delivery reports")
    parser.add_argument("--read-report", action="store_true", default=None, help="ask for read reports")
    parser.add_argument("--priority", choices=("low", "normal", "high"), help="the MMS's priority (X-Mms-Priority)")
    parser.add_argument("--json", action="store_true", help="print the queued message(s) as JSON")
    add_socket_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import mimetypes
    import sys
    from pathlib import Path

    from mmsua import exit_codes
    from mmsua.api.methods import Api
    from mmsua.api.shapes import Attachment, SendRequest
    from mmsua.daemon import render
    from mmsua.daemon.clisupport import print_json, run_with_client

    if not args.to and args.conversation is None:
        print("mmsua send: say who gets it: --to N (repeatable) or --conversation ID", file=sys.stderr)
        return exit_codes.USAGE
    text = sys.stdin.read() if args.text == "-" else args.text
    if args.sms and (args.attach or args.subject or args.priority):
        print("mmsua send: --sms sends text only; drop --attach, --subject and --priority", file=sys.stderr)
        return exit_codes.USAGE
    if not (text or args.attach or args.subject):
        print("mmsua send: nothing to send: give --text, --subject or --attach", file=sys.stderr)
        return exit_codes.USAGE
    attachments = []
    for name in args.attach:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as error:
            print(f"mmsua send: cannot read {name}: {error.strerror or error}", file=sys.stderr)
            return exit_codes.IOERR
        # The file's bytes travel in the request: the daemon may run as another user.
        guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        attachments.append(Attachment.of(data, path.name, guessed))
    request = SendRequest(
        to=tuple(args.to), conversation_id=args.conversation, cc=tuple(args.cc), bcc=tuple(args.bcc), subject=args.subject, text=text,
        attachments=tuple(attachments), delivery_report=args.delivery_report, read_report=args.read_report,
        separately=args.separately, as_sms=args.sms, priority=args.priority,
    )

    def body(client: Api) -> int:
        result = client.send(request)
        messages = result if isinstance(result, list) else [result]
        if args.json:
            print_json(result)
        else:
            for message in messages:
                to = ", ".join(render.line(a) for a in message.to)
                print(f"message {message.id} to {to}: {render.line(message.state.value)}")
        return exit_codes.OK

    return run_with_client(args, body)
