"""Fixtures for the TUI tests: a real store with deterministic data, a client, the app."""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from mmsua.store.records import PartData
from mmsua.store.store import Store

NOW = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
ALICE, BOB, CAROL = "+447700900123", "+447700900456", "+15551234567"
HOSTILE_SENDER = "[@click=app.quit]"
HOSTILE_TEXT = "[bold red]x[/] \x1b[31mred\x1b[0m \x1b]0;pwned\x07 tail"
VCARD = """BEGIN:VCARD
VERSION:3.0
FN:Alice Smith
TEL;TYPE=CELL:+44 7700 900123
END:VCARD
BEGIN:VCARD
VERSION:2.1
N:Jones;Bob
TEL;CELL:07700900456
END:VCARD
"""


def fixed_now() -> datetime:
    return datetime.fromtimestamp(NOW, timezone.utc)


def jpeg(color: tuple[int, int, int] = (220, 90, 40)) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (160, 120), color)
    ImageDraw.Draw(image).ellipse([50, 30, 110, 90], fill=(30, 120, 200))
    out = io.BytesIO()
    image.save(out, "JPEG")
    return out.getvalue()


def populate(store: Store, *, hostile: bool = True, filler: int = 30) -> dict[str, int]:
    """A small inbox: a picture message, a delivered reply, a group, a deferred notification."""
    ids: dict[str, int] = {}
    ids["picture"] = store.add_message(participants=[ALICE], direction="in", kind="mms", state="received", sender=ALICE,
                                       to=["+15550000000"], subject="Holiday", text="Look at this view!", date=NOW - 3600)
    store.set_parts(ids["picture"], [PartData("text/plain", b"Look at this view!", name="text.txt"),
                                     PartData("image/jpeg", jpeg(), name="view.jpg")])
    ids["reply"] = store.add_message(participants=[ALICE], direction="out", kind="mms", state="sent", sender="+15550000000",
                                     to=[ALICE], text="Lovely! When are you back?", date=NOW - 3000, read=True)
    store.set_recipients(ids["reply"], [ALICE])
    store.set_recipient_status(ids["reply"], ALICE, "delivered")
    ids["group"] = store.add_message(participants=[ALICE, BOB, CAROL], direction="in", kind="mms", state="received",
                                     sender=BOB, to=[ALICE, CAROL], subject="Dinner", text="Who is in for Friday?", date=NOW - 7200)
    ids["voice"] = store.add_message(participants=[ALICE, BOB, CAROL], direction="in", kind="mms", state="received",
                                     sender=CAROL, text="Voice note", date=NOW - 7100)
    store.set_parts(ids["voice"], [PartData("audio/amr", b"#!AMR\n" + bytes(12000), name="note.amr")])
    ids["failed"] = store.add_message(participants=[ALICE, BOB, CAROL], direction="out", kind="mms", state="failed",
                                      sender="+15550000000", to=[ALICE, BOB, CAROL], text="Me!", date=NOW - 7000,
                                      error="MMSC answered 503 Service Unavailable", read=True)
    ids["deferred"] = store.add_message(participants=[CAROL], direction="in", kind="mms", state="deferred", sender=CAROL,
                                        subject="Big video", size=1_240_000, expiry=NOW + 3 * 86400, date=NOW - 100)
    if hostile:
        ids["hostile"] = store.add_message(participants=[HOSTILE_SENDER], direction="in", kind="sms", state="received",
                                           sender=HOSTILE_SENDER, subject="S" * 10_000_000, text=HOSTILE_TEXT, date=NOW - 50_000)
    for i in range(filler):
        number = f"+1555000{i:04d}"
        store.add_message(participants=[number], direction="in", kind="sms", state="received", sender=number,
                          text=f"Message number {i}", date=NOW - 100_000 - i * 3600, read=i % 3 != 0)
    return ids


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "store" / "mmsua.db")
    yield s
    s.close()


@pytest.fixture
def contacts_file(tmp_path: Path) -> Path:
    path = tmp_path / "contacts.vcf"
    path.write_text(VCARD)
    return path


@pytest.fixture(autouse=True)
def _quiet_textual(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")


def build_app(store: Store | None, contacts: Path | None, save_dir: Path, agent=None, **settings: object):
    """The app on a LocalClient over the engine (store-only unless ``agent`` is given),
    with a fixed clock and half-cell pictures."""
    from mmsua.daemon.client import LocalClient
    from mmsua.engine.agent import UserAgent
    from mmsua.tui.app import make_app
    from mmsua.tui.contacts import Contacts
    from mmsua.tui.protocol import Settings

    agent = agent or UserAgent(store=store)
    options = dict(contacts=Contacts.load(contacts), clock=fixed_now, images="halfcell", save_dir=save_dir,
                   drafts_file=save_dir / "state" / "drafts.json",
                   connection_label="test", bell=False)
    options.update(settings)
    return make_app(LocalClient(agent), Settings(**options)), agent


def _still_busy(app) -> str | None:
    """What the app is still doing: a worker running, or a message queued or being
    handled (a message that bubbles, or a worker that posts back, starts more of both)."""
    from textual.worker import WorkerState

    if getattr(app, "search_pending", False):
        return "a search waiting for typing to pause"
    for worker in app.workers:
        if worker.state in (WorkerState.PENDING, WorkerState.RUNNING):
            return f"worker {worker.name!r}"
    for node in [app, *(n for screen in app.screen_stack for n in screen.walk_children(with_self=True))]:
        queue = node._message_queue
        if queue.qsize() or getattr(queue, "_unfinished_tasks", 0) or node._next_callbacks:
            return f"messages for {node!r}"
    return None


def bubble_text(app, message_id: int) -> str:
    """What a message's bubble shows, as plain text."""
    return app.query_one("#conversation").lines.text_of(message_id)


def bubble_texts(app) -> list[str]:
    """What each bubble of the open conversation shows, as plain text, oldest first."""
    view = app.query_one("#conversation")
    return [view.lines.text_of(m.id) for m in view.lines.messages]


async def until(pilot, what: str, check: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Let the app run until ``check()`` is truthy; fail naming what never happened."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        await pilot.pause(0.05)
    return value


async def settle(app, pilot, timeout: float = 30.0) -> None:
    """Wait until the app is quiet: no worker running and no message queued or in a
    handler, seen twice in a row. Chains (a key, a message bubbling to the app, a worker,
    its call back, the next worker) have no fixed length, and a loaded machine stretches
    each step, so neither a number of rounds nor CPU idleness can stand in for this."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 2:
        await pilot.pause()
        await _workers_done(app)
        busy = _still_busy(app)
        if busy is None:
            quiet += 1
            continue
        quiet = 0
        if time.monotonic() > deadline:
            pytest.fail(f"the app never settled within {timeout} s: {busy} still going")


async def _workers_done(app) -> None:
    """Wait for the running workers. An exclusive worker cancelled by its newer twin
    (a list reload started while the last one ran) is done too: its replacement is
    among the workers the next round waits for."""
    from textual.worker import WorkerCancelled

    for worker in list(app.workers):
        with contextlib.suppress(WorkerCancelled):
            await worker.wait()


def pilot_test(fn):
    """Run an async test body with asyncio (no async pytest plugin is installed)."""
    import asyncio
    import functools

    @functools.wraps(fn)
    def run(*args, **kwargs):
        asyncio.run(fn(*args, **kwargs))

    return run


@contextlib.asynccontextmanager
async def running(store: Store, contacts: Path | None, save_dir: Path, size: tuple[int, int] = (120, 40), **settings: object):
    """The app started headless on ``store``, its first page loaded: ``(app, pilot)``."""
    app, _ = build_app(store, contacts, save_dir, **settings)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        yield app, pilot


@contextlib.asynccontextmanager
async def on_agent(agent, save_dir: Path, contacts: Path | None = None, size: tuple[int, int] = (120, 40)):
    """The app started headless on an in-memory ``agent`` (tests/tui/phoneagent.py), settled: ``(app, pilot)``."""
    app, _ = build_app(None, contacts, save_dir, agent=agent)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        yield app, pilot
