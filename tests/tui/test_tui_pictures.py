"""Which renderer draws pictures: the terminal's answers decide under --images auto
(a pseudo-terminal here plays a Sixel terminal, Kitty, and a plain one), and any
other --images value forces its renderer."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time

import pytest

from mmsua.tui.pictures import picture_rows, renderable_class, renderer_for

pytestmark = pytest.mark.timeout(60)
CHILD = "from mmsua.tui.pictures import renderer_for; print('RENDERER=' + str(renderer_for('auto')), flush=True)"


def detect_on_terminal(sixel: bool, kitty: bool) -> str:
    """Start a Python process on a pty and answer its terminal queries as the terminal would."""
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in ("TERM_PROGRAM", "COLUMNS", "LINES")}
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdin=slave, stdout=slave, stderr=subprocess.DEVNULL, env=env, close_fds=True)
    os.close(slave)
    seen = b""
    answered: set[bytes] = set()
    deadline = time.monotonic() + 30
    try:
        while b"RENDERER=" not in seen or not seen.rstrip().endswith((b"sixel", b"tgp", b"halfcell", b"unicode")):
            if time.monotonic() > deadline:
                pytest.fail(f"the child never said which renderer: {seen!r}")
            ready, _, _ = select.select([master], [], [], 0.5)
            if not ready:
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            seen += chunk
            if b"\x1b[c" in seen and b"da1" not in answered:  # device attributes: 4 means Sixel
                answered.add(b"da1")
                os.write(master, b"\x1b[?62;4;22c" if sixel else b"\x1b[?62;22c")
            query = re.search(rb"\x1b_Gi=(\d+),[^;]*;AAAA\x1b\\", seen)
            if query and b"tgp" not in answered:  # the Kitty graphics protocol's query
                answered.add(b"tgp")
                if kitty:
                    os.write(master, b"\x1b_Gi=" + query.group(1) + b";OK\x1b\\")
            if b"\x1b[16t" in seen and b"cell" not in answered:  # cell size in pixels
                answered.add(b"cell")
                os.write(master, b"\x1b[6;20;10t")
    finally:
        child.wait(timeout=10)
        os.close(master)
    return re.search(rb"RENDERER=(\w+)", seen).group(1).decode()


def test_auto_follows_what_the_terminal_supports() -> None:
    assert detect_on_terminal(sixel=True, kitty=False) == "sixel"
    assert detect_on_terminal(sixel=False, kitty=True) == "tgp"
    assert detect_on_terminal(sixel=False, kitty=False) == "halfcell"


def test_not_on_a_terminal_pictures_fall_back_to_unicode() -> None:
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30).stdout
    assert "RENDERER=unicode" in out


def test_images_flag_forces_the_renderer() -> None:
    from textual_image.renderable import halfcell, tgp, unicode

    assert [renderer_for(m, detected="halfcell") for m in ("kitty", "sixel", "halfcell", "unicode", "none")] == ["tgp", "sixel", "halfcell", "unicode", None]
    assert renderer_for("auto", detected="sixel") == "sixel"
    # Sixel is drawn as half-cells in the conversation's lines (its bytes need a widget of their own).
    assert [renderable_class(r) for r in ("tgp", "sixel", "halfcell", "unicode")] == [tgp.Image, halfcell.Image, halfcell.Image, unicode.Image]


def test_images_flag_reaches_the_app_settings(monkeypatch) -> None:
    from mmsua.cli import tui
    from mmsua.cli.main import build_parser

    captured = {}

    class FakeApp:
        def run(self) -> None:
            pass

    monkeypatch.setattr("mmsua.tui.app.make_app", lambda client, settings: captured.setdefault("settings", settings) and FakeApp())
    for mode in ("kitty", "sixel", "none"):
        args = build_parser().parse_args(["tui", "--images", mode])
        captured.clear()
        assert tui.run_app(object(), args, None, "test") == 0
        assert captured["settings"].images == mode


def test_pictures_keep_their_aspect() -> None:
    assert picture_rows(160, 120) == 15  # 4:3, 40 columns: 30 cells of height at 1:2 cells
    assert picture_rows(1600, 400) == 5  # a panorama
    assert picture_rows(100, 1000) == 30  # a tall one is capped (and drawn narrower)
