"""`mmsua daemon`: own the modem, run the engine, serve the local API."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua import config

    parser = subparsers.add_parser(
        "daemon",
        help="run the MMS engine on the modem and serve the local API",
        description="Owns the modem and the message store and serves the local API that `mmsua tui`, send, ls, "
        "show, fetch, export and status use, until SIGTERM or Ctrl-C. Settings come from the config file, then "
        "these options, e.g. mmsua daemon --port /dev/ttyUSB2 --apn mms.example --mmsc http://mmsc.example/mms "
        "--proxy 10.0.0.1:8080. Run `mmsua doctor` with the same options first; docs/operations.md has the rest.",
    )
    config.add_arguments(parser)
    parser.add_argument("--socket", metavar="PATH", help="API socket path (default: $XDG_RUNTIME_DIR/mmsua/api.sock)")
    parser.add_argument("--dbus", nargs="?", const="session", choices=("session", "system"), metavar="BUS",
                        help="also serve mmsd-tng's org.ofono.mms D-Bus API (for Chatty, sxmo) on the session "
                        "(default) or system bus; needs pip install 'mmsua[dbus]' (docs/dbus.md)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import importlib.util
    import sys
    from pathlib import Path

    from mmsua import config, exit_codes, notify, rules
    from mmsua.daemon.memory import fewer_malloc_arenas
    from mmsua.daemon.runner import Daemon, check, resolve_backend
    from mmsua.daemon.server import SocketInUse
    from mmsua.dbus import DbusUnavailable
    from mmsua.dbus import check_available as check_dbus
    from mmsua.drivers.errors import ModemError
    from mmsua.mqtt import MqttConfigError, MqttUnavailable

    _log_at_info()
    fewer_malloc_arenas()  # before any thread starts
    try:
        settings = config.from_args(args)
        if getattr(args, "dbus", None):
            settings = settings.with_values({"dbus.bus": args.dbus}, config.COMMAND_LINE)
        rules.load(settings)
        notify.check(settings)
    except (config.ConfigError, rules.RuleError, notify.NotifyError) as error:
        print(f"mmsua daemon: {error}", file=sys.stderr)
        return exit_codes.CONFIG
    several = len(settings.modem_names()) > 1
    try:
        # Before the port check: ModemManager's port is not refused. Several modems: each is
        # resolved on its own (here to check its port, and again by the daemon).
        modems = [resolve_backend(settings.for_modem(name)) for name in settings.modem_names()]
        if not several:
            settings = modems[0]
    except config.ConfigError as error:
        print(f"mmsua daemon: {error}", file=sys.stderr)
        return exit_codes.CONFIG
    problems = check(settings)
    if problems:
        print("mmsua daemon: the configuration is not complete:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        print("set them in the config file or on the command line; `mmsua config --show` lists every setting", file=sys.stderr)
        return exit_codes.CONFIG
    if settings["dbus.bus"]:
        try:
            check_dbus()
        except DbusUnavailable as error:
            print(f"mmsua daemon: {error}", file=sys.stderr)
            return exit_codes.UNAVAILABLE
    refused = _mqtt_check(settings)
    if refused is not None:
        return refused
    for modem in modems:
        if modem["modem.backend"] == "at":
            refused = _port_check(modem["modem.port"])
            if refused is not None:
                return refused
        elif importlib.util.find_spec("dbus_fast") is None:
            print("mmsua daemon: modem.backend = modemmanager needs the dbus extra, which is not installed: "
                  "pip install 'mmsua[dbus]' (in mmsua's virtual environment)", file=sys.stderr)
            return exit_codes.UNAVAILABLE
    if not _store_usable(settings.store_path()):
        return exit_codes.IOERR
    daemon = Daemon(settings, Path(args.socket) if args.socket else None)
    try:
        daemon.run()
    except (SocketInUse, DbusUnavailable, MqttUnavailable) as error:
        print(f"mmsua daemon: {error}", file=sys.stderr)
        return exit_codes.UNAVAILABLE
    except MqttConfigError as error:  # checked above; a password file may have gone since
        print(f"mmsua daemon: {error}", file=sys.stderr)
        return exit_codes.CONFIG
    except OSError as error:
        print(f"mmsua daemon: {error}", file=sys.stderr)
        return exit_codes.IOERR
    except ModemError as error:
        print(f"mmsua daemon: the modem cannot be used: {error}", file=sys.stderr)
        return exit_codes.UNAVAILABLE
    return exit_codes.OK


def _mqtt_check(settings: Any) -> int | None:
    """With [mqtt] set: its values and the extra are checked before the modem is opened."""
    import sys

    from mmsua import exit_codes, mqtt
    from mmsua.daemon.runner import mqtt_settings

    try:
        if mqtt_settings(settings) is None:
            return None
        mqtt.check_available()
    except mqtt.MqttConfigError as error:
        print(f"mmsua daemon: {error}", file=sys.stderr)
        return exit_codes.CONFIG
    except mqtt.MqttUnavailable as error:
        print(f"mmsua daemon: {error}", file=sys.stderr)
        return exit_codes.UNAVAILABLE
    return None


def _port_check(port: str) -> int | None:
    """Say at once what is wrong with the port; the exit status when the daemon must not start.

    Missing: only a warning (the modem may be plugged in later; the daemon keeps trying).
    No permission: fatal, it lasts until the user logs in again with the new group.
    Held by another program (a second daemon on another socket, ModemManager, a terminal
    program): fatal, two readers of one AT port steal each other's answers."""
    import sys

    from mmsua import exit_codes
    from mmsua.cli.port_check import check_port, modem_manager_warning

    problem = check_port(port)
    if problem is not None and problem.kind in ("permission", "busy"):
        print(f"mmsua daemon: {problem.what}: {problem.advice}", file=sys.stderr)
        return exit_codes.IOERR if problem.kind == "permission" else exit_codes.UNAVAILABLE
    if problem is not None:
        print(f"mmsua daemon: warning: {problem.what}: {problem.advice}; starting anyway, the modem is tried again "
              "and again", file=sys.stderr)
    elif (warning := modem_manager_warning(port)) is not None:
        print(f"mmsua daemon: warning: {warning}", file=sys.stderr)
    return None


def _store_usable(store: Path) -> bool:
    """The store directory must exist (it is made, private) and be writable before anything starts."""
    import os
    import sys

    try:
        store.mkdir(mode=0o700, parents=True, exist_ok=True)
        writable = os.access(store, os.W_OK | os.X_OK)
        reason = "" if writable else "not writable by you"
    except OSError as error:
        writable, reason = False, error.strerror or str(error)
    if not writable:
        print(f"mmsua daemon: the message store directory {store} cannot be used: {reason}; "
              "give a directory you own with --store DIR (or store.path in the config file)", file=sys.stderr)
    return writable


def _log_at_info() -> None:
    """The daemon logs each message's story at INFO to stderr (the journal under systemd)."""
    import logging

    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
