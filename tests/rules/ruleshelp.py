"""Helpers of the rules' tests (a module of its own: `from conftest import` would find
another directory's conftest when the whole suite is collected)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parents[1] / "daemon"))
from daemonproc import DaemonProcess, wait_for  # noqa: E402, F401 - the daemon tests' process helper; wait_for for the tests

PEER = "+15550100002"


def toml_rules(rules: list[dict[str, Any]], extra: str = "") -> str:
    """[[rules]] tables (values as JSON, which TOML reads the same for strings, numbers, lists, booleans)."""
    lines = [extra] if extra else []
    for rule in rules:
        lines.append("[[rules]]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in rule.items()]
    return "\n".join(lines) + "\n"


def script(directory: Path, name: str, body: str) -> list[str]:
    path = directory / name
    path.write_text(body)
    return [sys.executable, str(path)]


def submitted(carrier: Any, sender: str, to: str) -> list[str]:
    """The texts of the SMS ``sender`` handed the simulated SMSC for ``to``."""
    assert carrier.smsc is not None
    return [s.decoded.text or "" for s in list(carrier.smsc.log.submitted)
            if s.sender == sender and s.decoded is not None and s.decoded.destination == to]
