"""The rules' tests: the real `mmsua daemon` process on the simulated carrier, with
[[rules]] in its config file, and commands written as small Python scripts."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from ruleshelp import PEER, DaemonProcess

_NUMBERS = itertools.count(1)


@pytest.fixture(scope="module")
def carrier() -> Iterator[Any]:
    from mmsua.sim.carrier import SimulatedCarrier

    with SimulatedCarrier() as carrier:
        carrier.add_handset(PEER)
        yield carrier


@pytest.fixture
def number() -> Callable[[], str]:
    return lambda: f"+1555012{next(_NUMBERS):04d}"


@pytest.fixture
def daemons(carrier: Any, tmp_path: Path) -> Iterator[Callable[..., DaemonProcess]]:
    """Start a daemon for a new handset with this config text; all are stopped at the end."""
    started: list[DaemonProcess] = []

    def start(me: str, config_text: str, name: str = "d") -> DaemonProcess:
        workdir = tmp_path / name
        workdir.mkdir()
        config = workdir / "config.toml"
        config.write_text(config_text)
        daemon = DaemonProcess(carrier, carrier.add_handset(me), workdir, config=config)
        started.append(daemon)
        daemon.start(timeout=60)
        return daemon

    yield start
    for daemon in started:
        daemon.terminate()
