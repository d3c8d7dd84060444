"""Pilot tests for the rows of docs/tui.md the audit left "not proven": retry,
open with the system viewer, the log screen, reply-all, recipient completion,
mouse. The app runs on the engine through LocalClient over a real store."""

from __future__ import annotations

import json
import os
import stat
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ALICE, NOW, pilot_test, populate, running, settle, until
from test_tui_pilot import bubble_texts, open_conversation

from mmsua.store.records import PartData
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


HOSTILE_NAME = "$(touch pwned1); `touch pwned2` | touch pwned3 & \x1b]0;title\x07\x1b[31m'\"*?<>.pdf"


@pilot_test
async def test_open_runs_the_system_viewer_on_a_private_copy_without_a_shell(store, contacts_file, tmp_path, monkeypatch):
    # A stub xdg-open, first on PATH: it records its arguments, its parent process,
    # and what it finds at the path it was given.
    bin_dir, record = tmp_path / "bin", tmp_path / "viewer.json"
    bin_dir.mkdir()
    viewer = bin_dir / "xdg-open"
    viewer.write_text(f"""#!{sys.executable}
import json, os, stat, sys
path = sys.argv[-1]
info = dict(argv=sys.argv[1:], parent=os.getppid(), data=open(path, "rb").read().hex(), mode=stat.S_IMODE(os.stat(path).st_mode),
            dir_mode=stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode), dir_owner=os.stat(os.path.dirname(path)).st_uid)
open({str(record)!r} + ".part", "w").write(json.dumps(info))
os.rename({str(record)!r} + ".part", {str(record)!r})
""")
    viewer.chmod(viewer.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    temp_root = tmp_path / "tmp"
    temp_root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp_root))  # the private copy lands where the test can look
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)

    populate(store, hostile=False, filler=0)
    data = b"%PDF-1.4 " + bytes(range(256)) * 4
    mid = store.add_message(participants=[ALICE], direction="in", kind="mms", state="received", sender=ALICE,
                            text="the file", date=NOW + 5)
    store.set_parts(mid, [PartData("text/plain", b"the file", name="t.txt"), PartData("application/pdf", data, name=HOSTILE_NAME)])
    async with running(store, contacts_file, tmp_path / "saved", images="none") as (app, pilot):
        await open_conversation(app, pilot, (ALICE,))
        assert app.query_one("#conversation").selected_message.id == mid
        await pilot.press("o")  # one attachment: opened at once, no chooser
        await settle(app, pilot)
        await until(pilot, "the viewer ran", record.exists)  # the viewer is a process of its own

    seen = json.loads(record.read_text())
    assert len(seen["argv"]) == 1  # exactly one argument: the path
    path = Path(seen["argv"][0])
    assert path.is_absolute() and path.parent.parent == temp_root  # its own directory under the temporary root
    assert seen["dir_mode"] == 0o700 and seen["dir_owner"] == os.getuid()  # private
    assert bytes.fromhex(seen["data"]) == data  # a copy of the part's bytes
    assert seen["mode"] == 0o600
    assert not path.parent.exists()  # the private copy went with the app
    # No shell in between: the viewer's parent is this process, nothing in the name ran,
    # and what reached the viewer has no escape sequence or control character.
    assert seen["parent"] == os.getpid()
    assert not any(p.name.startswith("pwned") for d in (work, tmp_path, temp_root) for p in d.iterdir())
    assert all(ch.isprintable() for ch in path.name) and "\x1b" not in path.name
    assert path.name.endswith(".pdf")
    assert " " in path.name  # spaces kept, yet one argument: nothing split it into words


@pilot_test
async def test_open_without_a_viewer_says_so(store, contacts_file, tmp_path, monkeypatch):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    populate(store, hostile=False, filler=0)
    async with running(store, contacts_file, tmp_path, images="none") as (app, pilot):
        await open_conversation(app, pilot, (ALICE,))
        await pilot.press("k", "o")  # the picture message
        await settle(app, pilot)
        assert any("no system viewer found" in str(n.message) for n in app._notifications)


def log_screen_text(app) -> str:
    from textual.widgets import RichLog

    return "\n".join(strip.text for strip in app.screen.query_one(RichLog).lines)


@pilot_test
async def test_log_screen_shows_the_daemons_events(store, contacts_file, tmp_path, caplog):
    import logging

    from conftest import build_app

    from mmsua.engine.agent import UserAgent

    caplog.set_level(logging.INFO, logger="mmsua")  # the daemon's level; pytest's default is WARNING
    ids = populate(store, hostile=False, filler=0)
    agent = UserAgent(store=store, clock=lambda: NOW)  # the fixtures' time: the deferred message has not expired
    agent.start()  # the engine, store-only (no modem): its log records become "log" events
    try:
        app, _ = build_app(store, contacts_file, tmp_path, agent=agent, images="none")
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot)
            # An event before the screen is open: the engine's own line when asked to
            # download a deferred message with no data path yet.
            await open_conversation(app, pilot, ("+15551234567",))
            assert app.query_one("#conversation").selected_message.id == ids["deferred"]
            await pilot.press("f")
            await settle(app, pilot)
            await pilot.press("L")
            await settle(app, pilot)
            assert type(app.screen).__name__ == "LogScreen"
            shown = log_screen_text(app)
            assert f"message {ids['deferred']} queued for retrieval; no data path yet" in shown
            assert "INFO" in shown
            # One while it is open appears live, cleaned of escape sequences.
            logging.getLogger("mmsua.engine").warning("modem said \x1b]0;pwned\x07\x1b[2Jhello")
            await settle(app, pilot)
            shown = log_screen_text(app)
            assert "WARNING" in shown and "modem said" in shown and "hello" in shown
            assert "\x1b" not in shown and "pwned" not in shown
            await pilot.press("escape")
            assert type(app.screen).__name__ != "LogScreen"
    finally:
        agent.stop()


def composer_to(app) -> list[str]:
    from textual.widgets import Input

    assert type(app.screen).__name__ == "ComposeScreen"
    return [t.strip() for t in app.screen.query_one("#to", Input).value.split(",") if t.strip()]


@pilot_test
async def test_reply_all_addresses_every_participant_and_reply_only_the_sender(store, contacts_file, tmp_path):
    from conftest import BOB, CAROL

    ids = populate(store, hostile=False, filler=0)
    async with running(store, contacts_file, tmp_path, images="none") as (app, pilot):
        await open_group(app, pilot)
        view = app.query_one("#conversation")
        view.selected = next(i for i, m in enumerate(view.messages) if m.id == ids["group"])  # Bob's "Dinner"
        await pilot.press("R")
        await settle(app, pilot)
        assert sorted(composer_to(app)) == sorted([ALICE, BOB, CAROL])
        assert app.screen.query_one("#subject").value == "Re: Dinner"
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert composer_to(app) == [BOB]


@pilot_test
async def test_reply_all_leaves_out_the_own_number(store, contacts_file, tmp_path):
    """A group stored before the own number was known has it among its participants
    (here in national form); reply-all must not write to oneself."""
    from conftest import build_app

    from mmsua.engine.agent import UserAgent
    from mmsua.engine.settings import AgentSettings

    own, own_national, dave = "+447700900999", "07700900999", "+447700900777"
    mid = store.add_message(participants=[ALICE, dave, own_national], direction="in", kind="mms", state="received",
                            sender=dave, to=[ALICE, own_national], subject="Plans", text="Saturday?", date=NOW)
    agent = UserAgent(AgentSettings(own_number=own), store=store)
    app, _ = build_app(store, contacts_file, tmp_path, agent=agent, images="none")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.status is not None and app.status.own_number == own  # known to the app from the daemon's status
        await open_group(app, pilot)
        assert app.query_one("#conversation").selected_message.id == mid
        await pilot.press("R")
        await settle(app, pilot)
        assert sorted(composer_to(app)) == sorted([ALICE, dave])


def to_line(app) -> str:
    """The recipients field as drawn (with the suggestion, greyed, after the cursor)."""
    field = app.screen.query_one("#to")
    return "".join(field.render_line(y).text for y in range(field.size.height)).strip()


@pilot_test
async def test_recipient_completion_from_contacts(store, contacts_file, tmp_path):
    from mmsua.tui.recipients import parse

    populate(store, hostile=False, filler=0)
    async with running(store, contacts_file, tmp_path, images="none") as (app, pilot):
        await pilot.press("c")
        await settle(app, pilot)
        await pilot.press(*"Ali")  # a prefix of the vCard's "Alice Smith"
        await settle(app, pilot)
        shown = to_line(app)
        assert "Alice Smith" in shown and "+44 7700 900123" in shown  # the suggestion says who and which number
        await pilot.press("right")  # accept it
        await settle(app, pilot)
        field = app.screen.query_one("#to")
        assert field.value == "+44 7700 900123" and field.cursor_position == len(field.value)
        # A second recipient, by a later word of the name ("Jones" of Bob Jones).
        await pilot.press(*", jon")
        await settle(app, pilot)
        assert "Bob Jones" in to_line(app)
        await pilot.press("right")
        await settle(app, pilot)
        assert field.value == "+44 7700 900123, 07700900456"
        assert parse(field.value) == (["+447700900123", "07700900456"], [])
        # Nothing known: no suggestion, and the arrow only moves the cursor.
        await pilot.press(*", zz", "right")
        await settle(app, pilot)
        assert field.value == "+44 7700 900123, 07700900456, zz"


@pilot_test
async def test_clicking_a_row_opens_it_and_clicking_a_bubble_selects_it(store, contacts_file, tmp_path):
    from mmsua.tui.widgets.conversation_list import ROW_HEIGHT

    ids = populate(store, hostile=False, filler=30)
    async with running(store, contacts_file, tmp_path, images="none") as (app, pilot):
        listing = app.query_one(ConversationList)
        index = next(i for i, r in enumerate(listing.rows) if r.participants == (ALICE,))
        assert await pilot.click(listing, offset=(4, index * ROW_HEIGHT + 1))
        await settle(app, pilot)
        view = app.query_one("#conversation")
        assert view.conversation is not None and view.conversation.participants == (ALICE,)
        assert any("Look at this view!" in t for t in bubble_texts(app))
        assert view.selected_message.id == ids["reply"]  # the newest, as when opened by key

        # Clicking the older bubble selects it (and the selection is what actions act on).
        lines = view.lines
        index = next(i for i, m in enumerate(view.messages) if m.id == ids["picture"])
        top, _height = lines.span(index)
        lines.scroll_to(y=top, animate=False)
        await settle(app, pilot)
        within = next(i for i, strip in enumerate(lines.strips_of(ids["picture"])) if "Look at this view!" in strip.text)
        y = top + within - int(lines.scroll_offset.y) + lines._drop  # a short conversation sits at the bottom
        assert "Look at this view!" in lines.render_line(y).text  # its text is drawn there
        await pilot.click(lines, offset=(4, y))  # lands on the bubble's text, as a real click does
        await settle(app, pilot)
        assert view.selected_message.id == ids["picture"]
        assert lines.selected == index
        assert app.focused is view

        # A row below the fold, after the list was scrolled: the click lands on the row drawn there.
        listing.focus()
        listing.scroll_to(y=20 * ROW_HEIGHT, animate=False)
        await settle(app, pilot)
        top = int(listing.scroll_offset.y) // ROW_HEIGHT
        assert top > 0
        target = listing.rows[top + 2]
        assert await pilot.click(listing, offset=(4, (top + 2) * ROW_HEIGHT - int(listing.scroll_offset.y) + 1))
        await settle(app, pilot)
        assert view.conversation.id == target.id
