"""The store on real SQLite: schema, WAL, permissions, dedupe, paging, search, tasks."""

from __future__ import annotations

import os
import sqlite3
import stat
import time
from pathlib import Path

import pytest
from storehelp import store_at_version

from mmsua.store import DuplicateMessage, NotFound, PartData, Store, schema
from mmsua.store.store import INLINE_PART_LIMIT, default_store_path


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "data" / "store.sqlite")
    yield s
    s.close()


def _incoming(store: Store, sender: str = "+447700900123", **kw) -> int:
    fields = dict(participants=[sender], direction="in", kind="mms", state="received", sender=sender)
    fields.update(kw)
    return store.add_message(**fields)


def test_new_store_is_wal_versioned_and_private(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "store.sqlite"
    with Store(path) as s:
        _incoming(s, text="hello")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE((path.parent / "parts").stat().st_mode) == 0o700
        wal = path.with_name(path.name + "-wal")
        assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION


def test_default_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_store_path() == tmp_path / "xdg" / "mmsua" / "store.sqlite"
    with Store() as s:
        assert s.path == tmp_path / "xdg" / "mmsua" / "store.sqlite"


def test_migrations_upgrade_an_old_store_and_keep_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.MIGRATIONS[0](conn)  # a version-1 store, before search existed
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO conversations(key, participants) VALUES ('+1555', '[\"+1555\"]')")
    conn.execute(
        "INSERT INTO messages(conversation_id, direction, kind, state, body_text, date, created, updated) "
        "VALUES (1, 'in', 'sms', 'received', 'pineapple pizza', 1, 1, 1)"
    )
    conn.close()
    with Store(path) as s:
        assert [m.text for m in s.search_messages("pineapple")] == ["pineapple pizza"]
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION


def test_a_store_from_a_newer_mmsua_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 5}")
    conn.close()
    with pytest.raises(schema.SchemaTooNew, match="newer"):
        Store(path)


@pytest.mark.parametrize(
    "ids",
    [{"transaction_id": "T1"}, {"message_id": "M1"}, {"content_location": "http://mmsc/1"}],
)
def test_duplicates_never_make_a_second_message(store: Store, ids: dict) -> None:
    first = _incoming(store, **ids)
    with pytest.raises(DuplicateMessage) as caught:
        _incoming(store, **ids)
    assert caught.value.existing_id == first
    # The unique index holds even if a caller skips the check.
    column = next(iter(ids))
    with pytest.raises(sqlite3.IntegrityError):
        store._x(
            f"INSERT INTO messages(conversation_id, direction, kind, state, date, created, updated, {column}) "
            "VALUES (1, 'in', 'mms', 'received', 0, 0, 0, ?)",
            (ids[column],),
        )
    assert store.get_conversation(store.get_message(first).conversation_id).message_count == 1


def test_same_ids_in_the_other_direction_are_not_duplicates(store: Store) -> None:
    _incoming(store, transaction_id="T1")
    store.add_message(participants=["+1555"], direction="out", kind="mms", state="queued", transaction_id="T1")


def test_conversations_summarise_and_sort_by_recent(store: Store) -> None:
    a = _incoming(store, "+15550001", text="old", date=100)
    b = _incoming(store, "+15550002", text="newer", date=200)
    _incoming(store, "+15550001", text="newest from a", date=300)
    convs = store.list_conversations()
    assert [c.participants for c in convs] == [("+15550001",), ("+15550002",)]
    assert convs[0].unread == 2 and convs[0].message_count == 2
    assert convs[0].last_preview == "newest from a"
    store.mark_read(a)
    assert store.list_conversations()[0].unread == 1
    store.delete_message(b)
    assert [c.participants for c in store.list_conversations()] == [("+15550001",)]


def test_participant_order_does_not_split_a_conversation(store: Store) -> None:
    assert store.conversation_for(["+2", "+1"]) == store.conversation_for(["+1", "+2", "+1"])


def test_messages_are_paged_oldest_first_within_the_page(store: Store) -> None:
    ids = [_incoming(store, text=f"m{i}", date=i) for i in range(7)]
    cid = store.get_message(ids[0]).conversation_id
    last_page = store.list_messages(cid, limit=3)
    assert [m.id for m in last_page] == ids[4:]
    before = store.list_messages(cid, before_id=last_page[0].id, limit=3)
    assert [m.id for m in before] == ids[1:4]


def test_search_by_text_and_participant(store: Store) -> None:
    _incoming(store, "+15550001", text="Let us meet at the café tomorrow")
    _incoming(store, "+15550002", subject="Holiday pictures")
    assert [c.participants for c in store.list_conversations(query="cafe")] == [("+15550001",)]
    assert [c.participants for c in store.list_conversations(query="holid")] == [("+15550002",)]
    assert [c.participants for c in store.list_conversations(query="0002")] == [("+15550002",)]
    # FTS syntax in user text is just text.
    assert store.list_conversations(query='"NEAR( OR *') == []


def test_parts_small_inline_large_in_private_files_with_generated_names(store: Store) -> None:
    mid = _incoming(store)
    big = bytes(range(256)) * (INLINE_PART_LIMIT // 256 + 10)
    store.set_parts(
        mid,
        [
            PartData("text/plain", "hi".encode(), name="../../etc/passwd", charset="utf-8"),
            PartData("image/jpeg", big, name="../../../evil.jpg", content_id="<img>"),
        ],
    )
    info, data = store.get_part(mid, 1)
    assert data == big and info.name == "../../../evil.jpg" and info.size == len(big)
    files = list(store.parts_dir.iterdir())
    assert len(files) == 1 and "evil" not in files[0].name and files[0].parent == store.parts_dir
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert store.get_part(mid, 0)[1] == b"hi"
    assert [p.content_type for p in store.get_message(mid).parts] == ["text/plain", "image/jpeg"]
    store.delete_message(mid)
    assert list(store.parts_dir.iterdir()) == []
    with pytest.raises(NotFound):
        store.get_part(mid, 0)


def test_recipient_status_updates_and_read_is_not_undone_by_delivery(store: Store) -> None:
    mid = store.add_message(participants=["+1", "+2"], direction="out", kind="mms", state="sent", to=["+1", "+2"])
    store.set_recipients(mid, ["+1", "+2"])
    assert store.set_recipient_status(mid, "+1", "read")
    assert not store.set_recipient_status(mid, "+1", "delivered")
    store.set_recipient_status(mid, "+2", "delivered")
    assert {r.address: r.status for r in store.get_message(mid).recipients} == {"+1": "read", "+2": "delivered"}


def test_tasks_are_durable_and_due_in_order(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        mid = _incoming(s, state="notified")
        s.put_task("retrieve", mid, next_attempt=50, deadline=1000, args={"deferred": False})
        s.put_task("notify_resp", mid, next_attempt=10)
    with Store(path) as s:  # a restart sees the same work
        due = s.due_tasks(now=60)
        assert [t.kind for t in due] == ["notify_resp", "retrieve"]
        assert due[1].deadline == 1000 and due[1].args == {"deferred": False}
        s.reschedule_task(due[1].id, 500, "HTTP 503")
        assert s.due_tasks(now=60)[0].kind == "notify_resp"
        t = s.get_task("retrieve", mid)
        assert t.attempts == 1 and t.last_error == "HTTP 503"
        assert s.next_task_time() == 10
        s.finish_task(due[0].id)
        assert s.count_tasks("retrieve") == 1


def test_a_failed_step_rolls_back_whole(store: Store) -> None:
    with pytest.raises(RuntimeError):
        with store.transaction():
            mid = _incoming(store, transaction_id="T9")
            store.put_task("notify_resp", mid)
            raise RuntimeError("crash between the two")
    assert store.find_duplicate("in", transaction_id="T9") is None
    assert store.due_tasks(now=1e12) == []


def test_sms_kept_once_until_consumed_and_deleted(store: Store) -> None:
    sid, new = store.add_sms("SM", 3, "0791aa", 20)
    assert new and store.add_sms("SM", 3, "0791AA", 20) == (sid, False)
    assert [s.id for s in store.unconsumed_sms()] == [sid]
    store.consume_sms([sid])
    assert store.unconsumed_sms() == []
    assert [s.index for s in store.undeleted_sms()] == [3]
    store.mark_sms_deleted(sid)
    assert store.undeleted_sms() == []


def test_raw_pdus_are_kept_byte_for_byte(store: Store) -> None:
    rid = store.add_raw("in", "push", b"\x00\xffgarbage", error="truncated header at offset 3")
    mid = _incoming(store)
    raw2 = store.add_raw("in", "mms", b"\x8c\x84", message_id=mid)
    assert [r["data"] for r in store.raw_pdus(undecoded=True)] == [b"\x00\xffgarbage"]
    assert [r["id"] for r in store.raw_pdus(mid)] == [raw2]
    store.link_raw(rid, mid)
    assert len(store.raw_pdus(mid)) == 2


def test_unknown_ids_are_clear_errors(store: Store) -> None:
    with pytest.raises(NotFound, match="no message 42"):
        store.get_message(42)
    with pytest.raises(NotFound):
        store.update_message(42, subject="gone")


def test_the_latest_stored_message_is_the_preview_even_with_an_older_network_date(store: Store) -> None:
    store.add_message(participants=["+1"], direction="out", kind="mms", state="sent", text="question", date=1000.5)
    _incoming(store, "+1", text="answer", date=1000.0)  # the MMSC's Date has whole seconds
    assert store.list_conversations()[0].last_preview == "answer"


def test_old_orphan_part_files_are_swept_at_open_recent_ones_kept(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        old = s.parts_dir / "7-0-deadbeef.part"
        fresh = s.parts_dir / "8-0-cafebabe.part"
        old.write_bytes(b"left by a crash")
        fresh.write_bytes(b"another process, mid-step")
        os.utime(old, (time.time() - 7200, time.time() - 7200))
    with Store(path):
        assert not old.exists() and fresh.exists()


def test_kept_sms_that_are_done_with_are_pruned_by_age(store: Store) -> None:
    done, _ = store.add_sms("SM", 1, "0791AA", 3)  # consumed, deleted from the modem
    direct, _ = store.add_sms(None, None, "0791BB", 3)  # consumed, a +CMT never stored on the modem
    on_modem, _ = store.add_sms("SM", 2, "0791CC", 3)  # consumed, the modem still holds it
    waiting, _ = store.add_sms("SM", 3, "0791DD", 3)  # a segment waiting for the rest
    store.consume_sms([done, direct, on_modem])
    store.mark_sms_deleted(done)
    assert store.prune_sms(older_than=time.time() - 3600) == 0  # all newer than the cut
    assert store.prune_sms(older_than=time.time() + 1) == 2
    assert [s.id for s in store.unconsumed_sms()] == [waiting]
    assert [s.id for s in store.undeleted_sms()] == [on_modem, waiting]
    # The same PDU at the same place later is a new SMS again, not a duplicate of a forgotten one.
    again, new = store.add_sms("SM", 1, "0791AA", 3)
    assert new and again != done


def test_a_version_2_store_gains_the_prune_index_and_keeps_its_kept_sms(tmp_path: Path) -> None:
    path = tmp_path / "v2.sqlite"
    conn = store_at_version(path, 2)
    conn.execute("INSERT INTO sms_received(storage, idx, pdu_hex, tpdu_length, date, consumed, deleted) "
                 "VALUES ('SM', 4, '0791EE', 3, 1000, 1, 1), ('SM', 5, '0791FF', 3, 1000, 0, 0)")
    conn.close()
    with Store(path) as s:
        assert s.prune_sms(older_than=2000) == 1
        assert [k.pdu_hex for k in s.unconsumed_sms()] == ["0791FF"]
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sms_done_by_date'").fetchone()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION


def test_a_deleted_messages_id_never_names_another_message(tmp_path: Path) -> None:
    # A client still holding the id of a deleted message must not reach a new one.
    path = tmp_path / "ids.sqlite"
    with Store(path) as s:
        first, newest = _incoming(s, transaction_id="t1"), _incoming(s, transaction_id="t2")
        s.delete_message(newest)
        after = _incoming(s, transaction_id="t3")
        assert after > newest > first
        with pytest.raises(NotFound):
            s.get_message(newest)
    with Store(path) as s:  # remembered across a restart
        s.delete_message(after)
        assert _incoming(s, transaction_id="t4") > after


def test_a_version_3_store_numbers_new_messages_after_its_deleted_ones(tmp_path: Path) -> None:
    path = tmp_path / "v3.sqlite"
    with Store(path) as s:
        kept = _incoming(s, transaction_id="old")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER messages_high_water")
    conn.execute("DROP TABLE id_high_water")
    conn.execute("PRAGMA user_version = 3")
    conn.close()
    with Store(path) as s:
        assert s.get_message(kept).transaction_id == "old"
        newest = _incoming(s, transaction_id="new")
        s.delete_message(newest)
        assert _incoming(s, transaction_id="newer") > newest


def _sent_sms(s: Store, to: list[str]) -> int:
    return s.add_message(participants=to, direction="out", kind="sms", state="sent", to=to, text="two parts")


def test_a_version_5_store_gains_sms_segments_and_keeps_its_messages(tmp_path: Path) -> None:
    path = tmp_path / "v5.sqlite"
    with Store(path) as s:
        old = _sent_sms(s, ["+15550100002"])
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TABLE sms_segments")
    conn.execute("PRAGMA user_version = 5")
    conn.close()
    with Store(path) as s:
        assert s.get_message(old).text == "two parts"
        s.add_sms_segments(old, "+15550100002", [7, 8])
        assert [(g.segment, g.reference) for g in s.sms_segments_for_reference(8)] == [(2, 8)]


def test_each_segment_to_each_recipient_keeps_its_reference(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as s:
        older = _sent_sms(s, ["+15550100002"])
        newer = _sent_sms(s, ["+15550100002", "+15550100003"])
        s.add_sms_segments(older, "+15550100002", [5, 6])
        s.add_sms_segments(newer, "+15550100002", [1, 2])
        s.add_sms_segments(newer, "+15550100003", [3, 5])  # references wrap: 5 again
        # The newest pending first: the older message's segment 5 comes after.
        assert [(g.message_id, g.address) for g in s.sms_segments_for_reference(5)] == [
            (newer, "+15550100003"), (older, "+15550100002")]
        first, = s.sms_segments_for_reference(1)
        assert s.set_sms_segment_status(first, "delivered") == ["delivered", "pending"]
        settled = s.sms_segments_for_reference(5)[0]
        s.set_sms_segment_status(settled, "delivered")
        # A settled segment yields to a pending one of the same reference.
        assert s.sms_segments_for_reference(5)[0].message_id == older
        s.delete_message(newer)
        assert s.sms_segments_for_reference(1) == []  # gone with its message


def test_an_unsynced_step_leaves_the_connection_synced_after_it(store: Store) -> None:
    """mark_sms_deleted commits without waiting for the disk; every other step still does,
    also after an unsynced step that failed."""
    sid, _ = store.add_sms("SM", 1, "0011", 1)
    store.mark_sms_deleted(sid)
    assert store.undeleted_sms() == []
    with pytest.raises(RuntimeError), store.transaction(synced=False):
        store.consume_sms([sid])
        raise RuntimeError("rolled back")
    assert [s.id for s in store.unconsumed_sms()] == [sid]  # the failed step left nothing
    assert store._q("PRAGMA synchronous")[0][0] == 2  # FULL: a committed step survives power loss
