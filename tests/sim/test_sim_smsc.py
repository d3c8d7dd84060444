"""The SMSC's delays: each segment is scheduled at plan.delay + step * plan.gap, and
the scheduler runs jobs by due time, not by the order they were asked for."""

from __future__ import annotations

from collections.abc import Callable

from mmsua.sim.scheduler import Scheduler
from mmsua.sim.smsc import Plan, Smsc


class RecordingScheduler:
    """Keeps what the SMSC schedules, so the delays can be read exactly."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, Callable[[], None]]] = []

    def call_later(self, delay: float, fn: Callable[[], None]) -> None:
        self.calls.append((delay, fn))


class Phone:
    def __init__(self) -> None:
        self.got: list[bytes] = []

    def deliver_sms(self, pdu: bytes) -> None:
        self.got.append(pdu)


def test_segments_are_scheduled_after_the_plans_delay_and_gaps() -> None:
    scheduler = RecordingScheduler()
    smsc = Smsc(scheduler)  # type: ignore[arg-type]
    phone = Phone()
    smsc.attach("+15550100002", phone)
    smsc.deliver("+15550100002", [b"a", b"b", b"c"], Plan(order=(2,), duplicates=(0,), delay=1.5, gap=0.25))
    assert [delay for delay, _ in scheduler.calls] == [1.5, 1.75, 2.0, 2.25]
    for _, job in scheduler.calls:
        job()
    assert phone.got == [b"c", b"a", b"b", b"a"]


def test_no_plan_means_no_delay() -> None:
    scheduler = RecordingScheduler()
    smsc = Smsc(scheduler)  # type: ignore[arg-type]
    smsc.deliver("+15550100002", [b"a", b"b"])
    assert [delay for delay, _ in scheduler.calls] == [0.0, 0.0]


def test_the_scheduler_runs_jobs_by_due_time() -> None:
    scheduler = Scheduler("test-scheduler")
    ran: list[str] = []
    try:
        scheduler.call_later(0.2, lambda: ran.append("later"))
        scheduler.call_later(0.0, lambda: ran.append("now"))
        assert scheduler.idle(30.0)  # returns once idle
    finally:
        scheduler.stop()
    assert ran == ["now", "later"]
