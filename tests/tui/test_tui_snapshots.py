"""SVG snapshots of the main screens, on fixed data with a fixed clock.

Pictures use the half-cell renderer (an SVG cannot hold Sixel or Kitty images).
Update with `pytest tests/tui/test_tui_snapshots.py --snapshot-update` only
after looking at the report.
"""

from __future__ import annotations

import pytest
from conftest import ALICE, build_app, populate, settle, until

from mmsua.tui.widgets.conversation_list import ConversationList

pytestmark = pytest.mark.timeout(120)
SIZE = (120, 36)


def _app(store, contacts_file, tmp_path, **settings):
    populate(store, hostile=False, filler=12)
    app, _ = build_app(store, contacts_file, tmp_path, **settings)
    return app


def planning(store):
    """The engine with a fixed answer to plan_send: the composer's picture does not follow the daemon's policy."""
    from mmsua.api.shapes import SendPlan
    from mmsua.engine.agent import UserAgent

    class Planning(UserAgent):
        def plan_send(self, request):
            return SendPlan("sms", "text to one person", switchable=True, sms_parts=1, sms_chars_left=146)

    return Planning(store=store)


async def _settle(pilot) -> None:
    await settle(pilot.app, pilot)


async def _open(pilot, participants) -> None:
    await _settle(pilot)
    listing = pilot.app.query_one(ConversationList)
    listing.cursor = next(i for i, r in enumerate(listing.rows) if r.participants == participants)
    await pilot.press("enter")
    await _settle(pilot)


def test_snapshot_inbox(snap_compare, store, contacts_file, tmp_path):
    assert snap_compare(_app(store, contacts_file, tmp_path), terminal_size=SIZE, run_before=_settle)


def test_snapshot_conversation_with_picture(snap_compare, store, contacts_file, tmp_path):
    async def run_before(pilot):
        await _open(pilot, (ALICE,))

    assert snap_compare(_app(store, contacts_file, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_snapshot_group_conversation(snap_compare, store, contacts_file, tmp_path):
    async def run_before(pilot):
        await _settle(pilot)
        listing = pilot.app.query_one(ConversationList)
        listing.cursor = next(i for i, r in enumerate(listing.rows) if len(r.participants) == 3)
        await pilot.press("enter")
        await _settle(pilot)

    assert snap_compare(_app(store, contacts_file, tmp_path), terminal_size=SIZE, run_before=run_before)


def test_snapshot_composer(snap_compare, store, contacts_file, tmp_path):
    async def run_before(pilot):
        await _open(pilot, (ALICE,))
        await pilot.press("r")
        await _settle(pilot)
        await pilot.press(*"See you Sunday")
        composer = pilot.app.screen
        composer.query_one("#text").cursor_blink = False
        await until(pilot, "the plan for the text", lambda: composer.plan is not None and composer.planned == composer.form())
        await _settle(pilot)

    assert snap_compare(_app(store, contacts_file, tmp_path, agent=planning(store)), terminal_size=SIZE, run_before=run_before)


def test_snapshot_help(snap_compare, store, contacts_file, tmp_path):
    assert snap_compare(_app(store, contacts_file, tmp_path), press=["question_mark"], terminal_size=SIZE, run_before=_settle)


def test_snapshot_light_theme_narrow(snap_compare, store, contacts_file, tmp_path):
    app = _app(store, contacts_file, tmp_path, theme="textual-light")
    assert snap_compare(app, terminal_size=(70, 30), run_before=_settle)
