"""An SMS-DELIVER carrying an MMS notification is kept and processed in one commit (one
fsync on the path the daemon uses), its event goes out only once that commit is done,
and an SMS whose processing fails is still kept (the modem may delete only what is kept)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from mmsua.codec.mms import Address, Expiry, MessageType, MmsPdu, encode_mms
from mmsua.codec.push import MMS_APP_ID, MMS_CONTENT_TYPE, encode_push
from mmsua.codec.sms import wap_push_sms
from mmsua.engine.runner import Engine
from mmsua.engine.settings import AgentSettings
from mmsua.store import Store

SENDER = "+15550107777"


def notification_sms(tid: str = "T1") -> str:
    pdu = encode_mms(MmsPdu(
        MessageType.M_NOTIFICATION_IND, transaction_id=tid, mms_version="1.2", sender=Address.phone(SENDER),
        message_class="personal", message_size=1000, subject="hello",
        expiry=Expiry.at(datetime.now(timezone.utc) + timedelta(days=1)),
        content_location=f"http://mmsc.example/{tid}"))
    push = encode_push(MMS_CONTENT_TYPE, pdu, transaction_id=1, app_id=MMS_APP_ID)
    [sms] = wap_push_sms(SENDER, push, reference=1, timestamp=datetime(2026, 12, 7, tzinfo=timezone.utc))
    return sms.hex().upper()


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "store.sqlite"


@pytest.fixture
def store(path: Path) -> Iterator[Store]:
    with Store(path) as opened:
        yield opened


def committed(path: Path, sql: str) -> list[tuple[object, ...]]:
    """What another connection sees: only committed rows."""
    other = sqlite3.connect(path)
    try:
        return other.execute(sql).fetchall()
    finally:
        other.close()


def test_a_notification_sms_is_kept_and_stored_in_one_commit(store: Store, path: Path) -> None:
    engine = Engine(store, AgentSettings(retrieval_policy="manual"))
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)  # what the engine asks of SQLite
    try:
        sms_id = engine.receive_sms(notification_sms(), None, "SM", 3)
    finally:
        store._conn.set_trace_callback(None)
    assert [s for s in statements if s.strip().upper() == "COMMIT"] == ["COMMIT"]
    assert committed(path, "SELECT subject, kind FROM messages") == [("hello", "mms")]
    assert committed(path, f"SELECT consumed, idx FROM sms_received WHERE id = {sms_id}") == [(1, 3)]


def test_the_event_goes_out_after_the_commit(store: Store, path: Path) -> None:
    seen: list[tuple[str, list[tuple[object, ...]]]] = []
    engine = Engine(store, AgentSettings(retrieval_policy="manual"),
                    emit=lambda event, message: seen.append(
                        (event, committed(path, f"SELECT subject FROM messages WHERE id = {message.id}"))))
    engine.receive_sms(notification_sms(), None, "SM", 0)
    assert seen == [("message.received", [("hello",)])]


def test_an_sms_whose_processing_fails_is_still_kept(store: Store, path: Path, monkeypatch) -> None:
    engine = Engine(store, AgentSettings(retrieval_policy="manual"))

    def broken(data: bytes, *, sms_ids=()) -> None:
        raise RuntimeError("a bug in the push path")

    monkeypatch.setattr(engine.receiver, "receive_push", broken)
    pdu = notification_sms()
    with pytest.raises(RuntimeError, match="a bug"):
        engine.receive_sms(pdu, None, "SM", 5)
    [kept] = store.unconsumed_sms()
    assert (kept.storage, kept.index, kept.pdu_hex) == ("SM", 5, pdu)
    assert committed(path, "SELECT count(*) FROM messages") == [(0,)]
    # The next start joins it (what feed_kept does with every kept SMS not yet joined).
    monkeypatch.undo()
    engine.receiver.feed_kept()
    assert committed(path, "SELECT subject FROM messages") == [("hello",)]
    assert store.unconsumed_sms() == []
