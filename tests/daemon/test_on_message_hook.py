"""The on-message command: argument list, JSON on stdin, no shell, timeout, errors logged."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest

from mmsua.api.events import MessageReceived, MessageUpdated
from mmsua.api.shapes import Message
from mmsua.daemon.hook import MessageHook

RECORDER = """
import json, os, sys
out = sys.argv[1]
data = sys.stdin.buffer.read()
with open(out, "w") as handle:
    json.dump({"argv": sys.argv[1:], "stdin": data.decode("utf-8"), "env_id": os.environ.get("MMSUA_MESSAGE_ID")}, handle)
"""


def message(**changes: object) -> Message:
    base = {"id": 7, "direction": "in", "kind": "mms", "state": "received", "from": "+15551234567",
            "subject": "$(touch pwned); `id` | rm -rf ~", "text": "héllo \u202e", "parts": []}
    return Message.from_json({**base, **changes})


@pytest.fixture
def recorder(tmp_path: Path) -> Path:
    script = tmp_path / "recorder.py"
    script.write_text(RECORDER)
    return script


def test_runs_as_an_argument_list_with_json_on_stdin(tmp_path: Path, recorder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "seen.json"
    hook = MessageHook([sys.executable, str(recorder), str(out), "literal; touch pwned", "$HOME"], timeout=30)
    result = hook.run(message())
    assert result.ok and result.detail == "exit 0"
    seen = json.loads(out.read_text())
    # Arguments arrive exactly as written: no shell expanded or split them.
    assert seen["argv"] == [str(out), "literal; touch pwned", "$HOME"]
    assert json.loads(seen["stdin"]) == message().to_json()
    assert seen["env_id"] == "7"
    assert not (tmp_path / "pwned").exists()


def test_failures_are_logged_not_raised(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="mmsua.hook")
    failing = MessageHook([sys.executable, "-c", "import sys; sys.stderr.write('no route\\x1b[2J\\n'); sys.exit(3)"])
    result = failing.run(message(id=11))
    assert not result.ok and result.detail.startswith("exit 3: no route")
    assert "\x1b" not in result.detail  # stderr is sanitised before it reaches the log
    missing = MessageHook([str(tmp_path / "does-not-exist")]).run(message(id=12))
    assert not missing.ok and "cannot run" in missing.detail
    slow = MessageHook([sys.executable, "-c", "import time; time.sleep(30)"], timeout=0.5).run(message(id=13))
    assert not slow.ok and slow.detail == "timed out after 0.5 s"
    logged = caplog.text
    assert "message 11: on-message command failed (exit 3" in logged
    assert "message 12: on-message command failed (cannot run" in logged
    assert "message 13: on-message command failed (timed out" in logged


def test_refuses_a_shell_string() -> None:
    with pytest.raises(ValueError, match="list of arguments"):
        MessageHook("forward --to me")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        MessageHook([])


def test_events_queue_received_messages_in_order(tmp_path: Path, recorder: Path) -> None:
    log_file = tmp_path / "order.txt"
    hook = MessageHook([sys.executable, "-c", f"import sys, json; open({str(log_file)!r}, 'a').write(str(json.load(sys.stdin)['id']) + '\\n')"])
    hook.on_event(MessageUpdated(message(id=1)))  # not a received message: ignored
    hook.on_event(MessageReceived(message(id=5, state="deferred")))  # waits for the user: not yet
    for n in (2, 3, 4):
        hook.on_event(MessageReceived(message(id=n)))
    results = hook.wait_for(3)
    hook.stop()
    assert [r.message_id for r in results] == [2, 3, 4] and all(r.ok for r in results)
    assert log_file.read_text().split() == ["2", "3", "4"]
