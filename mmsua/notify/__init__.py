"""Notifications when no inbox is open: a new message announced on the desktop
(freedesktop Notifications over D-Bus), on an ntfy topic, or to a registered
target such as the MQTT bridge; never for a muted conversation (docs/operations.md,
"Notifications").

``check(config)`` refuses settings that cannot work (NotifyError, one line);
``start(config, muted)`` returns a running Notifier, or None when every way is off.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("mmsua.notify")


class NotifyError(ValueError):
    """A notify.* setting that cannot work; the text says which and why."""


def check(config: Any) -> None:
    from mmsua.notify import desktop
    from mmsua.notify.ntfy import split_topic

    if config["notify.ntfy"]:
        try:
            split_topic(config["notify.ntfy"])
        except ValueError as error:
            raise NotifyError(f"notify.ntfy: {error}") from None
    if config["notify.desktop"] == "on":
        why = desktop.available()
        if why is not None:
            raise NotifyError(f"notify.desktop is on but cannot work: {why} (\"auto\" tries only where it can)")
    hook = config["notify.hook"]
    if hook:
        from mmsua.targets import NAME

        if not NAME.fullmatch(hook):
            raise NotifyError(f"notify.hook: {hook!r} is not a target's name (lower-case letters, digits, '_', '.', '-')")


def describe(config: Any) -> list[str]:
    """The ways new messages will be announced, as doctor shows them."""
    from mmsua.notify import desktop

    ways = []
    if config["notify.desktop"] == "on" or (config["notify.desktop"] == "auto" and desktop.available() is None):
        ways.append("desktop")
    if config["notify.ntfy"]:
        ways.append(f"ntfy ({config['notify.ntfy']})")
    if config["notify.hook"]:
        ways.append(f"hook {config['notify.hook']}")
    return ways


def start(config: Any, muted: Any = None) -> Any:
    """A running Notifier for the config's ways, or None when all are off."""
    from mmsua.notify import desktop
    from mmsua.notify.notifier import Hook, Notifier, Way
    from mmsua.notify.ntfy import Ntfy

    check(config)
    timeout = float(config["notify.timeout"]) or 10.0
    ways: list[Way] = []
    setting = config["notify.desktop"]
    if setting == "on" or (setting == "auto" and desktop.available() is None):
        ways.append(desktop.Desktop(timeout))
    elif setting == "auto":
        log.info("desktop notifications off: %s", desktop.available())
    if config["notify.ntfy"]:
        ways.append(Ntfy(config["notify.ntfy"], config["notify.ntfy_token"], timeout))
    if config["notify.hook"]:
        ways.append(Hook(config["notify.hook"]))
    if not ways:
        return None
    return Notifier(ways, muted, config["notify.show_text"])
