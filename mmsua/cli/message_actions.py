"""`mmsua fetch ID [--trust]`, `retry ID`, `cancel ID`, `resend-as-sms ID [--force]`: one API call on one message.

Each row of ACTIONS is one subcommand (the TUI's action of the same name): its
help, the API method it calls, and the line it prints; ``--json`` prints the
answer's Message instead. Errors and exit statuses are clisupport's.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mmsua.api.methods import Api
    from mmsua.api.shapes import Message


@dataclass(frozen=True, slots=True)
class MessageAction:
    command: str
    help: str
    id_help: str
    call: Callable[[Api, argparse.Namespace], Message]
    said: Callable[[Message], str]  # one line on what the daemon did
    override: tuple[str, str] | None = None  # (flag, help): the action refuses what the flag allows


def _download_started(message: Message) -> str:
    """fetch: the daemon answers at once and downloads in the background."""
    from mmsua.daemon import render

    state = render.line(message.state.value)
    if state in ("notified", "retrieving"):
        return f"message {message.id}: download started; `mmsua show {message.id}` shows it once it has arrived"
    return f"message {message.id}: {state}"


def _queued(message: Message) -> str:
    """retry, resend-as-sms: the message the daemon queued."""
    from mmsua.daemon import render

    to = ", ".join(render.line(a) for a in message.to)
    return f"message {message.id} ({render.line(message.kind)}) to {to}: {render.line(message.state.value)}"


def _cancelled(message: Message) -> str:
    return f"message {message.id} cancelled: it was not sent"


ACTIONS: tuple[MessageAction, ...] = (
    MessageAction("fetch", "download a deferred message (policy.retrieval = manual, roaming, too large)",
                  "id of the deferred or failed notification (from `mmsua ls`)",
                  lambda api, a: api.fetch(a.id, trust=a.trust), _download_started,
                  override=("--trust", "also from a server that is not the carrier's MMSC (a notification held as "
                                       "'untrusted': anyone can send one, and fetching it connects to that server)")),
    MessageAction("retry", "send a failed outgoing message again",
                  "id of the failed outgoing message", lambda api, a: api.retry(a.id), _queued),
    MessageAction("cancel", "stop an outgoing message that has not left yet (says so when it is too late)",
                  "id of the queued message", lambda api, a: api.cancel(a.id), _cancelled),
    MessageAction("resend-as-sms", "send the text of an outgoing MMS as SMS instead",
                  "id of the outgoing MMS (usually a failed one)", lambda api, a: api.resend_as_sms(a.id, force=a.force), _queued,
                  override=("--force", "also a message that was sent (or is still queued): the recipients get its text twice")),
)
COMMANDS: tuple[str, ...] = tuple(action.command for action in ACTIONS)


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua.daemon.clisupport import add_socket_argument, message_id

    for action in ACTIONS:
        parser = subparsers.add_parser(action.command, help=action.help)
        parser.add_argument("id", type=message_id, help=action.id_help)
        if action.override is not None:
            flag, flag_help = action.override
            parser.add_argument(flag, action="store_true", help=flag_help)
        parser.add_argument("--json", action="store_true", help="print the API's JSON")
        add_socket_argument(parser)
        parser.set_defaults(func=lambda args, action=action: run(action, args))


def run(action: MessageAction, args: argparse.Namespace) -> int:
    from mmsua import exit_codes
    from mmsua.daemon.clisupport import print_json, run_with_client

    def body(client: Api) -> int:
        message = action.call(client, args)
        if args.json:
            print_json(message)
        else:
            print(action.said(message))
        return exit_codes.OK

    return run_with_client(args, body)
