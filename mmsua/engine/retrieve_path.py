"""The retrieve path: the worker's tasks that fetch a notified message and answer the MMSC.

retrieve GETs the Content-Location, stores the M-Retrieve.conf and owes an
M-NotifyResp.ind (or M-Acknowledge.ind after a deferral); notify_resp,
acknowledge and read_report POST what is owed.
"""

from __future__ import annotations

import logging
from typing import Any

from mmsua.codec.errors import PduError
from mmsua.codec.mms import MmsPdu, decode_mms
from mmsua.engine import transactions as tx
from mmsua.store import PartData, Task

log = logging.getLogger(__name__)


class RetrievePath:
    """Retrieval and the answers owed to the MMSC.

    Mixed into :class:`mmsua.engine.runner.Engine`, which holds the store, settings,
    clock, data path and the rest of the shared state.
    """

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
        data = self._exchange(task, lambda http: http.get(location))
        if data is None:
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
        if self._exchange(task, lambda http: http.post(body, expect_pdu=False)) is None:
            return
        with self.store.transaction():
            self.store.add_raw("out", "mms", body, message_id=task.message_id)
            self.store.finish_task(task.id)
        log.info("%s for message %s posted", task.kind, task.message_id)


def _part_data(part: Any) -> PartData:
    return PartData(
        content_type=part.content_type.media_type,
        data=part.data,
        name=part.name,
        content_id=part.content_id,
        charset=part.content_type.charset,
        content_location=part.content_location,
    )
