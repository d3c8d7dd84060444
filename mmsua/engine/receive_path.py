"""The receive path: SMS in, WAP pushes decoded, notifications and reports stored.

These steps run on the caller's thread (the modem's SMS worker) and touch only the
store: a kept SMS, once joined with its segments, becomes a message, a notification
with its retrieve (or answer) task, or a raw PDU kept for later. No network here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timezone
from typing import Any

from mmsua.addresses import same_person
from mmsua.api.states import MessageState
from mmsua.codec.errors import PduError
from mmsua.codec.mms import MmsPdu
from mmsua.codec.reassembly import Datagram, PushReassembler
from mmsua.codec.sms import SmsDeliver, SmsStatusReport, decode_sms
from mmsua.engine import transactions as tx
from mmsua.engine.handset import Handset
from mmsua.engine.publisher import Publisher
from mmsua.engine.settings import SettingsSource
from mmsua.engine.states import Event
from mmsua.store import SmsSegment, Store, StoredSms

log = logging.getLogger(__name__)

WAP_PUSH_PORTS = (2948, 2949)
# The state a notification starts in, by the retrieval policy's decision.
_NOTIFIED = {tx.Decision.RETRIEVE: Event.NOTIFIED, tx.Decision.DEFER: Event.NOTIFIED_DEFERRED,
             tx.Decision.REJECT: Event.NOTIFIED_REJECTED, tx.Decision.EXPIRED: Event.NOTIFIED_EXPIRED,
             tx.Decision.UNTRUSTED: Event.NOTIFIED_UNTRUSTED}


class ReceivePath:
    """SMS and pushes into the store; the concatenated SMS still waiting for segments."""

    def __init__(self, store: Store, handset: Handset, settings: SettingsSource, clock: Callable[[], float],
                 publisher: Publisher, wake: Callable[[], None], known: Callable[[str | None], bool], *,
                 sms_references: threading.Lock) -> None:
        """``known(address)``: the sender is in the contacts (policy auto_fetch = contacts)."""
        self._store = store
        self._known = known
        self._sms_references = sms_references
        self._handset = handset
        self._settings = settings
        self._clock = clock
        self._publisher = publisher
        self._wake = wake
        self._reassembler = PushReassembler(timeout=settings().segment_timeout)
        self._segments: dict[tuple[Any, ...], list[int]] = {}  # concat key -> kept SMS ids
        self._lock = threading.Lock()  # the modem's SMS thread and the worker's expiry
        self._held = threading.local()  # .effects: this thread's events, held until receive_sms commits

    # -- receiving: SMS ------------------------------------------------------------

    def receive_sms(self, pdu_hex: str, tpdu_length: int | None, storage: str | None = None,
                    index: int | None = None) -> int:
        """Keep an SMS durably and process it. Once this returns, the modem may delete it.

        An SMS-DELIVER is kept and processed in one transaction: one commit, so one fsync,
        before the notification is in the store, not two (bench/engine.py --notify); its
        events go out after that commit. Anything else is kept first and then processed:
        a status report takes the send path's reference lock, which is taken before the store's.
        """
        length = tpdu_length if tpdu_length is not None else -1
        pdu = pdu_hex.strip().upper()
        try:
            sms = decode_sms(pdu, tpdu_length=tpdu_length)
        except PduError:
            sms = None
        effects: list[Callable[[], None]] = []
        with self._lock:
            if not isinstance(sms, SmsDeliver):
                sms_id, new = self._store.add_sms(storage, index, pdu, length, self._handset.modem.kept_sms_owner)
                if new:
                    self._feed(StoredSms(sms_id, storage, index, pdu, length, self._clock()))
                return sms_id
            self._held.effects = effects
            try:
                with self._store.transaction():
                    sms_id, new = self._store.add_sms(storage, index, pdu, length, self._handset.modem.kept_sms_owner)
                    if new:
                        self._feed(StoredSms(sms_id, storage, index, pdu, length, self._clock()), sms)
            except Exception:
                # Processing failed and took the SMS's row with it: keep the SMS alone, as a
                # kept SMS not yet joined (fed again at the next start), and let the caller know.
                self._held.effects = None
                self._store.add_sms(storage, index, pdu, length, self._handset.modem.kept_sms_owner)
                raise
            finally:
                self._held.effects = None
        for effect in effects:
            effect()
        return sms_id

    def _after(self, effect: Callable[[], None]) -> None:
        """An event or wake-up: now, or once the transaction this thread's receive_sms holds
        open commits (per thread: another thread's events never wait for it)."""
        held: list[Callable[[], None]] | None = getattr(self._held, "effects", None)
        if held is None:
            effect()
        else:
            held.append(effect)

    def feed_kept(self) -> None:
        """At start: the SMS kept before a stop but not yet joined into a message."""
        with self._lock:
            for kept in self._store.unconsumed_sms(self._handset.modem):
                self._feed(kept)

    def prune_kept_sms(self) -> int:
        """Kept SMS PDUs older than the retention period that are done with go: the table
        would otherwise grow with every SMS ever received."""
        retention = self._settings().kept_sms_retention
        pruned = self._store.prune_sms(self._clock() - retention)
        if pruned:
            log.info("%d handled SMS older than %.0f days forgotten", pruned, retention / 86400)
        return pruned

    def expiry_wait(self) -> float | None:
        """Seconds the worker may sleep before incomplete SMS sets must be expired (None: none wait)."""
        if not self._reassembler.pending:
            return None
        return min(30.0, max(0.05, self._settings().segment_timeout))

    def _feed(self, kept: StoredSms, decoded: SmsDeliver | None = None) -> None:
        try:
            sms = decoded if decoded is not None else decode_sms(kept.pdu_hex, tpdu_length=kept.tpdu_length if kept.tpdu_length >= 0 else None)
        except PduError as exc:
            with self._store.transaction():
                self._store.add_raw("in", "sms", bytes.fromhex(kept.pdu_hex) if _is_hex(kept.pdu_hex) else
                                   kept.pdu_hex.encode(), error=f"SMS PDU: {exc}")
                self._store.consume_sms([kept.id])
            log.warning("undecodable SMS kept raw: %s", exc)
            return
        if isinstance(sms, SmsStatusReport):
            self._status_report(sms.message_reference, sms.recipient, sms.outcome, [kept.id])
            return
        if not isinstance(sms, SmsDeliver):
            with self._store.transaction():
                self._store.add_raw("in", "sms", bytes.fromhex(kept.pdu_hex), error="an SMS-SUBMIT, not a received SMS")
                self._store.consume_sms([kept.id])
            return
        concat = sms.concat
        key = (sms.originator, concat.reference, concat.total, concat.bits) if concat and concat.total > 1 else None
        if key is not None:
            self._segments.setdefault(key, []).append(kept.id)
        datagram = self._reassembler.feed(sms, time.monotonic())
        if datagram is None:
            self._after(self._wake)  # an idle worker must now wait no longer than the set's expiry
            return
        ids = self._segments.pop(key, [kept.id]) if key is not None else [kept.id]
        self._datagram(datagram, ids)

    def expire_segments(self) -> None:
        with self._lock:
            for expired in self._reassembler.expire(time.monotonic()):
                key = (expired.originator, expired.reference, expired.total,
                       expired.segments[0].concat.bits if expired.segments and expired.segments[0].concat else 8)
                ids = self._segments.pop(key, [])
                with self._store.transaction():
                    for segment in expired.segments:
                        self._store.add_raw("in", "sms", segment.user_data, error=f"incomplete: {expired.description}")
                    self._store.consume_sms(ids)
                log.warning("concatenated SMS never completed: %s", expired.description)

    def _datagram(self, datagram: Datagram, sms_ids: list[int]) -> None:
        if datagram.destination_port in WAP_PUSH_PORTS:
            self.receive_push(datagram.data, sms_ids=sms_ids)
            return
        text = datagram.text
        if datagram.destination_port is None and text is not None:
            first = datagram.segments[0]
            # A damaged SC time stamp decodes to None: the time it came, then.
            date = first.timestamp.astimezone(timezone.utc).timestamp() if first.timestamp is not None else None
            self._text(datagram.originator, text, date, sms_ids, len(datagram.segments))
            return
        with self._store.transaction():
            self._store.add_raw("in", "sms", datagram.data,
                               error=f"SMS for port {datagram.destination_port}: not handled by mmsua")
            self._store.consume_sms(sms_ids)

    def receive_text(self, originator: str, text: str, date: float | None) -> int:
        """A text SMS a driver already decoded and joined (ModemManager does both)."""
        return self._text(originator, text, date, [], 1)

    def _text(self, originator: str, text: str, date: float | None, sms_ids: list[int], segments: int) -> int:
        sender = self._handset.norm(originator)
        blocked = self._store.is_blocked(sender)
        with self._store.transaction():
            mid = self._store.add_message(
                participants=self._handset.people([sender]), direction="in", kind="sms",
                state=Event.SMS_RECEIVED.apply(None),
                sender=sender, to=[self._handset.own_number] if self._handset.own_number else [], text=text,
                date=date if date is not None else self._clock(), blocked=blocked, modem=self._handset.modem.name,
            )
            self._store.consume_sms(sms_ids)
        if blocked:  # kept apart: no line names who wrote (the log reaches every client)
            log.info("SMS %s from a blocked number kept apart", mid)
        else:
            log.info("SMS %s from %s stored (%d segment(s))", mid, sender, segments)
        self._after(lambda: self._publisher.message("message.received", mid))
        return mid

    def receive_status(self, message_reference: int, recipient: str | None, outcome: str) -> bool:
        """A status report a driver already decoded (ModemManager): ``outcome`` as
        :attr:`mmsua.codec.sms.SmsStatusReport.outcome` says it (delivered, pending, or a failure).
        False: it names no SMS mmsua sent (another app's, sharing the modem), and nothing is kept."""
        return self._status_report(message_reference, recipient, outcome, [], keep_unknown=False)

    def _status_report(self, message_reference: int, recipient_address: str | None, outcome: str,
                       sms_ids: list[int], keep_unknown: bool = True) -> bool:
        """A status report names one segment (its TP-MR) sent to one person; that person's
        status changes once every segment sent to them is delivered, or one failed. False:
        the reference is no SMS of ours (kept raw with ``keep_unknown``)."""
        status = {"delivered": "delivered", "pending": "pending"}.get(outcome, "unreachable")
        recipient = self._handset.norm(recipient_address)
        with self._sms_references:  # a segment being sent has its reference stored first
            candidates = self._store.sms_segments_for_reference(message_reference, modem=self._handset.modem)
        segment = next((s for s in candidates if not recipient or same_person(s.address, recipient)), None)
        if segment is not None:
            self._segment_report(segment, status, sms_ids)
            return True
        # An SMS sent before segments were kept: its last reference only.
        message = self._store.find_message("out", sms_reference=message_reference)
        with self._store.transaction():
            self._store.consume_sms(sms_ids)
            if message is None or message.kind != "sms":
                if keep_unknown:
                    self._store.add_raw("in", "sms", b"", error=f"status report for unknown SMS reference {message_reference}")
                return False
            address = next((r.address for r in message.recipients if recipient and same_person(r.address, recipient)),
                           recipient or message.to[0])
            changed = self._store.set_recipient_status(message.id, address, status)
        if changed:
            self._publisher.message("message.updated", message.id)
        return True

    def _segment_report(self, segment: SmsSegment, status: str, sms_ids: list[int]) -> None:
        with self._store.transaction():
            self._store.consume_sms(sms_ids)
            if status == "pending":  # the SMSC is still trying: nothing settled
                return
            statuses = self._store.set_sms_segment_status(segment, status)
            if "unreachable" in statuses:
                overall = "unreachable"
            elif all(s == "delivered" for s in statuses):
                overall = "delivered"
            else:
                return  # other segments still to hear of
            changed = self._store.set_recipient_status(segment.message_id, segment.address, overall)
        if changed:
            self._publisher.message("message.updated", segment.message_id)

    # -- receiving: WAP push -------------------------------------------------------------

    def receive_push(self, data: bytes, *, sms_ids: Iterable[int] = ()) -> int | None:
        """A whole WAP push (from SMS, or any other path). Returns the message it made or touched."""
        event = tx.classify_push(data)
        new_id: int | None = None
        touched: int | None = None
        with self._store.transaction():
            raw_id = self._store.add_raw("in", "push", data, error=event.error)
            self._store.consume_sms(sms_ids)
            if event.kind == "notification" and event.pdu is not None:
                new_id, touched = self._notification(event.pdu, raw_id)
            elif event.kind in ("delivery", "read_orig") and event.pdu is not None:
                touched = self._report(event.pdu, raw_id, event.kind)
            elif event.kind == "unrecognised" and event.transaction_id:
                # Tell the MMSC, so it stops re-sending what we cannot read (MMS_CTR §8.2).
                self._store.put_task("notify_resp", None, args={"transaction_id": event.transaction_id,
                                                                "status": tx.STATUS_UNRECOGNISED})
        if event.error:
            log.warning("push kept raw: %s", event.error)
        if new_id is not None:
            # A notification about to be retrieved is news only once its content is in;
            # one that waits for the user (deferred...) is news now.
            waiting = self._store.get_message(new_id).state is not MessageState.NOTIFIED
            self._after(lambda: self._publisher.message("message.received" if waiting else "message.updated", new_id))
        elif touched is not None:
            self._after(lambda: self._publisher.message("message.updated", touched))
        self._after(self._wake)
        return new_id or touched

    def _notification(self, pdu: MmsPdu, raw_id: int) -> tuple[int | None, int | None]:
        now = self._clock()
        existing = self._store.find_duplicate("in", pdu.transaction_id, None, pdu.content_location)
        if existing is not None:
            self._store.link_raw(raw_id, existing)
            message = self._store.get_message(existing)
            if message.state is MessageState.RECEIVED and not self._store.tasks_for(existing):
                # The MMSC did not hear our answer; answer again, store nothing new.
                self._store.put_task("notify_resp", existing, args={"status": tx.STATUS_RETRIEVED})
            log.info("duplicate notification %s for message %s ignored", pdu.transaction_id, existing)
            return None, existing
        sender = self._handset.norm(tx.address_text(pdu.sender))
        expires = tx.expiry_time(pdu.expiry, now)
        settings = self._settings()
        blocked = self._store.is_blocked(sender)
        known = settings.auto_fetch != "contacts" or self._known(sender)
        decision = tx.decide_retrieval(
            pdu.message_size, expires, settings,
            tx.Conditions(now, roaming=self._handset.roaming, sender_blocked=blocked, sender_known=known),
            pdu.content_location,
        )
        state = _NOTIFIED[decision.decision].apply(None)
        message_id = self._store.add_message(
            participants=self._handset.people([sender]), direction="in", kind="mms", state=state, sender=sender,
            subject=pdu.subject, size=pdu.message_size, expiry=expires, date=now,
            transaction_id=pdu.transaction_id, content_location=pdu.content_location,
            priority=pdu.priority, message_class=pdu.message_class,
            error=decision.reason if decision.decision in (tx.Decision.EXPIRED, tx.Decision.UNTRUSTED) else None,
            blocked=blocked, modem=self._handset.modem.name,
        )
        self._store.link_raw(raw_id, message_id)
        if decision.decision is tx.Decision.RETRIEVE:
            self._store.put_task("retrieve", message_id, deadline=expires, args={"deferred": False})
        elif decision.decision is tx.Decision.DEFER:
            self._store.put_task("notify_resp", message_id, args={"status": tx.STATUS_DEFERRED})
        elif decision.decision is tx.Decision.REJECT:
            self._store.put_task("notify_resp", message_id, args={"status": tx.STATUS_REJECTED})
        # UNTRUSTED: nothing is owed; the MMSC may never have sent it, and the user decides.
        if blocked:
            log.info("notification for message %s from a blocked number: %s", message_id, decision.decision.value)
            return message_id, None
        (log.warning if decision.decision is tx.Decision.UNTRUSTED else log.info)(
            "notification %s from %s: %s (%s)", pdu.transaction_id, sender, decision.decision.value, decision.reason)
        return message_id, None

    def _report(self, pdu: MmsPdu, raw_id: int, kind: str) -> int | None:
        sent = self._store.find_message("out", message_id=pdu.message_id) if pdu.message_id else None
        if sent is None:
            log.info("%s for unknown message %s kept raw", kind, pdu.message_id)
            return None
        self._store.link_raw(raw_id, sent.id)
        if kind == "delivery":
            who = pdu.to[0].value if pdu.to else None
            status = tx.delivery_status(pdu.status)
        else:
            who = tx.address_text(pdu.sender)
            status = tx.read_status(pdu.read_status)
        who = self._handset.norm(who)
        # Anyone can send a push: a report counts only from one of the message's recipients
        # (a stranger who learnt a Message-ID must not mark it delivered or read).
        address = next((r.address for r in sent.recipients if who and same_person(r.address, who, self._handset.country)), None)
        if address is None:
            log.warning("%s for message %s names %s, who is not one of its recipients: ignored", kind, sent.id, who)
            return None
        self._store.set_recipient_status(sent.id, address, status)
        return sent.id


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
        return True
    except ValueError:
        return False
