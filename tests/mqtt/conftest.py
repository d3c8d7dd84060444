"""A real mosquitto broker per test session on a free loopback port, a real paho client
to watch and publish, and a real UserAgent on the simulated carrier for the bridge."""

from __future__ import annotations

import itertools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.append(str(Path(__file__).parents[1] / "engine"))  # after the test folders: its conftest must not shadow theirs
from mqttclient import PEER, Broker, Watcher, free_port, mosquitto_binary, start_mosquitto  # noqa: E402
from simagent import start_agent  # noqa: E402 - the engine tests' helpers


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    pytest.importorskip("paho.mqtt.client", reason="the mqtt extra (paho-mqtt) is not installed")
    binary = mosquitto_binary()
    if binary is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    directory = Path(tempfile.mkdtemp(prefix="mmsua-mqtt-"))
    port = free_port()
    try:
        with start_mosquitto(binary, directory, f"listener {port} 127.0.0.1\nallow_anonymous true\n", port) as started:
            yield started
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def watcher(broker: Broker) -> Iterator[Any]:
    """Watchers (paho clients) on the broker, stopped at the end of the test."""
    started: list[Watcher] = []

    def start(*topics: str) -> Watcher:
        watcher = Watcher(broker, topics)
        started.append(watcher)
        return watcher

    yield start
    for watcher in started:
        watcher.stop()


@pytest.fixture(scope="module")
def carrier() -> Iterator[Any]:
    """The simulated carrier, with the peer the tests send to."""
    from mmsua.sim.carrier import SimulatedCarrier

    with SimulatedCarrier() as network:
        network.add_handset(PEER)
        yield network


_NUMBERS = itertools.count(1)


@pytest.fixture
def phone(carrier: Any, tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """(number, UserAgent): a real UserAgent on a fresh handset of the simulated carrier."""
    number = f"+1555012{next(_NUMBERS):04d}"
    agent = start_agent(carrier, number, tmp_path / "store")
    yield number, agent
    agent.stop()


@pytest.fixture
def me(phone: tuple[str, Any]) -> str:
    return phone[0]


@pytest.fixture
def agent(phone: tuple[str, Any]) -> Any:
    return phone[1]


_MODEMS = itertools.count(1)


@pytest.fixture
def settings(broker: Broker) -> Any:
    """The bridge's settings on the test broker, a topic base of its own per test."""
    from mmsua.mqtt import settings_from

    return settings_from({"mqtt.url": f"mqtt://{broker.host}:{broker.port}", "mqtt.node": "testnode",
                          "mqtt.modem": f"m{os.getpid()}x{next(_MODEMS)}", "mqtt.notify_to": [PEER]})


@pytest.fixture
def bridge(agent: Any, settings: Any) -> Iterator[Any]:
    from mmsua import mqtt

    bridge = mqtt.start(agent, settings)
    assert bridge.connected.wait(30), "the bridge did not connect to the test broker"
    yield bridge
    bridge.stop()
