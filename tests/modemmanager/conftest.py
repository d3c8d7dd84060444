"""A private D-Bus daemon per test session with ModemManager's side played by
:mod:`fakemm` on it, as a handset of the simulated carrier; mmsua's ModemManager
backend is given the bus's address (modem.mm_bus), so no system bus is needed."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from privatebus import private_bus

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))

from mmhelp import ME, PEER, SOURCE, settings_for  # noqa: E402 - a module of its own: see mmhelp


@pytest.fixture(scope="session")
def bus_address() -> Iterator[str]:
    pytest.importorskip("dbus_fast", reason="the dbus extra (dbus-fast) is not installed")
    with private_bus("mmsua-mmbus-") as address:
        yield address


@pytest.fixture
def carrier() -> Iterator[Any]:
    from mmsua.sim.carrier import SimulatedCarrier

    with SimulatedCarrier(subscriber_by_address={SOURCE: ME}) as carrier:
        carrier.add_handset(PEER)
        yield carrier


@pytest.fixture
def fake_mm(bus_address: str, carrier: Any) -> Iterator[Any]:
    from fakemm import FakeModemManager

    with FakeModemManager(bus_address, carrier.smsc, ME, source_address=SOURCE) as fake:
        yield fake


@pytest.fixture
def agent(carrier: Any, bus_address: str, fake_mm: Any, tmp_path: Path) -> Iterator[Any]:
    from mmsua.engine.agent import UserAgent

    me = UserAgent(settings_for(carrier, bus_address, tmp_path))
    me.start()
    try:
        assert me.link.wait_ready(30), me.link.error
        yield me
    finally:
        me.stop()
