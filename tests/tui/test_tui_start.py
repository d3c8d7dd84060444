"""Start-up on a terminal that answers no graphics query (issue 13).

textual-image used to be imported whatever ``--images`` said, and its import asks the
terminal (Sixel device attributes, the Kitty graphics query, the cell size in pixels),
waiting 0.1 s for each answer that never comes and then printing a warning with a
traceback onto the screen. Here the real `run_app` runs on a pseudo-terminal that
answers nothing: with pictures off or forced the terminal is never asked, and in no
mode does a warning or traceback reach the screen.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from conftest import ALICE, NOW

pytestmark = pytest.mark.timeout(120)

CHILD = """
import argparse, sys
from mmsua.cli.tui import run_app
from mmsua.daemon.client import LocalClient
from mmsua.engine.agent import UserAgent
from mmsua.store.store import Store
args = argparse.Namespace(images=sys.argv[2], theme="dark", save_dir=None, no_bell=True, max_message_size=None)
sys.exit(run_app(LocalClient(UserAgent(store=Store(sys.argv[1]))), args, None, "test"))
"""
QUERIES = {"device attributes (Sixel)": b"\x1b[c", "Kitty graphics query": b"\x1b_G", "cell size in pixels": b"\x1b[16t"}
NOT_ON_SCREEN = (b"Traceback", b"WARNING", b"Warning", b"Failed to get cell size", b"VT340")


def run_on_a_silent_terminal(store_path: Path, images: str) -> bytes:
    """Everything the app wrote until its list was drawn, then ^q; it must exit 0."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))  # no pixel size: the app would ask
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "TERM_PROGRAM")}
    env |= {"TERM": "xterm-256color", "XDG_STATE_HOME": str(store_path.parent / "state")}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(store_path), images], stdin=slave, stdout=slave, stderr=slave,
                             env=env, close_fds=True, start_new_session=True)
    os.close(slave)
    seen = b""
    try:
        deadline = time.monotonic() + 60
        while b"Hello from Alice" not in seen:  # the list's preview: drawn
            assert time.monotonic() < deadline, f"the list was never drawn: {seen[-2000:]!r}"
            if select.select([master], [], [], 0.2)[0]:
                seen += os.read(master, 65536)
        drawn = seen
        os.write(master, b"\x11")  # ^q
        deadline = time.monotonic() + 30
        while child.poll() is None:
            assert time.monotonic() < deadline, "^q did not end the app"
            if select.select([master], [], [], 0.2)[0]:
                try:
                    seen += os.read(master, 65536)
                except OSError:
                    break
        assert child.wait(timeout=30) == 0
        return drawn
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        os.close(master)


@pytest.fixture
def inbox(store) -> Path:
    store.add_message(participants=[ALICE], direction="in", kind="sms", state="received", sender=ALICE,
                      text="Hello from Alice", date=NOW)
    return store.path


@pytest.mark.parametrize("images", ["none", "halfcell", "kitty"])
def test_pictures_off_or_forced_never_ask_the_terminal(inbox: Path, images: str) -> None:
    screen = run_on_a_silent_terminal(inbox, images)
    asked = [name for name, query in QUERIES.items() if query in screen]
    assert not asked, f"--images {images} asked the terminal: {asked}"
    assert not [word for word in NOT_ON_SCREEN if word in screen]


def test_auto_asks_and_shows_no_warning_when_nothing_answers(inbox: Path) -> None:
    screen = run_on_a_silent_terminal(inbox, "auto")
    assert QUERIES["device attributes (Sixel)"] in screen  # auto does ask
    assert not [word for word in NOT_ON_SCREEN if word in screen]
