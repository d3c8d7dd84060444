"""UserAgent: the facade the daemon serves (docs/api.md), method for method.

Every method takes the API's params as keyword arguments and returns the API's
JSON shapes as plain dicts and lists. Without a modem it still lists and shows
what the store holds (the TUI can browse); with one (``settings.port``) it runs
the driver through :mod:`mmsua.engine.modem_link`.

Events for :meth:`subscribe` callbacks (data: the Message shape):
``message.received`` when a message's content is stored (an SMS, a retrieved
MMS: state ``received``) and when a notification arrives that waits for the
user (state ``deferred``, ``rejected`` or ``expired``); ``message.updated`` for
everything else (a notification being retrieved, sending, statuses, reads).
So an on-message hook that acts on ``message.received`` with state
``received`` runs exactly once per message. Every API method that changes a
message publishes its event before it answers (send, retry, resend_as_sms:
the queued message; fetch, mark_read: the message), and ``delete`` publishes
``message.deleted`` with ``{id, conversation_id, conversation}`` (the
Conversation shape after the delete). ``modem.state`` carries the Status
shape, ``log`` carries ``{time, level, text}``.
"""

from __future__ import annotations

import base64
import functools
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mmsua import __version__
from mmsua.api.states import MessageState
from mmsua.engine.addresses import AddressError, recipient_address
from mmsua.engine.compose import Attachment, SendRequest, TooLarge, build_parts, fit_to_limit
from mmsua.engine.runner import DataPath, Engine, SmsPort
from mmsua.engine.settings import AgentSettings
from mmsua.engine.states import Event
from mmsua.store import NotFound, Store

log = logging.getLogger(__name__)

Callback = Callable[[str, dict[str, Any]], None]
_PENDING_STATES = (MessageState.NOTIFIED, MessageState.DEFERRED, MessageState.RETRIEVING)
# A part fetched through the API is base64 in JSON; past this, export files instead.
MAX_ATTACHMENT_FILE = 50 * 1024 * 1024
PRIORITIES = ("low", "normal", "high")  # X-Mms-Priority values (OMA-TS-MMS_ENC 7.3.31)


class Unavailable(Exception):
    """The modem or the MMSC is not reachable now (API code ``unavailable``)."""

    api_code = "unavailable"


class BadRequest(ValueError):
    api_code = "bad_request"


class UserAgent:
    def __init__(
        self,
        settings: AgentSettings | None = None,
        *,
        store: Store | None = None,
        data_path: DataPath | None = None,
        sms: SmsPort | None = None,
        clock: Callable[[], float] = time.time,
        on_sim: Callable[[dict[str, Any]], AgentSettings | None] | None = None,
    ) -> None:
        """``on_sim(identity)`` (identity: :meth:`sim_identity`'s dict) runs at each modem
        start right after the SIM is read, before SMS and the data path start; the
        AgentSettings it returns (None: keep them) are used from the first network step."""
        self.settings = settings or AgentSettings()
        self._on_sim = on_sim
        self.store = store or Store(self.settings.store_file())
        self._own_store = store is None
        self._subscribers: list[Callback] = []
        self._subscribers_lock = threading.RLock()  # re-entered if a signal handler logs while it is held
        # Held while a message is read and its event published, by the agent and by the
        # engine's emit alike: an event never carries an older state than one already out.
        self._publish_lock = threading.RLock()
        self.engine = Engine(self.store, self.settings, data_path=data_path, sms=sms, emit=self._publish, clock=clock)
        self.link: Any = None  # mmsua.engine.modem_link.ModemLink when a modem is configured
        self._log_handler: logging.Handler | None = None
        self._started = False

    # -- life cycle ------------------------------------------------------------

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._log_handler = _EventLogHandler(self._publish)
        logging.getLogger("mmsua").addHandler(self._log_handler)
        self.engine.start()
        if self.settings.port and self.engine.data_path is None:
            from mmsua.engine.modem_link import ModemLink

            self.link = ModemLink(self.settings, self.engine, on_state=lambda: self._publish("modem.state", self.status()),
                                  on_sim=self._sim_read)
            self.engine.sms = self.link
            self.link.start()

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        # The engine first: it starts nothing more, and the request in flight fails at
        # once when the link takes the bearer down and closes the channel (not after
        # the HTTP timeout); then its thread is joined.
        self.engine.request_stop()
        if self.link is not None:
            self.link.stop()
        self.engine.stop()
        if self._log_handler is not None:
            logging.getLogger("mmsua").removeHandler(self._log_handler)
            self._log_handler = None
        if self._own_store:
            self.store.close()

    def __enter__(self) -> UserAgent:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def subscribe(self, callback: Callback) -> Callable[[], None]:
        with self._subscribers_lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._subscribers_lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _publish(self, event: str, data: dict[str, Any]) -> None:
        if event == "log":
            # Published from inside logging's handler lock, and subscribers log while
            # holding the publish lock: taking it here would deadlock the two threads.
            # Log lines need no ordering against message states.
            self._deliver(event, data)
            return
        with self._publish_lock:
            self._deliver(event, data)

    def _deliver(self, event: str, data: dict[str, Any]) -> None:
        with self._subscribers_lock:
            callbacks = list(self._subscribers)
        for callback in callbacks:
            try:
                callback(event, data)
            except Exception:  # one broken client must not break the others
                log.debug("subscriber failed on %s", event, exc_info=True)

    def update_settings(self, settings: AgentSettings) -> None:
        """New carrier settings (from provisioning) for the next network steps; the modem
        link builds its bearer and data path again when what they use changed."""
        self.settings = settings
        self.engine.update_settings(settings)
        if self.link is not None:
            self.link.set_settings(settings)
        self.engine.wake()

    def _sim_read(self, identity: dict[str, Any]) -> None:
        if self._on_sim is None:
            return
        try:
            settings = self._on_sim(dict(identity))
        except Exception:  # a broken hook must not keep the modem from starting
            log.exception("the on_sim hook failed; the settings stay as they were")
            return
        if settings is not None and settings != self.settings:
            self.update_settings(settings)

    def sim_identity(self) -> dict[str, Any] | None:
        return self.link.sim_identity() if self.link is not None else None

    # -- API methods -------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        link = self.link.status() if self.link is not None else {}
        data_path = link.get("data_path") or ("up" if self.engine.data_path is not None else "down")
        return {
            "modem": link.get("modem"),
            "operator": link.get("operator"),
            "signal": link.get("signal"),
            "registration": link.get("registration", "unknown"),
            "data_path": data_path,
            "modem_error": link.get("modem_error"),  # {reason, at} of the last start-up failure, or None
            "data_path_error": link.get("data_path_error"),  # {reason, at} of the last bring-up failure, or None
            "own_number": self.engine.own_number,
            "daemon_version": __version__,
            "queued": self.store.count_in_state(MessageState.QUEUED, MessageState.SENDING),
            "pending_notifications": self.store.count_in_state(*_PENDING_STATES),
            "max_size": self.settings.max_message_size,  # the carrier's limit, for a composer's size meter
        }

    def list_conversations(self, query: str | None = None, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        limit, offset = _bounded(limit, 1, 1000, "limit"), _bounded(offset, 0, None, "offset")
        return [c.to_dict() for c in self.store.list_conversations(query or None, limit, offset)]

    def list_messages(self, conversation_id: int, before_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
        self.store.get_conversation(int(conversation_id))
        limit = _bounded(limit, 1, 1000, "limit")
        return [m.to_dict() for m in self.store.list_messages(int(conversation_id), before_id, limit)]

    def show_message(self, id: int) -> dict[str, Any]:  # noqa: A002 - the API's name
        return self.store.get_message(int(id)).to_dict()

    def get_part(self, message_id: int, index: int) -> dict[str, Any]:
        info, data = self.store.get_part(int(message_id), int(index))
        return {"content_type": info.content_type, "name": info.name, "size": info.size,
                "data_b64": base64.b64encode(data).decode("ascii")}

    def send(
        self,
        to: list[str] | None = None,
        cc: list[str] | None = None,
        bcc: list[str] | None = None,
        subject: str | None = None,
        text: str | None = None,
        attachments: list[dict[str, Any]] | None = None,
        delivery_report: bool | None = None,
        read_report: bool | None = None,
        separately: bool = False,
        as_sms: bool = False,
        conversation_id: int | None = None,
        priority: str | None = None,
    ) -> dict[str, Any] | list[dict[str, Any]]:
        """Queue a message (stored before any network step). ``conversation_id``
        without ``to`` replies to everyone in that conversation; ``priority`` ("low",
        "normal", "high") becomes the M-Send.req's X-Mms-Priority."""
        if priority is not None and priority not in PRIORITIES:
            raise BadRequest(f"priority {priority!r} is not one of {', '.join(PRIORITIES)}")
        country = self.engine.country
        if not to and conversation_id is not None:
            to = list(self.store.get_conversation(int(conversation_id)).participants)
        try:
            to_n = _unique([recipient_address(a, country) for a in _as_list(to, "to")])
            cc_n = _unique([recipient_address(a, country) for a in _as_list(cc, "cc")])
            bcc_n = _unique([recipient_address(a, country) for a in _as_list(bcc, "bcc")])
        except AddressError as exc:
            raise BadRequest(str(exc)) from None
        if not to_n:
            raise BadRequest("a message needs at least one recipient in 'to'")
        files = [self._attachment(item) for item in _as_list(attachments, "attachments")]
        if not text and not files and not subject:
            raise BadRequest("nothing to send: give text, a subject or an attachment")
        delivery = self.settings.delivery_report if delivery_report is None else bool(delivery_report)
        read = self.settings.read_report if read_report is None else bool(read_report)
        if as_sms:
            if files or cc_n or bcc_n or priority:
                raise BadRequest("an SMS carries only text to phone numbers (no attachments, cc, bcc or priority)")
            if any("@" in a for a in to_n):
                raise BadRequest("an SMS cannot go to an e-mail address")
            if not text:
                raise BadRequest("an SMS needs text")
            groups = [[a] for a in to_n] if separately else [to_n]
            queue = [functools.partial(self.engine.queue_sms, to=g, text=text, delivery_report=delivery, wake=False)
                     for g in groups]
        else:
            groups = [([a], [], []) for a in (*to_n, *cc_n, *bcc_n)] if separately else [(to_n, cc_n, bcc_n)]
            parts = build_parts(text, files)
            queue = []
            for g_to, g_cc, g_bcc in groups:  # fit every message before queueing any
                request = SendRequest("mmsua-size-check-0000000000", tuple(g_to), tuple(g_cc), tuple(g_bcc),
                                      subject, delivery, read, self.settings.expiry_seconds, priority)
                fitted = fit_to_limit(request, parts, self.settings.max_message_size)
                queue.append(functools.partial(self.engine.queue_mms, to=g_to, cc=g_cc, bcc=g_bcc, subject=subject,
                                               parts=fitted, text=text or "", delivery_report=delivery,
                                               read_report=read, priority=priority, wake=False))
        ids: list[int] = []
        try:
            ids.extend(step() for step in queue)
            results = [self._changed(i) for i in ids]
        finally:
            if ids:  # only now: a client hears "queued" before anything the engine does with it
                self.engine.wake()
        return results if separately else results[0]

    def _attachment(self, item: Any) -> Attachment:
        if not isinstance(item, dict):
            raise BadRequest("each attachment is {path} or {name, content_type, data_b64}")
        if "path" in item:
            path = Path(str(item["path"])).expanduser()
            try:
                if path.stat().st_size > MAX_ATTACHMENT_FILE:
                    raise TooLarge(f"{path} is larger than {MAX_ATTACHMENT_FILE} bytes")
                data = path.read_bytes()
            except OSError as exc:
                raise BadRequest(f"cannot read attachment {path}: {exc.strerror or exc}") from None
            return Attachment(data, path.name, item.get("content_type"))
        if "data_b64" in item:
            try:
                data = base64.b64decode(item["data_b64"], validate=True)
            except (ValueError, TypeError) as exc:
                raise BadRequest(f"attachment data_b64 is not base64: {exc}") from None
            return Attachment(data, item.get("name"), item.get("content_type"))
        raise BadRequest("each attachment is {path} or {name, content_type, data_b64}")

    def fetch(self, id: int, trust: bool = False) -> dict[str, Any]:  # noqa: A002
        """Retrieve a deferred (or failed) notification now; M-Acknowledge.ind follows a deferral."""
        message = self.store.get_message(int(id))
        if message.direction != "in" or message.kind != "mms":
            raise BadRequest(f"message {id} is not a received MMS")
        self.engine.check_fetch(message.id, trust=trust)  # an untrusted location needs the user's word
        if message.state not in ("deferred", "untrusted", "failed", "notified", "retrieving"):
            raise BadRequest(f"message {id} is {message.state}; only a deferred or failed notification can be fetched")
        if message.expiry is not None and message.expiry <= self.engine.clock():
            self.store.change_state(message.id, Event.EXPIRED, error="the notification has expired")
            raise BadRequest(f"message {id} expired on the MMSC")
        deferred = message.state == "deferred" or self.store.get_task("notify_resp", message.id) is not None
        # Read in the step that queues it, published before the worker's "retrieving" can be.
        with self._publish_lock:
            with self.store.transaction():
                self.store.put_task("retrieve", message.id, deadline=message.expiry, args={"deferred": deferred})
                self.store.change_state(message.id, Event.FETCH, error=None)
                result = self.store.get_message(message.id).to_dict()
            self._publish("message.updated", result)
        self.engine.wake()
        if self.engine.data_path is None:
            log.info("message %s queued for retrieval; no data path yet", id)
        return result

    def retry(self, id: int) -> dict[str, Any]:  # noqa: A002
        message = self.store.get_message(int(id))
        if message.direction != "out" or message.state != "failed":
            raise BadRequest(f"message {id} is not a failed outgoing message")
        with self.store.transaction():
            self.store.change_state(message.id, Event.RETRY, error=None)
            self.store.put_task("send" if message.kind == "mms" else "send_sms", message.id)
        result = self._changed(message.id)  # before the engine wakes: its "sending" comes after
        self.engine.wake()
        return result

    def resend_as_sms(self, id: int) -> dict[str, Any]:  # noqa: A002
        message = self.store.get_message(int(id))
        if message.direction != "out" or message.kind != "mms":
            raise BadRequest(f"message {id} is not an outgoing MMS")
        try:
            new_id = self.engine.resend_as_sms(message.id, wake=False)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        result = self._changed(new_id)
        self.engine.wake()
        return result

    def mark_read(self, id: int) -> dict[str, Any]:  # noqa: A002
        message = self.store.get_message(int(id))
        with self.store.transaction():
            if not message.read:
                self.store.mark_read(message.id)
                if (message.direction == "in" and message.kind == "mms" and message.read_report_requested
                        and self.settings.send_read_reports and message.message_id):
                    self.store.put_task("read_report", message.id)
        result = self._changed(message.id)
        self.engine.wake()
        return result

    def delete(self, id: int) -> dict[str, Any]:  # noqa: A002
        message = self.store.get_message(int(id))
        self.store.delete_message(message.id)
        conversation = self.store.get_conversation(message.conversation_id).to_dict()
        self._publish("message.deleted", {"id": message.id, "conversation_id": message.conversation_id,
                                          "conversation": conversation})
        return {}

    def _changed(self, message_id: int) -> dict[str, Any]:
        """The message as it is now, published as ``message.updated`` (other clients redraw it).
        Called before the engine is woken where the agent can, so a client never gets the
        command's state after a later one of the engine's."""
        with self._publish_lock:
            result = self.store.get_message(message_id).to_dict()
            self._publish("message.updated", result)
        return result


class _EventLogHandler(logging.Handler):
    """mmsua's INFO and above as ``log`` events (the TUI's log screen)."""

    def __init__(self, publish: Callback) -> None:
        super().__init__(logging.INFO)
        self._publish = publish

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:
            text = str(record.msg)
        when = datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        self._publish("log", {"time": when, "level": record.levelname, "text": text})


def _as_list(value: Any, name: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise BadRequest(f"{name} must be a list")
    return value


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _bounded(value: Any, low: int, high: int | None, name: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadRequest(f"{name} must be a whole number") from None
    if number < low or (high is not None and number > high):
        raise BadRequest(f"{name} must be between {low} and {high}" if high else f"{name} must be at least {low}")
    return number


__all__ = ["UserAgent", "Unavailable", "BadRequest", "NotFound", "TooLarge"]
