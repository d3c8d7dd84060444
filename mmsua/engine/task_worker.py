"""The task worker: one thread that runs the durable tasks in the store when due.

Network steps are tasks (retrieve, notify_resp, acknowledge, send, send_sms,
read_report), each committed before the next network step; after a crash the same
tasks are still there, so every step resumes. The worker sleeps until the next task
is due or it is woken: no polling. It also owns the retry policy and the bearer's
idle release.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from mmsua.engine import transactions as tx
from mmsua.engine.carrier_http import CarrierHttp, CarrierHttpError
from mmsua.store import NotFound, Task

if TYPE_CHECKING:
    from mmsua.engine.runner import DataPath

log = logging.getLogger(__name__)

PRUNE_INTERVAL = 24 * 3600.0


class TaskWorker:
    """Start, stop, the worker loop, task dispatch, retries, events.

    Mixed into :class:`mmsua.engine.runner.Engine`, which holds the store, settings,
    clock, data path and the rest of the shared state.
    """

    # -- start, stop, the worker -------------------------------------------------

    def start(self) -> None:
        self.resume()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="mmsua-engine", daemon=True)
        self._thread.start()

    def request_stop(self) -> None:
        """No task starts from now on; the one in flight ends when its data path goes."""
        with self._wake:
            self._stopping = True
            self._wake.notify_all()

    def stop(self, timeout: float = 10.0) -> None:
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._release_bearer()

    def wake(self) -> None:
        with self._wake:
            self._wake.notify_all()

    def resume(self) -> None:
        """After a start or a crash: states of interrupted steps, and SMS kept but not yet joined."""
        for message in self.store.messages_in_state("retrieving"):
            self.store.update_message(message.id, state="notified")
        for message in self.store.messages_in_state("sending"):
            self.store.update_message(message.id, state="queued")
        with self._receive_lock:
            for kept in self.store.unconsumed_sms():
                self._feed(kept)
        self.prune_kept_sms()

    def prune_kept_sms(self) -> int:
        """Kept SMS PDUs older than the retention period that are done with go (at start,
        then daily): the table would otherwise grow with every SMS ever received."""
        self._next_prune = self.clock() + PRUNE_INTERVAL
        pruned = self.store.prune_sms(self.clock() - self.settings.kept_sms_retention)
        if pruned:
            log.info("%d handled SMS older than %.0f days forgotten", pruned, self.settings.kept_sms_retention / 86400)
        return pruned

    def _run(self) -> None:
        while True:
            with self._wake:
                if self._stopping:
                    return
            try:
                worked = self.run_due()
            except Exception:  # the store itself failing: wait, do not spin
                log.exception("engine step failed")
                worked = False
            self._expire_segments()
            if self.clock() >= self._next_prune:
                self.prune_kept_sms()
            with self._wake:
                if self._stopping:
                    return
                if worked:
                    continue
                linger = self._context_linger()
                if linger <= 0:
                    self._release_bearer()  # idle: give the MMS context back
                # Without a data path only expiries can happen; its coming back wakes us.
                due = self.store.next_task_time() if self._data_available() else self.store.next_deadline()
                timeout = 600.0 if due is None else min(max(0.0, due - self.clock()), 600.0)
                if linger > 0:
                    timeout = min(timeout, linger)  # the timer releases it, no polling
                if self._reassembler.pending:
                    # incomplete SMS sets must still expire on time
                    timeout = min(timeout, 30.0, max(0.05, self.settings.segment_timeout))
                self._wake.wait(timeout)

    def set_data_path(self, data_path: DataPath | None) -> None:
        """The bearer came up (or went away); network tasks run only with one."""
        self._release_bearer()
        self.http.close()
        self.data_path = data_path
        self.http = CarrierHttp(self.settings, data_path.session if data_path else None)
        self.wake()

    def run_due(self) -> bool:
        """Run every task due now; True when at least one ran. Without a data
        path (none yet, or the modem not registered) nothing network-bound can
        run: tasks wait in the store, and only those past their deadline (an
        expired notification) are settled."""
        if not self._data_available():
            tasks = [t for t in self.store.tasks_past_deadline(self.clock()) if t.kind == "retrieve"]
        else:
            tasks = self.store.due_tasks(self.clock())
        for task in tasks:
            with self._wake:
                if self._stopping:
                    return True
            self.run_task(task)
        return bool(tasks)

    def run_task(self, task: Task) -> None:
        handler = {
            "retrieve": self._retrieve,
            "notify_resp": self._respond,
            "acknowledge": self._respond,
            "read_report": self._read_report,
            "send": self._send,
            "send_sms": self._send_sms,
        }.get(task.kind)
        if handler is None:
            log.error("unknown task kind %s; dropping it", task.kind)
            self.store.finish_task(task.id)
            return
        try:
            handler(task)
        except NotFound:
            log.info("task %s: message %s was deleted", task.kind, task.message_id)
            self.store.finish_task(task.id)
        except Exception as exc:  # a bug in one step must not spin or stop the phone
            log.exception("%s of message %s failed unexpectedly", task.kind, task.message_id)
            self._retry_or_give_up(task, True, f"internal error: {exc.__class__.__name__}: {exc}", None)

    def _release_bearer(self) -> None:
        if self._bearer_up:
            self.http.close()
            if self.data_path is not None:
                try:
                    self.data_path.release()
                except Exception as exc:  # the modem may be gone; nothing to give back then
                    log.warning("releasing the MMS data path: %s", exc)
            self._bearer_up = False

    def _context_linger(self) -> float:
        """Seconds the context may stay up yet (0: release it now)."""
        if not self._bearer_up or not self._data_available():
            return 0.0
        return max(0.0, self._last_exchange + self.settings.context_idle_grace - time.monotonic())

    def _network(self) -> CarrierHttp:
        self._bearer_up = True
        self._last_exchange = time.monotonic()
        return self.http

    def _exchange(self, task: Task, call: Callable[[CarrierHttp], bytes]) -> bytes | None:
        """One HTTP exchange for ``task``; None when it failed (the retry is then scheduled)."""
        try:
            return call(self._network())
        except CarrierHttpError as exc:
            self._retry_or_give_up(task, exc.transient, exc.reason, exc.status)
            return None
        finally:
            self._last_exchange = time.monotonic()  # the idle grace counts from the end

    def _data_available(self) -> bool:
        """A data path exists and could come up now (whoever changes that calls wake())."""
        if self.data_path is None:
            return False
        try:
            return bool(self.data_path.available())
        except Exception:
            return False

    def _retry_or_give_up(self, task: Task, transient: bool, reason: str, status: int | None) -> None:
        now = self.clock()
        when = tx.next_attempt(task.attempts + 1, now, task.deadline, self.settings) if transient else None
        message_id = task.message_id
        with self.store.transaction():
            if when is not None:
                self.store.reschedule_task(task.id, when, reason)
                if message_id is not None and task.kind == "retrieve":
                    self.store.update_message(message_id, state="notified", error=f"will retry: {reason}")
                elif message_id is not None and task.kind == "send":
                    self.store.update_message(message_id, state="queued", error=f"will retry: {reason}")
            else:
                self.store.finish_task(task.id)
                if message_id is not None and task.kind == "retrieve":
                    gone = status in (404, 410)
                    expired = task.deadline is not None and now >= task.deadline
                    state = "expired" if gone or expired else "failed"
                    self.store.update_message(message_id, state=state, error=reason)
                elif message_id is not None and task.kind in ("send", "send_sms"):
                    self.store.update_message(message_id, state="failed", error=reason)
        log.warning("%s of message %s: %s (%s)", task.kind, message_id, reason,
                    "retry scheduled" if when else "giving up")
        if message_id is not None and task.kind in ("retrieve", "send", "send_sms"):
            self._emit_message("message.updated", message_id)
            if when is None and task.kind == "send" and self.settings.sms_fallback:
                try:
                    self.resend_as_sms(message_id)
                except ValueError as exc:
                    log.info("no SMS fallback for message %s: %s", message_id, exc)

    # -- events ------------------------------------------------------------------------

    def _emit_message(self, event: str, message_id: int) -> None:
        try:
            data = self.store.get_message(message_id)
        except NotFound:
            return
        try:
            self.emit(event, data)
        except Exception:
            log.exception("event subscriber failed on %s", event)
