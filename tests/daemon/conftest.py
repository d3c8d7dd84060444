"""Fixtures of the daemon's tests: a short socket path, the real engine served on it."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest

from mmsua.daemon.server import ApiServer


@pytest.fixture
def sock_path() -> Path:
    # AF_UNIX paths are limited to ~107 bytes; pytest's tmp_path can be long.
    short = Path(f"/tmp/mmsua-test-{os.getpid()}-{threading.get_ident() % 10000}")
    short.mkdir(mode=0o700, exist_ok=True)
    yield short / "run" / "api.sock"
    shutil.rmtree(short, ignore_errors=True)


@pytest.fixture
def engine_server(tmp_path: Path, sock_path: Path):
    """(UserAgent, ApiServer): the real engine without a modem, served on ``sock_path``."""
    from mmsua.engine.agent import UserAgent
    from mmsua.engine.settings import AgentSettings

    agent = UserAgent(AgentSettings(store_path=str(tmp_path / "store"), own_number="+15550100001"))
    agent.start()
    server = ApiServer(agent, sock_path)
    server.start()
    yield agent, server
    server.stop()
    agent.stop()


def raw(path: Path) -> tuple[socket.socket, object]:
    """A bare connection to the API socket, to write lines no client would."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(20)
    sock.connect(str(path))
    return sock, sock.makefile("rb")


def exchange(sock: socket.socket, reader, line: bytes) -> dict:
    sock.sendall(line)
    return json.loads(reader.readline())
