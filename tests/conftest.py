"""Shared test settings: where the read-only third-party material lives,
Hypothesis limits that suit a 2-core CI machine, and the state machine checked by
every test: a transition the table does not declare fails the test, even where the
worker logs it and carries on (a test that provokes one on purpose takes the fixture
and clears the list it yields)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from mmsua.api.states import MessageState
from mmsua.engine import states

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

settings.register_profile(
    "mmsua", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("mmsua")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the checkout; tests that need it skip with the reason when absent."""
    if not SHARED.is_dir():
        pytest.skip(f"third-party material not found at {SHARED} (it sits beside the checkout in the project workspace)")
    return SHARED


@pytest.fixture(autouse=True)
def only_declared_transitions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[states.UndeclaredTransition]]:
    refused: list[states.UndeclaredTransition] = []
    declared = states.next_state

    def checked(source: MessageState | None, event: states.Event) -> MessageState:
        try:
            return declared(source, event)
        except states.UndeclaredTransition as exc:
            refused.append(exc)
            raise

    monkeypatch.setattr(states, "next_state", checked)
    yield refused
    if refused:
        pytest.fail("undeclared state transitions: " + "; ".join(str(e) for e in refused))


@pytest.fixture
def engine_daemon(tmp_path: Path):
    """(UserAgent, socket path): the real engine (no modem: nothing leaves the outbox)
    behind a real socket, for the CLI's tests."""
    import os
    import subprocess

    from mmsua.daemon.server import ApiServer
    from mmsua.engine.agent import UserAgent
    from mmsua.engine.settings import AgentSettings

    short = Path(f"/tmp/mmsua-cli-e-{os.getpid()}")
    short.mkdir(mode=0o700, exist_ok=True)
    agent = UserAgent(AgentSettings(store_path=str(tmp_path / "store"), own_number="+15550100001"))
    agent.start()
    server = ApiServer(agent, short / "api.sock")
    server.start()
    yield agent, str(short / "api.sock")
    server.stop()
    agent.stop()
    subprocess.run(["rm", "-rf", str(short)], check=False)
