"""The conversation view: a sent message that asked no delivery report says so under
each recipient, instead of a "sent" that looks like a report is still to come."""

from __future__ import annotations

import pytest
from conftest import ALICE, BOB, NOW, bubble_text, pilot_test, running, settle

from mmsua.tui.widgets.conversation_list import ConversationList

pytestmark = pytest.mark.timeout(60)
ME = "+15550000000"


@pilot_test
async def test_recipients_of_a_message_without_a_report_read_as_sent_without_one(store, contacts_file, tmp_path):
    unasked = store.add_message(participants=[ALICE, BOB], direction="out", kind="mms", state="sent", sender=ME,
                                to=[ALICE, BOB], text="no report asked", date=NOW - 200, read=True)
    asked = store.add_message(participants=[ALICE, BOB], direction="out", kind="mms", state="sent", sender=ME,
                              to=[ALICE, BOB], text="report asked", date=NOW - 100, read=True,
                              delivery_report_requested=True)
    for message in (unasked, asked):
        store.set_recipients(message, [ALICE, BOB])
    store.set_recipient_status(asked, ALICE, "delivered")
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        app.query_one(ConversationList).cursor = 0
        await pilot.press("enter")
        await settle(app, pilot)
        without = bubble_text(app, unasked)
        assert without.count("sent (no delivery report asked)") == 2, without
        with_report = bubble_text(app, asked)
        assert "delivered" in with_report and "no delivery report asked" not in with_report, with_report
