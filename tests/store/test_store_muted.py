"""Schema v8: muted conversations; the API's mute_conversation and Conversation.muted."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from storehelp import store_at_version

from mmsua.store import Store, schema

ANN, BOB = "+447700900123", "+447700900456"


def test_a_version_7_store_gains_muting_and_keeps_its_conversations(tmp_path: Path) -> None:
    path = tmp_path / "v7.sqlite"
    conn = store_at_version(path, 7)
    conn.execute("INSERT INTO conversations(id, key, participants, message_count, unread) VALUES (1, ?, ?, 1, 1)",
                 (ANN, f'["{ANN}"]'))
    conn.execute("INSERT INTO conversation_participants VALUES (1, ?)", (ANN,))
    conn.execute("INSERT INTO messages(id, conversation_id, direction, kind, state, sender, body_text, date, created, "
                 "updated, attempts) VALUES (7, 1, 'in', 'sms', 'received', ?, 'kept', 1, 1, 1, 0)", (ANN,))
    conn.close()
    with Store(path) as s:
        assert s.get_conversation(1).muted is False and not s.is_muted(1)
        assert s.set_muted(1, True) and s.is_muted(1) and s.get_conversation(1).muted
        assert s.get_message(7).text == "kept" and s.get_conversation(1).unread == 1
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION >= 8


def test_mute_and_unmute_through_the_api(tmp_path: Path) -> None:
    from mmsua.api.errors import NotFound
    from mmsua.daemon.client import LocalClient
    from mmsua.engine.agent import UserAgent
    from mmsua.engine.settings import AgentSettings

    agent = UserAgent(AgentSettings(store_path=str(tmp_path / "store"), own_number="+15550100001"))
    ann = agent.store.add_message(participants=[ANN], direction="in", kind="sms", state="received", sender=ANN, text="hi")
    agent.store.add_message(participants=[BOB], direction="in", kind="sms", state="received", sender=BOB, text="yo")
    conversation = agent.store.get_message(ann).conversation_id
    with LocalClient(agent) as client:
        client.mute_conversation(conversation)
        muted = {c.id: c.muted for c in client.list_conversations()}
        assert muted[conversation] is True and list(muted.values()).count(True) == 1
        assert agent.conversation_muted(conversation)
        client.unmute_conversation(conversation)
        assert not any(c.muted for c in client.list_conversations())
        with pytest.raises(NotFound):
            client.mute_conversation(999)
    agent.store.close()
