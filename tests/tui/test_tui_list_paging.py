"""The conversation list's paging against live updates: a new conversation put on top
(a message arrived) while the next page is on its way must not stop the paging."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from conftest import fixed_now, pilot_test, settle, until
from textual.app import App, ComposeResult

from mmsua.api.shapes import Conversation
from mmsua.tui.contacts import Contacts
from mmsua.tui.widgets.conversation_list import PAGE_SIZE, ConversationList

pytestmark = pytest.mark.timeout(60)
START = datetime(2023, 11, 14, tzinfo=timezone.utc)


def iso(when: datetime) -> str:
    return when.isoformat().replace("+00:00", "Z")  # as the API carries times


def conversation(n: int) -> Conversation:
    return Conversation(n, (f"+1555{n:07d}",), iso(START - timedelta(hours=n)), f"message {n}", 0, 1)


class Inbox:
    """The daemon's side: conversations newest first; the second page waits until released."""

    def __init__(self, count: int) -> None:
        self.rows = [conversation(n) for n in range(1, count + 1)]
        self.second_page_asked = threading.Event()
        self.release = threading.Event()

    def fetch(self, query: str | None, limit: int, offset: int) -> list[Conversation]:
        if offset > 0 and not self.release.is_set():
            self.second_page_asked.set()
            assert self.release.wait(30), "the test never released the second page"
        return self.rows[offset : offset + limit]


class ListApp(App[None]):
    def __init__(self, inbox: Inbox) -> None:
        super().__init__()
        self.inbox = inbox

    def compose(self) -> ComposeResult:
        yield ConversationList(self.inbox.fetch, Contacts(), fixed_now, id="conversations")


@pilot_test
async def test_a_conversation_arriving_while_a_page_loads_does_not_stop_the_paging() -> None:
    inbox = Inbox(PAGE_SIZE + 50)
    app = ListApp(inbox)
    async with app.run_test(size=(80, 30)) as pilot:
        await settle(app, pilot)
        listing = app.query_one(ConversationList)
        assert len(listing.rows) == PAGE_SIZE and not listing.complete
        listing.cursor = PAGE_SIZE - 1  # near the end: the next page is asked for
        await until(pilot, "the second page asked for", inbox.second_page_asked.is_set)
        # A message from someone new: the app puts the daemon's newest conversations on top.
        inbox.rows.insert(0, Conversation(999, ("+15559999999",), iso(START + timedelta(hours=1)), "new", 1, 1))
        listing.merge_top(inbox.rows[:20])
        inbox.release.set()
        await settle(app, pilot)
        listing.cursor = len(listing.rows) - 1  # and on to the end
        await settle(app, pilot)
        assert listing.complete
        assert [r.id for r in listing.rows] == [r.id for r in inbox.rows]  # each once, newest first
