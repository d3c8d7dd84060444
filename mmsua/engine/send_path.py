"""The send path: the outbox (an MMS or SMS stored before any network step) and the
worker's send and send_sms tasks.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Callable

from mmsua.codec.errors import PduError
from mmsua.codec.mms import decode_mms, encode_mms
from mmsua.codec.sms import split_text_submit
from mmsua.engine import transactions as tx
from mmsua.engine.compose import SendRequest, send_req
from mmsua.engine.handset import Handset
from mmsua.engine.interfaces import SmsPort
from mmsua.engine.publisher import Publisher
from mmsua.engine.retries import Retries
from mmsua.engine.settings import SettingsSource
from mmsua.engine.states import Event
from mmsua.store import PartData, Store, Task

log = logging.getLogger(__name__)


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
                delivery_report_requested=delivery_report,
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
                 outbox: Outbox, sms: SmsPort | None) -> None:
        self._store = store
        self._clock = clock
        self._publisher = publisher
        self._retries = retries
        self._outbox = outbox
        self.sms = sms  # the modem's SMS service; the modem link sets it once the modem is up

    def send(self, task: Task) -> None:
        message_id = task.require_message_id()
        # Every attempt POSTs the bytes of the first (kept before any network step): the
        # same Transaction-ID and content, however settings or the encoder changed since.
        # After a crash between the POST and the M-Send.conf the MMSC may get it twice
        # (at-least-once); an identical PDU lets it see the second as a retransmission.
        kept = [r["data"] for r in self._store.raw_pdus(message_id) if r["direction"] == "out"]
        with self._store.transaction():
            if kept:
                body = kept[0]
            else:
                request, parts = self._outbox.send_request_for(message_id)
                body = encode_mms(send_req(request, parts))
                self._store.add_raw("out", "mms", body, message_id=message_id)
            self._store.change_state(message_id, Event.SEND_STARTED, error=None)
        self._publisher.message("message.updated", message_id)
        answer_bytes = self._retries.exchange(task, lambda http: http.post(body))
        if answer_bytes is None:
            return
        try:
            conf = decode_mms(answer_bytes)
        except PduError as exc:
            self._store.add_raw("in", "mms", answer_bytes, message_id=message_id, error=f"M-Send.conf: {exc}")
            self._retries.settle(task, True, f"the MMSC's answer did not decode: {exc}", None)
            return
        answer = tx.send_answer(conf)
        self._store.add_raw("in", "mms", answer_bytes, message_id=message_id)
        if answer.outcome is not tx.Outcome.OK:
            self._retries.settle(task, answer.outcome is tx.Outcome.TRANSIENT, answer.reason, None)
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

    def send_sms(self, task: Task) -> None:
        message = self._store.get_message(task.require_message_id())
        if self.sms is None:
            self._retries.settle(task, True, "no modem to send the SMS with", None)
            return
        done = set(task.args.get("done", []))
        self._store.change_state(message.id, Event.SEND_STARTED)
        reference = None
        try:
            for address in message.to:
                if address in done:
                    continue
                for pdu in split_text_submit(address, message.text, reference=random.randrange(256),
                                             request_status_report=message.delivery_report_requested):
                    reference = self.sms.send_pdu(pdu.hex, pdu.tpdu_length)
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
