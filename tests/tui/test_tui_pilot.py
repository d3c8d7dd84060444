"""The TUI driven by Textual's Pilot on the engine (store only, no modem) over a real store,
through LocalClient. The full-stack tests on the simulated carrier are in test_tui_e2e.py."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import ALICE, HOSTILE_SENDER, NOW, bubble_texts, pilot_test, populate, running, settle, until

from mmsua.store.records import PartData
from mmsua.tui.widgets.conversation_list import ConversationList

pytestmark = pytest.mark.timeout(60)


def open_row(app, participants: tuple[str, ...]) -> int:
    rows = app.query_one(ConversationList).rows
    return next(i for i, r in enumerate(rows) if r.participants == participants)


async def open_conversation(app, pilot, participants: tuple[str, ...]) -> None:
    app.query_one(ConversationList).cursor = open_row(app, participants)
    await pilot.press("enter")
    await settle(app, pilot)


@pilot_test
async def test_list_shows_names_from_contacts_most_recent_first(store, contacts_file, tmp_path):
    populate(store)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        listing = app.query_one(ConversationList)
        dates = [r.last_date for r in listing.rows]
        assert dates == sorted(dates, reverse=True)
        first_lines = [listing.render_line(y).text for y in range(0, 12)]
        screen = "\n".join(first_lines)
        assert "+15551234567" in screen  # the most recent: the deferred notification, no contact name
        assert "Alice Smith" in screen  # named from the vCard
        assert "3· " in screen  # the group shows its size and participants


@pilot_test
async def test_opening_a_conversation_shows_its_messages_and_marks_them_read(store, contacts_file, tmp_path):
    ids = populate(store)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await open_conversation(app, pilot, (ALICE,))
        texts = bubble_texts(app)
        assert any("Holiday" in t and "Look at this view!" in t for t in texts)
        assert any("Lovely! When are you back?" in t and "delivered" in t for t in texts)
        assert app.focused is app.query_one("#conversation")
        assert store.get_message(ids["picture"]).read  # opening it marked it read
        await pilot.press("q")
        assert app.focused is app.query_one(ConversationList)


@pilot_test
async def test_a_picture_is_shown_inline(store, contacts_file, tmp_path):
    ids = populate(store)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await open_conversation(app, pilot, (ALICE,))
        view = app.query_one("#conversation")
        await until(pilot, "the picture drawn", lambda: "loading" not in view.lines.text_of(ids["picture"]))
        # The placeholder became the caption: name, type and size, no longer "loading".
        text = view.lines.text_of(ids["picture"]).splitlines()
        caption = next(line for line in text if "view.jpg" in line)
        assert "image/jpeg" in caption
        # Half-cell rendering: the picture's cells carry its colours (orange, and the blue disc),
        # on 160x120 pixels drawn 40 cells wide to keep their 4:3 aspect: 40 * 3/4 / 2 = 15 rows
        # (a cell is ~1:2).
        strips = view.lines.strips_of(ids["picture"])
        orange = [i for i, strip in enumerate(strips)
                  if sum(1 for seg in strip if seg.style and seg.style.bgcolor and seg.style.bgcolor.triplet
                         and seg.style.bgcolor.triplet.red > 180 and seg.style.bgcolor.triplet.blue < 100) > 0]
        assert len(orange) == 15
        widths = {sum(len(seg.text) for seg in strip if seg.style and seg.style.bgcolor and seg.style.bgcolor.triplet
                      and (seg.style.bgcolor.triplet.red > 180 or seg.style.bgcolor.triplet.blue > 150)) for strip in
                  (strips[i] for i in orange)}
        assert max(widths) == 40


@pilot_test
async def test_group_shows_senders_parts_and_failed_status(store, contacts_file, tmp_path):
    populate(store)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        rows = app.query_one(ConversationList).rows
        group = next(r for r in rows if len(r.participants) == 3)
        app.query_one(ConversationList).cursor = rows.index(group)
        await pilot.press("enter")
        await settle(app, pilot)
        texts = bubble_texts(app)
        assert any(t.startswith("Bob Jones") and "Who is in for Friday?" in t for t in texts)
        assert any("note.amr" in t and "audio/amr" in t and "12 KB" in t for t in texts)
        assert any("failed" in t and "503 Service Unavailable" in t for t in texts)


@pilot_test
async def test_hostile_content_is_shown_literally_and_safely(store, contacts_file, tmp_path):
    populate(store)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await open_conversation(app, pilot, (HOSTILE_SENDER,))
        svg = app.export_screenshot()
        assert "[@click=app.quit]" in svg.replace("&#160;", " ")  # the name, literally
        text = bubble_texts(app)[-1]
        assert "[bold red]x[/]" in text  # markup stays text
        assert "\x1b" not in text and "pwned" not in text  # escape sequences and OSC titles dropped
        assert len(text) < 2000  # the 10 MB subject is cut for display
        # Clicking the hostile name does not run its "action".
        await pilot.click("#conversation .header")
        await pilot.pause()
        assert app.is_running


@pilot_test
async def test_search_filters_as_you_type(store, contacts_file, tmp_path):
    populate(store)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await pilot.press("slash", *"Friday")
        await settle(app, pilot)
        rows = app.query_one(ConversationList).rows
        assert [len(r.participants) for r in rows] == [3]
        await pilot.press("enter")  # back to the list, search kept
        assert app.focused is app.query_one(ConversationList) and app.query_one(ConversationList).query == "Friday"
        await pilot.press("q")  # q there clears the search (issue 11: it quit)
        await settle(app, pilot)
        assert app.is_running and app.query_one(ConversationList).query is None


@pilot_test
async def test_composer_refuses_bad_recipients_and_keeps_the_draft(store, contacts_file, tmp_path):
    populate(store, hostile=False)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await pilot.press("c")
        await pilot.press(*"nobody here", "tab", "tab", *"hello", "ctrl+s")
        await settle(app, pilot)
        composer = app.screen
        assert "not a number or e-mail: nobody here" in str(composer.query_one("#to-error").render())
        assert composer.query_one("#text").text == "hello"


@pilot_test
async def test_save_writes_a_safe_name_without_overwriting(store, contacts_file, tmp_path):
    populate(store)
    mid = store.add_message(participants=[ALICE], direction="in", kind="mms", state="received", sender=ALICE,
                            text="file", date=NOW + 5)
    store.set_parts(mid, [PartData("image/jpeg", b"\xff\xd8not really", name="../../etc/passwd")])
    save_dir = tmp_path / "saved"
    save_dir.mkdir()
    (save_dir / "etc_passwd").write_bytes(b"existing")
    async with running(store, contacts_file, save_dir, images="none") as (app, pilot):
        await open_conversation(app, pilot, (ALICE,))
        await pilot.press("s")
        await pilot.pause()
        await pilot.press("enter")
        await settle(app, pilot)
    names = sorted(p.name for p in save_dir.iterdir())
    assert (save_dir / "etc_passwd").read_bytes() == b"existing"
    assert len(names) == 2 and all("/" not in n and not n.startswith(".") for n in names)
    assert not (tmp_path / "etc").exists()


def palette_hits(app) -> list[str]:
    from textual.command import CommandList

    hits = app.screen.query(CommandList)
    return [str(hits.first().get_option_at_index(i).prompt) for i in range(hits.first().option_count)] if hits else []


@pilot_test
async def test_help_and_palette_come_from_the_action_registry(store, contacts_file, tmp_path):
    from rich.console import Console

    from mmsua.tui import actions
    from mmsua.tui.screens.help import help_table

    populate(store, hostile=False)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(help_table())
        shown = console.export_text()
        for action in actions.ACTIONS:
            assert action.description in shown and (action.cli or "") in shown
        await pilot.press("escape")
        # The palette runs a registry action: "Compose" opens the composer.
        await run_from_palette(app, pilot, "Compose")
        assert type(app.screen).__name__ == "ComposeScreen"


async def run_from_palette(app, pilot, words: str) -> None:
    """Open the palette, type ``words``, run the first hit."""
    await pilot.press("ctrl+p")
    await pilot.pause()
    await pilot.press(*words)
    # The palette searches as it is typed into, in a task of its own: "down" on a list
    # still showing an earlier prefix's hits would pick another command.
    await until(pilot, "the palette's hits for the whole words", lambda: palette_hits(app) and all(words.lower() in h.lower() for h in palette_hits(app)))
    await pilot.press("down", "enter")
    await settle(app, pilot)


def test_every_action_has_a_handler_where_it_applies() -> None:
    from mmsua.tui import actions
    from mmsua.tui.app import MmsuaApp
    from mmsua.tui.screens.compose import ComposeScreen
    from mmsua.tui.widgets.conversation_view import ConversationView

    owners = {actions.APP: MmsuaApp, actions.LIST: ConversationList, actions.CONVERSATION: ConversationView,
              actions.COMPOSER: ComposeScreen}
    for action in actions.ACTIONS:
        assert callable(getattr(owners[action.context], f"action_{action.id}", None)), action
    # A shared key's actions are enabled one at a time (MmsuaApp.check_action): counted once.
    keys = [(a.context, k) for a in actions.ACTIONS for k in a.keys.split(",")
            if (a.context, k) not in actions.SHARED_KEYS or a.id == actions.SHARED_KEYS[(a.context, k)][0]]
    assert len(keys) == len(set(keys)), "a key is bound twice in one context"


def test_cli_has_the_tui_subcommand() -> None:
    from mmsua.cli.main import build_parser

    args = build_parser().parse_args(["tui", "--images", "halfcell", "--theme", "light"])
    assert args.images == "halfcell" and args.func.__module__ == "mmsua.cli.tui"


def test_no_daemon_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mmsua import exit_codes
    from mmsua.cli.main import main

    status = main(["tui", "--socket", str(tmp_path / "none.sock")])
    err = capsys.readouterr().err
    assert status == exit_codes.UNAVAILABLE
    assert "no mmsua daemon is running" in err and "mmsua daemon" in err and "--embedded" in err


@pilot_test
async def test_search_finds_a_contact_by_name(store, contacts_file, tmp_path):
    populate(store)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await pilot.press("slash", *"bob")  # Bob Jones is "07700900456" in the vCard, "+447700900456" in the store
        await settle(app, pilot)
        rows = app.query_one(ConversationList).rows
        assert rows and all("+447700900456" in r.participants for r in rows)


def test_cli_equivalents_name_real_subcommands_and_options() -> None:
    """The help screen's "same from the shell" column must not drift from the CLI."""
    from mmsua.cli.main import SUBCOMMANDS, build_parser
    from mmsua.tui import actions

    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "command").choices
    for action in actions.ACTIONS:
        if not action.cli:
            continue
        words = action.cli.split()
        assert words[0] == "mmsua" and words[1] in SUBCOMMANDS, action
        options = {opt for a in subparsers[words[1]]._actions for opt in a.option_strings}
        for word in words[2:]:
            flag = word.strip("[]").split("=")[0]
            if flag.startswith("--"):
                assert flag in options, (action.id, flag)


@pilot_test
async def test_a_long_text_wraps_inside_its_bubble(store, contacts_file, tmp_path):
    populate(store, hostile=False, filler=0)
    words = " ".join(f"word{i}" for i in range(120)) + " THE-END"
    store.add_message(participants=[ALICE], direction="in", kind="sms", state="received", sender=ALICE, text=words, date=NOW + 5)
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await open_conversation(app, pilot, (ALICE,))
        view = app.query_one("#conversation")
        lines = view.lines.text_of(view.messages[-1].id).splitlines()
        assert max(len(line) for line in lines) < 100 and len(lines) > 8  # wrapped inside the bubble, not one clipped line
        assert "THE-END" in app.export_screenshot()  # the last word is on screen
