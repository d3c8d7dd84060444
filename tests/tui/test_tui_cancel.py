"""The TUI's cancel action (`x`, CLI twin `mmsua cancel ID`): a message not yet sent is
cancelled through the API, and the bubble says so."""

from __future__ import annotations

import pytest
from conftest import pilot_test, populate, running, settle
from test_tui_audit import open_group
from test_tui_pilot import bubble_texts

pytestmark = pytest.mark.timeout(60)


@pilot_test
async def test_x_cancels_a_queued_message_and_the_bubble_says_cancelled(store, contacts_file, tmp_path):
    ids = populate(store, hostile=False, filler=0)
    async with running(store, contacts_file, tmp_path, images="none") as (app, pilot):
        await open_group(app, pilot)
        await pilot.press("t")  # the failed message, queued again
        await settle(app, pilot)
        await pilot.press("x")
        await settle(app, pilot)
        message = store.get_message(ids["failed"])
        assert message.state == "cancelled" and store.get_task("send", ids["failed"]) is None
        assert any("cancelled" in t for t in bubble_texts(app) if "Me!" in t)
