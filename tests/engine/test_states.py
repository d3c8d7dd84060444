"""The message state machine: the table itself, the store applying it, and the real
paths keeping to it (conftest.py fails any engine test that leaves the table)."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import pytest

from mmsua.api.states import IN_STATES, OUT_STATES, MessageState
from mmsua.engine import states
from mmsua.engine.states import TRANSITIONS, Event, UndeclaredTransition, next_state
from mmsua.store import Store, StoreError

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (ROOT / "mmsua", ROOT / "drivers", ROOT / "tui")
ARCHITECTURE = ROOT / "docs" / "architecture.md"


def test_every_declared_move_gives_its_target_and_every_other_move_raises(only_declared_transitions) -> None:
    declared = {(t.source, t.event): t.target for t in TRANSITIONS}
    assert len(declared) == len(TRANSITIONS), "one (state, event) pair with two targets"
    for source, event in itertools.product([None, *MessageState], Event):
        if (source, event) in declared:
            assert next_state(source, event) is declared[(source, event)]
            assert event.apply(source) is declared[(source, event)]
        else:
            with pytest.raises(UndeclaredTransition, match=re.escape(event.value)):
                event.apply(source)
    only_declared_transitions.clear()


def test_every_state_is_reachable_and_every_event_is_used() -> None:
    reached = {None}
    while True:
        more = {t.target for t in TRANSITIONS if t.source in reached} - reached
        if not more:
            break
        reached |= more
    assert reached - {None} == set(MessageState)
    assert {t.event for t in TRANSITIONS} == set(Event)


def test_a_move_stays_within_its_direction() -> None:
    # FAILED ends an incoming retrieval as well as an outgoing send.
    incoming, outgoing = {*IN_STATES, MessageState.FAILED}, set(OUT_STATES)
    for t in TRANSITIONS:
        if t.source is not None:
            assert {t.source, t.target} <= incoming or {t.source, t.target} <= outgoing, t


def _message(store: Store, state: str = "queued") -> int:
    return store.add_message(participants=["+15550100001"], direction="out", kind="mms", state=MessageState(state))


def test_the_store_applies_an_event_and_refuses_an_undeclared_one_writing_nothing(
        tmp_path: Path, only_declared_transitions) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        mid = _message(store)
        assert store.change_state(mid, Event.SEND_STARTED, error=None) is MessageState.SENDING
        assert store.get_message(mid).state is MessageState.SENDING
        with pytest.raises(UndeclaredTransition, match="'retrieved' event for state 'sending'"):
            store.change_state(mid, Event.RETRIEVED, subject="must not be written")
        message = store.get_message(mid)
        assert message.state is MessageState.SENDING and message.subject is None
    only_declared_transitions.clear()


def test_the_store_takes_no_state_but_through_an_event(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        mid = _message(store)
        with pytest.raises(StoreError, match="change_state"):
            store.update_message(mid, state="sent")
        with pytest.raises(ValueError, match="'lost'"):
            store.add_message(participants=["+1"], direction="out", kind="mms", state="lost")  # type: ignore[arg-type]
        assert store.get_message(mid).state is MessageState.QUEUED


def test_no_code_writes_a_state_but_through_the_table() -> None:
    """No `update_message(state=...)`, no `SET state` in SQL, no `state=` keyword with a
    bare string: a new message's state comes from an event too (Event.X.apply(None))."""
    found = []
    for path in (p for folder in SOURCES for p in folder.rglob("*.py")):
        if path.relative_to(ROOT).parts[:2] == ("mmsua", "sim"):
            continue  # the simulated carrier has states of its own
        text = path.read_text()
        if re.search(r"SET\s[^\n;]*\bstate\s*=", text) and path.name != "schema.py":
            found.append(f"{path}: SQL sets a state")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call):
                for keyword in node.keywords:
                    if keyword.arg == "state" and isinstance(keyword.value, ast.Constant) and keyword.value.value in set(MessageState):
                        found.append(f"{path}:{node.lineno}: state={keyword.value.value!r}")
    assert not found


def test_docs_architecture_draws_the_current_table() -> None:
    text = ARCHITECTURE.read_text()
    begin, end = text.index(states.DOC_BEGIN), text.index(states.DOC_END)
    assert text[begin:end + len(states.DOC_END)] == states.doc_section(), (
        "docs/architecture.md's state machine is out of date: run .venv/bin/python tools/state_diagram.py")
