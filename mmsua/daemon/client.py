"""Clients of the daemon's API: ``Client`` over the Unix socket, ``LocalClient`` in-process.

Both implement :class:`mmsua.api.methods.Api`: one method per API method
(docs/api.md) returning the typed shapes, raising the :mod:`mmsua.api.errors`
class of an error answer's code. ``Client`` raises :class:`DaemonUnavailable`
(an ``Unavailable``) when no daemon answers. Events: ``events()`` yields
:mod:`mmsua.api.events` objects; ``on_event(callback, on_close=None)`` calls
``callback(event)`` from a background thread until ``close()``. When the daemon
goes away instead, the callback gets one last :class:`ConnectionClosed` and
``on_close(reason)`` is called, so a client can tell "no events" from
"connection lost".
"""

from __future__ import annotations

import collections
import itertools
import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mmsua import paths
from mmsua.api.errors import ApiError, InternalError, Unavailable
from mmsua.api.methods import METHODS, Api, Unsubscribe
from mmsua.api.shapes import Conversation, Message, PartContent, SendPlan, SendRequest, SendVia, Status
from mmsua.api.wire import JSON
from mmsua.daemon.protocol import MAX_LINE, encode

if TYPE_CHECKING:  # the events and logging are imported where used: `mmsua ls` needs neither
    from mmsua.api.events import Event, EventCallback

START_HINT = "start it with `mmsua daemon` (or `systemctl --user start mmsua`)"
CloseCallback = Callable[[str], None]
CONNECTION_CLOSED = "connection.closed"  # client-side event (ConnectionClosed.name): the daemon went away


class DaemonUnavailable(Unavailable):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"the mmsua daemon is not running ({path}: {reason}); {START_HINT}")
        self.path = path


class DaemonGone(DaemonUnavailable):
    """The daemon went away while a request was out: whether it was carried out is not known."""

    def __init__(self, path: Path, method: str, error: BaseException) -> None:
        Unavailable.__init__(self, f"the mmsua daemon went away during {method} ({path}: {error or type(error).__name__}); "
                             f"it may or may not have been carried out; {START_HINT}")
        self.path = path


class ApiMethods:
    """The ``Api`` as Python methods over ``_call(method, params) -> result`` in JSON; subclasses
    provide ``_call``. Parameters and results go through the method table, so both clients send
    and read exactly what the daemon does."""

    def _call(self, method: str, params: dict[str, JSON]) -> JSON:
        raise NotImplementedError

    def _invoke(self, method: str, **kwargs: Any) -> Any:
        signature = METHODS[method]
        defaults = {p.name: p.default for p in signature.params}
        # Leave out what is at its default, as clients always have (an older daemon may not know it).
        given = {name: value for name, value in kwargs.items() if value is not None and (name not in defaults or value != defaults[name])}
        return signature.decode_result(self._call(method, signature.encode_params(given)))

    def status(self) -> Status:
        return self._invoke("status")

    def list_conversations(self, query: str | None = None, limit: int = 50, offset: int = 0, blocked: bool = False) -> list[Conversation]:
        return self._invoke("list_conversations", query=query, limit=limit, offset=offset, blocked=blocked)

    def list_messages(self, conversation_id: int, before_id: int | None = None, limit: int = 50) -> list[Message]:
        return self._invoke("list_messages", conversation_id=conversation_id, before_id=before_id, limit=limit)

    def show_message(self, id: int) -> Message:  # noqa: A002 - the API's name
        return self._invoke("show_message", id=id)

    def get_part(self, message_id: int, index: int) -> PartContent:
        return self._invoke("get_part", message_id=message_id, index=index)

    def send(self, request: SendRequest) -> Message | list[Message]:
        """Queue a message; with ``conversation_id`` and no ``to``, a reply to all its participants."""
        return self._invoke("send", request=request)

    def plan_send(self, request: SendRequest) -> SendPlan:
        return self._invoke("plan_send", request=request)

    def forward(self, id: int, to: tuple[str, ...], separately: bool = False, via: SendVia = "auto") -> Message | list[Message]:  # noqa: A002
        return self._invoke("forward", id=id, to=to, separately=separately, via=via)

    def fetch(self, id: int, trust: bool = False) -> Message:  # noqa: A002
        return self._invoke("fetch", id=id, trust=trust)

    def retry(self, id: int) -> Message:  # noqa: A002
        return self._invoke("retry", id=id)

    def cancel(self, id: int) -> Message:  # noqa: A002
        return self._invoke("cancel", id=id)

    def resend_as_sms(self, id: int, force: bool = False) -> Message:  # noqa: A002
        return self._invoke("resend_as_sms", id=id, force=force)

    def mark_read(self, id: int) -> Message:  # noqa: A002
        return self._invoke("mark_read", id=id)

    def delete(self, id: int) -> None:  # noqa: A002
        self._invoke("delete", id=id)

    def mark_all_read(self, conversation_id: int | None = None) -> int:
        return self._invoke("mark_all_read", conversation_id=conversation_id)

    def delete_conversation(self, conversation_id: int) -> None:
        self._invoke("delete_conversation", conversation_id=conversation_id)

    def mute_conversation(self, conversation_id: int) -> None:
        self._invoke("mute_conversation", conversation_id=conversation_id)

    def unmute_conversation(self, conversation_id: int) -> None:
        self._invoke("unmute_conversation", conversation_id=conversation_id)

    def block(self, address: str) -> None:
        self._invoke("block", address=address)

    def unblock(self, address: str) -> None:
        self._invoke("unblock", address=address)

    def list_blocked(self) -> list[str]:
        return self._invoke("list_blocked")


class Client(ApiMethods):
    """Synchronous client over the Unix socket. Calls from several threads take turns
    (the TUI calls from its workers); events come on a connection of their own."""


    def __init__(self, path: Path | str | None = None, timeout: float | None = 60.0) -> None:
        self.path = Path(path) if path else paths.socket_path()
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._lock = threading.RLock()  # one request and its answer at a time on the connection
        self._sock: socket.socket | None = None
        self._reader: Any = None
        self._pending_events: collections.deque[JSON] = collections.deque()
        self._listeners: list[Client] = []
        self._closing = False  # close() was called: the end of the stream is not a loss
        self.close_reason: str | None = None  # why the event stream ended, once it has
        self._in_flight: tuple[int, str] | None = None  # (id, method) of a request not yet answered
        # (method, answer) of the last call, from the moment it is read: a Ctrl-C raised
        # after that, before the caller has the result, still learns what the daemon did.
        self._answered: tuple[str, dict[str, Any]] | None = None

    def __enter__(self) -> Client:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        if self._sock is not None:
            return
        self._closing = False
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(str(self.path))
        except FileNotFoundError:
            sock.close()
            raise DaemonUnavailable(self.path, "no socket") from None
        except OSError as error:
            sock.close()
            raise DaemonUnavailable(self.path, error.strerror or str(error)) from None
        self._sock = sock
        self._reader = sock.makefile("rb")

    def close(self) -> None:
        self._closing = True
        for listener in self._listeners:
            listener.close()
        self._listeners.clear()
        if self._sock is not None:
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._reader.close()
            self._sock.close()
            self._sock = None

    def _call(self, method: str, params: dict[str, JSON]) -> JSON:
        with self._lock:
            return self._exchange(method, params)

    def _exchange(self, method: str, params: dict[str, JSON]) -> JSON:
        self.connect()
        assert self._sock is not None
        request_id = next(self._ids)
        self._answered = None
        self._in_flight = (request_id, method)
        try:
            try:
                self._sock.sendall(encode({"id": request_id, "method": method, "params": params}))
            except OSError:
                # The daemon may have refused the line before reading all of it (too_large)
                # and closed: its answer is still there to read.
                message = self._read()
                if "error" in message:
                    raise _error_of(message) from None
                raise
            while True:
                message = self._read()
                if "event" in message:
                    self._pending_events.append(message)
                    continue
                if message.get("id") != request_id and not ("error" in message and message.get("id") is None):
                    continue  # an answer to an abandoned request (an error without id is the connection's)
                self._answered = (method, message)  # before in_flight is cleared: one of them is always set
                self._in_flight = None
                if "error" in message:
                    raise _error_of(message)
                return message.get("result")
        except (OSError, ConnectionError) as error:
            self.close()
            raise DaemonGone(self.path, method, error) from None

    def abandon(self) -> Any:
        """After a call was interrupted (Ctrl-C): whether the daemon carried it out.

        Writing stops here, so a request the daemon got only part of ends without its
        newline and is never carried out (None is returned); one it got whole is answered,
        and that answer is returned as the call would have (an error answer raises), as is
        one read before the Ctrl-C came. The connection is closed either way."""
        if self._in_flight is None or self._sock is None:
            answered, self._answered = self._answered, None
            self.close()
            return None if answered is None else _result_of(*answered)
        request_id, method = self._in_flight
        try:
            try:
                self._sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            while True:
                try:
                    message = self._read()
                except (OSError, ConnectionError):
                    return None  # closed without an answer: the request never became one
                if message.get("id") != request_id:
                    continue
                return _result_of(method, message)
        finally:
            self._in_flight = None
            self.close()

    def _read(self) -> dict[str, Any]:
        line = self._reader.readline(MAX_LINE + 1)
        if not line:
            raise ConnectionError("the daemon closed the connection")
        try:
            message = json.loads(line)
        except (ValueError, RecursionError) as error:  # also bytes that are not UTF-8, and nesting too deep to parse
            raise InternalError(f"the daemon sent a line that is not JSON ({_shown(line)}): {error}") from None
        if not isinstance(message, dict):
            raise InternalError(f"the daemon sent a line that is not a JSON object ({_shown(line)})")
        return message

    def _subscribe_connection(self) -> None:
        self._call("subscribe", {})

    def events(self) -> Iterator[Event]:
        """Subscribe on this connection now and return an iterator of events.

        The iterator blocks between events and ends when the connection closes
        (``close_reason`` then says why). Use a separate Client for calls.
        """
        self._subscribe_connection()
        assert self._sock is not None
        self._sock.settimeout(None)
        return self._event_stream()

    def _event_stream(self) -> Iterator[Event]:
        from mmsua.api.events import event_from_json

        while True:
            if self._pending_events:
                message = self._pending_events.popleft()
            else:
                try:
                    message = self._read()
                except (OSError, ConnectionError, ValueError, ApiError) as error:
                    self.close_reason = str(error) or type(error).__name__
                    return
            if "event" not in message:
                continue
            try:
                yield event_from_json(message)
            except ApiError as error:  # an event this client does not know (a newer daemon's)
                import logging

                logging.getLogger(__name__).debug("event skipped: %s", error)

    @property
    def closed_by_us(self) -> bool:
        return self._closing

    def subscribe(self, callback: EventCallback) -> Unsubscribe:
        """``on_event(callback)``; the returned function stops it."""
        listener = self.on_event(callback)
        return listener.close

    def on_event(self, callback: EventCallback, on_close: CloseCallback | None = None) -> Client:
        """Call ``callback(event)`` for each event, from a thread on its own connection (returned).

        If the daemon closes the connection (stopped, crashed, dropped a client that
        did not read), ``callback`` gets a last :class:`ConnectionClosed` and
        ``on_close(reason)`` is called; neither happens after our own ``close()``.
        """
        listener = Client(self.path, self.timeout)
        stream = listener.events()
        self._listeners.append(listener)

        from mmsua.api.events import Closed, ConnectionClosed

        def pump() -> None:
            for event in stream:
                callback(event)
            if listener.closed_by_us:
                return
            reason = listener.close_reason or "the daemon closed the connection"
            callback(ConnectionClosed(Closed(reason)))
            if on_close is not None:
                on_close(reason)

        threading.Thread(target=pump, name="mmsua-events", daemon=True).start()
        return listener


class LocalClient(ApiMethods):
    """The same API on an in-process engine (``mmsua tui --embedded``, tests): every call
    goes through the same JSON checks and answers as over the socket."""

    def __init__(self, agent: Api, lock: threading.Lock | None = None) -> None:
        self.agent = agent
        self._lock = lock or threading.Lock()  # the daemon's engine lock, for its own clients (rules)
        self._callbacks: list[EventCallback] = []
        self._hooked = False

    def __enter__(self) -> LocalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._callbacks.clear()

    def _call(self, method: str, params: dict[str, JSON]) -> JSON:
        with self._lock:
            params = json.loads(json.dumps(params))
            from mmsua.daemon import dispatch  # the engine's side: not imported by socket clients

            return dispatch.call(self.agent, method, dispatch.prepare(method, params))

    def subscribe(self, callback: EventCallback) -> Unsubscribe:
        self.on_event(callback)
        return lambda: self._callbacks.remove(callback) if callback in self._callbacks else None

    def on_event(self, callback: EventCallback, on_close: CloseCallback | None = None) -> None:
        # In-process: the connection cannot be lost, so on_close is never called.
        self._callbacks.append(callback)
        if not self._hooked:
            self._hooked = True
            self.agent.subscribe(self._publish)

    def _publish(self, event: Event) -> None:
        for callback in list(self._callbacks):
            callback(event)


def _shown(line: bytes, limit: int = 40) -> str:
    """The start of a line that is not an answer, in printable ASCII (escapes for control
    characters and other bytes), so a user can tell what answered on the socket."""
    start = line.rstrip(b"\r\n")
    more = "…" if len(start) > limit else ""
    return f"it begins {ascii(start[:limit].decode('utf-8', 'replace'))}{more}"


def _error_of(answer: dict[str, Any]) -> ApiError:
    """The ApiError of an error answer."""
    error = answer["error"] if isinstance(answer["error"], dict) else {}
    return ApiError.of(str(error.get("code", "internal")), str(error.get("message", "")))


def _result_of(method: str, answer: dict[str, Any]) -> Any:
    """What a call of ``method`` returns for this answer (an error answer raises)."""
    if "error" in answer:
        raise _error_of(answer)
    return METHODS[method].decode_result(answer.get("result"))


def _both_are_api(client: Client, local: LocalClient) -> tuple[Api, Api]:
    """Never called: the type checker's proof that both clients implement the Api."""
    return client, local
