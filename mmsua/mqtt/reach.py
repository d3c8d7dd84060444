"""``mmsua doctor``'s broker check: one connection with the daemon's settings, then gone."""

from __future__ import annotations

import threading
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion

from mmsua.mqtt.settings import MqttSettings


def reach(settings: MqttSettings, timeout: float) -> str | None:
    # Another client id: the daemon's own session (and its queued commands) stays untouched.
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"{settings.effective_client_id}-doctor"[:128],
                         protocol=MQTTProtocolVersion.MQTTv5)
    answered = threading.Event()
    outcome: list[str | None] = []

    def on_connect(client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        outcome.append(f"the broker refused: {reason}" if reason.is_failure else None)
        answered.set()

    client.on_connect = on_connect
    if settings.username:
        client.username_pw_set(settings.username, settings.password or None)
    try:
        if settings.tls:
            client.tls_set(ca_certs=settings.ca_file or None)
        client.connect(settings.host, settings.port, keepalive=10)
    except (OSError, ValueError) as error:
        return f"cannot reach {settings.describe()}: {error}"
    client.loop_start()
    try:
        if not answered.wait(timeout):
            return f"{settings.describe()} did not answer within {timeout:g} s"
        return outcome[0]
    finally:
        client.disconnect()
        client.loop_stop()
