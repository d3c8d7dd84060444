"""`mmsua block/unblock/blocked`, `read`, `forward`, `delete --conversation` and `ls --blocked`
against a real UserAgent (no modem) served on a Unix socket."""

from __future__ import annotations

import io
import json

import pytest

from mmsua import exit_codes
from mmsua.cli.main import main
from mmsua.engine.agent import UserAgent
from mmsua.store import PartData

ANN, BOB = "+447700900123", "+447700900456"


def _sms(agent: UserAgent, sender: str, text: str) -> int:
    return agent.store.add_message(participants=[sender], direction="in", kind="sms", state="received", sender=sender, text=text)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_block_unblock_and_the_blocked_list(engine_daemon, capsys) -> None:
    agent, sock = engine_daemon
    _sms(agent, BOB, "hello")
    assert run(capsys, "block", "+44 7700 900456", "--socket", sock)[0] == exit_codes.OK
    status, out, _ = run(capsys, "blocked", "--socket", sock)
    assert status == 0 and out.split() == [BOB]
    assert json.loads(run(capsys, "blocked", "--json", "--socket", sock)[1]) == [BOB]
    assert run(capsys, "ls", "--socket", sock)[1].strip() == "no conversations"
    status, out, _ = run(capsys, "ls", "--blocked", "--socket", sock)
    assert status == 0 and "[blocked]" in out and BOB in out
    status, _, err = run(capsys, "block", "not a number", "--socket", sock)
    assert status == exit_codes.USAGE and "mmsua block: 'not a number' is not a phone number" in err
    assert run(capsys, "unblock", BOB, "--socket", sock)[0] == 0
    status, _, err = run(capsys, "unblock", BOB, "--socket", sock)
    assert status == exit_codes.FAILURE and "is not blocked" in err
    assert run(capsys, "blocked", "--socket", sock)[1].strip() == "no blocked numbers"


def test_read_one_a_conversation_or_all(engine_daemon, capsys) -> None:
    agent, sock = engine_daemon
    first = _sms(agent, ANN, "one")
    _sms(agent, ANN, "two")
    _sms(agent, BOB, "three")
    ann = agent.store.get_message(first).conversation_id
    assert run(capsys, "read", str(first), "--socket", sock)[1].strip() == f"message {first} marked read"
    assert run(capsys, "read", "--conversation", str(ann), "--socket", sock)[1].strip() == f"1 message marked read in conversation {ann}"
    assert run(capsys, "read", "--all", "--socket", sock)[1].strip() == "1 message marked read"
    assert all(c.unread == 0 for c in agent.list_conversations())
    status, _, err = run(capsys, "read", "--conversation", "999", "--socket", sock)
    assert status == exit_codes.FAILURE and "no conversation 999" in err
    with pytest.raises(SystemExit):
        main(["read", "--socket", sock])  # one of ID, --conversation, --all
    capsys.readouterr()


def test_delete_a_conversation_needs_yes_without_a_terminal(engine_daemon, capsys, monkeypatch) -> None:
    agent, sock = engine_daemon
    kept = _sms(agent, ANN, "one")
    conversation = agent.store.get_message(kept).conversation_id
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    status, _, err = run(capsys, "delete", "--conversation", str(conversation), "--socket", sock)
    assert status == exit_codes.USAGE and "needs --yes" in err and agent.show_message(kept)
    status, _, err = run(capsys, "delete", "--conversation", "999", "--yes", "--socket", sock)
    assert status == exit_codes.FAILURE and "no conversation 999" in err
    status, out, _ = run(capsys, "delete", "--conversation", str(conversation), "--yes", "--socket", sock)
    assert status == 0 and out.strip() == f"conversation {conversation} deleted"
    assert agent.list_conversations() == []


def test_forward_queues_the_message_with_its_picture(engine_daemon, capsys) -> None:
    agent, sock = engine_daemon
    mms = agent.store.add_message(participants=[ANN], direction="in", kind="mms", state="received", sender=ANN, text="look")
    agent.store.set_parts(mms, [PartData("application/smil", b"<smil/>", name="smil.xml"),
                                PartData("text/plain", b"look", name="text.txt"),
                                PartData("image/gif", b"GIF89a" + b"\0" * 20, name="dot.gif")])
    status, out, _ = run(capsys, "forward", str(mms), "--to", BOB, "--socket", sock)
    assert status == 0 and f"message {mms} forwarded to {BOB}: queued as message" in out
    queued = agent.show_message(int(out.split("queued as message ")[1].split()[0]))
    assert queued.to == (BOB,) and queued.text == "look"
    assert [p.content_type for p in queued.parts].count("image/gif") == 1
    assert agent.get_part(queued.id, next(p.index for p in queued.parts if p.content_type == "image/gif")).data == b"GIF89a" + b"\0" * 20
    status, _, err = run(capsys, "forward", "999", "--to", BOB, "--socket", sock)
    assert status == exit_codes.FAILURE and "no message 999" in err
