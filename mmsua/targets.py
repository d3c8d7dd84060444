"""Named targets that rules and notifications hand messages to: the seam for bridges.

A bridge that lives in the daemon's process (the MQTT bridge, mmsua/mqtt/) registers
a callable under a name; a rule with ``hook = "mqtt"`` or the setting
``notify.hook = "mqtt"`` hands it a :class:`Handoff`. The callable runs on the rules'
or the notifier's worker thread, never on the engine's: it must return quickly (queue
the work) and may raise, which is logged and dropped. Nothing here imports the engine
or the daemon, so a bridge imports only this module and mmsua.api.

    from mmsua import targets
    unregister = targets.register("mqtt", bridge.on_handoff)
    ...
    unregister()
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from mmsua.api.shapes import Message

log = logging.getLogger("mmsua.targets")
NAME = re.compile(r"[a-z][a-z0-9_.-]{0,39}")  # what a config file may name


@dataclass(frozen=True, slots=True)
class Handoff:
    """One message handed to a target.

    ``purpose``: ``forward`` (a rule's ``hook``; ``source`` is the rule's name) or
    ``notify`` (a new message to announce; ``title`` and ``body`` are what the
    desktop and ntfy get, already bounded and cleaned). ``message`` is the API's
    ``Message``; a part's bytes come from ``Api.get_part(message.id, index)``.
    """

    purpose: Literal["forward", "notify"]
    source: str
    message: Message
    title: str = ""
    body: str = ""


Target = Callable[[Handoff], None]
_targets: dict[str, Target] = {}
_lock = threading.Lock()


def register(name: str, target: Target) -> Callable[[], None]:
    """Make ``target`` the one called for ``name``; the returned function removes it
    (only if it is still the one registered)."""
    if not NAME.fullmatch(name):
        raise ValueError(f"a target's name is lower-case letters, digits, '_', '.' or '-' (at most 40): {name!r}")
    with _lock:
        _targets[name] = target

    def unregister() -> None:
        with _lock:
            if _targets.get(name) is target:
                del _targets[name]

    return unregister


def registered() -> list[str]:
    with _lock:
        return sorted(_targets)


def deliver(name: str, handoff: Handoff) -> bool:
    """Call the target registered as ``name``; False when none is (logged) or it raised."""
    with _lock:
        target = _targets.get(name)
    if target is None:
        log.warning("message %s: no target %r is registered (is its bridge configured?)", handoff.message.id, name)
        return False
    try:
        target(handoff)
    except Exception:  # a bridge's fault must not stop rules or notifications
        log.exception("message %s: target %r failed", handoff.message.id, name)
        return False
    return True
