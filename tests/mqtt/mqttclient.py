"""The tests' own MQTT client (paho), a picture to send, and what the simulated MMSC was sent."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from simagent import wait_for  # tests/engine's (conftest puts it on the path)

PEER = "+15550109001"  # on the simulated carrier: who the tests send to
FRIEND = "+15550109002"  # who sends to the tests' handsets


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    process: Any


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    retain: bool

    def json(self) -> Any:
        return json.loads(self.payload)


class Watcher:
    """Subscribes to ``topics`` (QoS 1) and records every message; publishes commands."""

    def __init__(self, broker: Broker, topics: Iterable[str], *, ca_file: str | None = None, username: str | None = None,
                 password: str | None = None) -> None:
        import paho.mqtt.client as paho
        from paho.mqtt.enums import CallbackAPIVersion

        self.messages: list[Received] = []
        self._lock = threading.Lock()
        self._subscribed = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2)
        topics = list(topics)

        def on_connect(client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
            if topics:
                client.subscribe([(t, 1) for t in topics])
            else:
                self._subscribed.set()

        def on_subscribe(client: Any, userdata: Any, mid: Any, reasons: Any, properties: Any) -> None:
            self._subscribed.set()

        def on_message(client: Any, userdata: Any, message: Any) -> None:
            with self._lock:
                self.messages.append(Received(message.topic, bytes(message.payload), bool(message.retain)))

        self.client.on_connect = on_connect
        self.client.on_subscribe = on_subscribe
        self.client.on_message = on_message
        if ca_file:
            self.client.tls_set(ca_certs=ca_file)
        if username:
            self.client.username_pw_set(username, password)
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()
        assert self._subscribed.wait(30), "the test's MQTT client did not subscribe"

    def on(self, topic: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if m.topic == topic]

    def on_prefix(self, prefix: str) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if m.topic.startswith(prefix + "/")]

    def wait(self, topic: str, where: Callable[[Received], bool] = lambda m: True, what: str = "") -> Received:
        return wait_for(what or f"a message on {topic}", lambda: next((m for m in self.on(topic) if where(m)), None))

    def publish(self, topic: str, payload: Any, qos: int = 1) -> None:
        data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        self.client.publish(topic, data, qos=qos).wait_for_publish(30)

    def stop(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def png(colour: tuple[int, int, int] = (10, 200, 30)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "PNG")
    return out.getvalue()


def sent_by(carrier: Any, me: str) -> list[Any]:
    """The MMS the simulated MMSC accepted from ``me``."""
    return [m for m in list(carrier.mmsc.messages.values()) if m.sender == me]


def images(stored: Any) -> list[bytes]:
    return [p.data for p in stored.send_req.parts if str(p.content_type.media_type).startswith("image/")]


def mosquitto_binary() -> str | None:
    return shutil.which("mosquitto") or next((p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if os.access(p, os.X_OK)), None)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def start_mosquitto(binary: str, directory: Path, config: str, port: int) -> Iterator[Broker]:
    """mosquitto with ``config`` until the end of the ``with``; the test skips, with its log, when it does not start."""
    (directory / "mosquitto.conf").write_text(config + "persistence false\nlog_dest stderr\nlog_type error\nlog_type warning\n")
    with (directory / "mosquitto.log").open("wb") as log:
        process = subprocess.Popen([binary, "-c", str(directory / "mosquitto.conf")], stdout=log, stderr=log)
        try:
            def listening() -> bool:
                if process.poll() is not None:
                    return True
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    return True
                except OSError:
                    return False

            wait_for("mosquitto listening", listening)
            if process.poll() is not None:
                pytest.skip(f"mosquitto did not start: {(directory / 'mosquitto.log').read_text()[-500:]}")
            yield Broker("127.0.0.1", port, process)
        finally:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
