"""Every engine test also checks the state machine: a transition the table does not
declare fails the test, even where the worker logs it and carries on. A test that
provokes one on purpose takes the fixture and clears the list it yields."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mmsua.api.states import MessageState
from mmsua.engine import states


@pytest.fixture(autouse=True)
def only_declared_transitions(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[states.UndeclaredTransition]]:
    refused: list[states.UndeclaredTransition] = []
    declared = states.next_state

    def checked(source: MessageState | None, event: states.Event) -> MessageState:
        try:
            return declared(source, event)
        except states.UndeclaredTransition as exc:
            refused.append(exc)
            raise

    monkeypatch.setattr(states, "next_state", checked)
    yield refused
    if refused:
        pytest.fail("undeclared state transitions: " + "; ".join(str(e) for e in refused))
