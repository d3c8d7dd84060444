"""The worker's sleep: a ring while it decides how long to sleep is not lost."""

from __future__ import annotations

import threading
import time

from mmsua.engine.wakeup import Wakeup


def test_a_ring_while_the_sleep_is_being_computed_ends_the_sleep() -> None:
    wakeup = Wakeup()
    ringer = threading.Thread(target=wakeup.ring)

    def seconds() -> float:
        ringer.start()  # new work arrives after the worker looked at its tasks
        return 60.0

    started = time.monotonic()
    assert wakeup.sleep(seconds) is True
    ringer.join()
    assert time.monotonic() - started < 30.0


def test_a_stop_ends_the_sleep_and_the_next_one_does_not_start() -> None:
    wakeup = Wakeup()
    stopper = threading.Thread(target=wakeup.stop)

    def seconds() -> float:
        stopper.start()
        return 60.0

    assert wakeup.sleep(seconds) is False
    stopper.join()
    assert wakeup.stopping and wakeup.sleep(lambda: 60.0) is False
    wakeup.restart()
    assert not wakeup.stopping and not wakeup.sleeping
