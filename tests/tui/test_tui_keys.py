"""Keys that do what they say, drafts that are kept, one way to attach a file (issue 11).

Before: in search `q` quit the app although the screen said "q clears the search", Esc
did nothing and the footer offered "? Help" while `?` was typed into the field; the list's
footer said "q Back" where q quits and had no `L`; Esc in the composer threw the draft
away; at 80×24 the composer's buttons and size meter were below the screen; attachments
went to the daemon as paths, which it opened with its own rights.
"""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from conftest import ALICE, build_app, pilot_test, populate, running, settle
from test_tui_pilot import open_conversation

from mmsua.tui.screens.compose import ComposeScreen
from mmsua.tui.widgets.conversation_list import ConversationList

pytestmark = pytest.mark.timeout(60)


def footer(app) -> dict[str, str]:
    """What the footer offers now: description by key, as drawn."""
    from textual.widgets._footer import FooterKey

    return {key.key_display: key.description for key in app.screen.query(FooterKey) if not key.disabled}


@pilot_test
async def test_in_search_q_and_question_mark_are_text_and_esc_clears_the_search(store, contacts_file, tmp_path):
    populate(store)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await pilot.press("slash")
        await settle(app, pilot)
        offered = footer(app)
        assert offered.get("f1") == "Help" and "?" not in offered  # ? is text here: f1 is what the footer offers
        assert offered.get("esc") == "Clear search"
        await pilot.press("q", "question_mark")
        await settle(app, pilot)
        search = app.query_one("#search")
        assert app.is_running and search.value == "q?"
        await pilot.press("escape")
        await settle(app, pilot)
        listing = app.query_one(ConversationList)
        assert search.value == "" and listing.query is None and app.focused is listing
        assert not search.has_class("-visible") and app.is_running
        # A search left with Enter: the list says how to clear it, and the key it names does.
        await pilot.press("slash", *"zzzz-nothing", "enter")
        await settle(app, pilot)
        assert "Esc clears the search." in "".join(strip.text for strip in listing.render_lines(listing.region.reset_offset))
        await pilot.press("escape")
        await settle(app, pilot)
        assert listing.query is None and app.is_running


@pilot_test
async def test_the_footer_says_quit_on_the_list_back_in_a_conversation_and_offers_the_log(store, contacts_file, tmp_path):
    populate(store, hostile=False)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        offered = footer(app)
        assert offered.get("q") == "Quit" and offered.get("L") == "Log"
        await open_conversation(app, pilot, (ALICE,))
        assert footer(app).get("q") == "Back"
        await pilot.press("q")
        await settle(app, pilot)
        assert app.is_running and footer(app).get("q") == "Quit"
        await pilot.press("q")
        await settle(app, pilot)
        assert not app.is_running


@pilot_test
async def test_esc_in_the_composer_keeps_the_draft_for_that_conversation_across_a_restart(store, contacts_file, tmp_path):
    populate(store, hostile=False)
    drafts = tmp_path / "state" / "drafts.json"
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await open_conversation(app, pilot, (ALICE,))
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press(*"Half a thought")
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, ComposeScreen)
    assert stat.S_IMODE(drafts.stat().st_mode) == 0o600 and stat.S_IMODE(drafts.parent.stat().st_mode) == 0o700
    assert [p.name for p in drafts.parent.iterdir()] == ["drafts.json"]  # replaced atomically, no temporary left
    # A new app (a restart): a new message starts empty, the reply to Alice has the draft back.
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await pilot.press("c")
        await settle(app, pilot)
        assert app.screen.query_one("#text").text == ""
        await pilot.press("escape")
        await settle(app, pilot)
        await open_conversation(app, pilot, (ALICE,))
        await pilot.press("r")
        await settle(app, pilot)
        composer = app.screen
        assert composer.query_one("#text").text == "Half a thought" and composer.restored
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ComposeScreen)
        await pilot.press("r")
        await settle(app, pilot)
        assert app.screen.query_one("#text").text == ""  # sent: the draft is gone


@pilot_test
async def test_the_composer_keeps_its_buttons_and_meter_on_an_80_by_24_terminal(store, contacts_file, tmp_path):
    populate(store, hostile=False)
    async with running(store, contacts_file, tmp_path, size=(80, 24)) as (app, pilot):
        await pilot.press("c")
        await settle(app, pilot)
        screen = app.screen.region
        for selector in ("#send", "#cancel", "#attach", "#meter"):
            region = app.screen.query_one(selector).region
            assert region.area and screen.contains_region(region), (selector, region, screen)


class Recording:
    """A client that records each SendRequest on its way to the real one."""

    def __init__(self, inner) -> None:
        self.inner, self.requests = inner, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def send(self, request):
        self.requests.append(request)
        return self.inner.send(request)


@pilot_test
async def test_attachments_go_to_the_daemon_as_the_bytes_the_tui_read(store, contacts_file, tmp_path):
    populate(store, hostile=False)
    app, _ = build_app(store, contacts_file, tmp_path)
    client = app.client = Recording(app.client)
    note = tmp_path / "note.txt"
    note.write_bytes(b"read by the user's own process")
    fifo = tmp_path / "a-fifo"
    os.mkfifo(fifo)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        composer = app.screen
        composer.add_attachment(fifo)  # refused at once: reading it would block
        assert "not a regular file" in str(composer.query_one("#send-error").render())
        composer.add_attachment(note)
        await pilot.press(*ALICE, "tab", *"with a file", "ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ComposeScreen)
    (request,) = client.requests
    (attachment,) = request.attachments
    assert attachment.path is None and attachment.name == "note.txt"
    assert base64.b64decode(attachment.data_b64 or "") == note.read_bytes()


def test_a_file_over_the_carriers_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    from mmsua.tui.sizing import AttachmentError, check_file, read_file

    big = tmp_path / "big.bin"
    big.write_bytes(bytes(5000))
    with pytest.raises(AttachmentError, match="larger than"):
        check_file(big, 4000)
    with pytest.raises(AttachmentError, match="larger than"):
        read_file(big, 4000)  # a file that grew after it was chosen
    assert len(read_file(big, 5000)) == 5000
