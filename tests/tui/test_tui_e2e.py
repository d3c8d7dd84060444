"""The TUI on the whole stack: the engine with the real driver on an emulated modem,
the simulated carrier's SMSC and MMSC over real HTTP through its proxy, real stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import bubble_texts, build_app, jpeg, pilot_test, settle, until

from mmsua.engine.agent import UserAgent
from mmsua.sim.carrier import SimulatedCarrier
from mmsua.tui.widgets.conversation_list import ConversationList

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]
ME = "+15550100001"
FRIEND = "+15550100002"


@pytest.fixture
def carrier() -> Iterator[SimulatedCarrier]:
    with SimulatedCarrier(profile="quectel-eg25g", require_ua_headers=True) as sim:
        yield sim


def start_agent(carrier: SimulatedCarrier, msisdn: str, store: Path, **changes: Any) -> UserAgent:
    handset = carrier.handsets.get(msisdn) or carrier.add_handset(msisdn)
    agent = UserAgent(carrier.agent_settings(handset, store, **changes))
    agent.start()
    assert agent.link.wait_ready(30), agent.link.error
    return agent


def last_bubble(app) -> str:
    texts = bubble_texts(app)
    return texts[-1] if texts else ""


def row_of(app, participants: tuple[str, ...]) -> int | None:
    rows = app.query_one(ConversationList).rows
    return next((i for i, r in enumerate(rows) if r.participants == participants), None)


async def open_when_listed(app, pilot, participants: tuple[str, ...]) -> None:
    """Wait for the conversation to appear in the list (live, from events), then open it."""
    await until(pilot, f"conversation with {participants} listed", lambda: row_of(app, participants) is not None)
    app.query_one(ConversationList).cursor = row_of(app, participants)
    await pilot.press("enter")


@pilot_test
async def test_compose_with_attachment_send_and_see_it_delivered(carrier, tmp_path) -> None:
    me = start_agent(carrier, ME, tmp_path / "me.sqlite")  # delivery reports off by default: ticked below
    friend = start_agent(carrier, FRIEND, tmp_path / "friend.sqlite")
    picture = tmp_path / "sunset.jpg"
    picture.write_bytes(jpeg())
    app, _ = build_app(None, None, tmp_path, agent=me)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("c")
            await pilot.press(*FRIEND, "tab", *"Sunset", "tab", *"From the beach")
            # Attach through the file picker: type the path and press Enter.
            composer = app.screen
            await pilot.press("ctrl+a")
            await until(pilot, "the file picker open", lambda: type(app.screen).__name__ == "FilePicker")
            await pilot.click("#path")
            await pilot.press(*str(picture), "enter")
            # The picker closes, then its callback attaches the file: wait for both.
            await until(pilot, "back in the composer with a file attached", lambda: app.screen is composer and composer.attachments)
            assert [a.path for a in composer.attachments] == [picture]
            assert "sunset.jpg" in str(composer.query_one("#attachments").render())
            await pilot.click("#delivery-report")
            await pilot.press("ctrl+s")
            await until(pilot, "the sent message shown", lambda: "From the beach" in last_bubble(app))
            await until(pilot, "friend retrieved it", lambda: friend.list_conversations())
            await until(pilot, "status delivered", lambda: "delivered" in last_bubble(app))
            sent = me.list_messages(me.list_conversations()[0].id)[-1]
            assert sent.state == "sent" and sent.recipients[0].status == "delivered"
            assert [p.name for p in sent.parts if p.content_type == "image/jpeg"] == ["sunset.jpg"]
    finally:
        friend.stop()
        me.stop()


@pilot_test
async def test_a_message_arriving_while_open_appears_live(carrier, tmp_path) -> None:
    me = start_agent(carrier, ME, tmp_path / "me.sqlite")
    app, _ = build_app(None, None, tmp_path, agent=me)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            carrier.send_mms(FRIEND, [ME], text="first one", subject="Hi")
            await open_when_listed(app, pilot, (FRIEND,))
            await until(pilot, "first message shown", lambda: "first one" in last_bubble(app))
            carrier.send_mms(FRIEND, [ME], text="and a second", subject="Again")
            await until(pilot, "second message shown live", lambda: "and a second" in last_bubble(app))
            assert len(bubble_texts(app)) == 2
            assert len(app.received) >= 2  # announced (toast and bell) as they arrived
    finally:
        me.stop()


@pilot_test
async def test_downloading_a_deferred_message(carrier, tmp_path) -> None:
    me = start_agent(carrier, ME, tmp_path / "me.sqlite", retrieval_policy="manual")
    app, _ = build_app(None, None, tmp_path, agent=me)
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            carrier.send_mms(FRIEND, [ME], text="later please", subject="Big one")
            await open_when_listed(app, pilot, (FRIEND,))
            await until(pilot, "pending bubble", lambda: "waiting at the carrier" in last_bubble(app))
            assert "Big one" in last_bubble(app) and "press f to download" in last_bubble(app)
            # "f" acts on the selected message: the view selects the newest only once the
            # bubble that shows it is mounted, a step after the text above is there to read.
            view = app.query_one("#conversation")
            await until(pilot, "the pending message selected", lambda: view.selected_message is not None and view.selected_message.pending)
            await pilot.press("f")
            await until(pilot, "downloaded content shown", lambda: "later please" in last_bubble(app))
            assert "waiting" not in last_bubble(app)
    finally:
        me.stop()


def submitted_by(carrier: SimulatedCarrier, msisdn: str) -> list[tuple[str, str]]:
    return [(s.decoded.destination, s.decoded.text) for s in list(carrier.smsc.log.submitted)
            if s.sender == msisdn and s.decoded is not None]


def mmsc_posts(carrier: SimulatedCarrier) -> list[Any]:
    with carrier.mmsc.held():
        return [r for r in carrier.mmsc.requests if r.method == "POST"]


@pilot_test
async def test_a_text_reply_from_the_tui_goes_as_sms_and_a_picture_reply_as_mms(carrier, tmp_path) -> None:
    """Issue 12: on the real engine, a text reply typed in the TUI reaches the SMS centre as
    an SMS and nothing reaches the MMSC; a reply with a picture goes to the MMSC."""
    me = start_agent(carrier, ME, tmp_path / "me.sqlite")
    friend = start_agent(carrier, FRIEND, tmp_path / "friend.sqlite")
    picture = tmp_path / "dot.jpg"
    picture.write_bytes(jpeg())
    app, _ = build_app(None, None, tmp_path, agent=me)
    try:
        carrier.send_sms(ME, "lunch?", originator=FRIEND)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            await open_when_listed(app, pilot, (FRIEND,))
            await pilot.press("r")
            await until(pilot, "the reply composer", lambda: type(app.screen).__name__ == "ComposeScreen")
            await pilot.press(*"yes, at 1")
            composer = app.screen
            await until(pilot, "the plan says SMS", lambda: "SMS · 1 part" in str(composer.query_one("#meter").render()))
            await pilot.press("ctrl+s")
            await until(pilot, "the SMS at the SMS centre", lambda: submitted_by(carrier, ME))
            assert submitted_by(carrier, ME) == [(FRIEND, "yes, at 1")] and mmsc_posts(carrier) == []

            await until(pilot, "back in the conversation", lambda: type(app.screen).__name__ != "ComposeScreen")
            await pilot.press("r")
            await until(pilot, "the reply composer", lambda: type(app.screen).__name__ == "ComposeScreen")
            composer = app.screen
            await pilot.press(*"and a picture", "ctrl+a")
            await until(pilot, "the file picker open", lambda: type(app.screen).__name__ == "FilePicker")
            await pilot.click("#path")
            await pilot.press(*str(picture), "enter")
            await until(pilot, "a file attached", lambda: app.screen is composer and composer.attachments)
            await until(pilot, "the plan says MMS", lambda: "MMS ·" in str(composer.query_one("#meter").render()))
            await pilot.press("ctrl+s")
            await until(pilot, "friend received the picture", lambda: [
                m for c in friend.list_conversations() for m in friend.list_messages(c.id)
                if m.kind == "mms" and m.state == "received" and m.text == "and a picture"])
            assert submitted_by(carrier, ME) == [(FRIEND, "yes, at 1")]  # the picture did not go as SMS
            assert len(mmsc_posts(carrier)) >= 1
    finally:
        friend.stop()
        me.stop()
