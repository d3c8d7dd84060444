"""Smoke test: the real `mmsua tui` in a real terminal (tmux), talking over the real
API socket to the engine on the simulated carrier, read back with capture-pane."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import populate
from test_tui_e2e import ME, start_agent

from mmsua.daemon.server import ApiServer
from mmsua.sim.carrier import SimulatedCarrier

pytestmark = [pytest.mark.timeout(90), pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")]
SESSION = f"mmsua-tui-smoke-{id(object())}"


def capture() -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", SESSION], capture_output=True, text=True).stdout


def wait_for(text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture()
        if text in screen:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared on screen:\n{screen}")


def keys(*names: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", SESSION, *names], check=True)


def test_real_tui_in_tmux(contacts_file, tmp_path) -> None:
    with SimulatedCarrier(profile="quectel-eg25g") as carrier:
        agent = start_agent(carrier, ME, tmp_path / "me.sqlite")
        try:
            populate(agent.store)
            run_tui(carrier, agent, contacts_file)
        finally:
            agent.stop()


def run_tui(carrier: SimulatedCarrier, agent, contacts_file: Path) -> None:
    runtime = Path(tempfile.mkdtemp(prefix="mt", dir="/tmp"))  # short: socket paths are limited to ~100 bytes
    server = ApiServer(agent, runtime / "api.sock")
    server.start()
    mmsua = Path(sys.executable).with_name("mmsua")
    # pytest exports COLUMNS/LINES (80x24), which Textual would take over the real pane size.
    command = f"env -u COLUMNS -u LINES {mmsua} tui --socket {server.path} --contacts {contacts_file} --images halfcell --no-bell --save-dir {runtime}"
    subprocess.run(["tmux", "new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", command], check=True)
    try:
        # The status bar: modem, operator and registration, from the emulated modem through the daemon.
        status = next(line for line in wait_for("Quectel EG25").splitlines() if "Quectel EG25" in line)
        assert "SimCarrier" in status and "home" in status and "daemon" in status
        screen = wait_for("Alice Smith")
        assert "[@click=app.quit]" in screen  # hostile name shown literally
        assert "\x1b" not in screen
        keys("j", "Enter")
        wait_for("✓✓ delivered")
        wait_for("▀" * 20)  # the picture, drawn with half blocks once its bytes arrive
        carrier.send_mms("+447700900123", [ME], text="Arrived while you looked")  # Alice, through the network
        wait_for("Arrived while you looked")
        keys("q", "q")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and subprocess.run(["tmux", "has-session", "-t", SESSION], capture_output=True).returncode == 0:
            time.sleep(0.2)
        assert subprocess.run(["tmux", "has-session", "-t", SESSION], capture_output=True).returncode != 0, f"q q did not quit:\n{capture()}"
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
        server.stop()
        shutil.rmtree(runtime, ignore_errors=True)
