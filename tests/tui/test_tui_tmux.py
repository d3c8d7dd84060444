"""Smoke test: the real `mmsua tui` in a real terminal (tmux), talking over the real
API socket to the engine on the simulated carrier, read back with capture-pane."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
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


def wait_for(text: str, timeout: float = 30.0, times: int = 1) -> str:
    """The screen once ``text`` is on it (``times`` times or more)."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture()
        if screen.count(text) >= times:
            return screen
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared {times} time(s) on screen:\n{screen}")


def keys(*names: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", SESSION, *names], check=True)


def assert_quits(timeout: float = 15.0) -> None:
    """The app ended (and with it the tmux session whose only command it was)."""
    def alive() -> bool:
        return subprocess.run(["tmux", "has-session", "-t", SESSION], capture_output=True).returncode == 0

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        time.sleep(0.2)
    assert not alive(), f"q q did not quit:\n{capture()}"


def test_real_tui_in_tmux(contacts_file, tmp_path) -> None:
    with SimulatedCarrier(profile="quectel-eg25g") as carrier:
        agent = start_agent(carrier, ME, tmp_path / "me.sqlite")
        try:
            populate(agent.store)
            run_tui(carrier, agent, contacts_file)
        finally:
            agent.stop()


@contextlib.contextmanager
def tui_in_tmux(agent, options: str, size: tuple[int, int] = (120, 40)) -> Iterator[None]:
    """The real `mmsua tui OPTIONS` in a tmux pane, on a real API socket serving ``agent``;
    the session, the server and its directory are gone afterwards."""
    runtime = Path(tempfile.mkdtemp(prefix="mt", dir="/tmp"))  # short: socket paths are limited to ~100 bytes
    server = ApiServer(agent, runtime / "api.sock")
    server.start()
    mmsua = Path(sys.executable).with_name("mmsua")
    # pytest exports COLUMNS/LINES (80x24), which Textual would take over the real pane size.
    command = f"env -u COLUMNS -u LINES {mmsua} tui --socket {server.path} {options} --no-bell --save-dir {runtime}"
    subprocess.run(["tmux", "new-session", "-d", "-s", SESSION, "-x", str(size[0]), "-y", str(size[1]), command], check=True)
    try:
        yield
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
        server.stop()
        shutil.rmtree(runtime, ignore_errors=True)


def run_tui(carrier: SimulatedCarrier, agent, contacts_file: Path) -> None:
    with tui_in_tmux(agent, f"--contacts {contacts_file} --images halfcell"):
        # The status bar: modem, operator and registration, from the emulated modem through the daemon.
        # (The operator is not asserted: under load the engine's status sometimes has none
        # yet; tests/tui/test_tui_units.py checks that a known operator is shown.)
        status = next(line for line in wait_for("Quectel EG25").splitlines() if "Quectel EG25" in line)
        assert "home" in status and "daemon" in status
        screen = wait_for("Alice Smith")
        assert "[@click=app.quit]" in screen  # hostile name shown literally
        assert "\x1b" not in screen
        keys("j", "Enter")
        wait_for("✓✓ delivered")
        wait_for("▀" * 20)  # the picture, drawn with half blocks once its bytes arrive
        carrier.send_mms("+447700900123", [ME], text="Arrived while you looked")  # Alice, through the network
        # Twice: the list's preview has it as soon as the list refreshes; the open conversation's bubble is what is shown live.
        wait_for("Arrived while you looked", times=2)
        keys("q", "q")
        assert_quits()


def test_embedded_engine_in_tmux(contacts_file, tmp_path) -> None:
    """`mmsua tui --embedded`: no daemon; the TUI process runs the engine itself on the
    emulated modem's pty and a real store directory, configured by flags alone."""
    from mmsua.store.store import Store

    store_dir = tmp_path / "store"
    store = Store(store_dir / "store.sqlite")
    populate(store, filler=3)
    store.close()
    with SimulatedCarrier(profile="quectel-eg25g") as carrier:
        handset = carrier.add_handset(ME)
        home = tmp_path / "home"  # no config file of the user's may leak in
        command = (
            f"env -u COLUMNS -u LINES HOME={home} XDG_CONFIG_HOME={home}/cfg XDG_DATA_HOME={home}/data "
            f"{Path(sys.executable).with_name('mmsua')} tui --embedded --port {handset.pty_path} --apn {carrier.apn} "
            f"--mmsc {carrier.mmsc_url} --proxy {carrier.proxy or ''} --store {store_dir} "
            f"--contacts {contacts_file} --images halfcell --no-bell --save-dir {tmp_path}"
        )
        subprocess.run(["tmux", "new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", command], check=True)
        try:
            status = next(line for line in wait_for("Quectel EG25", timeout=40).splitlines() if "Quectel EG25" in line)
            assert "embedded engine" in status and "disconnected" not in status
            wait_for("Alice Smith")  # the store's conversations, named from the vCard
            # Open Alice's conversation before she writes: her new message moves her to the top
            # of the list, and "j" pressed after that would open another conversation (whose
            # list preview could still show her text).
            keys("j", "Enter")  # Alice's conversation (second: the deferred one is newest)
            wait_for("✓✓ delivered")  # the reply in her conversation: it is open
            carrier.send_mms("+447700900123", [ME], text="Through the embedded engine")
            # Received by the engine in the TUI process, shown live: in the list's preview and in the open conversation.
            wait_for("Through the embedded engine", timeout=40, times=2)
            keys("q", "q")
            assert_quits()
        finally:
            subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
    store = Store(store_dir / "store.sqlite")
    try:
        texts = [m.text for m in store.search_messages("embedded engine", limit=5)]
        assert any("Through the embedded engine" in t for t in texts)  # the engine wrote the real store
    finally:
        store.close()


def test_the_composer_shows_the_daemons_plan_in_a_real_terminal(tmp_path) -> None:
    """The real `mmsua tui` over a real socket to the stand-in daemon (T/phoneagent.py):
    the reply's plan line says SMS, ^r makes it MMS, ^s sends what the line said."""
    from conftest import ALICE
    from phoneagent import PhoneAgent

    agent = PhoneAgent(names={ALICE: "Alice Smith"})
    agent.add((ALICE,), "Are you coming on Sunday?")
    with tui_in_tmux(agent, "--images none", size=(100, 30)):
        wait_for("Alice Smith")
        keys("Enter")
        wait_for("Are you coming on Sunday?", times=2)
        keys("r")
        wait_for("ctrl+o to write it in $EDITOR")  # the composer, its text field focused
        wait_for("text to one person")  # the plan for the empty reply: the composer is ready
        keys("-l", "Yes, see you at 8!")
        screen = wait_for("SMS · 1 part · 142 left")
        assert "text to one person" in screen and "^r: send as MMS" in screen
        keys("C-r")
        screen = wait_for("MMS · ")
        assert "you chose MMS" in screen and "\x1b" not in screen
        keys("C-s")
        wait_for("Message queued for sending.")
        (request,) = agent.requests
        assert request.via == "mms" and request.text == "Yes, see you at 8!"
