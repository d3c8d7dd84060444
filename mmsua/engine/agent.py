"""UserAgent: the facade the daemon serves (docs/api.md), method for method.

It implements :class:`mmsua.api.methods.Api`: every method returns the API's
typed shapes, converted here from the store's records, and raises the
:mod:`mmsua.api.errors` class its cause calls for (a missing message is
``NotFound``, an impossible request ``BadRequest``, a message that cannot be made
to fit ``TooLarge``); anything else escaping is a fault (``internal``). Without a modem it still lists and shows
what the store holds (the TUI can browse); with one (``settings.port``) it runs
the driver through :mod:`mmsua.engine.modem_link`.

Events for :meth:`subscribe` callbacks (:mod:`mmsua.api.events`; data: the Message shape):
``message.received`` when a message's content is stored (an SMS, a retrieved
MMS: state ``received``) and when a notification arrives that waits for the
user (state ``deferred``, ``rejected`` or ``expired``); ``message.updated`` for
everything else (a notification being retrieved, sending, statuses, reads).
So an on-message hook that acts on ``message.received`` with state
``received`` runs exactly once per message. Every API method that changes a
message publishes its event before it answers (send, retry, resend_as_sms:
the queued message; fetch, mark_read: the message), and ``delete`` publishes
``message.deleted`` with ``{id, conversation_id, conversation}`` (the
Conversation shape after the delete). ``mark_all_read`` publishes
``message.updated`` for each message it marks, ``delete_conversation``
``message.deleted`` for each message it deletes. A message from a blocked number
is never announced: its ``message.received`` goes out as ``message.updated``
(mmsua.engine.publisher). ``modem.state`` carries the Status shape, ``log``
carries ``{time, level, text}``.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mmsua import __version__
from mmsua.addresses import AddressError, recipient_address
from mmsua.api import shapes as api
from mmsua.api.errors import BadRequest, NotFound, TooLarge, TooLate, Unavailable
from mmsua.api.events import Event, EventCallback, Log, MessageDeleted, MessageReceived, MessageUpdated, ModemState
from mmsua.api.methods import Api, Unsubscribe
from mmsua.api.states import MessageState, ReportStatus
from mmsua.engine import compose, send_plan
from mmsua.engine.compose import Attachment, build_parts, fit_to_limit, picture_bounds
from mmsua.engine.forwarding import forward_request
from mmsua.engine.interfaces import ModemBackend
from mmsua.engine.modems import Modem, scopes
from mmsua.engine.pictures import fit_picture
from mmsua.engine.runner import DataPath, Engine, SmsPort
from mmsua.engine.send_path import TooLateToCancel
from mmsua.engine.settings import AgentSettings, check_modem_names
from mmsua.engine.states import Event as Transition  # the state machine's events; Event is the API's
from mmsua.safefiles import read_attachment_file
from mmsua.store import NotFound as StoreNotFound
from mmsua.store import PartData, Store, records

log = logging.getLogger(__name__)

MAX_BLOCKED = 10_000  # numbers one can block: the list is read whole by list_blocked
MAX_ADDRESS = 254  # the longest e-mail address (RFC 5321 path limit); numbers are far shorter


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
        after_work: Callable[[], None] | None = None,
        picture_fitter: compose.PictureFitter | None = None,
        modems: dict[str, AgentSettings] | None = None,
    ) -> None:
        """``on_sim(identity)`` (identity: :meth:`sim_identity`'s dict) runs at each modem
        start right after the SIM is read, before SMS and the data path start; the
        AgentSettings it returns (None: keep them) are used from the first network step.
        ``after_work`` runs when an engine queue goes idle after running tasks;
        ``picture_fitter`` scales pictures to send (default: Pillow in this process).
        ``modems``: a daemon with several modems, each by name with its settings (the first's
        are ``settings`` when those are not given); ``data_path`` and ``sms`` are the first's."""
        if modems:
            settings = settings or next(iter(modems.values()))
        self.settings = settings or AgentSettings()
        self._on_sim = on_sim
        self._fit_picture = picture_fitter or fit_picture
        self.store = store or Store(self.settings.store_file())
        self._own_store = store is None
        self._subscribers: list[EventCallback] = []
        self._subscribers_lock = threading.RLock()  # re-entered if a signal handler logs while it is held
        # Held while a message is read and its event published, by the agent and by the
        # engine's emit alike: an event never carries an older state than one already out.
        self._publish_lock = threading.RLock()
        named = dict(modems) if modems else {api.SINGLE_MODEM: self.settings}
        names = check_modem_names(list(named))
        several = len(names) > 1
        self.modems: dict[str, Modem] = {}
        for index, scope in enumerate(scopes(names)):
            own = named[scope.name] if index else self.settings
            engine = Engine(self.store, own, data_path=None if index else data_path, sms=None if index else sms,
                            emit=self._engine_event, clock=clock, after_work=after_work, modem=scope if several else None)
            self.modems[scope.name] = Modem(scope.name, engine, own)
        self.engine = self.modems[names[0]].engine  # the first modem's: the one a single-modem daemon has
        self._log_handler: logging.Handler | None = None
        self._started = False

    # -- life cycle ------------------------------------------------------------

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._log_handler = _EventLogHandler(self._publish)
        logging.getLogger("mmsua").addHandler(self._log_handler)
        for modem in self.modems.values():
            modem.engine.start()
            settings = modem.settings
            if (settings.port or settings.backend == "modemmanager") and modem.engine.data_path is None:
                modem.link = self._backend(modem)
                modem.engine.sms = modem.link
                modem.link.start()

    @property
    def link(self) -> Any:
        """The first modem's driver backend (interfaces.ModemBackend), when a modem is configured."""
        return self._first.link

    @link.setter
    def link(self, backend: Any) -> None:
        self._first.link = backend

    @property
    def _first(self) -> Modem:
        return next(iter(self.modems.values()))

    def _backend(self, modem: Modem) -> ModemBackend:
        """The AT driver or ModemManager (modem.backend; auto asks ModemManager)."""
        from mmsua.engine.backend import choose_backend

        choice = choose_backend(modem.settings)
        log.log(logging.INFO if choice.backend == "modemmanager" else logging.DEBUG, "driver backend%s: %s (%s)",
                "" if len(self.modems) == 1 else f" of {modem.name}", choice.backend, choice.reason)

        def on_state() -> None:
            self._publish(ModemState(self.status()))

        def on_sim(identity: dict[str, Any]) -> None:
            self._sim_read(modem.name, identity)

        if choice.backend == "modemmanager":
            from mmsua.engine.mm_link import ModemManagerLink

            return ModemManagerLink(modem.settings, modem.engine, on_state=on_state, on_sim=on_sim)
        from mmsua.engine.modem_link import ModemLink

        return ModemLink(modem.settings, modem.engine, on_state=on_state, on_sim=on_sim)

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        # The engine first: it starts nothing more, and the request in flight fails at
        # once when the link takes the bearer down and closes the channel (not after
        # the HTTP timeout); then its thread is joined.
        for modem in self.modems.values():
            modem.engine.request_stop()
        for modem in self.modems.values():
            if modem.link is not None:
                modem.link.stop()
        for modem in self.modems.values():
            modem.engine.stop()
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

    def subscribe(self, callback: EventCallback) -> Unsubscribe:
        with self._subscribers_lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._subscribers_lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def _engine_event(self, name: str, message: records.Message) -> None:
        """The engine's emit: a message event with the store's record of it."""
        shape = self._shape(message)
        self._publish(MessageReceived(shape) if name == MessageReceived.name else MessageUpdated(shape))

    def _publish(self, event: Event) -> None:
        if isinstance(event, Log):
            # Published from inside logging's handler lock, and subscribers log while
            # holding the publish lock: taking it here would deadlock the two threads.
            # Log lines need no ordering against message states.
            self._deliver(event)
            return
        with self._publish_lock:
            self._deliver(event)

    def _deliver(self, event: Event) -> None:
        with self._subscribers_lock:
            callbacks = list(self._subscribers)
        for callback in callbacks:
            try:
                callback(event)
            except Exception:  # one broken client must not break the others
                log.debug("subscriber failed on %s", event.name, exc_info=True)

    def update_settings(self, settings: AgentSettings, modem: str | None = None) -> None:
        """New carrier settings (from provisioning) for the next network steps of ``modem``
        (None: the first); its link builds its bearer and data path again when what they use changed."""
        target = self._modem(modem)
        target.settings = settings
        if target is self._first:
            self.settings = settings
        target.engine.update_settings(settings)
        if target.link is not None:
            target.link.set_settings(settings)
        target.engine.wake()

    def _sim_read(self, modem: str, identity: dict[str, Any]) -> None:
        if self._on_sim is None:
            return
        try:
            settings = self._on_sim({**identity, "modem": modem})
        except Exception:  # a broken hook must not keep the modem from starting
            log.exception("the on_sim hook failed; the settings stay as they were")
            return
        if settings is not None and settings != self._modem(modem).settings:
            self.update_settings(settings, modem)

    def sim_identity(self, modem: str | None = None) -> dict[str, Any] | None:
        link = self._modem(modem).link
        return link.sim_identity() if link is not None else None

    def modem_names(self) -> list[str]:
        """The daemon's modems, the first first (not an API method: Status.modems says it to clients)."""
        return list(self.modems)

    def _modem(self, name: str | None) -> Modem:
        """A modem by name (None: the first); BadRequest naming the ones there are."""
        if name is None:
            return self._first
        if not isinstance(name, str) or name not in self.modems:
            raise BadRequest(f"no modem {name!r}; the modems are {', '.join(self.modems)}")
        return self.modems[name]

    def _engine_of(self, message: records.Message) -> Engine:
        """The engine of the modem a message belongs to (the first for one that names none still configured)."""
        modem = self.modems.get(message.modem or "")
        return (modem or self._first).engine

    def _wake(self) -> None:
        for modem in self.modems.values():
            modem.engine.wake()

    # -- API methods -------------------------------------------------------------

    def status(self) -> api.Status:
        modems = tuple(_modem_status(m) for m in self.modems.values())
        first = modems[0]
        return api.Status(
            modem=first.modem, operator=first.operator, signal=first.signal, registration=first.registration,
            data_path=first.data_path, modem_error=first.modem_error, data_path_error=first.data_path_error,
            own_number=first.own_number,
            daemon_version=__version__,
            queued=self.store.count_in_state(MessageState.QUEUED, MessageState.SENDING),
            pending_notifications=self.store.count_in_state(*api.PENDING_STATES),
            max_size=first.max_size, carrier=first.carrier, modems=modems,
        )

    def list_conversations(self, query: str | None = None, limit: int = 50, offset: int = 0, blocked: bool = False) -> list[api.Conversation]:
        """``query`` also finds the conversations of contacts named like it (by their
        numbers' last nine digits, as the store keeps numbers in whatever form they came)."""
        limit, offset = _bounded(limit, 1, 1000, "limit"), _bounded(offset, 0, None, "offset")
        terms = [_search_term(a) for a in self.engine.contacts.contacts().addresses_named(query)] if query else []
        found = self.store.list_conversations(query or None, limit, offset, blocked=bool(blocked),
                                              participant_terms=[t for t in terms if t])
        return [self._conversation_shape(c) for c in found]

    def list_messages(self, conversation_id: int, before_id: int | None = None, limit: int = 50) -> list[api.Message]:
        with _found():
            self.store.get_conversation(conversation_id)
        limit = _bounded(limit, 1, 1000, "limit")
        return [self._shape(m) for m in self.store.list_messages(conversation_id, before_id, limit)]

    def show_message(self, id: int) -> api.Message:  # noqa: A002 - the API's name
        return self._shape(self._message(id))

    def get_part(self, message_id: int, index: int) -> api.PartContent:
        with _found():
            info, data = self.store.get_part(message_id, index)
        return api.PartContent.of(info.content_type, info.name, data)

    def plan_send(self, request: api.SendRequest) -> api.SendPlan:
        """What ``send`` would do with the request: SMS or MMS and why, parts, size. Sends nothing."""
        return self._prepare(request).plan

    def send(self, request: api.SendRequest) -> api.Message | list[api.Message]:
        """Queue a message (stored before any network step), as SMS or MMS by the plan
        :meth:`plan_send` gives (mmsua.engine.send_plan). ``conversation_id`` without ``to``
        replies to everyone in that conversation; ``priority`` ("low", "normal", "high")
        becomes the M-Send.req's X-Mms-Priority."""
        prepared = self._prepare(request)
        if prepared.plan.problems:
            raise TooLarge("; ".join(prepared.plan.problems))
        draft, text, engine = prepared.draft, prepared.draft.text, prepared.modem.engine
        if prepared.plan.kind == "sms":
            groups = [[a] for a in draft.to] if draft.separately else [list(draft.to)]
            queue = [functools.partial(engine.queue_sms, to=g, text=text, delivery_report=prepared.delivery,
                                       wake=False) for g in groups]
        else:
            queue = [functools.partial(engine.queue_mms, to=list(g.to), cc=list(g.cc), bcc=list(g.bcc),
                                       subject=draft.subject, parts=parts, text=text,
                                       delivery_report=prepared.delivery, read_report=prepared.read,
                                       priority=draft.priority, wake=False)
                     for g, parts in prepared.mms]
        ids: list[int] = []
        try:
            ids.extend(step() for step in queue)
            results = [self._changed(i) for i in ids]
        finally:
            if ids:  # only now: a client hears "queued" before anything the engine does with it
                engine.wake()
        return results if draft.separately else results[0]

    def _prepare(self, r: api.SendRequest) -> _Prepared:
        """The request checked and normalised, and its plan; an MMS's parts already fitted."""
        if r.priority is not None and r.priority not in api.PRIORITIES:
            raise BadRequest(f"priority {r.priority!r} is not one of {', '.join(api.PRIORITIES)}")
        if r.as_sms and r.via == "mms":
            raise BadRequest("as_sms and via 'mms' contradict each other; give one")
        to = r.to
        if not to and r.conversation_id is not None:
            with _found():
                to = self.store.get_conversation(r.conversation_id).participants
        modem = self._sender(r)
        country, settings = modem.engine.country, modem.settings
        try:
            to_n = _unique([recipient_address(a, country) for a in to])
            cc_n = _unique([recipient_address(a, country) for a in r.cc])
            bcc_n = _unique([recipient_address(a, country) for a in r.bcc])
        except AddressError as exc:
            raise BadRequest(str(exc)) from None
        if not to_n:
            raise BadRequest("a message needs at least one recipient in 'to'")
        files = [self._attachment(item) for item in r.attachments]
        if not r.text and not files and not r.subject:
            raise BadRequest("nothing to send: give text, a subject or an attachment")
        draft = send_plan.Draft(tuple(to_n), tuple(cc_n), tuple(bcc_n), r.text or "", r.subject, len(files),
                                r.priority, r.separately, "sms" if r.as_sms else r.via)
        delivery = settings.delivery_report if r.delivery_report is None else r.delivery_report
        read = settings.read_report if r.read_report is None else r.read_report
        limit = settings.max_message_size
        fitted: list[tuple[send_plan.Draft, list[PartData]]] = []

        def measure() -> tuple[int, str | None]:
            """Fit every message before any is queued; the largest M-Send.req's size."""
            parts = build_parts(draft.text, files)
            one = [send_plan.Draft((a,)) for a in draft.recipients] if draft.separately else [draft]
            size = 0
            for group in one:
                check = compose.SendRequest("mmsua-size-check-0000000000", group.to, group.cc, group.bcc,
                                            draft.subject, delivery, read, settings.expiry_seconds, draft.priority)
                try:
                    group_parts = fit_to_limit(check, parts, limit, bounds=picture_bounds(settings),
                                                 fit=self._fit_picture)
                except compose.TooLarge as exc:
                    return compose.encoded_size(check, parts), str(exc)
                fitted.append((group, group_parts))
                size = max(size, compose.encoded_size(check, group_parts))
            return size, None

        try:
            plan = send_plan.plan(draft, settings, measure)
        except send_plan.Refused as exc:
            raise BadRequest(str(exc)) from None
        if len(self.modems) > 1:
            plan = dataclasses.replace(plan, modem=modem.name)
        return _Prepared(plan, draft, fitted, delivery, read, modem)

    def _sender(self, r: api.SendRequest) -> Modem:
        """The modem a message goes out of: the one asked for, else the one its conversation
        uses (its newest message's), else the first."""
        if r.modem is not None or len(self.modems) == 1:
            return self._modem(r.modem)
        conversation = r.conversation_id
        if conversation is None and r.to:
            people = [a for a in (*r.to, *r.cc, *r.bcc) if isinstance(a, str)]
            with contextlib.suppress(AddressError, ValueError):  # a bad address is refused after this, by the plan
                conversation = self.store.conversation_with(self.engine.handset.people(people))
        used = self.store.modem_of_conversation(conversation) if conversation is not None else None
        return self.modems.get(used or "") or self._first

    def _attachment(self, item: api.Attachment) -> Attachment:
        if item.path is not None:
            path = Path(item.path).expanduser()
            return Attachment(read_attachment_file(path), path.name, item.content_type)
        if item.data_b64 is not None:
            try:
                data = base64.b64decode(item.data_b64, validate=True)
            except (ValueError, TypeError) as exc:
                raise BadRequest(f"attachment data_b64 is not base64: {exc}") from None
            return Attachment(data, item.name, item.content_type)
        raise BadRequest("each attachment is {path} or {name, content_type, data_b64}")

    def fetch(self, id: int, trust: bool = False) -> api.Message:  # noqa: A002
        """Retrieve a deferred (or failed) notification now; M-Acknowledge.ind follows a deferral."""
        message = self._message(id)
        if message.direction != "in" or message.kind != "mms":
            raise BadRequest(f"message {id} is not a received MMS")
        engine = self._engine_of(message)
        engine.check_fetch(message.id, trust=trust)  # an untrusted location needs the user's word
        if message.state not in ("deferred", "untrusted", "failed", "notified", "retrieving"):
            raise BadRequest(f"message {id} is {message.state}; only a deferred or failed notification can be fetched")
        if message.expiry is not None and message.expiry <= engine.clock():
            self.store.change_state(message.id, Transition.EXPIRED, error="the notification has expired")
            raise BadRequest(f"message {id} expired on the MMSC")
        deferred = message.state == "deferred" or self.store.get_task("notify_resp", message.id) is not None
        # Read in the step that queues it, published before the worker's "retrieving" can be.
        with self._publish_lock:
            with self.store.transaction():
                self.store.put_task("retrieve", message.id, deadline=message.expiry, args={"deferred": deferred})
                self.store.change_state(message.id, Transition.FETCH, error=None)
                result = self._shape(self.store.get_message(message.id))
            self._publish(MessageUpdated(result))
        engine.wake()
        if engine.data_path is None:
            log.info("message %s queued for retrieval; no data path yet", id)
        return result

    def retry(self, id: int) -> api.Message:  # noqa: A002
        message = self._message(id)
        if message.direction != "out" or message.state != "failed":
            raise BadRequest(f"message {id} is not a failed outgoing message")
        with self.store.transaction():
            self.store.change_state(message.id, Transition.RETRY, error=None)
            self.store.put_task("send" if message.kind == "mms" else "send_sms", message.id)
        result = self._changed(message.id)  # before the engine wakes: its "sending" comes after
        self._wake()
        return result

    def cancel(self, id: int) -> api.Message:  # noqa: A002
        """Stop an outgoing message before it leaves; TooLate once its POST began (it may have arrived)."""
        engine = self._engine_of(self._message(id))
        with self._publish_lock:  # the cancelled state goes out before anything later of the engine's
            try:
                engine.outbox.cancel(id)
            except TooLateToCancel as exc:
                raise TooLate(str(exc)) from None
            return self._changed(id)

    def resend_as_sms(self, id: int, force: bool = False) -> api.Message:  # noqa: A002
        message = self._message(id)
        if message.direction != "out" or message.kind != "mms":
            raise BadRequest(f"message {id} is not an outgoing MMS")
        if not force and message.state in (MessageState.SENT, MessageState.SENDING, MessageState.QUEUED):
            why = ("was sent: the recipients have it" if message.state is MessageState.SENT else
                   f"is still {message.state.value} as MMS (cancel it first)")
            raise BadRequest(f"message {id} {why}; force it to send its text again as SMS")
        try:
            new_id = self._engine_of(message).resend_as_sms(message.id, wake=False)
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        result = self._changed(new_id)
        self._wake()
        return result

    def mark_read(self, id: int) -> api.Message:  # noqa: A002
        message = self._message(id)
        with self.store.transaction():
            self._mark_read(message)
        result = self._changed(message.id)
        self._wake()
        return result

    def _mark_read(self, message: records.Message) -> None:
        """Mark it read (inside the caller's transaction), with the read report it asked for
        when the settings allow one; never to a blocked number (it would say we read it)."""
        if message.read:
            return
        self.store.mark_read(message.id)
        if (message.direction == "in" and message.kind == "mms" and message.read_report_requested
                and self.settings.send_read_reports and message.message_id and not message.blocked):
            self.store.put_task("read_report", message.id)

    def delete(self, id: int) -> None:  # noqa: A002
        message = self._message(id)
        self.store.delete_message(message.id)
        conversation = self._conversation_shape(self.store.get_conversation(message.conversation_id))
        self._publish(MessageDeleted(api.Deleted(message.id, message.conversation_id, conversation)))

    # --- #12's methods: the contract is in mmsua.api.methods; each is built in its own change.
    def forward(self, id: int, to: tuple[str, ...], separately: bool = False, via: api.SendVia = "auto") -> api.Message | list[api.Message]:  # noqa: A002
        """The message's text and parts (less its SMIL) to new recipients, through ``send``."""
        message = self._message(id)
        if isinstance(to, str) or not to:
            raise BadRequest("forward needs a list of recipients in 'to'")

        def read_part(index: int) -> bytes:
            with _found():
                return self.store.get_part(message.id, index)[1]

        return self.send(forward_request(message, read_part, tuple(to), separately, via))

    def mark_all_read(self, conversation_id: int | None = None) -> int:
        """Mark every unread received message read (in one conversation, or all), each as
        ``mark_read`` does; publishes ``message.updated`` for each. Returns how many."""
        if conversation_id is not None:
            with _found():
                self.store.get_conversation(conversation_id)
        with self.store.transaction():  # read and marked in one step: a delete meanwhile cannot intervene
            unread = self.store.unread_messages(conversation_id)
            for message in unread:
                self._mark_read(message)
        for message in unread:
            with contextlib.suppress(StoreNotFound):  # deleted since by another client: nothing to redraw
                self._changed(message.id)
        if unread:
            self._wake()
        return len(unread)

    def delete_conversation(self, conversation_id: int) -> None:
        """Delete every message of the conversation; ``message.deleted`` for each."""
        with _found():
            ids = self.store.delete_conversation(conversation_id)
            conversation = self._conversation_shape(self.store.get_conversation(conversation_id))
        for message_id in ids:
            self._publish(MessageDeleted(api.Deleted(message_id, conversation_id, conversation)))

    def mute_conversation(self, conversation_id: int) -> None:
        """Its new messages are announced nowhere (docs/operations.md, "Notifications")."""
        self._set_muted(conversation_id, True)

    def unmute_conversation(self, conversation_id: int) -> None:
        self._set_muted(conversation_id, False)

    def _set_muted(self, conversation_id: int, muted: bool) -> None:
        if not self.store.set_muted(conversation_id, muted):
            raise NotFound(f"no conversation {conversation_id}")

    def conversation_muted(self, conversation_id: int) -> bool:
        """For the daemon's notifier (not an API method: clients read Conversation.muted)."""
        return self.store.is_muted(conversation_id)

    def block(self, address: str) -> None:
        """Keep this number's SMS and MMS apart from now on (docs/operations.md, "Blocking")."""
        number = self._number(address)
        if not self.store.is_blocked(number) and self.store.count_blocked() >= MAX_BLOCKED:
            raise BadRequest(f"{MAX_BLOCKED} numbers are blocked already; unblock some first")
        self.store.block(number)

    def unblock(self, address: str) -> None:
        number = self._number(address)
        if not self.store.unblock(number):
            raise NotFound(f"{number} is not blocked")

    def list_blocked(self) -> list[str]:
        return self.store.blocked_numbers()

    def _number(self, address: str) -> str:
        """An address to block, as the store keeps senders (normalised with the handset's country)."""
        if not isinstance(address, str) or len(address) > MAX_ADDRESS:
            raise BadRequest(f"address must be text of at most {MAX_ADDRESS} characters")
        try:
            return recipient_address(address, self.engine.country)
        except AddressError as exc:
            raise BadRequest(str(exc)) from None

    def _shape(self, message: records.Message) -> api.Message:
        return message_shape(message, self.engine.contacts.name_for)

    def _conversation_shape(self, conversation: records.Conversation) -> api.Conversation:
        return conversation_shape(conversation, self.engine.contacts.name_for)

    def _message(self, message_id: int) -> records.Message:
        with _found():
            return self.store.get_message(message_id)

    def _changed(self, message_id: int) -> api.Message:
        """The message as it is now, published as ``message.updated`` (other clients redraw it).
        Called before the engine is woken where the agent can, so a client never gets the
        command's state after a later one of the engine's."""
        with self._publish_lock:
            result = self._shape(self.store.get_message(message_id))
            self._publish(MessageUpdated(result))
        return result


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A send request made ready: its plan, and for MMS each message's fitted parts."""

    plan: api.SendPlan
    draft: send_plan.Draft
    mms: list[tuple[send_plan.Draft, list[PartData]]]
    delivery: bool
    read: bool
    modem: Modem  # the one it goes out of


class _EventLogHandler(logging.Handler):
    """mmsua's INFO and above as ``log`` events (the TUI's log screen)."""

    def __init__(self, publish: Callable[[Event], None]) -> None:
        super().__init__(logging.INFO)
        self._publish = publish

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:
            text = str(record.msg)
        when = datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        self._publish(Log(api.LogLine(when, record.levelname, text)))


def _modem_status(modem: Modem) -> api.ModemStatus:
    """What a modem's backend reports, with its engine's number and its carrier's limits."""
    link = modem.link.status() if modem.link is not None else {}
    data_path = link.get("data_path") or ("up" if modem.engine.data_path is not None else "down")
    info, modem_error, data_path_error = link.get("modem"), link.get("modem_error"), link.get("data_path_error")
    return api.ModemStatus(
        name=modem.name,
        modem=None if info is None else api.ModemInfo(**info),
        operator=link.get("operator"),
        signal=link.get("signal"),
        registration=link.get("registration", "unknown"),
        data_path=data_path,
        modem_error=None if modem_error is None else api.Failure(**modem_error),
        data_path_error=None if data_path_error is None else api.Failure(**data_path_error),
        own_number=modem.engine.own_number,
        max_size=modem.settings.max_message_size,  # the carrier's limit, for a composer's size meter
        carrier=modem.settings.carrier or None,  # the carrier rules entry and its sources
    )


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


@contextlib.contextmanager
def _found() -> Iterator[None]:
    """The store's NotFound as the API's: the id the client gave names nothing."""
    try:
        yield
    except StoreNotFound as exc:
        raise NotFound(str(exc).strip("'\"")) from None


Names = Callable[[str | None], str | None]  # a contact's name for an address, when known


def _no_names(address: str | None) -> str | None:
    return None


def _search_term(address: str) -> str:
    """What a stored participant contains when it is this contact's address: an e-mail
    address lowercased, a number's last nine digits (whatever form either was written in)."""
    if "@" in address:
        return address.strip().lower()
    digits = "".join(c for c in address if c.isdigit())
    return digits[-9:] if len(digits) >= 6 else ""


def message_shape(m: records.Message, names: Names = _no_names) -> api.Message:
    """The API's Message for a stored one; ``names`` gives the sender's contact name."""
    return api.Message(
        id=m.id, conversation_id=m.conversation_id, direction="in" if m.direction == "in" else "out",
        kind="sms" if m.kind == "sms" else "mms", state=MessageState(m.state), sender=m.sender,
        to=m.to, cc=m.cc, bcc=m.bcc, subject=m.subject, date=records.iso(m.date), text=m.text,
        parts=tuple(api.Part(p.index, p.content_type, p.name, p.size, p.content_id) for p in m.parts),
        size=m.size, expiry=records.iso(m.expiry),
        recipients=tuple(api.RecipientStatus(r.address, ReportStatus(r.status), records.iso(r.updated)) for r in m.recipients),
        read=m.read, read_report_requested=m.read_report_requested, delivery_report_requested=m.delivery_report_requested,
        priority=m.priority, error=m.error, message_id=m.message_id, attempts=m.attempts,
        sender_name=names(m.sender) if m.direction == "in" else None, blocked=m.blocked, modem=m.modem,
    )


def conversation_shape(c: records.Conversation, names: Names = _no_names) -> api.Conversation:
    return api.Conversation(c.id, c.participants, records.iso(c.last_date), c.last_preview, c.unread, c.message_count,
                            names=tuple(names(p) or "" for p in c.participants), blocked=c.blocked, muted=c.muted)


def _is_api(agent: UserAgent) -> Api:
    """Never called: the type checker's proof that the UserAgent implements the Api."""
    return agent


__all__ = ["UserAgent", "read_attachment_file", "Unavailable", "BadRequest", "NotFound", "TooLarge", "message_shape", "conversation_shape"]
