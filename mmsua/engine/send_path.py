"""The send path: the outbox (an MMS or SMS stored before any network step) and the
worker's send and send_sms tasks.
"""

from __future__ import annotations

import logging
import random
import secrets

from mmsua.codec.errors import PduError
from mmsua.codec.mms import decode_mms, encode_mms
from mmsua.codec.sms import split_text_submit
from mmsua.engine import transactions as tx
from mmsua.engine.compose import SendRequest, send_req
from mmsua.store import PartData, Task

log = logging.getLogger(__name__)


class SendPath:
    """Queueing and sending.

    Mixed into :class:`mmsua.engine.runner.Engine`, which holds the store, settings,
    clock, data path and the rest of the shared state.
    """

    # -- sending ---------------------------------------------------------------------

    def queue_mms(self, *, to: list[str], cc: list[str], bcc: list[str], subject: str | None,
                  parts: list[PartData], text: str, delivery_report: bool, read_report: bool,
                  priority: str | None = None, wake: bool = True) -> int:
        """Store an outgoing MMS and its send task in one step (the outbox).

        ``wake=False`` leaves the engine asleep, so a caller can announce the queued
        message before the engine's first step changes it; it then calls ``wake()``."""
        tid = f"mmsua-{secrets.token_hex(8)}"
        with self.store.transaction():
            mid = self.store.add_message(
                participants=self._people([*to, *cc, *bcc]), direction="out", kind="mms", state="queued",
                sender=self.own_number, to=to, cc=cc, bcc=bcc, subject=subject, text=text, read=True,
                delivery_report_requested=delivery_report, read_report_requested=read_report,
                transaction_id=tid, size=sum(len(p.data) for p in parts), priority=priority,
            )
            self.store.set_parts(mid, parts)
            self.store.set_recipients(mid, [*to, *cc, *bcc])
            self.store.put_task("send", mid)
        if wake:
            self.wake()
        return mid

    def queue_sms(self, *, to: list[str], text: str, delivery_report: bool, participants_of: list[str] | None = None,
                  wake: bool = True) -> int:
        with self.store.transaction():
            mid = self.store.add_message(
                participants=self._people(participants_of or to), direction="out", kind="sms", state="queued",
                sender=self.own_number, to=to, text=text, read=True, delivery_report_requested=delivery_report,
            )
            self.store.set_recipients(mid, to)
            self.store.put_task("send_sms", mid)
        if wake:
            self.wake()
        return mid

    def send_request_for(self, message_id: int) -> tuple[SendRequest, list[PartData]]:
        message = self.store.get_message(message_id)
        parts = []
        for info in message.parts:
            _, data = self.store.get_part(message_id, info.index)
            parts.append(PartData(info.content_type, data, info.name, info.content_id, info.charset,
                                  info.content_location))
        request = SendRequest(
            transaction_id=message.transaction_id or f"mmsua-{message_id}",
            to=message.to, cc=message.cc, bcc=message.bcc, subject=message.subject,
            delivery_report=message.delivery_report_requested, read_report=message.read_report_requested,
            expiry_seconds=self.settings.expiry_seconds or None, priority=message.priority,
        )
        return request, parts

    def _send(self, task: Task) -> None:
        # Every attempt POSTs the bytes of the first (kept before any network step): the
        # same Transaction-ID and content, however settings or the encoder changed since.
        # After a crash between the POST and the M-Send.conf the MMSC may get it twice
        # (at-least-once); an identical PDU lets it see the second as a retransmission.
        kept = [r["data"] for r in self.store.raw_pdus(task.message_id) if r["direction"] == "out"]
        with self.store.transaction():
            if kept:
                body = kept[0]
            else:
                request, parts = self.send_request_for(task.message_id)
                body = encode_mms(send_req(request, parts))
                self.store.add_raw("out", "mms", body, message_id=task.message_id)
            self.store.update_message(task.message_id, state="sending", error=None)
        self._emit_message("message.updated", task.message_id)
        answer_bytes = self._exchange(task, lambda http: http.post(body))
        if answer_bytes is None:
            return
        try:
            conf = decode_mms(answer_bytes)
        except PduError as exc:
            self.store.add_raw("in", "mms", answer_bytes, message_id=task.message_id, error=f"M-Send.conf: {exc}")
            self._retry_or_give_up(task, True, f"the MMSC's answer did not decode: {exc}", None)
            return
        answer = tx.send_answer(conf)
        self.store.add_raw("in", "mms", answer_bytes, message_id=task.message_id)
        if answer.outcome is not tx.Outcome.OK:
            self._retry_or_give_up(task, answer.outcome is tx.Outcome.TRANSIENT, answer.reason, None)
            return
        with self.store.transaction():
            try:
                self.store.update_message(task.message_id, state="sent", message_id=answer.message_id,
                                          error=None, date=self.clock())
            except Exception as exc:  # an MMSC reusing a Message-ID must not lose the sent state
                log.warning("Message-ID %s not recorded: %s", answer.message_id, exc)
                self.store.update_message(task.message_id, state="sent", error=None)
            self.store.finish_task(task.id)
        log.info("message %s sent, Message-ID %s", task.message_id, answer.message_id)
        self._emit_message("message.updated", task.message_id)

    def _send_sms(self, task: Task) -> None:
        message = self.store.get_message(task.message_id)
        if self.sms is None:
            self._retry_or_give_up(task, True, "no modem to send the SMS with", None)
            return
        done = set(task.args.get("done", []))
        self.store.update_message(message.id, state="sending")
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
                self.store.update_task_args(task.id, {"done": sorted(done)})
        except PduError as exc:
            self._retry_or_give_up(task, False, f"the text cannot be sent as SMS: {exc}", None)
            return
        except Exception as exc:  # the driver's ModemError and the port vanishing
            self._retry_or_give_up(task, True, f"the modem did not send the SMS: {exc}", None)
            return
        with self.store.transaction():
            self.store.update_message(message.id, state="sent", sms_reference=reference, error=None, date=self.clock())
            self.store.finish_task(task.id)
        self._emit_message("message.updated", message.id)

    def resend_as_sms(self, message_id: int, wake: bool = True) -> int:
        """The text of a failed MMS as a new SMS to the same phone numbers."""
        message = self.store.get_message(message_id)
        phones = [a for a in (*message.to, *message.cc, *message.bcc) if "@" not in a]
        if not phones or not message.text:
            raise ValueError("only the text of a message to phone numbers can go as SMS")
        return self.queue_sms(to=phones, text=message.text, delivery_report=message.delivery_report_requested, wake=wake)
