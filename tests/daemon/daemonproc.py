"""A real `mmsua daemon` process on a simulated carrier's handset, for tests and bench/engine.py.

The daemon opens the handset's pty path (real serial I/O), reaches the MMSC
through the carrier's proxy, and keeps its store in a directory that survives
the process, so it can be SIGKILLed and started again on the same state.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from mmsua.daemon.client import Client, DaemonUnavailable


def wait_for(condition: Any, timeout: float = 60.0) -> Any:
    """The first true value of ``condition()`` within ``timeout`` seconds, else None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    return None


class DaemonProcess:
    def __init__(self, carrier: Any, handset: Any, workdir: Path, *, extra: list[str] | None = None,
                 config: Path | None = None, carrier_flags: bool = True) -> None:
        self.carrier = carrier
        self.handset = handset
        self.workdir = workdir
        self.socket = workdir / "api.sock"
        self.store = workdir / "store"
        self.log = workdir / "daemon.log"
        self.extra = list(extra or [])
        self.config = config
        self.carrier_flags = carrier_flags  # False: the APN, MMSC and proxy must come from config or provisioning
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def argv(self) -> list[str]:
        carrier = ["--apn", self.carrier.apn, "--mmsc", self.carrier.mmsc_url, "--proxy", self.carrier.proxy or ""]
        return [
            sys.executable, "-m", "mmsua", "daemon", "--config", str(self.config or os.devnull),
            "--port", str(self.handset.pty_path), *(carrier if self.carrier_flags else []),
            "--store", str(self.store), "--socket", str(self.socket), *self.extra,
        ]

    def start(self, timeout: float = 30.0) -> None:
        """Start and wait until the API answers and the modem is registered."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.argv(), stdout=log, stderr=log, env=env)
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daemon exited with {self.process.returncode}; see {self.log}")
            try:
                status = Client(self.socket, timeout=5).status()
                if status.registration in ("home", "roaming"):
                    return
            except DaemonUnavailable:
                pass
            time.sleep(0.02)
        raise TimeoutError(f"daemon not ready after {timeout} s; see {self.log}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def terminate(self) -> int | None:
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        return self.process.returncode

    def client(self) -> Client:
        return Client(self.socket, timeout=30)
