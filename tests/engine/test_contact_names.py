"""Contact names from the daemon's vCards: in the API's shapes, `mmsua ls` and `show`, the
on-message hook's JSON, and the conversation search; read again when the folder changes."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from simagent import FRIEND, ME, start_agent, wait_for

from mmsua.cli.main import main
from mmsua.daemon.hook import MessageHook
from mmsua.daemon.server import ApiServer

OTHER = "+15550109999"
RECORDER = "import sys; open(sys.argv[1], 'wb').write(sys.stdin.buffer.read())"


def card(name: str, number: str) -> str:
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{name}\r\nTEL;TYPE=cell:{number}\r\nEND:VCARD\r\n"


@pytest.fixture
def socket_dir():
    short = Path(f"/tmp/mmsua-names-{os.getpid()}")
    short.mkdir(mode=0o700, exist_ok=True)
    yield short
    for item in short.iterdir():
        item.unlink()
    short.rmdir()


def test_names_reach_the_api_the_cli_the_hook_and_the_search(carrier, tmp_path: Path, socket_dir: Path, capsys) -> None:
    cards = tmp_path / "contacts"
    cards.mkdir()
    (cards / "ann.vcf").write_text(card("Ann Example", "+1 555 010 7777"))  # written otherwise than the sender
    (cards / "notes.txt").write_text(card("Not A Card File", OTHER))  # only .vcf files are read
    agent = start_agent(carrier, ME, tmp_path / "n.sqlite", contacts_path=str(cards))
    hook_out = tmp_path / "hook.json"
    hook = MessageHook([sys.executable, "-c", RECORDER, str(hook_out)], timeout=30)
    agent.subscribe(hook.on_event)
    server = ApiServer(agent, socket_dir / "api.sock")
    server.start()
    try:
        carrier.send_sms(ME, "hello there", originator=FRIEND)
        hook.wait_for(1)
        assert [r.ok for r in hook.results] == [True]
        assert json.loads(hook_out.read_bytes())["sender_name"] == "Ann Example"  # the hook's JSON carries the name
        carrier.send_sms(ME, "who is this", originator=OTHER)
        wait_for("two conversations", lambda: len(agent.list_conversations()) == 2)
        by_number = {c.participants[0]: c for c in agent.list_conversations()}
        assert by_number[FRIEND].names == ("Ann Example",) and by_number[OTHER].names == ("",)
        first = agent.list_messages(by_number[FRIEND].id)[0]
        assert first.sender_name == "Ann Example"
        assert agent.list_messages(by_number[OTHER].id)[0].sender_name is None
        # The search finds a conversation by a contact's name, any case, any word.
        assert [c.participants for c in agent.list_conversations(query="ann")] == [(FRIEND,)]
        assert [c.participants for c in agent.list_conversations(query="Example")] == [(FRIEND,)]
        assert agent.list_conversations(query="Zed") == []
        # `mmsua ls` and `mmsua show` show it.
        sock = str(socket_dir / "api.sock")
        assert main(["ls", "--socket", sock]) == 0
        assert "Ann Example" in capsys.readouterr().out
        assert main(["show", str(first.id), "--socket", sock]) == 0
        assert f"From:    Ann Example ({FRIEND})" in capsys.readouterr().out
        assert main(["ls", "--query", "ann example", "--socket", sock]) == 0
        listed = capsys.readouterr().out
        assert "Ann Example" in listed and OTHER not in listed
        # A card added to the folder is read without a restart.
        (cards / "zed.vcf").write_text(card("Zed Other", OTHER))
        wait_for("the new card read", lambda: agent.list_conversations(query="zed"))
        assert agent.show_message(agent.list_messages(by_number[OTHER].id)[0].id).sender_name == "Zed Other"
    finally:
        server.stop()
        hook.stop()
        agent.stop()


def test_a_missing_or_hostile_contacts_path_gives_no_names_and_no_failure(carrier, tmp_path: Path) -> None:
    fifo = tmp_path / "cards.vcf"
    os.mkfifo(fifo)  # opened blocking, this would hang the daemon
    agent = start_agent(carrier, ME, tmp_path / "h.sqlite", contacts_path=str(fifo))
    try:
        carrier.send_sms(ME, "still works", originator=FRIEND)
        conversation = wait_for("the SMS", lambda: agent.list_conversations())[0]
        assert conversation.names == ("",)
        agent.update_settings(agent.settings.with_changes(contacts_path=str(tmp_path / "missing.vcf")))
        assert agent.list_messages(conversation.id)[0].sender_name is None
    finally:
        agent.stop()
