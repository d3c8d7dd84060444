"""Issue 12: actions on conversations and on a message's content (delete a conversation,
mark read, forward, copy text, codes and links, block and unblock, the blocked
conversations) and names from the daemon. Checked on the screen and on what the
daemon stand-in was asked."""

from __future__ import annotations

import pytest
from conftest import ALICE, BOB, CAROL, HOSTILE_TEXT, on_agent, pilot_test, settle, until
from phoneagent import PhoneAgent
from test_tui_pilot import bubble_texts, open_conversation

from mmsua.tui.widgets.conversation_list import ConversationList

pytestmark = pytest.mark.timeout(90)


def inbox() -> PhoneAgent:
    agent = PhoneAgent(names={ALICE: "Alice (daemon)", CAROL: "Carol"})
    agent.add((ALICE,), "Your code is 482913. Details: https://bank.example/otp?id=7.")
    agent.add((BOB,), "Lunch?")
    agent.add((BOB,), "At noon")
    agent.add((ALICE, BOB, CAROL), "Dinner on Friday?", sender=CAROL)
    return agent


async def keys_in(app, pilot, participants: tuple[str, ...], *keys: str) -> None:
    """Open the conversation of ``participants``, press ``keys`` there, let the app settle."""
    await open_conversation(app, pilot, participants)
    await pilot.press(*keys)
    await settle(app, pilot)


def rows(app) -> list:
    return app.query_one(ConversationList).rows


def list_text(app) -> str:
    listing = app.query_one(ConversationList)
    return "\n".join(listing.render_line(y).text for y in range(listing.size.height))




@pilot_test
async def test_names_come_from_the_daemon_and_the_vcard_only_where_it_has_none(contacts_file, tmp_path):
    agent = inbox()
    async with on_agent(agent, tmp_path, contacts_file) as (app, pilot):  # the vCard calls them "Alice Smith", "Bob Jones"
        shown = list_text(app)
        assert "Alice (daemon)" in shown and "Alice Smith" not in shown  # the daemon's name wins
        assert "Bob Jones" in shown  # the daemon has none for Bob: the vCard's
        await open_conversation(app, pilot, tuple(sorted((ALICE, BOB, CAROL))))
        assert any(t.startswith("Carol") for t in bubble_texts(app))  # the sender's name in a group bubble


@pilot_test
async def test_a_hostile_name_from_the_daemon_is_shown_literally_without_its_escapes(tmp_path):
    agent = PhoneAgent(names={ALICE: "[@click=app.quit]" + HOSTILE_TEXT})
    agent.add((ALICE,), "hello")
    async with on_agent(agent, tmp_path) as (app, pilot):
        await keys_in(app, pilot, (ALICE,), "B")  # the name in the list, the header and the question
        assert "[@click=app.quit][bold red]x[/" in list_text(app) and "\x1b" not in list_text(app)
        question = str(app.screen.query_one(".title").render())
        assert "[@click=app.quit]" in question and "\x1b" not in question and "\x07" not in question
        await pilot.press("n")
        await settle(app, pilot)
        assert app.is_running


@pilot_test
async def test_delete_a_conversation_asks_first_then_it_is_gone(tmp_path):
    agent = inbox()
    bob = agent.conversation_of(BOB)
    async with on_agent(agent, tmp_path) as (app, pilot):
        await keys_in(app, pilot, (BOB,), "D")
        assert type(app.screen).__name__ == "Confirm"
        assert "2 messages" in str(app.screen.query_one(".what").render())
        await pilot.press("n")
        await settle(app, pilot)
        assert agent.list_messages(bob)
        await pilot.press("D", "y")
        await settle(app, pilot)
        assert agent.list_messages(bob) == []
        assert bob not in [r.id for r in rows(app)] and app.query_one("#conversation").conversation is None
        assert isinstance(app.focused, ConversationList)


@pilot_test
async def test_mark_read_one_conversation_and_all_from_the_list(tmp_path):
    agent = inbox()
    for i in range(25):  # newer: Bob's and Alice's rows are past the top that a live refresh reads again
        agent.add((f"+1555000{i:04d}",), f"filler {i}")
    async with on_agent(agent, tmp_path) as (app, pilot):
        listing = app.query_one(ConversationList)
        listing.cursor = next(i for i, r in enumerate(rows(app)) if r.participants == (BOB,))
        await pilot.press("M")
        await until(pilot, "Bob's conversation read", lambda: next(r for r in rows(app) if r.participants == (BOB,)).unread == 0)
        assert all(m.read for m in agent.messages.values() if m.sender == BOB)
        assert not agent.show_message(1).read  # Alice's is still unread
        await pilot.press("A")
        await until(pilot, "every conversation read", lambda: all(r.unread == 0 for r in rows(app)))
        assert all(m.read for m in agent.messages.values())


@pilot_test
async def test_forward_asks_whom_and_calls_forward(contacts_file, tmp_path):
    agent = inbox()
    async with on_agent(agent, tmp_path, contacts_file) as (app, pilot):
        await keys_in(app, pilot, (BOB,), "F")
        assert type(app.screen).__name__ == "ForwardDialog"
        await pilot.press(*"not a number", "enter")
        await settle(app, pilot)
        assert "not a number or e-mail" in str(app.screen.query_one(".error").render()) and agent.forwards == []
        app.screen.query_one("#forward-to").value = ""
        await pilot.press(*"Alice Smith", ",", *CAROL, "enter")  # a contact's name counts as its number
        await settle(app, pilot)
        assert type(app.screen).__name__ != "ForwardDialog"
    selected = max(m.id for m in agent.messages.values() if m.sender == BOB)
    assert agent.forwards == [(selected, ("+447700900123", CAROL), False, "auto")]


@pilot_test
async def test_copy_offers_text_code_and_link_copies_with_osc52_and_shows_it(tmp_path):
    agent = inbox()
    async with on_agent(agent, tmp_path) as (app, pilot):
        await keys_in(app, pilot, (ALICE,), "y")
        dialog = app.screen
        assert [(i.kind, i.value) for i in dialog.items][1:] == [("code", "482913"), ("link", "https://bank.example/otp?id=7")]
        await pilot.press("down", "enter")  # the code
        await settle(app, pilot)
        assert app.clipboard == "482913"
        assert dialog.query_one("#copied").text == "482913" and not dialog.query_one("#copied").has_class("-empty")
        await pilot.press("escape")
        await settle(app, pilot)
        assert type(app.screen).__name__ != "CopyDialog"


@pilot_test
async def test_copied_text_is_cleaned_of_escape_sequences(tmp_path):
    agent = PhoneAgent()
    agent.add((ALICE,), HOSTILE_TEXT)
    async with on_agent(agent, tmp_path) as (app, pilot):
        await keys_in(app, pilot, (ALICE,), "y", "enter")
        assert "\x1b" not in app.clipboard and "\x07" not in app.clipboard and "tail" in app.clipboard


@pilot_test
async def test_block_asks_first_moves_the_conversation_to_the_blocked_and_unblock_brings_it_back(tmp_path):
    agent = inbox()
    async with on_agent(agent, tmp_path) as (app, pilot):
        await keys_in(app, pilot, (BOB,), "B")
        assert type(app.screen).__name__ == "Confirm" and BOB in str(app.screen.query_one(".title").render())
        await pilot.press("n")
        await settle(app, pilot)
        assert agent.blocked == set()
        await pilot.press("B", "y")
        await until(pilot, "Bob's conversation off the inbox", lambda: all(r.participants != (BOB,) for r in rows(app)))
        assert agent.blocked == {BOB} and app.query_one("#conversation").conversation is None
        await pilot.press("b")  # the blocked conversations
        await until(pilot, "the blocked list", lambda: [r.participants for r in rows(app)] == [(BOB,)])
        assert "Blocked conversations" in str(app.query_one("#list-mode").render()) and app.query_one("#list-mode").display
        await pilot.press("enter")
        await settle(app, pilot)
        assert str(app.query_one("#conversation .header").render()).startswith("Blocked · ")
        await pilot.press("U")
        await until(pilot, "Bob's conversation off the blocked list", lambda: rows(app) == [] and agent.blocked == set())
        await pilot.press("q")  # back to the inbox (b too), Bob's conversation with it
        await until(pilot, "the inbox", lambda: (BOB,) in [r.participants for r in rows(app)])
        assert not app.query_one("#list-mode").display


@pilot_test
async def test_block_in_a_group_asks_which_number(tmp_path):
    agent = inbox()
    async with on_agent(agent, tmp_path) as (app, pilot):
        await keys_in(app, pilot, tuple(sorted((ALICE, BOB, CAROL))), "B")
        assert type(app.screen).__name__ == "Choose"
        labels = [str(app.screen.query_one("OptionList").get_option_at_index(i).prompt) for i in range(3)]
        assert "Carol (+15551234567)" in labels
        await pilot.press("end", "enter")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "Confirm"
        await pilot.press("y")
        await settle(app, pilot)
    assert agent.blocked == {sorted((ALICE, BOB, CAROL))[-1]}


@pilot_test
async def test_the_new_actions_are_in_the_palette(tmp_path):
    from test_tui_pilot import run_from_palette

    agent = inbox()
    async with on_agent(agent, tmp_path) as (app, pilot):
        await open_conversation(app, pilot, (ALICE,))
        await run_from_palette(app, pilot, "Copy a message")
        assert type(app.screen).__name__ == "CopyDialog"


@pilot_test
async def test_n_mutes_and_unmutes_the_conversation_from_the_list_and_from_inside(tmp_path):
    agent = inbox()
    async with on_agent(agent, tmp_path) as (app, pilot):
        listing = app.query_one(ConversationList)
        listing.cursor = next(i for i, r in enumerate(rows(app)) if r.participants == (BOB,))
        bob = agent.conversation_of(BOB)
        await pilot.press("N")
        await until(pilot, "Bob's conversation muted", lambda: bob in agent.muted and next(r for r in rows(app) if r.id == bob).muted)
        await keys_in(app, pilot, (BOB,), "N")  # inside it: the open conversation knows it is muted, so N unmutes
        await until(pilot, "Bob's conversation unmuted", lambda: bob not in agent.muted and not next(r for r in rows(app) if r.id == bob).muted)
        await pilot.press("N")
        await until(pilot, "muted again", lambda: bob in agent.muted)
        assert agent.muted == {bob}  # no other conversation was touched
