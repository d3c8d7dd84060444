"""Issue 7, Safety: whatever a stranger puts in a message reaches the terminal as
plain visible characters. Each test reads the bytes Textual would write to the
terminal for the whole screen and checks that the only escape sequences in them
are Textual's own (CSI: colours and cursor moves), never one from the message:
no OSC (titles, OSC 8 hyperlinks, clipboard), no DCS/APC, no bidi override, no
C0/C1 control; and that markup from the network stays literal text."""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest
from conftest import NOW, pilot_test, running, settle
from test_tui_pilot import bubble_texts, open_conversation

from mmsua.store.records import PartData

pytestmark = pytest.mark.timeout(90)

OSC8 = "\x1b]8;;https://evil.example/\x1b\\click me\x1b]8;;\x1b\\"
ESCAPES = "\x1b[2J\x1b]0;pwned-title\x07\x1bP+q544e\x1b\\\x1b_Gevil\x1b\\\x9b31m\x90dcs\x9c"
BIDI = "\u202egpj.exe\u202c \u2066isolate\u2069"
SENDER = "+15557770001"
EVIL_SENDER = "+1555\x1b[31m777\x1b]8;;http://x\x07\u202e0002"
MARKUP_NAME = "[bold red]Mallory[/] [@click=app.quit]x[/] [link=https://evil.example]site[/]"
VCARD = f"BEGIN:VCARD\nVERSION:3.0\nFN:{MARKUP_NAME}\nTEL:{SENDER}\nEND:VCARD\n"
TEN_MB = 10 * 1024 * 1024

_CSI = re.compile(r"\x1b\[[0-9;:?<=>]*[ -/]*[@-~]")  # Textual's colours, styles and cursor moves
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")


def terminal_bytes(app) -> str:
    """What Textual writes to the terminal to draw the current screen, in full."""
    update = app.screen._compositor.render_update(full=True)
    return update.render_segments(app.console)


def assert_safe(output: str) -> None:
    rest = _CSI.sub("", output)
    assert "\x1b" not in rest, f"an escape sequence other than Textual's CSI: {rest[rest.index(chr(27)) - 20:][:60]!r}"
    found = _UNSAFE.search(rest.replace("\n", "").replace("\r", ""))
    assert found is None, f"control or bidi character {found.group()!r} reached the terminal"
    for junk in ("pwned-title", "evil.example", "544e"):
        assert junk not in rest


def hostile_store(store) -> dict[str, int]:
    ids = {}
    ids["escapes"] = store.add_message(participants=[SENDER], direction="in", kind="mms", state="received", sender=SENDER,
                                       subject=f"subject {ESCAPES} {OSC8} {BIDI}", text=f"text {ESCAPES}\n{OSC8}\n{BIDI}", date=NOW - 60)
    store.set_parts(ids["escapes"], [PartData("text/plain", b"t", name="t.txt"),
                                     PartData("application/octet-stream", b"x" * 10, name=f"file{ESCAPES}{OSC8}{BIDI}.bin"),
                                     PartData("image/x\x1b]0;pwned-title\x07", b"y", name="ct.bin")])
    ids["evil_sender"] = store.add_message(participants=[EVIL_SENDER], direction="in", kind="sms", state="received",
                                           sender=EVIL_SENDER, text=f"from {OSC8}", date=NOW - 30)
    ids["huge"] = store.add_message(participants=["+15557770003"], direction="in", kind="mms", state="received",
                                    sender="+15557770003", subject="S" * TEN_MB + ESCAPES, text=("word " * (TEN_MB // 5)) + ESCAPES,
                                    date=NOW - 10)
    ids["deferred"] = store.add_message(participants=[SENDER], direction="in", kind="mms", state="deferred", sender=SENDER,
                                        subject=f"waiting {OSC8}", size=5000, date=NOW - 5)
    return ids


@contextlib.asynccontextmanager
async def hostile_conversation(store, contacts: Path, save_dir: Path, participants: tuple[str, ...]):
    """The app on the hostile store with one conversation open, already checked safe."""
    hostile_store(store)
    async with running(store, contacts, save_dir, images="none") as (app, pilot):
        await open_conversation(app, pilot, participants)
        assert_safe(terminal_bytes(app))
        yield app, pilot


@pytest.fixture
def hostile_contacts(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.vcf"
    path.write_text(VCARD)
    return path


@pilot_test
async def test_the_inbox_list_draws_hostile_names_and_previews_safely(store, hostile_contacts, tmp_path):
    hostile_store(store)
    async with running(store, hostile_contacts, tmp_path, images="none") as (app, pilot):
        output = terminal_bytes(app)
        assert_safe(output)
        plain = _CSI.sub("", output)
        assert "[bold red]Mallory[/]" in plain  # the vCard's markup is shown as typed, not applied
        assert "[@click=a" in plain  # the row is cut with an ellipsis, the markup still literal


@pilot_test
async def test_a_conversation_with_escapes_osc8_bidi_and_hostile_file_names(store, hostile_contacts, tmp_path):
    async with hostile_conversation(store, hostile_contacts, tmp_path, (SENDER,)) as (app, pilot):
        shown = "\n".join(bubble_texts(app))
        assert "click me" in shown  # the hyperlink's text stays, the link does not
        assert "file" in shown and ".bin" in shown  # the hostile file name is listed, cleaned
        assert "[bold red]Mallory[/]" in str(app.query_one("#conversation .header").render())
        # Nothing in a bubble (or the header) carries a link or a click action.
        view = app.query_one("#conversation")
        strips = [strip for m in view.messages for strip in view.lines.strips_of(m.id)]
        for static in app.query("#conversation Static"):
            strips += static.render_lines(static.region.reset_offset)
        for strip in strips:
            for segment in strip:
                assert not (segment.style and (segment.style.link or segment.style.meta.get("@click"))), segment
        # The part chooser (save) shows the file name safely too.
        await pilot.press("k")  # the message above the pending one
        await pilot.press("s")
        await settle(app, pilot)
        assert type(app.screen).__name__ == "PartChooser"
        assert_safe(terminal_bytes(app))


@pilot_test
async def test_saving_a_part_with_an_escape_laden_name_writes_a_clean_file_name(store, hostile_contacts, tmp_path):
    save_dir = tmp_path / "saved"
    async with hostile_conversation(store, hostile_contacts, save_dir, (SENDER,)) as (app, pilot):
        await pilot.press("k", "s")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert_safe(terminal_bytes(app))  # the "Saved …" toast included
    names = [p.name for p in save_dir.iterdir()]
    assert len(names) == 1
    assert not _UNSAFE.search(names[0]) and "\x1b" not in names[0] and "/" not in names[0]


@pilot_test
async def test_a_sender_name_with_escapes(store, hostile_contacts, tmp_path):
    async with hostile_conversation(store, hostile_contacts, tmp_path, (EVIL_SENDER,)) as (app, pilot):
        assert "click me" in "\n".join(bubble_texts(app))


@pilot_test
async def test_a_10_mb_subject_and_a_10_mb_text_part_open_bounded(store, hostile_contacts, tmp_path):
    async with hostile_conversation(store, hostile_contacts, tmp_path, ("+15557770003",)) as (app, pilot):
        text = bubble_texts(app)[-1]
        assert len(text) < 25_000  # 20,000 characters of text at most, then a note
        assert "more characters not shown" in text
        subject = [line for line in text.splitlines() if line.startswith("SSS")]
        assert len(subject) == 1 and subject[0].endswith("…")  # the subject is one cut line
