"""The daemon's main loop ends on SIGTERM/SIGINT and on stop(), at any moment.

A stress run saw a daemon never stop on SIGTERM: its signal handler set a
threading.Event, and a handler runs between any two bytecodes of the main thread,
which may be inside that Event's own lock (Event.wait takes it). The handler now only
records the signal; set_wakeup_fd's byte wakes the loop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bookagent import BookAgent

from mmsua import config
from mmsua.daemon.runner import Daemon


def daemon(tmp_path: Path) -> Daemon:
    return Daemon(config.load(os.devnull, {"modem.port": "/dev/null"}), tmp_path / "api.sock",
                  agent_factory=lambda settings: BookAgent(settings), probe_sim=False)


def test_the_signal_handler_takes_no_lock_the_interrupted_code_may_hold(tmp_path: Path) -> None:
    runner = daemon(tmp_path)
    handled = threading.Event()

    def interrupted_inside_the_loops_wait() -> None:
        # Where the old loop's Event.wait held the Event's lock when the signal came.
        with runner._stop._cond:  # type: ignore[attr-defined]
            runner._on_signal(signal.SIGTERM, None)
        handled.set()

    threading.Thread(target=interrupted_inside_the_loops_wait, daemon=True).start()
    assert handled.wait(10), "the signal handler blocked on a lock the interrupted code held"


def test_stop_from_another_thread_ends_run(tmp_path: Path) -> None:
    runner = daemon(tmp_path)
    ran = threading.Thread(target=runner.run)
    ran.start()
    deadline = time.monotonic() + 30
    while runner.server is None and time.monotonic() < deadline:  # serving: inside the loop's wait
        time.sleep(0.01)
    runner.stop()
    ran.join(30)
    assert not ran.is_alive()


RUN_AND_SIGNAL = """
import os, signal, sys, threading
sys.path.insert(0, sys.argv[2])
from bookagent import BookAgent
from mmsua import config
from mmsua.daemon.runner import Daemon
runner = Daemon(config.load(os.devnull, {"modem.port": "/dev/null"}), sys.argv[1],
                agent_factory=lambda s: BookAgent(s), probe_sim=False)
real_start = runner.start
def start():
    real_start()
    # SIGTERM to ourselves as the loop is about to wait: each run lands somewhere else.
    threading.Timer(0, os.kill, (os.getpid(), signal.SIGTERM)).start()
runner.start = start
runner.run()
print("stopped")
"""


def test_sigterm_right_after_start_stops_the_daemon_every_time(tmp_path: Path) -> None:
    here = str(Path(__file__).parent)
    for attempt in range(20):
        sock = tmp_path / f"{attempt}.sock"
        done = subprocess.run([sys.executable, "-c", RUN_AND_SIGNAL, str(sock), here],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "stopped" in done.stdout, done.stderr[-2000:]
