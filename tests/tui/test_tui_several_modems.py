"""Issue 15: a daemon with two modems, seen in the TUI. The status bar names both, each
bubble says which modem it came in on or went out of, and the composer says which modem a
reply leaves from (the conversation's), ^n choosing the other. On the real agent and store."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ALICE, bubble_texts, build_app, pilot_test, settle, until
from test_tui_pilot import open_conversation

from mmsua.engine.agent import UserAgent
from mmsua.engine.settings import AgentSettings
from mmsua.tui.screens.compose import ComposeScreen

pytestmark = pytest.mark.timeout(90)
HOME, WORK = "+15550100501", "+15550100502"


def two_modems(directory: Path) -> UserAgent:
    store = str(directory / "store")
    agent = UserAgent(modems={"home": AgentSettings(store_path=store, own_number=HOME, country_code="US"),
                              "work": AgentSettings(store_path=store, own_number=WORK, country_code="US")})
    agent.store.add_message(participants=[ALICE], direction="in", kind="sms", state="received", sender=ALICE,
                            to=[WORK], text="Still at work?", modem="work")
    return agent


def plan_shown(app) -> str:
    return str(app.screen.query_one("#meter").render())


@pilot_test
async def test_two_modems_named_in_the_bar_the_bubbles_and_the_composer(tmp_path):
    agent = two_modems(tmp_path)
    app, _ = build_app(None, None, tmp_path, agent=agent)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        bar = str(app.query_one("#status").render())
        assert "home" in bar and "work" in bar
        await open_conversation(app, pilot, (ALICE,))
        assert "via work" in bubble_texts(app)[0]
        await pilot.press("r")
        await until(pilot, "the composer", lambda: isinstance(app.screen, ComposeScreen))
        await pilot.press(*"Yes")
        await until(pilot, "the plan, from work", lambda: "from work" in plan_shown(app))
        assert "^n: another modem" in plan_shown(app)
        await pilot.press("ctrl+n")
        await until(pilot, "the plan, from home", lambda: "from home" in plan_shown(app))
        await pilot.press("ctrl+s")
        await until(pilot, "sent", lambda: not isinstance(app.screen, ComposeScreen))
        await settle(app, pilot)
    sent = [m for m in agent.store.list_messages(agent.store.conversation_with([ALICE]) or 0) if m.direction == "out"]
    assert [(m.text, m.modem) for m in sent] == [("Yes", "home")]
