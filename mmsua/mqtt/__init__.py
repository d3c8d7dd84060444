"""The MQTT bridge: the typed API over an MQTT broker, with Home Assistant discovery (docs/mqtt.md).

A thin adapter, as the socket server and the D-Bus service are: it calls an ``Api``
(the engine's UserAgent in the daemon) and never reaches into the engine. The client
library (paho-mqtt) is the optional ``mqtt`` extra; importing this package needs none
of it, only :func:`start` does, and says how to install it when it is missing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from mmsua.mqtt.settings import MqttConfigError, MqttSettings, settings_from

if TYPE_CHECKING:
    from mmsua import targets
    from mmsua.api.methods import Api
    from mmsua.mqtt.bridge import MqttBridge

EXTRA_HINT = "pip install 'mmsua[mqtt]'"
__all__ = ["EXTRA_HINT", "MqttConfigError", "MqttSettings", "MqttFleet", "MqttUnavailable", "check_available", "probe", "settings_from", "start"]


class MqttUnavailable(RuntimeError):
    """The bridge cannot run: the extra is missing."""


def check_available() -> None:
    """Raise MqttUnavailable, saying how to install it, when the mqtt extra is missing."""
    try:
        import paho.mqtt.client  # noqa: F401 - only to say what is missing
    except ImportError:
        raise MqttUnavailable(f"the MQTT bridge needs the mqtt extra, which is not installed: {EXTRA_HINT}") from None


def start(api: Api, settings: MqttSettings, lock: threading.Lock | None = None,
          modems: list[str] | None = None) -> MqttBridge | MqttFleet:
    """Bridge ``api`` to the broker until ``stop()``. ``lock``: held around each call into
    ``api``, shared with the daemon's socket server so the engine sees one request at a time.
    ``modems``: a daemon with several modems (Status.modems' names, the first first) gets a
    bridge per modem, each under its own ``<prefix>/<node>/<modem>`` (mqtt.modem names only
    a single modem)."""
    check_available()
    from mmsua.mqtt.bridge import MqttBridge

    if not modems or len(modems) == 1:
        bridge = MqttBridge(api, settings, lock)
        bridge.start()
        return bridge
    fleet = MqttFleet([
        # The first modem also owns messages stored before modems had names (modem None).
        MqttBridge(api, replace(settings, modem=name), lock, serves=name,
                   owns=frozenset({name, None} if index == 0 else {name}), target=False)
        for index, name in enumerate(modems)
    ])
    fleet.start()
    return fleet


class MqttFleet:
    """A daemon's bridges, one per modem; the 'mqtt' target hands a message to its modem's."""

    def __init__(self, bridges: list[MqttBridge]) -> None:
        self.bridges = bridges
        self._unregister: Callable[[], None] | None = None

    def start(self) -> None:
        from mmsua import targets

        for bridge in self.bridges:
            bridge.start()
        self._unregister = targets.register("mqtt", self._on_handoff)

    def _on_handoff(self, handoff: targets.Handoff) -> None:
        bridge = next((b for b in self.bridges if b.owns(handoff.message)), self.bridges[0])
        bridge.on_handoff(handoff)

    def stop(self) -> None:
        if self._unregister is not None:
            self._unregister()
            self._unregister = None
        for bridge in self.bridges:
            bridge.stop()


def probe(settings: MqttSettings, timeout: float = 10.0) -> str | None:
    """Connect once and leave (for ``mmsua doctor``): None when the broker took us, else why not."""
    check_available()
    from mmsua.mqtt.reach import reach

    return reach(settings, timeout)
