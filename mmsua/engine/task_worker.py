"""The task worker: threads that run the durable tasks in the store when due.

Network steps are tasks (retrieve, notify_resp, acknowledge, send, send_sms,
read_report), each committed before the next network step; after a crash the same
tasks are still there, so every step resumes. Two queues, one thread each: sending
(send, send_sms) and receiving (every other kind), so a retrieval stuck on a slow
server never holds a message back from being sent, nor the reverse (issue #11); the
tasks in the store are the same, each queue takes its kinds. A thread sleeps until
its next task is due or it is woken: no polling. The receiving one also expires
incomplete SMS sets and prunes kept SMS daily; each releases the MMS context when
nothing uses it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from mmsua.api.states import MessageState
from mmsua.engine.mmsc_link import MmscLink
from mmsua.engine.receive_path import ReceivePath
from mmsua.engine.retries import Retries
from mmsua.engine.states import Event, StateError
from mmsua.engine.wakeup import Wakeup
from mmsua.store import ModemScope, NotFound, Store, Task, TaskKinds

log = logging.getLogger(__name__)

PRUNE_INTERVAL = 24 * 3600.0
# The longest sleep: a safety net, since whatever makes work wakes the worker.
MAX_SLEEP = 600.0
# Task kinds that may run without a data path: only settling those past their deadline.
_OFFLINE_KINDS = ("retrieve",)

TaskHandler = Callable[[Task], None]


@dataclass(frozen=True, slots=True)
class Queue:
    """One worker thread's share of the tasks; ``housekeeping``: it also expires SMS sets and prunes."""

    name: str
    kinds: TaskKinds
    housekeeping: bool = False


SENDING = TaskKinds(("send", "send_sms"))
QUEUES = (
    Queue("receive", TaskKinds(SENDING.names, other_than=True), housekeeping=True),  # unknown kinds too: dropped
    Queue("send", SENDING),
)


class TaskWorker:
    def __init__(self, store: Store, clock: Callable[[], float], link: MmscLink, receiver: ReceivePath,
                 retries: Retries, handlers: Mapping[str, TaskHandler], wakeup: Wakeup,
                 after_work: Callable[[], None] | None = None, modem: ModemScope | None = None) -> None:
        """``after_work``: run by a queue's thread when it goes idle after running tasks, once
        the store's page cache is freed (the daemon gives the heap back to the system there).
        ``modem``: in a daemon with several modems, this worker runs only its modem's tasks."""
        self._store = store
        self._modem = modem
        self._queues = tuple(replace(q, kinds=replace(q.kinds, modem=modem)) for q in QUEUES)
        self._after_work = after_work
        self._clock = clock
        self._link = link
        self._receiver = receiver
        self._retries = retries
        self._handlers = handlers
        self._wakeup = wakeup
        self._threads: list[threading.Thread] = []
        self._next_prune = 0.0

    # -- start, stop, the worker -------------------------------------------------

    def start(self) -> None:
        self.resume()
        self._wakeup.restart(sleepers=len(self._queues))
        suffix = f"-{self._modem.name}" if self._modem is not None and self._modem.others else ""
        self._threads = [threading.Thread(target=self._run, args=(queue,), name=f"mmsua-{queue.name}{suffix}",
                                          daemon=True) for queue in self._queues]
        for thread in self._threads:
            thread.start()

    def request_stop(self) -> None:
        """No task starts from now on; those in flight end when their data path goes."""
        self._wakeup.stop()

    def stop(self, timeout: float = 10.0) -> None:
        self.request_stop()
        ends = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, ends - time.monotonic()))
        self._threads = []
        self._link.release(force=True)

    def resume(self) -> None:
        """After a start or a crash: states of interrupted steps, and SMS kept but not yet joined."""
        for message in self._store.messages_in_state(MessageState.RETRIEVING, MessageState.SENDING, modem=self._modem):
            self._store.change_state(message.id, Event.RESUMED)
        self._receiver.feed_kept()
        self.prune_kept_sms()

    def prune_kept_sms(self) -> int:
        """At start, then daily (see ReceivePath.prune_kept_sms)."""
        self._next_prune = self._clock() + PRUNE_INTERVAL
        return self._receiver.prune_kept_sms()

    def _run(self, queue: Queue) -> None:
        busy = False  # tasks ran since this thread last went idle
        while not self._wakeup.stopping:
            try:
                worked = self.run_due(queue.kinds)
            except Exception:  # the store itself failing: wait, do not spin
                log.exception("engine step failed")
                worked = False
            if busy and not worked:
                self._went_idle()
            busy = worked
            if queue.housekeeping:
                self._receiver.expire_segments()
                if self._clock() >= self._next_prune:
                    self.prune_kept_sms()
            if self._wakeup.stopping:
                return
            if not worked and not self._wakeup.sleep(lambda: self._idle(queue)):
                return

    def _went_idle(self) -> None:
        """After a burst of tasks: the store's page cache, then the heap, go back (daemon memory)."""
        try:
            self._store.release_memory()
            if self._after_work is not None:
                self._after_work()
        except Exception:
            log.exception("giving memory back after work failed")

    def _idle(self, queue: Queue) -> float:
        """Nothing ran: release what is idle, and the seconds until something is due."""
        linger = self._link.linger()
        if linger <= 0:
            self._link.release()  # idle: give the MMS context back (not while the other queue uses it)
        # Without a data path only expiries can happen; its coming back wakes us.
        if self._link.available():
            due = self._store.next_task_time(queue.kinds)
        else:
            due = self._store.next_deadline(queue.kinds)
        timeout = MAX_SLEEP if due is None else min(max(0.0, due - self._clock()), MAX_SLEEP)
        if linger > 0:
            timeout = min(timeout, linger)  # the timer releases it, no polling
        expiry = self._receiver.expiry_wait() if queue.housekeeping else None
        if expiry is not None:
            timeout = min(timeout, expiry)  # incomplete SMS sets must still expire on time
        return timeout

    def run_due(self, kinds: TaskKinds | None = None) -> bool:
        """Run every task due now (of ``kinds``; None: every kind of this worker's modem); True when at least
        one ran. Without a data path (none yet, or the modem not registered) nothing
        network-bound can run: tasks wait in the store, and only those past their
        deadline (an expired notification) are settled."""
        if kinds is None and self._modem is not None:
            kinds = TaskKinds((), other_than=True, modem=self._modem)
        if not self._link.available():
            tasks = [t for t in self._store.tasks_past_deadline(self._clock(), kinds) if t.kind in _OFFLINE_KINDS]
        else:
            tasks = self._store.due_tasks(self._clock(), kinds=kinds)
        for task in tasks:
            if self._wakeup.stopping:
                return True
            self.run_task(task)
        return bool(tasks)

    def run_task(self, task: Task) -> None:
        handler = self._handlers.get(task.kind)
        if handler is None:
            log.error("unknown task kind %s; dropping it", task.kind)
            self._store.finish_task(task.id)
            return
        try:
            self._attempt(handler, task)
        except NotFound:
            log.info("task %s: message %s was deleted", task.kind, task.message_id)
            self._store.finish_task(task.id)
        except StateError as exc:  # the same step would be refused again: drop it, do not spin
            log.error("%s of message %s dropped: %s", task.kind, task.message_id, exc)
            self._store.finish_task(task.id)

    def _attempt(self, handler: TaskHandler, task: Task) -> None:
        """Run one step; a fault of mmsua's own is retried like a transient failure."""
        try:
            handler(task)
        except (NotFound, StateError):
            raise
        except Exception as exc:  # a bug in one step must not spin or stop the phone
            log.exception("%s of message %s failed unexpectedly", task.kind, task.message_id)
            self._retries.settle(task, True, f"internal error: {exc.__class__.__name__}: {exc}", None)
