"""Fixtures of the end-to-end engine tests: a simulated carrier, and ME's agent on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from simagent import ME, start_agent

from mmsua.engine.agent import UserAgent
from mmsua.sim.carrier import SimulatedCarrier


@pytest.fixture
def carrier() -> Iterator[SimulatedCarrier]:
    with SimulatedCarrier(profile="quectel-eg25g", require_ua_headers=True) as sim:
        yield sim


@pytest.fixture
def me(carrier: SimulatedCarrier, tmp_path: Path) -> Iterator[UserAgent]:
    agent = start_agent(carrier, ME, tmp_path / "me.sqlite")
    yield agent
    agent.stop()
