"""`mmsua tui`: the inbox and composer in the terminal, as a client of the daemon."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mmsua.api.methods import Api
    from mmsua.config import Config


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua import config

    parser = subparsers.add_parser(
        "tui",
        help="open the inbox and composer (connects to the running daemon)",
        description="The Textual inbox. It talks to `mmsua daemon` over its socket; with --embedded it runs "
        "its own engine in-process instead (for a machine where no daemon runs).",
    )
    parser.add_argument("--socket", metavar="PATH", help="API socket path (default: $XDG_RUNTIME_DIR/mmsua/api.sock)")
    parser.add_argument("--embedded", action="store_true", help="run the engine in this process instead of connecting to a daemon")
    parser.add_argument("--contacts", metavar="FILE.vcf", help="vCard file whose names label numbers the daemon has no name for and complete recipients (default: contacts.vcf in the config directory, if present)")
    parser.add_argument("--theme", choices=("dark", "light"), default="dark", help="colour theme (ctrl+t toggles)")
    parser.add_argument("--images", choices=("auto", "kitty", "sixel", "halfcell", "unicode", "none"), default="auto",
                        help="how pictures are drawn: auto (asks the terminal: Sixel or the Kitty graphics protocol where supported, "
                        "else Unicode half-cells), or force kitty, sixel, halfcell, unicode, or none (list pictures, do not draw them)")
    parser.add_argument("--save-dir", metavar="DIR", help="where attachments are saved (default: ~/Downloads)")
    parser.add_argument("--no-bell", action="store_true", help="do not ring the terminal bell when a message arrives")
    config.add_arguments(parser.add_argument_group("settings (read from the config file; used by --embedded, and --max-size by the composer's size meter)"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    from mmsua import config, exit_codes, paths
    from mmsua.daemon.client import Client, DaemonUnavailable

    try:
        cfg = config.from_args(args)
    except config.ConfigError as error:
        print(f"mmsua tui: {error}", file=sys.stderr)
        return exit_codes.CONFIG
    args.max_message_size = int(cfg["mms.max_size"])

    contacts_path = Path(args.contacts).expanduser() if args.contacts else paths.config_dir() / "contacts.vcf"
    if args.contacts and not contacts_path.is_file():
        print(f"mmsua tui: no contacts file at {contacts_path}", file=sys.stderr)
        return exit_codes.IOERR

    if args.embedded:
        try:
            client, label, closer = _embedded(cfg)
        except Exception as error:  # a config or modem problem: say it plainly
            print(f"mmsua tui: cannot start the embedded engine: {error}", file=sys.stderr)
            return exit_codes.CONFIG
    else:
        socket = Path(args.socket) if args.socket else paths.socket_path()
        client = Client(socket)
        try:
            client.connect()
        except DaemonUnavailable:
            same_socket = f" --socket {socket}" if args.socket else ""  # a daemon elsewhere would not be found
            print(
                f"mmsua tui: no mmsua daemon is running (nothing answers on {socket}).\n"
                f"  start one:                 mmsua daemon{same_socket}\n"
                "  or run the engine in here: mmsua tui --embedded\n"
                "  or try it on a simulated carrier: mmsua demo",
                file=sys.stderr,
            )
            return exit_codes.UNAVAILABLE
        label, closer = f"daemon {socket}", client.close

    return run_app(client, args, contacts_path if contacts_path.is_file() else None, label, closer)


def run_app(client: Api, args: argparse.Namespace, contacts_path: Path | None, label: str, closer: Callable[[], object] | None = None) -> int:
    """Open the TUI on ``client`` (also used by `mmsua demo`)."""

    import threading

    from mmsua.tui.pictures import prepare

    # Before Textual starts: with --images auto textual-image asks the terminal what it
    # draws. It does so while the app's modules load, so its waits for answers cost nothing.
    failed: list[BaseException] = []

    def ask() -> None:
        try:
            prepare(getattr(args, "images", "auto"))
        except BaseException as error:  # raised again below, in the caller's thread
            failed.append(error)

    asking = threading.Thread(target=ask, name="picture-support", daemon=True)
    asking.start()
    from mmsua import exit_codes
    from mmsua.tui.app import make_app
    from mmsua.tui.contacts import Contacts
    from mmsua.tui.protocol import DEFAULT_MAX_MESSAGE_SIZE, Settings

    asking.join()
    if failed:
        raise failed[0]

    settings = Settings(
        contacts=Contacts.load(contacts_path),
        theme="textual-light" if getattr(args, "theme", "dark") == "light" else "textual-dark",
        images=getattr(args, "images", "auto"),
        save_dir=Path(args.save_dir).expanduser() if getattr(args, "save_dir", None) else Path.home() / "Downloads",
        bell=not getattr(args, "no_bell", False),
        max_message_size=getattr(args, "max_message_size", None) or DEFAULT_MAX_MESSAGE_SIZE,
        connection_label=label,
    )
    from mmsua.cli.console_logging import console_logging

    try:
        with console_logging(tui=True):  # a warning printed on the terminal would tear the screen
            make_app(client, settings).run()
    finally:
        if closer is not None:
            closer()
    return exit_codes.OK


def _embedded(cfg: Config) -> tuple[Api, str, Callable[[], object]]:
    """A LocalClient on an in-process engine built from the usual configuration."""
    from mmsua import config
    from mmsua.daemon.client import LocalClient
    from mmsua.engine.agent import UserAgent

    agent = UserAgent(config.agent_settings(cfg))
    agent.start()
    return LocalClient(agent), "embedded engine", agent.stop
