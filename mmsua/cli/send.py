"""`mmsua send`: queue a message with the daemon, as SMS or MMS by its plan.

The daemon's plan (``plan_send``, docs/api.md "SMS or MMS") is asked first: a long SMS
is confirmed with --yes, and what was chosen is printed with the message's id the
moment the daemon has the message ("queued as SMS (2 parts) to …, message N"). A Ctrl-C
before that sends nothing: the request is abandoned (a line the daemon got only
part of is never carried out), and a message the daemon had already queued is
cancelled at once, or reported as gone when its POST had begun.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from mmsua.api.shapes import Message, SendPlan
    from mmsua.daemon.client import Client

def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument

    parser = subparsers.add_parser(
        "send",
        help="send a message: SMS for text to one person, MMS when it must (--sms / --mms force it)",
        description="Queue a message with the running daemon, which sends it as soon as the modem and the MMSC "
        "allow; `mmsua show ID` follows it (queued, sending, sent, delivered). Text to one person goes as SMS; "
        "a picture, a subject or a group makes it MMS (messaging.send_via, messaging.group_mms). Pictures larger "
        "than the carrier's mms.max_size are fitted to it. E.g. mmsua send --to +447700900123 --text hello --attach cat.jpg",
    )
    parser.add_argument("--to", action="append", default=[], metavar="N", help="recipient number or e-mail (repeat for a group)")
    parser.add_argument("--conversation", type=int, metavar="ID", help="reply to everyone in this conversation (instead of --to)")
    parser.add_argument("--cc", action="append", default=[], metavar="N", help="copy recipient (repeatable)")
    parser.add_argument("--bcc", action="append", default=[], metavar="N", help="blind copy recipient (repeatable)")
    parser.add_argument("--subject", "-s", help="subject line")
    parser.add_argument("--text", "-t", help="message text ('-' reads it from standard input)")
    parser.add_argument("--attach", "-a", action="extend", nargs="+", default=[], metavar="FILE", help="attach files")
    parser.add_argument("--separately", action="store_true", help="one message per recipient instead of a group MMS")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--sms", action="store_true", help="send it as SMS whatever the policy says (text only)")
    kind.add_argument("--mms", action="store_true", help="send it as MMS whatever the policy says")
    parser.add_argument("--delivery-report", action="store_true", default=None, help="ask for delivery reports")
    parser.add_argument("--read-report", action="store_true", default=None, help="ask for read reports")
    parser.add_argument("--priority", choices=("low", "normal", "high"), help="the MMS's priority (X-Mms-Priority)")
    parser.add_argument("--modem", metavar="NAME", help="with several modems: the one it goes out of (`mmsua status` names "
                        "them; default: the one the conversation uses, else the first)")
    parser.add_argument("--yes", "-y", action="store_true",
                        help="send a long SMS without asking (more parts than messaging.long_sms_confirm_parts)")
    parser.add_argument("--json", action="store_true", help="print the queued message(s) as JSON")
    add_socket_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except KeyboardInterrupt:  # before the request left: reading files, connecting
        print("mmsua send: interrupted; nothing was sent", file=sys.stderr)
        return INTERRUPTED


INTERRUPTED = 130


def _run(args: argparse.Namespace) -> int:
    import mimetypes
    from pathlib import Path

    from mmsua import exit_codes
    from mmsua.api.methods import Api
    from mmsua.api.shapes import Attachment, SendRequest
    from mmsua.daemon import render
    from mmsua.daemon.client import Client
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
        via="sms" if args.sms else "mms" if args.mms else "auto", modem=args.modem,
    )

    def body(client: Api) -> int:
        try:
            plan = client.plan_send(request)
        except KeyboardInterrupt:  # nothing was asked to be sent yet
            print("mmsua send: interrupted; nothing was sent", file=sys.stderr)
            return INTERRUPTED
        refused = _refused(plan, args.yes)
        if refused is not None:
            return refused
        result: Message | list[Message] | None = None
        try:
            result = client.send(request)
            messages = result if isinstance(result, list) else [result]
            if args.json:
                print_json(result)
            else:
                for message in messages:
                    to = ", ".join(render.line(a) for a in message.to)
                    state = "" if message.state == "queued" else f" ({render.line(message.state.value)})"
                    via = f" from modem {render.line(plan.modem)}" if plan.modem else ""  # a daemon with several modems
                    print(f"queued as {_chosen(plan, message)} to {to}{via}, message {message.id}{state}", flush=True)
        except KeyboardInterrupt:
            assert isinstance(client, Client)
            # A Ctrl-C is raised where the main thread next runs Python: inside the wait for
            # the answer, or just after it came, before the user was told. Either way nothing
            # was said to be queued, so nothing may go.
            return _interrupted(client) if result is None else _cancel(client.path, result)
        return exit_codes.OK

    return run_with_client(args, body)


def _refused(plan: SendPlan, yes: bool) -> int | None:
    """An exit status when the plan needs the user's --yes. (A plan with problems goes on to
    ``send``, whose refusal is reported as every refusal is.)"""
    from mmsua import exit_codes
    from mmsua.daemon import render

    if plan.confirm and not yes and not plan.problems:
        print(f"mmsua send: {render.line(plan.confirm)}; add --yes to send it anyway"
              + ("" if plan.kind != "sms" or not plan.switchable else ", or --mms to send it as one MMS"),
              file=sys.stderr)
        return exit_codes.USAGE
    return None


def _chosen(plan: SendPlan, message: Message) -> str:
    """What the daemon chose, as the user reads it: "SMS (2 parts)", "MMS (214 KB of 1 MB)"."""
    if plan.kind == "sms":  # send follows the plan the daemon gave
        parts = plan.sms_parts or 1
        return f"SMS ({parts} part{'s' if parts != 1 else ''})"
    return f"MMS ({_size(plan.mms_size or message.size or 0)} of {_size(plan.mms_limit)})" if plan.mms_limit else "MMS"


def _size(octets: int) -> str:
    if octets >= 1024 * 1024:
        return f"{octets / (1024 * 1024):.3g} MB"
    if octets >= 1024:
        return f"{max(round(octets / 1024), 1)} KB"
    return f"{octets} bytes"


def _cancel(path: Path, result: Message | list[Message]) -> int:
    """The daemon queued what the user interrupted: cancel it, or say that it had left."""
    from mmsua.api.errors import ApiError, TooLate
    from mmsua.daemon.client import Client

    try:
        with Client(path) as again:
            for message in result if isinstance(result, list) else [result]:
                try:
                    again.cancel(message.id)
                    print(f"mmsua send: message {message.id} cancelled; nothing was sent", file=sys.stderr)
                except TooLate as error:
                    print(f"mmsua send: message {message.id} had already left: {error}", file=sys.stderr)
    except ApiError as error:
        print(f"mmsua send: interrupted; whether the message was cancelled is not known ({error}); "
              "`mmsua ls` shows it and `mmsua cancel ID` stops it", file=sys.stderr)
    except KeyboardInterrupt:
        print("mmsua send: interrupted again: whether the message was cancelled is not known; "
              "`mmsua ls` shows it and `mmsua cancel ID` stops it", file=sys.stderr)
    return INTERRUPTED


def _interrupted(client: Client) -> int:
    """Ctrl-C while the daemon had the request: make sure nothing is sent, or say what was."""
    from mmsua.api.errors import ApiError

    print("mmsua send: interrupted; making sure nothing is sent…", file=sys.stderr, flush=True)
    try:
        try:
            result = client.abandon()
        except ApiError as error:
            print(f"mmsua send: nothing was sent (the daemon refused it: {error})", file=sys.stderr)
            return INTERRUPTED
        if result is None:
            print("mmsua send: the daemon did not get the message; nothing was sent", file=sys.stderr)
            return INTERRUPTED
        return _cancel(client.path, result)
    except KeyboardInterrupt:
        print("mmsua send: interrupted again: whether the message was queued is not known; "
              "`mmsua ls` shows it and `mmsua cancel ID` stops it", file=sys.stderr)
    return INTERRUPTED
