"""The daemon restarts under an open inbox (issue 11): the real `mmsua tui` in tmux on a
real `mmsua daemon` process, which is stopped and started again while the inbox is open.

Before: Enter on a conversation (or a search typed) with the daemon gone ended the app
with a 180-line Textual traceback and exit status 0. Now the TUI says the daemon is not
running, keeps going, and reconnects by itself when the daemon is back, with the list and
the open conversation read again.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import populate
from test_tui_e2e import ME

from mmsua.sim.carrier import SimulatedCarrier
from mmsua.store.store import Store

sys.path.insert(0, str(Path(__file__).parents[1] / "daemon"))
from daemonproc import DaemonProcess  # noqa: E402  (tests/daemon's helper: a real daemon process)

pytestmark = [pytest.mark.timeout(300), pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")]
SESSION = f"mmsua-tui-restart-{id(object())}"


def capture() -> str:
    return subprocess.run(["tmux", "capture-pane", "-p", "-t", SESSION], capture_output=True, text=True).stdout


def wait_until(what: str, check, timeout: float = 60.0) -> str:
    """The screen once ``check(screen)`` holds; the app must never have ended meanwhile."""
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture()
        assert "Traceback" not in screen and "TUI-EXITED" not in screen, f"the app ended while waiting for {what}:\n{screen}"
        if check(screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"never on screen: {what}\n{screen}")


def keys(*names: str) -> None:
    subprocess.run(["tmux", "send-keys", "-t", SESSION, *names], check=True)


def status_bar(screen: str) -> str:
    return next((line for line in reversed(screen.splitlines()) if "●" in line), "")  # list rows have ● too


def test_daemon_stopped_and_started_again_under_an_open_inbox(contacts_file) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="mr", dir="/tmp"))  # short: socket paths are limited to ~100 bytes
    store = Store(workdir / "store" / "store.sqlite")
    populate(store, hostile=False, filler=3)
    store.close()
    with SimulatedCarrier(profile="quectel-eg25g") as carrier:
        daemon = DaemonProcess(carrier, carrier.add_handset(ME), workdir)
        daemon.start(timeout=90)  # a loaded 2-core machine: the bound only, it returns once registered
        mmsua = Path(sys.executable).with_name("mmsua")
        # The shell line after the app shows how it ended (a traceback stays on the pane).
        command = (f"env -u COLUMNS -u LINES {mmsua} tui --socket {daemon.socket} --contacts {contacts_file} "
                   f"--images halfcell --no-bell --save-dir {workdir}; echo TUI-EXITED $?; sleep 600")
        subprocess.run(["tmux", "new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", command], check=True)
        try:
            wait_until("the inbox", lambda s: "Alice Smith" in s and "Quectel EG25" in s)
            assert daemon.terminate() == 0
            # The event stream ends with the daemon: said at once, without waiting for a poll.
            wait_until("the daemon is not running", lambda s: "not running, reconnecting" in status_bar(s))
            keys("j", "Enter")  # Alice's conversation: its messages cannot be read now
            wait_until("the conversation says it is not loaded", lambda s: "daemon is not answering" in s)
            keys("/")  # a search: neither can the list be read
            wait_until("the search field", lambda s: "search conversations" in s)
            keys("a", "l", "i")
            wait_until("the search says it is not loaded", lambda s: "not loaded: daemon not answering" in s)
            keys("Escape")
            daemon.start(timeout=90)
            # Back by itself: connected, the list read again, the open conversation shown.
            screen = wait_until("reconnected with the conversation shown",
                                lambda s: "disconnected" not in status_bar(s) and "Look at this view!" in s)
            assert "Alice Smith" in screen
            # And live again: a message through the network appears in the open conversation (right of the list).
            carrier.send_mms("+447700900123", [ME], text="After the restart")
            wait_until("a message after the restart", lambda s: any("After the restart" in line.partition("▕")[2] for line in s.splitlines()))
            keys("q", "q")
            deadline = time.monotonic() + 60
            while "TUI-EXITED" not in (screen := capture()) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert "TUI-EXITED 0" in screen and "Traceback" not in screen, screen
        finally:
            subprocess.run(["tmux", "kill-session", "-t", SESSION], capture_output=True)
            daemon.terminate()
            shutil.rmtree(workdir, ignore_errors=True)
