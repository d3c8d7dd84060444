"""Hostile content in the TUI (issue 11): a picture that declares 13000 × 13000 pixels, a
message of 20,000 parts, a part whose name says ".desktop" and whose type says image/png.

Before: the PNG took the TUI to 1.3 GB (Pillow only warns), the 20,000 parts took 15 s and
285 MB to draw and `q` did nothing meanwhile, and "Open" gave the viewer `x.desktop`.
The picture memory is measured by bench/tui_pictures.py (no timed or memory test here).
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import ALICE, NOW, pilot_test, populate, running, settle
from test_tui_pilot import bubble_texts, open_conversation

from mmsua.api.shapes import Part
from mmsua.store.records import PartData

pytestmark = pytest.mark.timeout(120)


def huge_png(side: int = 13000) -> bytes:
    """A real PNG of side × side pixels that compresses to a few kilobytes (one bit a pixel, all black)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    return out.getvalue()


def test_a_picture_over_the_pixel_budget_is_refused_from_its_header() -> None:
    from mmsua.tui.pictures import MAX_DECODE_PIXELS, PictureTooLarge, decode_picture

    assert MAX_DECODE_PIXELS <= 25_000_000
    with pytest.raises(PictureTooLarge, match="13000×13000"):
        decode_picture(huge_png())
    small = decode_picture(huge_png(1600))  # under the budget: shown, shrunk for the terminal
    assert max(small.size) <= 800 and small.mode == "RGB"


@pilot_test
async def test_the_huge_picture_is_named_and_refused_in_its_bubble(store, contacts_file, tmp_path):
    populate(store, hostile=False, filler=0)
    mid = store.add_message(participants=[ALICE], direction="in", kind="mms", state="received", sender=ALICE,
                            text="a big one", date=NOW + 5)
    store.set_parts(mid, [PartData("text/plain", b"a big one", name="t.txt"), PartData("image/png", huge_png(), name="bomb.png")])
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await open_conversation(app, pilot, (ALICE,))
        shown = " ".join(bubble_texts(app)[-1].split())  # as one line, however the bubble wraps it
        assert "bomb.png" in shown and "cannot show: 13000×13000 pixels" in shown


@pilot_test
async def test_a_message_of_20000_parts_shows_the_first_says_how_many_more_and_q_still_works(store, contacts_file, tmp_path):
    from mmsua.tui.widgets.bubble import MAX_PARTS_SHOWN

    populate(store, hostile=False, filler=0)
    mid = store.add_message(participants=[ALICE], direction="in", kind="mms", state="received", sender=ALICE,
                            text="many parts", date=NOW + 5)
    store.set_parts(mid, [PartData("application/octet-stream", b"x", name=f"p{i}.bin") for i in range(20_000)])
    async with running(store, contacts_file, tmp_path) as (app, pilot):
        await open_conversation(app, pilot, (ALICE,))
        shown = bubble_texts(app)[-1]
        assert shown.count(".bin") == MAX_PARTS_SHOWN
        assert f"and {20_000 - MAX_PARTS_SHOWN} more parts" in shown
        await pilot.press("q")
        await settle(app, pilot)
        assert app.is_running and not app.screen.has_class("-reading")


def png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(("name", "claimed", "data", "expected"), [
    ("x.desktop", "image/png", png(), "x.png"),  # the name lies, the bytes are a PNG
    ("x.desktop", "image/png", b"[Desktop Entry]\nExec=sh -c 'touch pwned'\n", "x.txt"),  # the type lies too: text
    ("run.sh", "application/x-sh", b"\x7fELF\x02\x01\x01" + bytes(64), "run.bin"),  # nothing a viewer should run
    ("photo", "image/jpeg", b"\xff\xd8\xff\xe0" + bytes(32), "photo.jpg"),
    (None, "application/pdf", b"%PDF-1.4\n", "part-3.pdf"),
], ids=["the-name-lies", "the-type-lies-too", "an-executable", "no-extension", "no-name"])
def test_an_opened_part_gets_the_extension_of_its_checked_type(name, claimed, data, expected) -> None:
    from mmsua.safefiles import viewer_filename

    assert viewer_filename(Part(3, claimed, name, len(data)), data) == expected


def test_open_hands_the_viewer_the_checked_extension(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    from mmsua.tui import files

    started = []
    monkeypatch.setattr(files, "viewer_command", lambda: ["/bin/true"])
    monkeypatch.setattr(subprocess, "Popen", lambda argv, **kwargs: started.append(argv))
    path = files.open_with_viewer(Part(2, "image/png", "x.desktop", 10), png())
    try:
        assert started == [["/bin/true", str(path)]] and path.name == "x.png"
    finally:
        path.unlink()
        path.parent.rmdir()
