"""What the D-Bus tests share besides fixtures (a module of its own: every test folder
has a conftest, so ``from conftest import`` could find another folder's)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from simagent import wait_for  # noqa: E402 - the engine tests' waiting, shared

PEER = "+15550100002"
FRIEND = "+15550107777"


class Monitor:
    """dbus-monitor on the bus (it flushes each message), its output read line by line."""

    def __init__(self, address: str, rules: list[str]) -> None:
        self.process = subprocess.Popen(["dbus-monitor", "--address", address, *rules], stdout=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def members(self) -> list[str]:
        """Each org.ofono.mms signal as 'Member path' in the order seen (the bus's own and the
        ObjectManager's InterfacesAdded aside)."""
        found = []
        for line in list(self.lines):
            if line.startswith("signal ") and "interface=org.ofono.mms." in line:
                fields = dict(f.split("=", 1) for f in line.replace(";", "").split() if "=" in f)
                found.append(f"{fields.get('member')} {fields.get('path')}")
        return found

    def text(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def run(argv: list[str], env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
    return result


__all__ = ["FRIEND", "PEER", "Monitor", "run", "wait_for"]
