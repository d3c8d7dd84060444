"""Paging through a long conversation (issue 13): the bubbles are drawn line by line,
a page key moves exactly a page at once (no animation), older messages load above
without moving what is on screen, and a click lands on the bubble drawn there."""

from __future__ import annotations

import pytest
from conftest import ALICE, NOW, pilot_test, running, settle, until

pytestmark = pytest.mark.timeout(120)


def long_conversation(store, count: int) -> list[int]:
    with store.transaction():
        return [store.add_message(participants=[ALICE], direction="out" if i % 3 == 2 else "in", kind="sms",
                                  state="sent" if i % 3 == 2 else "received", sender=ALICE, to=[ALICE],
                                  text=f"Message {i}. " + "words " * (i % 4 * 12), date=NOW - 100_000 + i * 60, read=True)
                for i in range(count)]


def on_screen(lines) -> str:
    return "\n".join(lines.render_line(y).text for y in range(lines.scrollable_content_region.height))


@pilot_test
async def test_page_keys_move_a_page_at_once_and_older_messages_load_in_place(store, contacts_file, tmp_path):
    ids = long_conversation(store, 120)
    async with running(store, contacts_file, tmp_path, images="none") as (app, pilot):
        await pilot.press("enter")
        await settle(app, pilot)
        view = app.query_one("#conversation")
        lines = view.lines
        assert app.focused is view and view.selected_message.id == ids[-1]
        assert "Message 119." in on_screen(lines)  # opened at the newest
        page = lines.scrollable_content_region.height
        bottom = lines.scroll_y
        await pilot.press("pageup")
        assert lines.scroll_y == bottom - page  # at once: no animation in between
        await pilot.press("pagedown")
        assert lines.scroll_y == bottom
        # Older messages come in above without moving what is on screen.
        assert not view.complete
        shown, loaded = on_screen(lines), len(view.messages)
        view.load_older()
        await settle(app, pilot)
        assert len(view.messages) > loaded and on_screen(lines) == shown
        # Paging up to the top of what is loaded asks for the next older page by itself.
        loaded = len(view.messages)
        for _ in range(200):
            if len(view.messages) > loaded or view.complete:
                break
            await pilot.press("pageup")
            await settle(app, pilot)
        assert len(view.messages) > loaded
        # Every message is drawn once, oldest first.
        assert [m.id for m in lines.messages] == sorted({m.id for m in view.messages})


@pilot_test
async def test_a_click_selects_the_bubble_drawn_there_after_paging(store, contacts_file, tmp_path):
    ids = long_conversation(store, 60)
    async with running(store, contacts_file, tmp_path, images="none") as (app, pilot):
        await pilot.press("enter")
        await settle(app, pilot)
        view = app.query_one("#conversation")
        lines = view.lines
        for _ in range(3):
            await pilot.press("pageup")
        await settle(app, pilot)
        y = next(y for y in range(lines.scrollable_content_region.height) if "Message " in lines.render_line(y).text)
        number = int(lines.render_line(y).text.split("Message ")[1].split(".")[0])
        await pilot.click(lines, offset=(6, y))
        await until(pilot, "the clicked bubble selected", lambda: view.selected_message.id == ids[number])
        assert "Message " in lines.render_line(y).text  # selecting it did not scroll it away
