"""Fixtures of the CLI tests: the real engine behind a real socket."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from mmsua.daemon.server import ApiServer


@pytest.fixture
def engine_daemon(tmp_path: Path):
    """The real engine (no modem: nothing leaves the outbox) behind a real socket."""
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
