"""Pilot tests for the rows of docs/tui.md the audit left "not proven": retry,
open with the system viewer, the log screen, reply-all, recipient completion,
mouse. The app runs on the engine through LocalClient over a real store."""

from __future__ import annotations

import pytest
from conftest import ALICE, BOB, CAROL, pilot_test, populate, running, settle
from test_tui_pilot import bubble_texts, open_conversation

from mmsua.tui.widgets.conversation_list import ConversationList

pytestmark = pytest.mark.timeout(60)


async def open_group(app, pilot) -> None:
    listing = app.query_one(ConversationList)
    listing.cursor = next(i for i, r in enumerate(listing.rows) if len(r.participants) == 3)
    await pilot.press("enter")
    await settle(app, pilot)


@pilot_test
async def test_retry_sends_a_failed_message_again(store, contacts_file, tmp_path):
    ids = populate(store, hostile=False, filler=0)
    assert store.get_message(ids["failed"]).state == "failed"
    async with running(store, contacts_file, tmp_path, images="none") as (app, pilot):
        await open_group(app, pilot)
        view = app.query_one("#conversation")
        assert view.selected_message.id == ids["failed"]  # the newest, selected on opening
        await pilot.press("t")
        await settle(app, pilot)
        message = store.get_message(ids["failed"])
        assert message.state in ("queued", "sending") and message.error is None
        assert store.get_task("send", ids["failed"]) is not None  # the engine will send it
        # The bubble follows: no longer failed, and no stale reason or retry hint.
        text = next(t for t in bubble_texts(app) if "Me!" in t)
        assert "queued" in text and "failed" not in text and "503" not in text and "press t" not in text


@pilot_test
async def test_retry_refuses_a_message_that_did_not_fail(store, contacts_file, tmp_path):
    ids = populate(store, hostile=False, filler=0)
    async with running(store, contacts_file, tmp_path, images="none") as (app, pilot):
        await open_conversation(app, pilot, (ALICE,))
        assert app.query_one("#conversation").selected_message.id == ids["reply"]  # sent and delivered
        await pilot.press("t")
        await settle(app, pilot)
        assert store.get_message(ids["reply"]).state == "sent"
        assert store.get_task("send", ids["reply"]) is None
        assert any("Only a failed message" in str(n.message) for n in app._notifications)
