"""Schema v6: blocked numbers and the messages that came from them; whole-conversation steps."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from storehelp import store_at_version

from mmsua.store import NotFound, PartData, Store, schema
from mmsua.store.store import INLINE_PART_LIMIT

ANN, BOB = "+447700900123", "+447700900456"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "store.sqlite")
    yield s
    s.close()


def _incoming(store: Store, sender: str = ANN, **kw) -> int:
    fields = dict(participants=[sender], direction="in", kind="sms", state="received", sender=sender, text="hi")
    fields.update(kw)
    return store.add_message(**fields)


def test_a_version_5_store_gains_blocking_and_keeps_its_messages(tmp_path: Path) -> None:
    path = tmp_path / "v5.sqlite"
    conn = store_at_version(path, 5)
    conn.execute("INSERT INTO conversations(id, key, participants, message_count, unread) VALUES (1, ?, ?, 1, 1)",
                 (ANN, f'["{ANN}"]'))
    conn.execute("INSERT INTO conversation_participants VALUES (1, ?)", (ANN,))
    conn.execute("INSERT INTO messages(id, conversation_id, direction, kind, state, sender, body_text, date, created, "
                 "updated, attempts) VALUES (7, 1, 'in', 'sms', 'received', ?, 'kept', 1, 1, 1, 0)", (ANN,))
    conn.close()
    with Store(path) as s:
        message = s.get_message(7)
        assert message.text == "kept" and message.blocked is False
        assert [c.id for c in s.list_conversations()] == [1] and s.get_conversation(1).unread == 1
        assert s.block(ANN) and s.blocked_numbers() == [ANN]
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION


def test_blocked_conversations_are_listed_apart_and_blocked_messages_are_never_unread(store: Store) -> None:
    _incoming(store, ANN)
    bob = _incoming(store, BOB, text="spam", blocked=True)
    assert store.block(BOB) and not store.block(BOB)
    assert [c.participants for c in store.list_conversations()] == [(ANN,)]
    apart = store.list_conversations(blocked=True)
    assert [c.participants for c in apart] == [(BOB,)] and apart[0].blocked and apart[0].unread == 0
    assert store.get_message(bob).blocked and store.get_conversation(apart[0].id).blocked
    assert store.list_conversations("spam") == [] and len(store.list_conversations("spam", blocked=True)) == 1
    assert store.count_in_state("received") == 1  # the blocked one waits for nobody
    assert store.unblock(BOB) and not store.unblock(BOB)
    assert len(store.list_conversations()) == 2 and store.list_conversations(blocked=True) == []


def test_a_group_with_one_blocked_number_is_not_blocked(store: Store) -> None:
    _incoming(store, ANN, participants=[ANN, BOB])
    store.block(BOB)
    assert len(store.list_conversations()) == 1 and store.list_conversations(blocked=True) == []


def test_participant_terms_find_conversations_by_part_of_a_number(store: Store) -> None:
    _incoming(store, ANN)
    _incoming(store, BOB)
    found = store.list_conversations("Ann Example", participant_terms=["700900123"])
    assert [c.participants for c in found] == [(ANN,)]


def test_delete_conversation_removes_every_message_and_its_part_files(store: Store) -> None:
    first = _incoming(store, ANN)
    second = _incoming(store, ANN, kind="mms")
    store.set_parts(second, [PartData("image/jpeg", b"x" * (INLINE_PART_LIMIT + 1), name="big.jpg")])
    assert list(store.parts_dir.iterdir())
    other = _incoming(store, BOB)
    cid = store.get_message(first).conversation_id
    assert store.delete_conversation(cid) == [first, second]
    assert list(store.parts_dir.iterdir()) == []
    assert store.get_conversation(cid).message_count == 0 and store.get_message(other)
    with pytest.raises(NotFound):
        store.delete_conversation(999)


def test_unread_messages_in_one_conversation_or_all(store: Store) -> None:
    a = _incoming(store, ANN)
    b = _incoming(store, BOB)
    store.add_message(participants=[ANN], direction="out", kind="sms", state="queued", to=[ANN], text="out")
    assert [m.id for m in store.unread_messages()] == [a, b]
    assert [m.id for m in store.unread_messages(store.get_message(b).conversation_id)] == [b]
