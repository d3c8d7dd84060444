"""Schema v9: the modem each message and each kept SMS belongs to, and each modem's share
of the shared store (ModemScope): its tasks, its kept SMS, its status report references."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from storehelp import store_at_version

from mmsua.api.states import MessageState
from mmsua.store import ModemScope, Store, TaskKinds, schema

ANN = "+447700900123"
HOME = ModemScope("home", primary=True, others=("work",))
WORK = ModemScope("work", primary=False, others=("home",))
EVERY = TaskKinds((), other_than=True)


def message(store: Store, modem: str | None, text: str = "hi") -> int:
    return store.add_message(participants=[ANN], direction="out", kind="sms", state=MessageState.QUEUED, text=text,
                             modem=modem)


def test_a_version_8_store_gains_modems_and_its_messages_belong_to_the_first(tmp_path: Path) -> None:
    path = tmp_path / "v8.sqlite"
    conn = store_at_version(path, 8)
    conn.execute("INSERT INTO conversations(id, key, participants) VALUES (1, ?, ?)", (ANN, f'["{ANN}"]'))
    conn.execute("INSERT INTO messages(id, conversation_id, direction, kind, state, body_text, date, created, updated) "
                 "VALUES (7, 1, 'out', 'sms', 'queued', 'old', 1, 1, 1)")
    conn.execute("INSERT INTO tasks(kind, message_id, next_attempt) VALUES ('send_sms', 7, 0)")
    conn.execute("INSERT INTO sms_received(storage, idx, pdu_hex, tpdu_length, date) VALUES ('SM', 1, '00', 1, 1)")
    conn.close()
    with Store(path) as store:
        assert store.get_message(7).modem is None
        assert [t.message_id for t in store.due_tasks(kinds=TaskKinds((), True, HOME))] == [7]
        assert store.due_tasks(kinds=TaskKinds((), True, WORK)) == []
        assert len(store.undeleted_sms(HOME)) == 1 and store.undeleted_sms(WORK) == []
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION >= 9


def test_each_modem_runs_only_its_own_tasks_and_the_first_also_those_of_a_modem_gone(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        home, work, gone = message(store, "home"), message(store, "work"), message(store, "office")
        for mid in (home, work, gone):
            store.put_task("send_sms", mid, next_attempt=0)
        assert [t.message_id for t in store.due_tasks(kinds=TaskKinds((), True, HOME))] == [home, gone]
        assert [t.message_id for t in store.due_tasks(kinds=TaskKinds(("send_sms",), False, WORK))] == [work]
        assert store.due_tasks(kinds=TaskKinds(("send",), False, WORK)) == []  # kinds still narrow it
        assert len(store.due_tasks(kinds=EVERY)) == 3  # no scope: every task (a single-modem daemon)
        assert store.next_task_time(TaskKinds((), True, WORK)) == 0


def test_each_modem_keeps_and_frees_its_own_sms_slots(tmp_path: Path) -> None:
    """Two modems both have an SM slot 1: one modem's restart must not delete the other's."""
    with Store(tmp_path / "s.sqlite") as store:
        one, new_one = store.add_sms("SM", 1, "0011", 2, HOME.kept_sms_owner)
        two, new_two = store.add_sms("SM", 1, "0011", 2, WORK.kept_sms_owner)
        assert new_one and new_two and one != two  # the same PDU in the same slot of two modems
        assert [s.id for s in store.undeleted_sms(HOME)] == [one]
        assert [s.id for s in store.undeleted_sms(WORK)] == [two]
        assert [s.id for s in store.unconsumed_sms(WORK)] == [two]
        assert store.add_sms("SM", 1, "0011", 2, HOME.kept_sms_owner) == (one, False)  # read again: the same one


def test_a_status_report_names_a_reference_of_its_own_modems_sms(tmp_path: Path) -> None:
    """Each modem's SMSC counts TP-MRs on its own: reference 5 on work is not home's 5."""
    with Store(tmp_path / "s.sqlite") as store:
        home, work = message(store, "home"), message(store, "work")
        store.add_sms_segments(home, ANN, [5])
        store.add_sms_segments(work, ANN, [5])
        assert [s.message_id for s in store.sms_segments_for_reference(5, modem=WORK)] == [work]
        assert [s.message_id for s in store.sms_segments_for_reference(5, modem=HOME)] == [home]


def test_a_reply_finds_the_modem_its_conversation_used_last(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        message(store, "work")
        conversation = store.conversation_with([ANN])
        assert conversation is not None and store.modem_of_conversation(conversation) == "work"
        message(store, "home")
        assert store.modem_of_conversation(conversation) == "home"
        assert store.conversation_with(["+15550000000"]) is None
