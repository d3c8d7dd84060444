"""Client commands start without loading the engine: what a command imports is what
it costs before it prints anything (issue #13: `mmsua decode` and `ls` were slow
because every subcommand's registration pulled in the engine through the client)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Runs one command in a fresh interpreter and prints the mmsua modules it loaded.
PROBE = """
import json, sys
from mmsua.cli.main import main
status = main(sys.argv[1:])
print(json.dumps(sorted(m for m in sys.modules if m.startswith("mmsua"))), file=sys.stderr)
"""

ENGINE = ("mmsua.engine.agent", "mmsua.engine.runner", "mmsua.engine.compose", "mmsua.store", "mmsua.drivers")


def _loaded(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120)
    return json.loads(done.stderr.strip().splitlines()[-1])


def _a_notification(tmp_path: Path) -> Path:
    # The smallest M-Notification.ind: type, transaction id, version, content location.
    pdu = b"\x8c\x82\x98t1\x00\x8d\x92\x83http://mmsc.example/1\x00"
    path = tmp_path / "n.mms"
    path.write_bytes(pdu)
    return path


def test_decode_loads_no_engine_no_client(tmp_path: Path) -> None:
    loaded = _loaded("decode", str(_a_notification(tmp_path)))
    assert "mmsua.codec.mms" in loaded  # it did decode
    assert not [m for m in loaded if m.startswith(ENGINE)], loaded
    assert "mmsua.daemon.client" not in loaded


@pytest.mark.parametrize("command", [["ls"], ["status"], ["show", "1"]])
def test_client_commands_load_the_client_but_not_the_engine(command: list[str], tmp_path: Path) -> None:
    loaded = _loaded(*command, "--socket", str(tmp_path / "none.sock"))  # no daemon: it fails, after importing
    assert "mmsua.daemon.client" in loaded
    assert not [m for m in loaded if m.startswith(ENGINE)], loaded
