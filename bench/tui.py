"""TUI start-up time and memory with a large store.

Generates (once, cached under --dir) a store of 100,000 messages in 2,000
conversations with the engine's Store API (real SQLite, batched transactions),
then starts the Textual app headless at 120x40 on a LocalClient over that store
and prints:

  * time from process start to the first screen with conversations drawn,
  * time to open a conversation (its newest page of messages drawn: 15 since the
    audit, 50 before),
  * time for a search as you type to redraw the list,
  * time to page down through the whole list (paged loading),
  * peak resident memory.

Run from the repository root:  .venv/bin/python bench/tui.py [--dir /tmp/mmsua-bench]
"""

from __future__ import annotations

import time

START = time.perf_counter()

import argparse  # noqa: E402
import asyncio  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CONVERSATIONS = 2_000
MESSAGES = 100_000
BASE_DATE = 1_700_000_000.0


def generate(path: Path) -> None:
    from mmsua.store.store import Store

    store = Store(path)
    t0 = time.perf_counter()
    per = MESSAGES // CONVERSATIONS
    n = 0
    for c in range(CONVERSATIONS):
        number = f"+4477009{c:05d}"
        group = [number, f"+4477008{c:05d}"] if c % 10 == 0 else [number]
        with store.transaction():
            for i in range(per):
                out = i % 3 == 2
                store.add_message(
                    participants=group, direction="out" if out else "in", kind="mms" if i % 4 == 0 else "sms",
                    state="sent" if out else "received", sender="+15550000000" if out else group[i % len(group)],
                    to=group if out else ["+15550000000"], subject=f"Subject {n}" if i % 4 == 0 else None,
                    text=f"Message {n} in conversation {c}: the quick brown fox jumps over the lazy dog",
                    date=BASE_DATE - (CONVERSATIONS - c) * 3600 + i * 30, read=i < per - 2 or out,
                )
                n += 1
        if c % 200 == 199:
            print(f"  generated {n:,} messages in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    store.close()


def store_agent(path: Path):
    """The engine with no modem: what `mmsua tui --embedded` browses when no modem is set."""
    from mmsua.engine.agent import UserAgent
    from mmsua.store.store import Store

    return UserAgent(store=Store(path)), "mmsua.engine.agent.UserAgent, store only (no modem)"


async def measure(path: Path, first_page: int = 15) -> dict[str, float]:
    from mmsua.daemon.client import LocalClient
    from mmsua.tui.app import make_app
    from mmsua.tui.protocol import Settings
    from mmsua.tui.widgets.bubble import Bubble
    from mmsua.tui.widgets.conversation_list import ConversationList

    agent, label = store_agent(path)
    print(f"engine: {label}")
    app = make_app(LocalClient(agent), Settings(images="halfcell", bell=False, first_page=first_page))
    figures: dict[str, float] = {}

    async def until(pilot, condition) -> None:
        while not condition():
            await pilot.pause(0.005)

    async with app.run_test(size=(120, 40)) as pilot:
        listing = app.query_one(ConversationList)
        await until(pilot, lambda: len(listing.rows) > 0)
        await pilot.pause(0)  # one refresh: the rows are drawn
        figures["start to first screen"] = time.perf_counter() - START

        t0 = time.perf_counter()
        await pilot.press("enter")
        await until(pilot, lambda: len(app.query(Bubble)) > 0)
        await pilot.pause(0)
        figures["open a conversation (first page drawn)"] = time.perf_counter() - t0

        await pilot.press("q")
        t0 = time.perf_counter()
        await pilot.press("slash", *"fox 1999")
        await until(pilot, lambda: listing.query == "fox 1999" and not listing._loading)
        await pilot.pause(0)
        figures["search as you type (8 keys, last redraw)"] = time.perf_counter() - t0
        figures["  conversations matching"] = len(listing.rows)

        await pilot.press("escape")
        search = app.query_one("#search")
        search.value = ""
        await until(pilot, lambda: listing.query is None and len(listing.rows) > 0 and not listing._loading)
        listing.focus()
        t0 = time.perf_counter()
        presses = 0
        while not (listing.complete and listing.cursor >= len(listing.rows) - 1):
            await pilot.press("pagedown")
            presses += 1
            if presses % 20 == 0:
                await pilot.pause(0)
        figures["page down through all 2,000 conversations"] = time.perf_counter() - t0
        figures["  page-down presses"] = presses
        figures["  rows loaded"] = len(listing.rows)
    figures["peak RSS (MB)"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="/tmp/mmsua-bench-tui", help="where the generated store is kept")
    parser.add_argument("--first-page", type=int, default=15, help="messages loaded on opening a conversation (50 was the old page)")
    args = parser.parse_args()
    path = Path(args.dir) / "mmsua.db"
    if not path.exists():
        print(f"generating {MESSAGES:,} messages in {CONVERSATIONS:,} conversations at {path} …", file=sys.stderr)
        generate(path)
        print("generated; run again for a start-up figure that does not include generation", file=sys.stderr)
        return 0
    figures = asyncio.run(measure(path, args.first_page))
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        shown = f"{value:,.0f}" if name.startswith("  ") or "MB" in name else f"{value * 1000:,.0f} ms"
        print(f"{name:<{width}}  {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
