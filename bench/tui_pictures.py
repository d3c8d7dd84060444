"""The TUI's picture memory (issue 11): what showing a hostile picture costs.

A PNG of 13000 × 13000 pixels compresses to a few hundred kilobytes and once took
the TUI to 1.3 GB (Pillow only warns below 179 MP). This prints, for that PNG and
for pictures just under and over the 24 MP budget:

  * the peak resident memory (VmHWM) of a process that only reads the file and
    runs ``decode_picture`` on it (Pillow's pixels are not on the Python heap, so
    tracemalloc would not see them),
  * then the whole app: peak resident memory of a process that starts
    the Textual app headless on a store holding the 13000² PNG and shows the
    conversation until its bubble says why the picture is not shown.

Each case runs in a fresh process, so one peak does not hide another; the pictures
are written once, by the parent, so making them is not measured.
Run from the repository root:  .venv/bin/python bench/tui_pictures.py
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def png(side: int, mode: str = "1") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, (side, side)).save(out, "PNG")
    return out.getvalue()


def rss_mib() -> float:
    """This process's peak resident memory (VmHWM: unlike ru_maxrss, not inherited
    from the parent that made the pictures)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status (Linux only)")


def decode_case(path: Path) -> None:
    from mmsua.tui.pictures import PictureTooLarge, decode_picture

    data = path.read_bytes()
    before = rss_mib()
    try:
        image = decode_picture(data)
        outcome = f"shown as {image.size[0]}×{image.size[1]}"
    except PictureTooLarge as error:
        outcome = f"refused: {error}"
    print(f"decode {path.stem:<16} PNG of {len(data) / 1024:5.0f} KB: peak RSS {rss_mib():5.0f} MiB "
          f"({rss_mib() - before:+5.0f} MiB for the picture), {outcome}")


def app_case(path: Path) -> None:
    import asyncio
    import tempfile
    import time

    sys.path.insert(0, str(ROOT / "tests" / "tui"))
    from conftest import ALICE, NOW, build_app, settle  # the TUI tests' app on a LocalClient

    from mmsua.store.records import PartData
    from mmsua.store.store import Store
    from mmsua.tui.widgets.bubble import Bubble

    with tempfile.TemporaryDirectory() as work:
        store = Store(Path(work) / "store.sqlite")
        mid = store.add_message(participants=[ALICE], direction="in", kind="mms", state="received", sender=ALICE,
                                text="a big one", date=NOW)
        data = path.read_bytes()
        store.set_parts(mid, [PartData("image/png", data, name="bomb.png")])
        before = rss_mib()
        app, _ = build_app(store, None, Path(work))

        async def run() -> None:
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(app, pilot)
                await pilot.press("enter")
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    await settle(app, pilot)
                    if any("cannot show" in str(s.render()) for b in app.query(Bubble) for s in b.query("Static")):
                        return
                raise SystemExit("the bubble never said why the picture is not shown")

        asyncio.run(run())
        store.close()
        peak = rss_mib()
        print(f"app showing the 13000×13000 PNG ({len(data) / 1024:.0f} KB): peak RSS {peak:.0f} MiB "
              f"(the process before the app: {before:.0f} MiB)")


def main() -> None:
    import tempfile
    import warnings

    if len(sys.argv) > 2:
        (app_case if sys.argv[1] == "app" else decode_case)(Path(sys.argv[2]))
        return
    warnings.simplefilter("ignore")  # Pillow's DecompressionBombWarning while making the 13000² one
    with tempfile.TemporaryDirectory() as work:
        files = []
        for side, mode in ((13000, "1"), (4800, "RGB"), (4800, "RGBA"), (5000, "RGB")):
            path = Path(work) / f"{side}x{side}-{mode}.png"
            path.write_bytes(png(side, mode))
            files.append(path)
        for path in files:
            subprocess.run([sys.executable, __file__, "decode", str(path)], check=True, cwd=ROOT)
        subprocess.run([sys.executable, __file__, "app", str(files[0])], check=True, cwd=ROOT)


if __name__ == "__main__":
    main()
