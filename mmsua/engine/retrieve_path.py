"""The retrieve path: the worker's tasks that fetch a notified message and answer the MMSC.

retrieve GETs the Content-Location, stores the M-Retrieve.conf and owes an
M-NotifyResp.ind (or M-Acknowledge.ind after a deferral); notify_resp,
acknowledge and read_report POST what is owed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from mmsua.api.states import MessageState
from mmsua.codec.errors import PduError
from mmsua.codec.mms import MmsPdu, decode_mms
from mmsua.codec.multipart import Part
from mmsua.engine import transactions as tx
from mmsua.engine.handset import Handset
from mmsua.engine.locations import answer_url, retrieval_url, untrusted_reason
from mmsua.engine.publisher import Publisher
from mmsua.engine.retries import Retries
from mmsua.engine.settings import SettingsSource
from mmsua.engine.states import Event
from mmsua.store import PartData, Store, Task

log = logging.getLogger(__name__)


class FetchRefused(ValueError):
    """A fetch the user did not vouch for: the notification's location is not trusted."""

    api_code = "bad_request"


class RetrievePath:
    """Retrieval and the answers owed to the MMSC (the worker's retrieve, notify_resp,
    acknowledge and read_report tasks)."""

    def __init__(self, store: Store, handset: Handset, settings: SettingsSource, clock: Callable[[], float],
                 publisher: Publisher, retries: Retries) -> None:
        self._store = store
        self._handset = handset
        self._settings = settings
        self._clock = clock
        self._publisher = publisher
        self._retries = retries
        self._trusted_by_user: set[int] = set()  # messages the user fetched with trust

    # -- retrieving ---------------------------------------------------------------------

    def check_fetch(self, message_id: int, *, trust: bool = False) -> None:
        """A user's fetch of ``message_id``: one held as untrusted needs ``trust`` (the
        user's word that he knows its sender), else :class:`FetchRefused`. The trust
        holds for this run of the engine; any other fetch is checked again before its GET."""
        message = self._store.get_message(message_id)
        if trust:
            self._trusted_by_user.add(message_id)
        elif message.state is MessageState.UNTRUSTED:
            reason = message.error or untrusted_reason(message.content_location, self._settings())
            raise FetchRefused(
                f"message {message_id} from {message.sender or 'an unknown sender'} was held: {reason}. "
                "Fetching it connects to a host the sender chose; ask again with trust to do so")

    def retrieve(self, task: Task) -> None:
        message = self._store.get_message(task.require_message_id())
        now = self._clock()
        if task.deadline is not None and now >= task.deadline:
            with self._store.transaction():
                self._store.change_state(message.id, Event.EXPIRED, error="expired before it could be retrieved")
                self._store.finish_task(task.id)
            self._publisher.message("message.updated", message.id)
            return
        # Some MMSCs pad the Content-Location with spaces (OMA conformance case 271).
        location = (message.content_location or "").strip()
        untrusted = untrusted_reason(location, self._settings())
        if untrusted is not None and location.lower().startswith(("http://", "https://")) \
                and message.id not in self._trusted_by_user:
            with self._store.transaction():
                self._store.change_state(message.id, Event.HELD, error=untrusted)
                self._store.finish_task(task.id)
            log.warning("message %s from %s held: %s", message.id, message.sender, untrusted)
            self._publisher.message("message.updated", message.id)
            return
        self._store.change_state(message.id, Event.RETRIEVAL_STARTED, error=None)
        self._publisher.message("message.updated", message.id)
        deferred = bool(task.args.get("deferred"))
        if not location.lower().startswith(("http://", "https://")):
            self._retries.settle(task, False, f"the notification's Content-Location {location!r} is not an HTTP URL", None)
            return
        url = retrieval_url(location, message.transaction_id, self._settings())
        data = self._retries.exchange(task, lambda http: http.get(url))
        if data is None:
            return
        try:
            conf = decode_mms(data)
        except PduError as exc:
            with self._store.transaction():
                self._store.add_raw("in", "mms", data, message_id=message.id, error=f"M-Retrieve.conf: {exc}")
                self._store.change_state(message.id, Event.GAVE_UP, error=f"the message did not decode: {exc}")
                self._store.finish_task(task.id)
                self._store.put_task("notify_resp", message.id, args={"status": tx.STATUS_UNRECOGNISED})
            self._publisher.message("message.updated", message.id)
            return
        answer = tx.retrieve_answer(conf)
        if answer.outcome is not tx.Outcome.OK:
            with self._store.transaction():
                self._store.add_raw("in", "mms", data, message_id=message.id)
            self._retries.settle(task, answer.outcome is tx.Outcome.TRANSIENT, answer.reason, None)
            return
        self._store_retrieved(task, message.id, conf, data, deferred)

    def _store_retrieved(self, task: Task, message_id: int, conf: MmsPdu, data: bytes, deferred: bool) -> None:
        response = "acknowledge" if deferred else "notify_resp"
        # A delayed retrieval is acknowledged under the M-Retrieve.conf's own transaction id
        # when it has one (OMA-TS-MMS_ENC lets the MMSC start a new transaction; AOSP's
        # RetrieveTransaction.sendAcknowledgeInd does the same); else the notification's.
        ack_tid = conf.transaction_id if deferred and conf.transaction_id else None
        with self._store.transaction():
            duplicate = self._store.find_duplicate("in", message_id=conf.message_id) if conf.message_id else None
            if duplicate is not None and duplicate != message_id:
                # The same message under a new notification: keep one, answer for both.
                tid = self._store.get_message(message_id).transaction_id
                self._store.add_raw("in", "mms", data, message_id=duplicate)
                self._store.delete_message(message_id)
                self._store.put_task(response, None, args={"transaction_id": ack_tid or tid, "status": tx.STATUS_RETRIEVED})
                log.info("retrieved message %s duplicates stored message %s", conf.message_id, duplicate)
                touched = duplicate
            else:
                touched = message_id
                sender = self._handset.norm(tx.address_text(conf.sender)) or self._store.get_message(message_id).sender
                to = [self._handset.norm(a.value) or a.value for a in conf.to if not a.is_insert_token]
                cc = [self._handset.norm(a.value) or a.value for a in conf.cc if not a.is_insert_token]
                if len(to) == 1 and not cc:
                    self._handset.learn_own_number(to[0])  # a message to one person was to us
                self._store.change_state(
                    message_id, Event.RETRIEVED, sender=sender, subject=conf.subject,
                    text=conf.text, message_id=conf.message_id, size=len(data), error=None,
                    date=conf.date.timestamp() if conf.date else self._clock(),
                    read_report_requested=bool(conf.read_report),
                    delivery_report_requested=bool(conf.delivery_report),
                )
                self._store.set_addresses(message_id, to, cc)
                self._store.set_parts(message_id, [_part_data(p) for p in conf.parts])
                self._store.add_raw("in", "mms", data, message_id=message_id)
                self._store.move_to_conversation(message_id, self._handset.people([sender, *to, *cc]))
                self._store.put_task(response, message_id, args={"status": tx.STATUS_RETRIEVED,
                                                                 **({"transaction_id": ack_tid} if ack_tid else {})})
            self._store.finish_task(task.id)
        log.info("message %s retrieved (%d bytes); %s owed", touched, len(data), response)
        self._publisher.message("message.received", touched)

    # -- answers to the MMSC ------------------------------------------------------------

    def respond(self, task: Task) -> None:
        tid = task.args.get("transaction_id")
        message = self._store.get_message(task.message_id) if task.message_id is not None else None
        if tid is None and message is not None:
            tid = message.transaction_id
        if not tid:
            self._store.finish_task(task.id)
            return
        settings = self._settings()
        allowed = settings.allow_delivery_reports
        if task.kind == "acknowledge":
            body = tx.acknowledge(tid, allowed)
        else:
            body = tx.notify_resp(tid, int(task.args.get("status", tx.STATUS_RETRIEVED)), allowed)
        self._post_owed(task, body, answer_url(message.content_location if message else None, settings))

    def read_report(self, task: Task) -> None:
        message = self._store.get_message(task.require_message_id())
        if not message.message_id or not message.sender:
            self._store.finish_task(task.id)
            return
        self._post_owed(task, tx.read_rec(message.message_id, message.sender, self._clock()))

    def _post_owed(self, task: Task, body: bytes, url: str | None = None) -> None:
        if self._retries.exchange(task, lambda http: http.post(body, expect_pdu=False, url=url)) is None:
            return
        with self._store.transaction():
            self._store.add_raw("out", "mms", body, message_id=task.message_id)
            self._store.finish_task(task.id)
        log.info("%s for message %s posted", task.kind, task.message_id)



def _part_data(part: Part) -> PartData:
    return PartData(
        content_type=part.content_type.media_type,
        data=part.data,
        name=part.name,
        content_id=part.content_id,
        charset=part.content_type.charset,
        content_location=part.content_location,
    )
