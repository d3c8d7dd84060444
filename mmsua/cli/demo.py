"""``mmsua demo``: mmsua on a simulated carrier, in one command.

A simulated carrier starts on this machine (an emulated modem on a
pseudo-terminal, an SMSC, an MMSC and the carrier's MMS proxy on 127.0.0.1,
and a friend who answers every MMS), and mmsua's daemon runs on it through the
same driver code a real modem uses. The friend greets you with a picture; the
inbox opens on it. Without a terminal (or with --no-tui) a scripted exchange
runs instead and each step is printed. No root, no hardware, no network.
"""

from __future__ import annotations

import argparse
import signal
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from mmsua import exit_codes
from mmsua.cli.console_logging import console_logging

if TYPE_CHECKING:

    from mmsua.api.methods import Api
    from mmsua.daemon.client import Client
    from mmsua.demo import DemoSession, Step


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo",
        help="run mmsua on a simulated carrier: the inbox with a friend who answers (no modem needed)",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    p.add_argument("--profile", choices=("quectel-eg25g", "simcom-sim7600", "generic"), default="quectel-eg25g",
                   help="the emulated modem's AT dialect (default quectel-eg25g); mmsua picks its profile from ATI as with a real modem")
    p.add_argument("--line-rate", type=float, default=None, metavar="BYTES_PER_S",
                   help="serial line speed in bytes per second, 11520 for a 115200-baud line (a slow link is really slow: "
                        "every MMS byte crosses it)")
    p.add_argument("--store", type=Path, default=None, metavar="DIR", help="keep the message store in DIR (default: a temporary one, deleted at the end)")
    p.add_argument("--no-tui", action="store_true", help="run the scripted exchange and print each step (the default without a terminal)")
    p.add_argument("--json", action="store_true", help="with the scripted exchange: one JSON object per step")
    p.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS", help="how long each step may take (default 120)")
    p.add_argument("--codec", action="store_true", help="the older codec-only demo: a WAP Push notification over two SMS, decoded")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import sys

    if args.codec:
        from mmsua.cli.demo_codec import run_codec_demo

        return run_codec_demo(json_output=args.json)
    from mmsua.demo import DemoError, DemoOptions, DemoSession

    try:
        options = DemoOptions(profile=args.profile, line_rate=args.line_rate,
                              store=args.store.expanduser().resolve() if args.store else None)
    except ValueError as error:
        print(f"mmsua demo: {error}", file=sys.stderr)
        return exit_codes.USAGE
    headless = args.no_tui or args.json or not (sys.stdin.isatty() and sys.stdout.isatty())
    # SIGTERM and SIGHUP (the terminal closed) tear down like Ctrl-C: nothing may be left behind.
    previous = {signum: signal.signal(signum, _raise_interrupt) for signum in _STOP_SIGNALS}
    session = DemoSession(options)
    try:
        with console_logging(tui=False):
            if not args.json:
                print("mmsua demo: starting a simulated carrier and mmsua's daemon on it …", flush=True)
            session.start()
            if headless:
                return _scripted(session, args)
            return _interactive(session, args)
    except DemoError as error:
        print(f"mmsua demo: {error}", file=sys.stderr)
        return exit_codes.UNAVAILABLE
    finally:
        session.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if options.store is not None and not args.json:
            print(f"mmsua demo: the store is kept in {options.store}")


_STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
EXIT_GRACE_SECONDS = 5  # for the TUI to leave after SIGTERM or SIGHUP before it is unwound


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _scripted(session: DemoSession, args: argparse.Namespace) -> int:
    from mmsua.demo import run_exchange

    printer = _json_line if args.json else _text_line
    ok = run_exchange(session, printer, timeout=args.timeout)
    return exit_codes.OK if ok else exit_codes.UNAVAILABLE


def _interactive(session: DemoSession, args: argparse.Namespace) -> int:
    """Greeting first (so the inbox opens on it), then the TUI on the daemon's socket."""
    from mmsua.demo import Exchange, plumbing_steps

    with Exchange(session, _text_line, timeout=args.timeout) as exchange:
        if not exchange.greeting():
            print("mmsua demo: the greeting did not arrive; opening the inbox anyway", flush=True)
    assert session.plumbing is not None  # the exchange started the demo
    intro = [line for step in plumbing_steps(session.plumbing) for line in step.text.splitlines()]
    client = _with_intro(session.plumbing.socket, ["mmsua demo on a simulated carrier:", *intro])
    try:
        with console_logging(tui=True):
            _open_tui(client, session)
        session.settle()  # let a transfer in flight finish before everything stops
    finally:
        client.close()
    return exit_codes.OK


def _open_tui(client: Api, session: DemoSession) -> None:

    from mmsua.tui.app import make_app
    from mmsua.tui.contacts import Contacts
    from mmsua.tui.pictures import prepare
    from mmsua.tui.protocol import Settings

    prepare("auto")  # textual-image asks the terminal what it draws, before Textual starts
    settings = Settings(contacts=Contacts.load(session.contacts_vcard()), save_dir=Path.home() / "Downloads",
                        connection_label="demo daemon")
    app = make_app(client, settings)

    def stop(signum: int, frame: object) -> None:
        # Textual owns the terminal: leave through app.exit so it restores the screen.
        # After a hangup that can hang (a SIGCONT restarts Textual's output thread, which
        # dies on the closed terminal, and exit waits on it), so an alarm then unwinds
        # like Ctrl-C and the demo still tears everything down.
        app.call_later(app.exit)
        signal.signal(signal.SIGALRM, _raise_interrupt)
        signal.alarm(EXIT_GRACE_SECONDS)

    previous = {signum: signal.signal(signum, stop) for signum in _STOP_SIGNALS}
    try:
        app.run()
    finally:
        signal.alarm(0)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _with_intro(socket: str | Path, lines: list[str]) -> Client:
    """The API client, with the demo's own lines first in the TUI's log screen."""
    from mmsua.api.events import EventCallback, Log
    from mmsua.api.shapes import LogLine
    from mmsua.daemon.client import Client

    class WithIntro(Client):
        def on_event(self, callback: EventCallback, on_close: Callable[[str], None] | None = None) -> Client:
            for line in lines:
                callback(Log(LogLine("", "INFO", line)))
            return super().on_event(callback, on_close)

    return WithIntro(socket)


def _text_line(step: Step) -> None:
    lines = step.text.splitlines() or [""]
    if step.step == "plumbing":
        print("\n".join("  " + line for line in lines), flush=True)
        return
    print(f"[{step.step}] {lines[0]}", *("  " + line for line in lines[1:]), sep="\n", flush=True)


def _json_line(step: Step) -> None:
    import json

    print(json.dumps(step.to_dict(), ensure_ascii=False), flush=True)

