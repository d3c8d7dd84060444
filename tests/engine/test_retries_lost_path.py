"""A step that fails because the data path went away under it (the modem was
unplugged mid-POST, or left the network) spends none of the task's attempts: it
waits for the path and then goes at once. A failure with the path still there is
counted and backed off as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmsua.api.states import MessageState
from mmsua.engine.publisher import Publisher
from mmsua.engine.retries import Retries
from mmsua.engine.settings import AgentSettings
from mmsua.store import Store


class _Link:
    """The MmscLink as Retries sees it: only whether a data path could come up now."""

    def __init__(self, available: bool) -> None:
        self.up = available

    def available(self) -> bool:
        return self.up


def _failed_send(tmp_path: Path, path_there: bool) -> tuple[Store, int, int]:
    store = Store(tmp_path / "store")
    message = store.add_message(participants=["+15550100002"], direction="out", kind="mms",
                                state=MessageState.SENDING, to=["+15550100002"], text="hello")
    task = store.put_task("send", message, next_attempt=1000.0)
    retries = Retries(store, AgentSettings, lambda: 1000.0, _Link(path_there),  # type: ignore[arg-type]
                      Publisher(store, lambda event, data: None), lambda message_id: None)
    due = store.get_task("send", message)
    assert due is not None
    retries.settle(due, True, "socket 0 closed by the network while sending", None)
    return store, message, task


@pytest.mark.parametrize("path_there", [False, True], ids=["path gone", "path there"])
def test_a_step_cut_off_by_a_lost_data_path_spends_no_attempt(tmp_path: Path, path_there: bool) -> None:
    store, message, _ = _failed_send(tmp_path, path_there)
    task = store.get_task("send", message)
    assert task is not None
    if path_there:
        assert task.attempts == 1 and task.next_attempt > 1000.0  # counted, backed off
    else:
        assert task.attempts == 0 and task.next_attempt == 1000.0  # waits for the path, then goes at once
    assert store.get_message(message).state == MessageState.QUEUED
    store.close()
