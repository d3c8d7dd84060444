"""A task queue that goes idle after running tasks runs the after-work step once (the
daemon gives freed heap back there); one that found nothing to do does not."""

from __future__ import annotations

import threading
from pathlib import Path

from simagent import wait_for

from mmsua.engine.interfaces import DirectDataPath
from mmsua.engine.runner import Engine
from mmsua.engine.settings import AgentSettings
from mmsua.store import Store


def test_after_work_runs_once_when_a_queue_goes_idle_after_a_task(tmp_path: Path) -> None:
    calls: list[str] = []
    with Store(tmp_path / "store.sqlite") as store:
        engine = Engine(store, AgentSettings(), data_path=DirectDataPath(),
                        after_work=lambda: calls.append(threading.current_thread().name))
        engine.start()
        try:
            wait_for("both queues idle", lambda: engine.wakeup.sleeping, timeout=30)
            assert calls == []  # nothing ran, nothing to give back
            store.put_task("no-such-kind", None)  # dropped by the receive queue: still a task run
            engine.wake()
            wait_for("the task dropped", lambda: store.count_tasks("no-such-kind") == 0, timeout=30)
            wait_for("the after-work step", lambda: calls, timeout=30)
            wait_for("both queues idle again", lambda: engine.wakeup.sleeping, timeout=30)
            assert calls == ["mmsua-receive"]
        finally:
            engine.stop()


def test_the_store_gives_its_page_cache_back_and_still_reads(tmp_path: Path) -> None:
    with Store(tmp_path / "store.sqlite") as store:
        sid, _ = store.add_sms("SM", 1, "0011", 1)
        store.release_memory()
        assert [s.id for s in store.unconsumed_sms()] == [sid]
