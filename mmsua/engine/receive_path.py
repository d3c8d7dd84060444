"""The receive path: SMS in, WAP pushes decoded, notifications and reports stored.

These steps run on the caller's thread (the modem's SMS worker) and touch only the
store: a kept SMS, once joined with its segments, becomes a message, a notification
with its retrieve (or answer) task, or a raw PDU kept for later. No network here.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timezone

from mmsua.codec.errors import PduError
from mmsua.codec.mms import MmsPdu
from mmsua.codec.reassembly import Datagram
from mmsua.codec.sms import SmsDeliver, SmsStatusReport, decode_sms
from mmsua.engine import transactions as tx
from mmsua.engine.addresses import same_person
from mmsua.store import StoredSms

log = logging.getLogger(__name__)

WAP_PUSH_PORTS = (2948, 2949)


class ReceivePath:
    """SMS and pushes into the store.

    Mixed into :class:`mmsua.engine.runner.Engine`, which holds the store, settings,
    clock, data path and the rest of the shared state.
    """

    # -- receiving: SMS ------------------------------------------------------------

    def receive_sms(self, pdu_hex: str, tpdu_length: int | None, storage: str | None = None,
                    index: int | None = None) -> int:
        """Keep an SMS durably and process it. Once this returns, the modem may delete it."""
        length = tpdu_length if tpdu_length is not None else -1
        with self._receive_lock:
            sms_id, new = self.store.add_sms(storage, index, pdu_hex, length)
            if new:
                self._feed(StoredSms(sms_id, storage, index, pdu_hex.strip().upper(), length, self.clock()))
        return sms_id

    def _feed(self, kept: StoredSms) -> None:
        try:
            sms = decode_sms(kept.pdu_hex, tpdu_length=kept.tpdu_length if kept.tpdu_length >= 0 else None)
        except PduError as exc:
            with self.store.transaction():
                self.store.add_raw("in", "sms", bytes.fromhex(kept.pdu_hex) if _is_hex(kept.pdu_hex) else
                                   kept.pdu_hex.encode(), error=f"SMS PDU: {exc}")
                self.store.consume_sms([kept.id])
            log.warning("undecodable SMS kept raw: %s", exc)
            return
        if isinstance(sms, SmsStatusReport):
            self._status_report(sms, kept.id)
            return
        if not isinstance(sms, SmsDeliver):
            with self.store.transaction():
                self.store.add_raw("in", "sms", bytes.fromhex(kept.pdu_hex), error="an SMS-SUBMIT, not a received SMS")
                self.store.consume_sms([kept.id])
            return
        concat = sms.concat
        key = (sms.originator, concat.reference, concat.total, concat.bits) if concat and concat.total > 1 else None
        if key is not None:
            self._segments.setdefault(key, []).append(kept.id)
        datagram = self._reassembler.feed(sms, time.monotonic())
        if datagram is None:
            self.wake()  # an idle worker must now wait no longer than the set's expiry
            return
        ids = self._segments.pop(key, [kept.id]) if key is not None else [kept.id]
        self._datagram(datagram, ids)

    def _expire_segments(self) -> None:
        with self._receive_lock:
            for expired in self._reassembler.expire(time.monotonic()):
                key = (expired.originator, expired.reference, expired.total,
                       expired.segments[0].concat.bits if expired.segments and expired.segments[0].concat else 8)
                ids = self._segments.pop(key, [])
                with self.store.transaction():
                    for segment in expired.segments:
                        self.store.add_raw("in", "sms", segment.user_data, error=f"incomplete: {expired.description}")
                    self.store.consume_sms(ids)
                log.warning("concatenated SMS never completed: %s", expired.description)

    def _datagram(self, datagram: Datagram, sms_ids: list[int]) -> None:
        if datagram.destination_port in WAP_PUSH_PORTS:
            self.receive_push(datagram.data, sms_ids=sms_ids)
            return
        text = datagram.text
        if datagram.destination_port is None and text is not None:
            first = datagram.segments[0]
            sender = self._norm(datagram.originator)
            with self.store.transaction():
                mid = self.store.add_message(
                    participants=self._people([sender]), direction="in", kind="sms", state="received",
                    sender=sender, to=[self.own_number] if self.own_number else [], text=text,
                    date=(first.timestamp.astimezone(timezone.utc).timestamp() if first.timestamp is not None
                          else self.clock()),  # a damaged SC time stamp decodes to None
                )
                self.store.consume_sms(sms_ids)
            log.info("SMS %s from %s stored (%d segment(s))", mid, sender, len(datagram.segments))
            self._emit_message("message.received", mid)
            return
        with self.store.transaction():
            self.store.add_raw("in", "sms", datagram.data,
                               error=f"SMS for port {datagram.destination_port}: not handled by mmsua")
            self.store.consume_sms(sms_ids)

    def _status_report(self, report: SmsStatusReport, sms_id: int) -> None:
        status = {"delivered": "delivered", "pending": "pending"}.get(report.outcome, "unreachable")
        recipient = self._norm(report.recipient)
        message = self.store.find_message("out", sms_reference=report.message_reference)
        with self.store.transaction():
            self.store.consume_sms([sms_id])
            if message is None or message.kind != "sms":
                self.store.add_raw("in", "sms", b"", error=f"status report for unknown SMS reference {report.message_reference}")
                return
            address = next((r.address for r in message.recipients if recipient and same_person(r.address, recipient)),
                           recipient or message.to[0])
            changed = self.store.set_recipient_status(message.id, address, status)
        if changed:
            self._emit_message("message.updated", message.id)

    # -- receiving: WAP push -------------------------------------------------------------

    def receive_push(self, data: bytes, *, sms_ids: Iterable[int] = ()) -> int | None:
        """A whole WAP push (from SMS, or any other path). Returns the message it made or touched."""
        event = tx.classify_push(data)
        new_id: int | None = None
        touched: int | None = None
        with self.store.transaction():
            raw_id = self.store.add_raw("in", "push", data, error=event.error)
            self.store.consume_sms(sms_ids)
            if event.kind == "notification" and event.pdu is not None:
                new_id, touched = self._notification(event.pdu, raw_id)
            elif event.kind in ("delivery", "read_orig") and event.pdu is not None:
                touched = self._report(event.pdu, raw_id, event.kind)
            elif event.kind == "unrecognised" and event.transaction_id:
                # Tell the MMSC, so it stops re-sending what we cannot read (MMS_CTR §8.2).
                self.store.put_task("notify_resp", None, args={"transaction_id": event.transaction_id,
                                                                "status": tx.STATUS_UNRECOGNISED})
        if event.error:
            log.warning("push kept raw: %s", event.error)
        if new_id is not None:
            # A notification about to be retrieved is news only once its content is in;
            # one that waits for the user (deferred...) is news now.
            waiting = self.store.get_message(new_id).state != "notified"
            self._emit_message("message.received" if waiting else "message.updated", new_id)
        elif touched is not None:
            self._emit_message("message.updated", touched)
        self.wake()
        return new_id or touched

    def _notification(self, pdu: MmsPdu, raw_id: int) -> tuple[int | None, int | None]:
        now = self.clock()
        existing = self.store.find_duplicate("in", pdu.transaction_id, None, pdu.content_location)
        if existing is not None:
            self.store.link_raw(raw_id, existing)
            message = self.store.get_message(existing)
            if message.state == "received" and not self.store.tasks_for(existing):
                # The MMSC did not hear our answer; answer again, store nothing new.
                self.store.put_task("notify_resp", existing, args={"status": tx.STATUS_RETRIEVED})
            log.info("duplicate notification %s for message %s ignored", pdu.transaction_id, existing)
            return None, existing
        sender = self._norm(tx.address_text(pdu.sender))
        expires = tx.expiry_time(pdu.expiry, now)
        decision = tx.decide_retrieval(
            pdu.message_size, expires, self.settings,
            tx.Conditions(now, roaming=self.roaming),
        )
        state = {tx.Decision.RETRIEVE: "notified", tx.Decision.DEFER: "deferred",
                 tx.Decision.REJECT: "rejected", tx.Decision.EXPIRED: "expired"}[decision.decision]
        message_id = self.store.add_message(
            participants=self._people([sender]), direction="in", kind="mms", state=state, sender=sender,
            subject=pdu.subject, size=pdu.message_size, expiry=expires, date=now,
            transaction_id=pdu.transaction_id, content_location=pdu.content_location,
            priority=pdu.priority, message_class=pdu.message_class,
            error=decision.reason if decision.decision is tx.Decision.EXPIRED else None,
        )
        self.store.link_raw(raw_id, message_id)
        if decision.decision is tx.Decision.RETRIEVE:
            self.store.put_task("retrieve", message_id, deadline=expires, args={"deferred": False})
        elif decision.decision is tx.Decision.DEFER:
            self.store.put_task("notify_resp", message_id, args={"status": tx.STATUS_DEFERRED})
        elif decision.decision is tx.Decision.REJECT:
            self.store.put_task("notify_resp", message_id, args={"status": tx.STATUS_REJECTED})
        log.info("notification %s from %s: %s (%s)", pdu.transaction_id, sender, decision.decision.value,
                 decision.reason)
        return message_id, None

    def _report(self, pdu: MmsPdu, raw_id: int, kind: str) -> int | None:
        sent = self.store.find_message("out", message_id=pdu.message_id) if pdu.message_id else None
        if sent is None:
            log.info("%s for unknown message %s kept raw", kind, pdu.message_id)
            return None
        self.store.link_raw(raw_id, sent.id)
        if kind == "delivery":
            who = pdu.to[0].value if pdu.to else None
            status = tx.delivery_status(pdu.status)
        else:
            who = tx.address_text(pdu.sender)
            status = tx.read_status(pdu.read_status)
        who = self._norm(who)
        address = next((r.address for r in sent.recipients if who and same_person(r.address, who, self.country)), who)
        if address is None:
            return None
        self.store.set_recipient_status(sent.id, address, status)
        return sent.id


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
        return True
    except ValueError:
        return False
