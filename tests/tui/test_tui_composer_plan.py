"""Issue 12: the composer sends with the daemon's policy. It shows the plan (SMS parts or
MMS size, and why) before anything is sent, updates it as the user types without
waiting on the daemon, switches SMS/MMS with one key (``via``), sends one message each
on request (``separately``), asks before a long SMS and refuses what the plan refuses.
Checked on what the screen shows and on what the daemon stand-in received."""

from __future__ import annotations

import threading

import pytest
from conftest import ALICE, BOB, build_app, on_agent, pilot_test, settle, until
from phoneagent import PhoneAgent
from test_tui_pilot import open_conversation

from mmsua.tui.screens.compose import ComposeScreen

pytestmark = pytest.mark.timeout(90)


def plan_shown(app) -> str:
    return str(app.screen.query_one("#meter").render())


def inbox() -> PhoneAgent:
    agent = PhoneAgent()
    agent.add((ALICE,), "Are you coming on Sunday?")
    return agent


async def open_reply(app, pilot) -> None:
    """The composer of a reply to Alice."""
    await open_conversation(app, pilot, (ALICE,))
    await pilot.press("r")
    await until(pilot, "the composer", lambda: isinstance(app.screen, ComposeScreen))
    await settle(app, pilot)


async def reply(app, pilot, text: str) -> None:
    """A reply to Alice with ``text`` typed, and the plan for it on screen."""
    await open_reply(app, pilot)
    await pilot.press(*text)
    await until(pilot, "the plan for the whole text", lambda: app.screen.plan and app.screen.planned == app.screen.form())


@pilot_test
async def test_a_plain_text_reply_shows_sms_and_goes_with_via_auto(tmp_path):
    agent = inbox()
    async with on_agent(agent, tmp_path) as (app, pilot):
        await reply(app, pilot, "See you at 8")
        shown = plan_shown(app)
        assert "SMS · 1 part · 148 left" in shown and "text to one person" in shown and "^r: send as MMS" in shown
        assert agent.plans[-1].text == "See you at 8" and agent.plans[-1].to == (ALICE,)  # asked for what is on screen
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ComposeScreen)
    (request,) = agent.requests
    assert request.via == "auto" and request.to == (ALICE,) and request.text == "See you at 8" and not request.separately


@pilot_test
async def test_the_switch_key_makes_it_an_mms_and_back(tmp_path):
    agent = inbox()
    async with on_agent(agent, tmp_path) as (app, pilot):
        await reply(app, pilot, "See you at 8")
        await pilot.press("ctrl+r")
        await until(pilot, "the MMS plan", lambda: "MMS ·" in plan_shown(app))
        assert "you chose MMS" in plan_shown(app) and "^r: back to SMS" in plan_shown(app)
        assert agent.plans[-1].via == "mms"
        await pilot.press("ctrl+r")  # back to what the daemon chooses by itself
        await until(pilot, "the SMS plan again", lambda: "SMS ·" in plan_shown(app))
        assert app.screen.via == "auto" and "^r: send as MMS" in plan_shown(app)
        await pilot.press("ctrl+r", "ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ComposeScreen)
    assert [r.via for r in agent.requests] == ["mms"]
    assert agent.messages[max(agent.messages)].kind == "mms"


class SlowPlanner(PhoneAgent):
    """A daemon that plans only once ``gate`` opens; ``asked`` says a plan was requested."""

    def __init__(self) -> None:
        super().__init__()
        self.asked, self.gate = threading.Event(), threading.Event()
        self.add((ALICE,), "hi")

    def plan_send(self, request):
        self.asked.set()
        self.gate.wait(60)
        return super().plan_send(request)


async def slow_reply(app, pilot) -> None:
    await open_conversation(app, pilot, (ALICE,))
    await pilot.press("r")
    await until(pilot, "the composer", lambda: isinstance(app.screen, ComposeScreen))


@pilot_test
async def test_the_plan_follows_the_typing_without_blocking_it(tmp_path):
    """A daemon slow to plan never holds up the keys: the text is typed while it thinks."""
    agent = SlowPlanner()
    gate = agent.gate
    async with on_agent(agent, tmp_path) as (app, pilot):
        await slow_reply(app, pilot)
        await pilot.press(*"x" * 170)  # over one SMS: the plan must change
        await until(pilot, "every key typed while the daemon is still planning", lambda: app.screen.query_one("#text").text == "x" * 170)
        assert app.screen.plan is None and not gate.is_set()
        gate.set()
        await until(pilot, "the plan for the whole text", lambda: "SMS · 2 parts · 136 left" in plan_shown(app))


@pilot_test
async def test_a_plan_that_comes_after_the_composer_closed_is_dropped(tmp_path):
    """Escape while the daemon is still planning: its late answer is dropped and the app
    goes on. (A stress run saw such an answer land while the composer's widgets were
    being removed, NoMatches('#meter'), which this order does not reproduce on demand;
    _show_plan now also checks that its widgets are still there.)"""
    agent = SlowPlanner()
    asked, gate = agent.asked, agent.gate
    async with on_agent(agent, tmp_path) as (app, pilot):
        await slow_reply(app, pilot)
        composer = app.screen
        await until(pilot, "the daemon asked for a plan", asked.is_set)
        await pilot.press("escape")
        await until(pilot, "the composer closed", lambda: not isinstance(app.screen, ComposeScreen))
        gate.set()
        await until(pilot, "the late plan handled", lambda: not [w for w in composer.workers if w.group == "plan" and w.is_running])
        await settle(app, pilot)
        assert app.is_running and composer.plan is None


@pilot_test
async def test_a_long_sms_asks_first(tmp_path):
    agent = inbox()
    text = "y" * 700  # five segments: the daemon's policy makes it an MMS unless the user chooses SMS
    async with on_agent(agent, tmp_path) as (app, pilot):
        await open_reply(app, pilot)
        app.screen.query_one("#text").load_text(text)
        await until(pilot, "the MMS plan", lambda: "MMS ·" in plan_shown(app) and "longer than 4 SMS" in plan_shown(app))
        await pilot.press("ctrl+r")
        await until(pilot, "the SMS plan", lambda: "SMS · 5 parts" in plan_shown(app) and "asks first" in plan_shown(app))
        await pilot.press("ctrl+s")
        await until(pilot, "the question", lambda: type(app.screen).__name__ == "Confirm")
        assert "this text goes as 5 SMS" in str(app.screen.query_one(".what").render())
        await pilot.press("n")
        await settle(app, pilot)
        assert isinstance(app.screen, ComposeScreen) and agent.requests == [] and not app.screen.sending
        await pilot.press("ctrl+s")
        await until(pilot, "the question again", lambda: type(app.screen).__name__ == "Confirm")
        await pilot.press("y")
        await settle(app, pilot)
        assert not isinstance(app.screen, ComposeScreen)
    (request,) = agent.requests
    assert request.via == "sms" and request.text == text


@pilot_test
async def test_what_the_plan_refuses_is_not_sent_and_the_reason_is_shown(tmp_path):
    agent = inbox()
    big = tmp_path / "notes.bin"
    big.write_bytes(b"\x01" * (300 * 1024 - 10))  # within the file check, over the MMS with its headers
    async with on_agent(agent, tmp_path) as (app, pilot):
        await open_reply(app, pilot)
        app.screen.add_attachment(big)
        await pilot.press(*"the notes")
        await until(pilot, "the refusal", lambda: "cannot send:" in plan_shown(app))
        assert "over the carrier's" in plan_shown(app) and "has an attachment" in plan_shown(app)
        assert "^r" not in plan_shown(app)  # not switchable: an SMS cannot carry it
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert app.screen.via == "auto"
        await pilot.press("ctrl+s")
        await until(pilot, "the reason", lambda: "not sent:" in str(app.screen.query_one("#send-error").render()))
        assert "over the carrier's" in str(app.screen.query_one("#send-error").render())
        assert isinstance(app.screen, ComposeScreen) and agent.requests == []


@pilot_test
async def test_several_recipients_get_one_group_message_or_one_each(tmp_path):
    agent = inbox()
    async with on_agent(agent, tmp_path) as (app, pilot):
        await pilot.press("c")
        await settle(app, pilot)
        each = app.screen.query_one("#separately")
        assert each.has_class("-empty")  # one recipient or none: nothing to choose
        await pilot.press(*f"{ALICE}, {BOB}", "tab", "tab", *"Dinner at 8?")  # past the subject to the text
        await until(pilot, "the group plan", lambda: "MMS ·" in plan_shown(app) and "a group message" in plan_shown(app))
        assert not each.has_class("-empty")
        await pilot.press("ctrl+g")
        await until(pilot, "one SMS each", lambda: "SMS · 1 part" in plan_shown(app) and "2 messages" in plan_shown(app))
        assert agent.plans[-1].separately
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ComposeScreen)
    (request,) = agent.requests
    assert request.separately and set(request.to) == {ALICE, BOB} and request.via == "auto"
    assert {m.to for m in agent.messages.values() if m.outgoing} == {(ALICE,), (BOB,)}


@pilot_test
async def test_a_daemon_without_plan_send_still_sends_with_the_size_meter(store, contacts_file, tmp_path):
    """An older daemon answers plan_send with an error: the composer says so, keeps its own
    size estimate and sends as before (the daemon decides)."""
    from conftest import populate

    from mmsua.api.errors import Unavailable

    populate(store, hostile=False, filler=0)
    app, agent = build_app(store, contacts_file, tmp_path)

    def no_plan(request):
        raise Unavailable("plan_send is not built yet")

    agent.plan_send = no_plan
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_reply(app, pilot)
        await pilot.press(*"hello")
        await until(pilot, "the reason there is no plan", lambda: "plan_send is not built yet" in plan_shown(app))
        assert " of 300 KB" in plan_shown(app)  # the composer's own meter
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ComposeScreen)
    assert any(m.text == "hello" for m in store.list_messages(store.list_conversations()[0].id))
