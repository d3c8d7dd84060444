"""The MQTT bridge: the typed API over an MQTT broker, with Home Assistant discovery (docs/mqtt.md).

A thin adapter, as the socket server and the D-Bus service are: it calls an ``Api``
(the engine's UserAgent in the daemon) and never reaches into the engine. The client
library (paho-mqtt) is the optional ``mqtt`` extra; importing this package needs none
of it, only :func:`start` does, and says how to install it when it is missing.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from mmsua.mqtt.settings import MqttConfigError, MqttSettings, settings_from

if TYPE_CHECKING:
    from mmsua.api.methods import Api
    from mmsua.mqtt.bridge import MqttBridge

EXTRA_HINT = "pip install 'mmsua[mqtt]'"
__all__ = ["EXTRA_HINT", "MqttConfigError", "MqttSettings", "MqttUnavailable", "check_available", "probe", "settings_from", "start"]


class MqttUnavailable(RuntimeError):
    """The bridge cannot run: the extra is missing."""


def check_available() -> None:
    """Raise MqttUnavailable, saying how to install it, when the mqtt extra is missing."""
    try:
        import paho.mqtt.client  # noqa: F401 - only to say what is missing
    except ImportError:
        raise MqttUnavailable(f"the MQTT bridge needs the mqtt extra, which is not installed: {EXTRA_HINT}") from None


def start(api: Api, settings: MqttSettings, lock: threading.Lock | None = None) -> MqttBridge:
    """Bridge ``api`` to the broker until ``stop()``. ``lock``: held around each call into
    ``api``, shared with the daemon's socket server so the engine sees one request at a time."""
    check_available()
    from mmsua.mqtt.bridge import MqttBridge

    bridge = MqttBridge(api, settings, lock)
    bridge.start()
    return bridge


def probe(settings: MqttSettings, timeout: float = 10.0) -> str | None:
    """Connect once and leave (for ``mmsua doctor``): None when the broker took us, else why not."""
    check_available()
    from mmsua.mqtt.reach import reach

    return reach(settings, timeout)
