"""A search lists conversations by their newest match and pages without gaps or repeats
(issue 13: hits are read newest first and reading stops once a page is known)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmsua.store.store import Store


@pytest.fixture(params=["fts", "like"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    s = Store(tmp_path / "mmsua.db")
    s.fts = request.param == "fts"  # "like": the fallback where SQLite has no FTS5
    yield s
    s.close()


def _say(store: Store, number: str, text: str, date: float) -> int:
    return store.add_message(participants=[number], direction="in", kind="sms", state="received", sender=number,
                             text=text, date=date)


def test_newest_match_first_and_participants_by_their_newest_message(store: Store) -> None:
    _say(store, "+15550001", "apples and pears", 1)
    _say(store, "+15550002", "pears only", 2)
    _say(store, "+15550003", "nothing here", 3)
    _say(store, "+15550001", "bananas", 4)  # the newest message of 0001, and no match
    _say(store, "+15550004", "apples again", 5)
    found = [c.participants[0] for c in store.list_conversations(query="apples")]
    assert found == ["+15550004", "+15550001"]
    found = [c.participants[0] for c in store.list_conversations(query="pears")]
    assert found == ["+15550002", "+15550001"]  # 0001's match (1) is older than 0002's (2)
    # A number matches every conversation it is in, ranked by its newest message,
    # among the text matches ("0003" is in no text).
    assert [c.participants[0] for c in store.list_conversations(query="0003")] == ["+15550003"]
    assert [c.participants[0] for c in store.list_conversations(query="+1555000")] == [
        "+15550004", "+15550001", "+15550003", "+15550002"]


def test_pages_of_a_search_neither_skip_nor_repeat(store: Store) -> None:
    for i in range(30):
        _say(store, f"+1555{i:04d}", f"word {i}", i)
        _say(store, f"+1555{i:04d}", "filler", 100 + i)
    pages = [store.list_conversations(query="word", limit=7, offset=offset) for offset in range(0, 35, 7)]
    ids = [c.id for page in pages for c in page]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert ids == [c.id for c in store.list_conversations(query="word", limit=100)]


def test_a_blocked_numbers_conversation_is_searched_only_among_the_blocked(store: Store) -> None:
    _say(store, "+15550001", "hello there", 1)
    _say(store, "+15550002", "hello again", 2)
    store.block("+15550002")
    assert [c.participants[0] for c in store.list_conversations(query="hello")] == ["+15550001"]
    assert [c.participants[0] for c in store.list_conversations(query="hello", blocked=True)] == ["+15550002"]
    assert [c.participants[0] for c in store.list_conversations(query="0002")] == []
