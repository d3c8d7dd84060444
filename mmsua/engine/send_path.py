"""The send path: the outbox (an MMS or SMS stored before any network step) and the
worker's send and send_sms tasks.

Before each POST of an MMS the message's ``attempts`` is counted up and the task
marked ``posting``, in one step that first checks the user has not cancelled it;
the mark is cleared once the exchange ended either way. A task found still marked
``posting`` was cut short by a stop between a POST and its M-Send.conf: the MMSC
may have the message. It is POSTed again (at-least-once; ``attempts`` shows it)
unless ``settings.send_once`` asks for at-most-once: then it fails with that reason.
A message can be cancelled (:meth:`Outbox.cancel`) until its first POST begins.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable

from mmsua.api.states import MessageState
from mmsua.codec.errors import PduError
from mmsua.codec.mms import decode_mms, encode_mms
from mmsua.engine import transactions as tx
from mmsua.engine.carrier_http import CarrierHttp
from mmsua.engine.compose import SendRequest, send_req
from mmsua.engine.handset import Handset
from mmsua.engine.interfaces import SmsPort
from mmsua.engine.publisher import Publisher
from mmsua.engine.retries import Retries
from mmsua.engine.settings import AgentSettings, SettingsSource
from mmsua.engine.states import Event
from mmsua.store import PartData, Store, Task

log = logging.getLogger(__name__)
POSTING = "posting"  # the send task's mark: a POST began and its outcome is not recorded yet
SENT_TOO_OFTEN = ("the daemon stopped while posting it; not posted again (mms.send_once): "
                  "the recipient may or may not have it")


class TooLateToCancel(Exception):
    """The message has left, or may have: its POST began (or it was sent, or it is not outgoing)."""


class _Cancelled(Exception):
    """The user cancelled the message before its POST."""


class Outbox:
    """Queueing: a message and its send task stored in one step, before any network step."""

    def __init__(self, store: Store, handset: Handset, settings: SettingsSource, wake: Callable[[], None]) -> None:
        self._store = store
        self._handset = handset
        self._settings = settings
        self._wake = wake

    def queue_mms(self, *, to: list[str], cc: list[str], bcc: list[str], subject: str | None,
                  parts: list[PartData], text: str, delivery_report: bool, read_report: bool,
                  priority: str | None = None, wake: bool = True) -> int:
        """Store an outgoing MMS and its send task in one step (the outbox).

        ``wake=False`` leaves the engine asleep, so a caller can announce the queued
        message before the engine's first step changes it; it then calls ``wake()``."""
        tid = f"mmsua-{secrets.token_hex(8)}"
        with self._store.transaction():
            mid = self._store.add_message(
                participants=self._handset.people([*to, *cc, *bcc]), direction="out", kind="mms",
                state=Event.QUEUED.apply(None), sender=self._handset.own_number, to=to, cc=cc, bcc=bcc,
                subject=subject, text=text, read=True,
                delivery_report_requested=delivery_report, read_report_requested=read_report,
                transaction_id=tid, size=sum(len(p.data) for p in parts), priority=priority,
                modem=self._handset.modem.name,
            )
            self._store.set_parts(mid, parts)
            self._store.set_recipients(mid, [*to, *cc, *bcc])
            self._store.put_task("send", mid)
        if wake:
            self._wake()
        return mid

    def queue_sms(self, *, to: list[str], text: str, delivery_report: bool, participants_of: list[str] | None = None,
                  wake: bool = True) -> int:
        with self._store.transaction():
            mid = self._store.add_message(
                participants=self._handset.people(participants_of or to), direction="out", kind="sms",
                state=Event.QUEUED.apply(None), sender=self._handset.own_number, to=to, text=text, read=True,
                delivery_report_requested=delivery_report, modem=self._handset.modem.name,
            )
            self._store.set_recipients(mid, to)
            self._store.put_task("send_sms", mid)
        if wake:
            self._wake()
        return mid

    def resend_as_sms(self, message_id: int, wake: bool = True) -> int:
        """The text of a failed MMS as a new SMS to the same phone numbers."""
        message = self._store.get_message(message_id)
        phones = [a for a in (*message.to, *message.cc, *message.bcc) if "@" not in a]
        if not phones or not message.text:
            raise ValueError("only the text of a message to phone numbers can go as SMS")
        return self.queue_sms(to=phones, text=message.text, delivery_report=message.delivery_report_requested, wake=wake)

    def cancel(self, message_id: int) -> None:
        """Cancel an outgoing message that has not left: queued, or an MMS whose POST has not begun.

        One step with the worker's check before each POST, so exactly one of the two wins.
        TooLateToCancel says why not."""
        with self._store.transaction():
            message = self._store.get_message(message_id)
            task = self._store.get_task("send" if message.kind == "mms" else "send_sms", message_id)
            if message.direction != "out":
                raise TooLateToCancel(f"message {message_id} is not an outgoing message")
            if message.state not in (MessageState.QUEUED, MessageState.SENDING) or task is None:
                raise TooLateToCancel(f"message {message_id} is {message.state.value}; only a message still "
                                      "queued can be cancelled")
            if message.kind == "sms" and message.state is MessageState.SENDING:
                raise TooLateToCancel(f"too late: SMS {message_id} is being handed to the modem")
            if task.args.get(POSTING):
                raise TooLateToCancel(f"too late: message {message_id} is being posted to the MMSC "
                                      "(or was, when the daemon stopped)")
            self._store.change_state(message_id, Event.CANCEL, error="cancelled by the user")
            self._store.finish_task(task.id)
        log.info("message %s cancelled before it left", message_id)

    def settings(self) -> AgentSettings:
        return self._settings()

    def sms_fallback(self, message_id: int) -> None:
        """After an MMS send was given up (settings.sms_fallback)."""
        try:
            self.resend_as_sms(message_id)
        except ValueError as exc:
            log.info("no SMS fallback for message %s: %s", message_id, exc)

    def send_request_for(self, message_id: int) -> tuple[SendRequest, list[PartData]]:
        message = self._store.get_message(message_id)
        parts = []
        for info in message.parts:
            _, data = self._store.get_part(message_id, info.index)
            parts.append(PartData(info.content_type, data, info.name, info.content_id, info.charset,
                                  info.content_location))
        request = SendRequest(
            transaction_id=message.transaction_id or f"mmsua-{message_id}",
            to=message.to, cc=message.cc, bcc=message.bcc, subject=message.subject,
            delivery_report=message.delivery_report_requested, read_report=message.read_report_requested,
            expiry_seconds=self._settings().expiry_seconds or None, priority=message.priority,
        )
        return request, parts


class SendPath:
    """The worker's send (MMS: M-Send.req to the MMSC) and send_sms (SMS-SUBMIT to the modem) tasks."""

    def __init__(self, store: Store, clock: Callable[[], float], publisher: Publisher, retries: Retries,
                 outbox: Outbox, sms: SmsPort | None, *, sms_references: threading.Lock) -> None:
        self._store = store
        self._sms_references = sms_references
        self._clock = clock
        self._publisher = publisher
        self._retries = retries
        self._outbox = outbox
        self.sms = sms  # the modem's SMS service; the modem link sets it once the modem is up

    def send(self, task: Task) -> None:
        message_id = task.require_message_id()
        if task.args.get(POSTING) and self._cut_short(task, message_id):
            return
        # Every attempt POSTs the bytes of the first (kept before any network step): the
        # same Transaction-ID and content, however settings or the encoder changed since.
        # After a crash between the POST and the M-Send.conf the MMSC may get it twice
        # (at-least-once); an identical PDU lets it see the second as a retransmission.
        kept = [r["data"] for r in self._store.raw_pdus(message_id) if r["direction"] == "out"]
        with self._store.transaction():
            if self._store.get_message(message_id).state is MessageState.CANCELLED:
                self._store.finish_task(task.id)
                return
            if kept:
                body = kept[0]
            else:
                request, parts = self._outbox.send_request_for(message_id)
                body = encode_mms(send_req(request, parts))
                self._store.add_raw("out", "mms", body, message_id=message_id)
            self._store.change_state(message_id, Event.SEND_STARTED, error=None)
        self._publisher.message("message.updated", message_id)

        def post(http: CarrierHttp) -> bytes:
            self._posting(task, message_id)
            return http.post(body)

        try:
            answer_bytes = self._retries.exchange(task, post)
        except _Cancelled:
            log.info("message %s was cancelled before its POST", message_id)
            self._publisher.message("message.updated", message_id)
            return
        if answer_bytes is None:
            self._posted(task)  # failed, retry scheduled (or given up)
            return
        try:
            conf = decode_mms(answer_bytes)
        except PduError as exc:
            self._store.add_raw("in", "mms", answer_bytes, message_id=message_id, error=f"M-Send.conf: {exc}")
            self._retries.settle(task, True, f"the MMSC's answer did not decode: {exc}", None)
            self._posted(task)
            return
        answer = tx.send_answer(conf)
        self._store.add_raw("in", "mms", answer_bytes, message_id=message_id)
        if answer.outcome is not tx.Outcome.OK:
            self._retries.settle(task, answer.outcome is tx.Outcome.TRANSIENT, answer.reason, None)
            self._posted(task)
            return
        with self._store.transaction():
            try:
                self._store.change_state(message_id, Event.SENT, message_id=answer.message_id,
                                         error=None, date=self._clock())
            except Exception as exc:  # an MMSC reusing a Message-ID must not lose the sent state
                log.warning("Message-ID %s not recorded: %s", answer.message_id, exc)
                self._store.change_state(message_id, Event.SENT, error=None)
            self._store.finish_task(task.id)
        log.info("message %s sent, Message-ID %s", message_id, answer.message_id)
        self._publisher.message("message.updated", message_id)

    def _posting(self, task: Task, message_id: int) -> None:
        """Just before a POST: stop if the user cancelled it, else count the attempt and mark the
        task, durably, so a stop before the answer is known for what it was."""
        with self._store.transaction():
            message = self._store.get_message(message_id)
            if message.state is MessageState.CANCELLED:
                raise _Cancelled
            self._store.update_message(message_id, attempts=message.attempts + 1)
            self._store.update_task_args(task.id, {**task.args, POSTING: True})
        if message.attempts:
            self._publisher.message("message.updated", message_id)  # clients show the count going up

    def _posted(self, task: Task) -> None:
        """The POST's outcome is recorded: the next attempt is an ordinary retry, not a cut-short one."""
        self._store.update_task_args(task.id, {k: v for k, v in task.args.items() if k != POSTING})

    def _cut_short(self, task: Task, message_id: int) -> bool:
        """A stop came between a POST and its answer; True when the message is failed for it (send_once)."""
        if not self._outbox.settings().send_once:
            log.warning("message %s: the daemon stopped while posting it; posting it again "
                        "(the recipient may get it twice; mms.send_once = true prevents that)", message_id)
            return False
        with self._store.transaction():
            self._store.change_state(message_id, Event.GAVE_UP, error=SENT_TOO_OFTEN)
            self._store.finish_task(task.id)
        log.warning("message %s: %s", message_id, SENT_TOO_OFTEN)
        self._publisher.message("message.updated", message_id)
        return True

    def send_sms(self, task: Task) -> None:
        message = self._store.get_message(task.require_message_id())
        if self.sms is None:
            self._retries.settle(task, True, "no modem to send the SMS with", None)
            return
        done = set(task.args.get("done", []))
        with self._store.transaction():
            if self._store.get_message(message.id).state is MessageState.CANCELLED:
                self._store.finish_task(task.id)
                return
            self._store.change_state(message.id, Event.SEND_STARTED)
        reference = None
        try:
            for address in message.to:
                if address in done:
                    continue
                references: list[int] = []  # the SMSC's TP-MR of each segment: its status report names it
                for submit in self.sms.submissions(address, message.text,
                                                   status_report=message.delivery_report_requested):
                    with self._sms_references:  # stored before a status report can be matched
                        reference = submit()
                        references.append(reference)
                        self._store.add_sms_segments(message.id, address, references)
                done.add(address)
                # Durable progress: a crash does not send to this recipient again.
                self._store.update_task_args(task.id, {"done": sorted(done)})
        except PduError as exc:
            self._retries.settle(task, False, f"the text cannot be sent as SMS: {exc}", None)
            return
        except Exception as exc:  # the driver's ModemError and the port vanishing
            self._retries.settle(task, True, f"the modem did not send the SMS: {exc}", None)
            return
        with self._store.transaction():
            self._store.change_state(message.id, Event.SENT, sms_reference=reference, error=None, date=self._clock())
            self._store.finish_task(task.id)
        self._publisher.message("message.updated", message.id)
