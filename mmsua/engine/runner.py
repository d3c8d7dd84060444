"""The runner: carries out the transactions against the store, the MMSC and the modem.

Receive steps (SMS in, push decoded, notification stored) run on the caller's
thread and touch only the store. Network steps are durable tasks in the store
(retrieve, notify_resp, acknowledge, send, send_sms, read_report) run by one
worker thread, each committed before the next network step; after a crash the
same tasks are still there, so every step resumes. The worker sleeps until the
next task is due or it is woken: no polling.
"""

from __future__ import annotations

import logging
import random
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from datetime import timezone
from typing import Any, Protocol

import requests

from mmsua.codec.errors import PduError
from mmsua.codec.mms import MmsPdu, decode_mms, encode_mms
from mmsua.codec.reassembly import Datagram, PushReassembler
from mmsua.codec.sms import SmsDeliver, SmsStatusReport, decode_sms, split_text_submit
from mmsua.engine import transactions as tx
from mmsua.engine.addresses import Country, country_for, normalize, participants, same_person
from mmsua.engine.carrier_http import CarrierHttp, CarrierHttpError
from mmsua.engine.compose import SendRequest, send_req
from mmsua.engine.settings import AgentSettings
from mmsua.store import NotFound, PartData, Store, StoredSms, Task

log = logging.getLogger(__name__)

WAP_PUSH_PORTS = (2948, 2949)
OWN_NUMBER_KEY = "own_number"
PRUNE_INTERVAL = 24 * 3600.0
Emit = Callable[[str, dict[str, Any]], None]


class SmsPort(Protocol):
    """What the engine needs of the driver's SmsService."""

    def send_pdu(self, pdu_hex: str, tpdu_length: int) -> int: ...


class DataPath(Protocol):
    """The MMS bearer: a session that reaches the MMSC, brought up on demand."""

    def session(self) -> requests.Session: ...

    def release(self) -> None: ...

    def available(self) -> bool: ...


class DirectDataPath:
    """The host's own network (tests on loopback, or an already-up interface)."""

    def session(self) -> requests.Session:
        return requests.Session()

    def release(self) -> None:
        pass

    def available(self) -> bool:
        return True


class Engine:
    def __init__(
        self,
        store: Store,
        settings: AgentSettings,
        *,
        data_path: DataPath | None = None,
        sms: SmsPort | None = None,
        emit: Emit | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.settings = settings
        self.data_path = data_path
        self.sms = sms
        self.emit: Emit = emit or (lambda event, data: None)
        self.clock = clock
        self.roaming = False
        self.mcc: str | None = None
        self.http = CarrierHttp(settings, data_path.session if data_path else None)
        self._reassembler = PushReassembler(timeout=600.0)
        self._segments: dict[tuple[Any, ...], list[int]] = {}  # concat key -> kept SMS ids
        self._receive_lock = threading.Lock()
        self._wake = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._bearer_up = False
        self._next_prune = 0.0

    # -- identity --------------------------------------------------------------

    @property
    def country(self) -> Country | None:
        return country_for(self.settings.country_code or None, self.mcc)

    @property
    def own_number(self) -> str | None:
        number = self.settings.own_number or self.store.get_learned(OWN_NUMBER_KEY)
        return normalize(number, self.country) if number else None

    def learn_own_number(self, number: str | None) -> None:
        """From the SIM (AT+CNUM) or the network; the setting always wins."""
        if number and not self.settings.own_number and not self.store.get_learned(OWN_NUMBER_KEY):
            self.store.set_learned(OWN_NUMBER_KEY, normalize(number, self.country))
            log.info("own number learnt: %s", number)

    def _people(self, addresses: Iterable[str | None]) -> list[str]:
        return participants(addresses, self.own_number, self.country)

    def _norm(self, address: str | None) -> str | None:
        return normalize(address, self.country) if address else None

    # -- start, stop, the worker -------------------------------------------------

    def start(self) -> None:
        self.resume()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="mmsua-engine", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        with self._wake:
            self._stopping = True
            self._wake.notify_all()
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
                self._release_bearer()  # idle: give the MMS context back
                due = self.store.next_task_time() if self.data_path is not None else None
                timeout = 600.0 if due is None else min(max(0.0, due - self.clock()), 600.0)
                if self._reassembler.pending:
                    timeout = min(timeout, 30.0)  # incomplete SMS sets must still expire
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
        path nothing network-bound can run: tasks wait in the store."""
        if self.data_path is None:
            return False
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

    def _network(self) -> CarrierHttp:
        self._bearer_up = True
        return self.http

    def _data_available(self) -> bool:
        if self.data_path is None:
            return False
        try:
            return bool(self.data_path.available())
        except Exception:
            return False

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
                    date=first.timestamp.astimezone(timezone.utc).timestamp(),
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
            tx.Conditions(now, roaming=self.roaming, data_available=self._data_available()),
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

    # -- retrieving ---------------------------------------------------------------------

    def _retrieve(self, task: Task) -> None:
        message = self.store.get_message(task.message_id)
        now = self.clock()
        if task.deadline is not None and now >= task.deadline:
            with self.store.transaction():
                self.store.update_message(message.id, state="expired", error="expired before it could be retrieved")
                self.store.finish_task(task.id)
            self._emit_message("message.updated", message.id)
            return
        self.store.update_message(message.id, state="retrieving", error=None)
        self._emit_message("message.updated", message.id)
        deferred = bool(task.args.get("deferred"))
        # Some MMSCs pad the Content-Location with spaces (OMA conformance case 271).
        location = (message.content_location or "").strip()
        if not location.lower().startswith(("http://", "https://")):
            self._retry_or_give_up(task, False, f"the notification's Content-Location {location!r} is not an HTTP URL", None)
            return
        try:
            data = self._network().get(location)
        except CarrierHttpError as exc:
            self._retry_or_give_up(task, exc.transient, exc.reason, exc.status)
            return
        try:
            conf = decode_mms(data)
        except PduError as exc:
            with self.store.transaction():
                self.store.add_raw("in", "mms", data, message_id=message.id, error=f"M-Retrieve.conf: {exc}")
                self.store.update_message(message.id, state="failed", error=f"the message did not decode: {exc}")
                self.store.finish_task(task.id)
                self.store.put_task("notify_resp", message.id, args={"status": tx.STATUS_UNRECOGNISED})
            self._emit_message("message.updated", message.id)
            return
        answer = tx.retrieve_answer(conf)
        if answer.outcome is not tx.Outcome.OK:
            with self.store.transaction():
                self.store.add_raw("in", "mms", data, message_id=message.id)
            self._retry_or_give_up(task, answer.outcome is tx.Outcome.TRANSIENT, answer.reason, None)
            return
        self._store_retrieved(task, message.id, conf, data, deferred)

    def _store_retrieved(self, task: Task, message_id: int, conf: MmsPdu, data: bytes, deferred: bool) -> None:
        response = "acknowledge" if deferred else "notify_resp"
        with self.store.transaction():
            duplicate = self.store.find_duplicate("in", message_id=conf.message_id) if conf.message_id else None
            if duplicate is not None and duplicate != message_id:
                # The same message under a new notification: keep one, answer for both.
                tid = self.store.get_message(message_id).transaction_id
                self.store.add_raw("in", "mms", data, message_id=duplicate)
                self.store.delete_message(message_id)
                self.store.put_task(response, None, args={"transaction_id": tid, "status": tx.STATUS_RETRIEVED})
                log.info("retrieved message %s duplicates stored message %s", conf.message_id, duplicate)
                touched = duplicate
            else:
                touched = message_id
                sender = self._norm(tx.address_text(conf.sender)) or self.store.get_message(message_id).sender
                to = [self._norm(a.value) for a in conf.to if not a.is_insert_token]
                cc = [self._norm(a.value) for a in conf.cc if not a.is_insert_token]
                if len(to) == 1 and not cc:
                    self.learn_own_number(to[0])  # a message to one person was to us
                self.store.update_message(
                    message_id, state="received", sender=sender, subject=conf.subject,
                    text=conf.text, message_id=conf.message_id, size=len(data), error=None,
                    date=conf.date.timestamp() if conf.date else self.clock(),
                    read_report_requested=bool(conf.read_report),
                    delivery_report_requested=bool(conf.delivery_report),
                )
                self.store.set_addresses(message_id, to, cc)
                self.store.set_parts(message_id, [_part_data(p) for p in conf.parts])
                self.store.add_raw("in", "mms", data, message_id=message_id)
                self.store.move_to_conversation(message_id, self._people([sender, *to, *cc]))
                self.store.put_task(response, message_id, args={"status": tx.STATUS_RETRIEVED})
            self.store.finish_task(task.id)
        log.info("message %s retrieved (%d bytes); %s owed", touched, len(data), response)
        self._emit_message("message.received", touched)

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

    # -- answers to the MMSC ------------------------------------------------------------

    def _respond(self, task: Task) -> None:
        tid = task.args.get("transaction_id")
        if tid is None and task.message_id is not None:
            tid = self.store.get_message(task.message_id).transaction_id
        if not tid:
            self.store.finish_task(task.id)
            return
        allowed = self.settings.allow_delivery_reports
        if task.kind == "acknowledge":
            body = tx.acknowledge(tid, allowed)
        else:
            body = tx.notify_resp(tid, int(task.args.get("status", tx.STATUS_RETRIEVED)), allowed)
        self._post_owed(task, body)

    def _read_report(self, task: Task) -> None:
        message = self.store.get_message(task.message_id)
        if not message.message_id or not message.sender:
            self.store.finish_task(task.id)
            return
        self._post_owed(task, tx.read_rec(message.message_id, message.sender, self.clock()))

    def _post_owed(self, task: Task, body: bytes) -> None:
        try:
            self._network().post(body, expect_pdu=False)
        except CarrierHttpError as exc:
            self._retry_or_give_up(task, exc.transient, exc.reason, exc.status)
            return
        with self.store.transaction():
            self.store.add_raw("out", "mms", body, message_id=task.message_id)
            self.store.finish_task(task.id)
        log.info("%s for message %s posted", task.kind, task.message_id)

    # -- sending ---------------------------------------------------------------------

    def queue_mms(self, *, to: list[str], cc: list[str], bcc: list[str], subject: str | None,
                  parts: list[PartData], text: str, delivery_report: bool, read_report: bool) -> int:
        """Store an outgoing MMS and its send task in one step (the outbox)."""
        tid = f"mmsua-{secrets.token_hex(8)}"
        with self.store.transaction():
            mid = self.store.add_message(
                participants=self._people([*to, *cc, *bcc]), direction="out", kind="mms", state="queued",
                sender=self.own_number, to=to, cc=cc, bcc=bcc, subject=subject, text=text, read=True,
                delivery_report_requested=delivery_report, read_report_requested=read_report,
                transaction_id=tid, size=sum(len(p.data) for p in parts),
            )
            self.store.set_parts(mid, parts)
            self.store.set_recipients(mid, [*to, *cc, *bcc])
            self.store.put_task("send", mid)
        self.wake()
        return mid

    def queue_sms(self, *, to: list[str], text: str, delivery_report: bool, participants_of: list[str] | None = None) -> int:
        with self.store.transaction():
            mid = self.store.add_message(
                participants=self._people(participants_of or to), direction="out", kind="sms", state="queued",
                sender=self.own_number, to=to, text=text, read=True, delivery_report_requested=delivery_report,
            )
            self.store.set_recipients(mid, to)
            self.store.put_task("send_sms", mid)
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
        try:
            answer_bytes = self._network().post(body)
        except CarrierHttpError as exc:
            self._retry_or_give_up(task, exc.transient, exc.reason, exc.status)
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

    def resend_as_sms(self, message_id: int) -> int:
        """The text of a failed MMS as a new SMS to the same phone numbers."""
        message = self.store.get_message(message_id)
        phones = [a for a in (*message.to, *message.cc, *message.bcc) if "@" not in a]
        if not phones or not message.text:
            raise ValueError("only the text of a message to phone numbers can go as SMS")
        return self.queue_sms(to=phones, text=message.text, delivery_report=message.delivery_report_requested)

    # -- events ------------------------------------------------------------------------

    def _emit_message(self, event: str, message_id: int) -> None:
        try:
            data = self.store.get_message(message_id).to_dict()
        except NotFound:
            return
        try:
            self.emit(event, data)
        except Exception:
            log.exception("event subscriber failed on %s", event)


def _part_data(part: Any) -> PartData:
    return PartData(
        content_type=part.content_type.media_type,
        data=part.data,
        name=part.name,
        content_id=part.content_id,
        charset=part.content_type.charset,
        content_location=part.content_location,
    )


def _is_hex(text: str) -> bool:
    try:
        bytes.fromhex(text)
        return True
    except ValueError:
        return False


__all__ = ["Engine", "DataPath", "DirectDataPath", "SmsPort"]
