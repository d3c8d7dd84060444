"""The on-message command: integration without code.

For each received message the configured command runs as an argument list
(never through a shell; nothing from the network reaches its arguments) with
the message's JSON (the API's ``Message`` shape) on standard input and
``MMSUA_MESSAGE_ID`` in its environment. It runs on a worker thread, one at a
time in arrival order, bounded by a timeout; a failure is logged and never
stops the daemon or loses the message.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from mmsua.api.events import Event, MessageReceived
from mmsua.api.shapes import Message
from mmsua.api.states import MessageState
from mmsua.textsafe import clean_line
from mmsua.workqueue import Recent, WorkQueue

log = logging.getLogger("mmsua.hook")
QUEUE_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class HookResult:
    message_id: int
    ok: bool
    detail: str  # "exit 0", "exit 3: <stderr line>", "timed out after 30 s", "cannot run: ..."


class MessageHook:
    def __init__(self, command: Sequence[str], timeout: float = 30.0) -> None:
        if isinstance(command, str) or not command or not all(isinstance(a, str) for a in command):
            raise ValueError("the on-message command is a non-empty list of arguments")
        self.command = list(command)
        self.timeout = timeout
        self._work: WorkQueue[Message] = WorkQueue("on-message", self.run, QUEUE_LIMIT)
        self._results: Recent[HookResult] = Recent()  # the most recent outcomes, for status and tests

    def run(self, message: Message) -> HookResult:
        """Run the command for one message now and return what happened."""
        message_id = message.id
        payload = json.dumps(message.to_json(), ensure_ascii=False).encode("utf-8")
        env = {**os.environ, "MMSUA_MESSAGE_ID": str(message_id)}
        try:
            completed = subprocess.run(
                self.command, input=payload, capture_output=True, timeout=self.timeout, env=env,
                shell=False, check=False, stdin=None, close_fds=True,
            )
        except subprocess.TimeoutExpired:
            result = HookResult(message_id, False, f"timed out after {self.timeout:g} s")
        except OSError as error:
            result = HookResult(message_id, False, f"cannot run {self.command[0]!r}: {error.strerror or error}")
        else:
            detail = f"exit {completed.returncode}"
            stderr = completed.stderr.decode("utf-8", "replace").strip()
            if completed.returncode != 0 and stderr:
                detail += ": " + clean_line(stderr.splitlines()[-1], limit=200)
            result = HookResult(message_id, completed.returncode == 0, detail)
        if result.ok:
            log.info("message %s: on-message command done (%s)", message_id, result.detail)
        else:
            log.warning("message %s: on-message command failed (%s)", message_id, result.detail)
        self._results.add(result)
        return result

    def on_event(self, event: Event) -> None:
        """The engine's subscribe callback: queue received messages for the worker.

        ``message.received`` also announces notifications that wait for the user
        (deferred, rejected, expired); the command runs once a message's content is
        in (state ``received``), so exactly once per SMS or retrieved MMS.
        """
        if not isinstance(event, MessageReceived) or event.data.state != MessageState.RECEIVED:
            return
        if not self._work.offer(event.data):
            log.error("message %s: on-message queue full; command not run", event.data.id)

    @property
    def results(self) -> list[HookResult]:
        return self._results.items

    def stop(self, wait: float = 5.0) -> None:
        self._work.stop(wait)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[HookResult]:
        """Block until ``count`` results exist (for tests and benchmarks)."""
        return self._results.wait_for(count, timeout)
