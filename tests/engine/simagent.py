"""Helpers for engine tests on the simulated carrier: a UserAgent on an emulated
handset, and waiting for what it should do."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mmsua.engine.agent import UserAgent
from mmsua.sim.carrier import SimulatedCarrier

ME = "+15550100001"
FRIEND = "+15550107777"
WAIT = 30.0  # a bound for a loaded CI machine; a healthy wait returns at once


def wait_for(what: str, check: Callable[[], Any], timeout: float = WAIT) -> Any:
    """Until ``check()`` is truthy; fails naming what never happened."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.02)


def start_agent(carrier: SimulatedCarrier, msisdn: str, store: Path, **changes: Any) -> UserAgent:
    handset = carrier.handsets.get(msisdn) or carrier.add_handset(msisdn)
    agent = UserAgent(carrier.agent_settings(handset, store, **changes))
    agent.start()
    assert agent.link.wait_ready(30), agent.link.error
    return agent


def only_message(agent: UserAgent, state: str) -> dict[str, Any] | None:
    for conversation in agent.list_conversations():
        for message in agent.list_messages(conversation.id):
            if message.state == state:
                return message
    return None
