"""A private D-Bus daemon per test session, and the org.ofono.mms service on it over a real
UserAgent on the simulated carrier, exercised the way mmsd-tng's clients do: gdbus,
dbus-send (sxmo), and a Python client; signals watched with dbus-monitor."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from busclient import PEER, Monitor, wait_for
from privatebus import private_bus


@pytest.fixture(scope="session")
def bus_address() -> Iterator[str]:
    """A private session bus: ``dbus-daemon --session --print-address``, stopped at the end."""
    pytest.importorskip("dbus_fast", reason="the dbus extra (dbus-fast) is not installed")
    for tool in ("gdbus", "dbus-send", "dbus-monitor"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install dbus libglib2.0-bin)")
    with private_bus("mmsua-bus-") as address:
        yield address


@pytest.fixture
def bus_env(bus_address: str) -> dict[str, str]:
    """The environment of a client process on the private bus (as a session's would be)."""
    return {**os.environ, "DBUS_SESSION_BUS_ADDRESS": bus_address}


@pytest.fixture(scope="module")
def carrier() -> Iterator[Any]:
    from mmsua.sim.carrier import SimulatedCarrier

    with SimulatedCarrier() as carrier:
        carrier.add_handset(PEER)
        yield carrier


_NUMBERS = itertools.count(1)


@pytest.fixture
def me() -> str:
    """This test's own number: a fresh handset each test."""
    return f"+1555011{next(_NUMBERS):04d}"


@pytest.fixture
def agent(carrier: Any, me: str, tmp_path: Path) -> Iterator[Any]:
    """A real UserAgent on a fresh handset of the simulated carrier."""
    from mmsua.engine.agent import UserAgent

    handset = carrier.add_handset(me)
    agent = UserAgent(carrier.agent_settings(handset, tmp_path / "store"))
    agent.start()
    assert agent.link.wait_ready(30), agent.link.error
    yield agent
    agent.stop()


@pytest.fixture
def served(agent: Any, bus_address: str, tmp_path: Path) -> Iterator[Any]:
    """The org.ofono.mms service over ``agent`` on the private bus."""
    from mmsua import dbus

    service = dbus.start(agent, "session", tmp_path / "attachments", address=bus_address, mmsc="http://mmsc.example/mms",
                         apn="mms.example", proxy="")
    yield service
    service.stop()


@pytest.fixture
def monitor(bus_address: str) -> Iterator[Callable[[], Monitor]]:
    started: list[Monitor] = []

    def start() -> Monitor:
        mon = Monitor(bus_address, ["type='signal',sender='org.ofono.mms'"])
        started.append(mon)
        # It watches once it became a monitor, which drops its name: its NameLost shows.
        wait_for("dbus-monitor listening", lambda: any("member=NameLost" in line for line in mon.lines))
        return mon

    yield start
    for mon in started:
        mon.stop()
