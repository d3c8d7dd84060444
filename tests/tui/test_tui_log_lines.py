"""The daemon log screen (L) tells each message's story once (issue 11): it showed
"sent" twice for one message and no "delivered" line. The lines are the daemon's
(mmsua/daemon/runner.py ``_log_event``), which the TUI shows as they come."""

from __future__ import annotations

import logging

import pytest

from mmsua.api.events import MessageReceived, MessageUpdated
from mmsua.api.shapes import Message, RecipientStatus
from mmsua.api.states import MessageState, ReportStatus


def story(caplog: pytest.LogCaptureFixture, *events) -> list[str]:
    from mmsua.daemon.runner import _log_event

    with caplog.at_level(logging.INFO, logger="mmsua.daemon"):
        for event in events:
            _log_event(event)
    return [r.getMessage() for r in caplog.records if r.name == "mmsua.daemon"]


def sent(message_id: int, *reports: ReportStatus) -> Message:
    friends = ("+15550100099", "+15550100098")
    return Message(message_id, direction="out", state=MessageState.SENT, delivery_report_requested=True,
                   recipients=tuple(RecipientStatus(address, status) for address, status in zip(friends, reports, strict=True)))


def test_one_sent_line_then_one_line_per_report(caplog: pytest.LogCaptureFixture) -> None:
    queued = Message(9001, direction="out", state=MessageState.QUEUED)
    lines = story(
        caplog,
        MessageUpdated(queued),
        MessageUpdated(sent(9001, ReportStatus.PENDING, ReportStatus.PENDING)),
        MessageUpdated(sent(9001, ReportStatus.PENDING, ReportStatus.PENDING)),  # the same again: nothing to say
        MessageUpdated(sent(9001, ReportStatus.DELIVERED, ReportStatus.PENDING)),
        MessageUpdated(sent(9001, ReportStatus.DELIVERED, ReportStatus.READ)),
    )
    assert lines == [
        "message 9001 out mms updated: queued",
        "message 9001 out mms updated: sent",
        "message 9001 report from +15550100099: delivered",
        "message 9001 report from +15550100098: read",
    ]


def test_a_received_message_is_logged_even_in_the_state_last_seen(caplog: pytest.LogCaptureFixture) -> None:
    message = Message(9002, state=MessageState.RECEIVED)
    assert story(caplog, MessageReceived(message)) == ["message 9002 in mms received: received"]
