"""Clients of the daemon's API: ``Client`` over the Unix socket, ``LocalClient`` in-process.

Both have one method per API method (docs/api.md) returning the JSON result, and
raise :class:`ApiError` (``code``, ``message``) for an error answer. ``Client``
raises :class:`DaemonUnavailable` when no daemon answers. Events: ``events()``
yields ``(name, data)``; ``on_event(callback, on_close=None)`` calls
``callback(name, data)`` from a background thread until ``close()``. When the
daemon goes away instead, the callback gets one last ``("connection.closed",
{"reason": ...})`` and ``on_close(reason)`` is called, so a client can tell
"no events" from "connection lost".
"""

from __future__ import annotations

import collections
import itertools
import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from mmsua import paths
from mmsua.daemon import dispatch
from mmsua.daemon.protocol import MAX_LINE, ApiError, encode

START_HINT = "start it with `mmsua daemon` (or `systemctl --user start mmsua`)"
EventCallback = Callable[[str, Any], None]
CloseCallback = Callable[[str], None]
CONNECTION_CLOSED = "connection.closed"  # client-side event: the daemon went away


class DaemonUnavailable(ApiError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__("unavailable", f"the mmsua daemon is not running ({path}: {reason}); {START_HINT}")
        self.path = path


def _drop_none(params: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in params.items() if value is not None}


class ApiMethods:
    """The API as Python methods; subclasses provide ``_call``."""

    def _call(self, method: str, params: dict[str, Any]) -> Any:
        raise NotImplementedError

    def status(self) -> dict[str, Any]:
        return self._call("status", {})

    def list_conversations(self, query: str | None = None, limit: int | None = None, offset: int | None = None) -> list[dict[str, Any]]:
        return self._call("list_conversations", _drop_none({"query": query, "limit": limit, "offset": offset}))

    def list_messages(self, conversation_id: int, before_id: int | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        return self._call("list_messages", _drop_none({"conversation_id": conversation_id, "before_id": before_id, "limit": limit}))

    def show_message(self, id: int) -> dict[str, Any]:
        return self._call("show_message", {"id": id})

    def get_part(self, message_id: int, index: int) -> dict[str, Any]:
        return self._call("get_part", {"message_id": message_id, "index": index})

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
        separately: bool | None = None,
        as_sms: bool | None = None,
        conversation_id: int | None = None,
        priority: str | None = None,
    ) -> Any:
        """Queue a message; with ``conversation_id`` and no ``to``, a reply to all its participants."""
        params = {
            "to": list(to) if to is not None else None, "cc": cc, "bcc": bcc, "subject": subject, "text": text, "attachments": attachments,
            "delivery_report": delivery_report, "read_report": read_report, "separately": separately, "as_sms": as_sms,
            "conversation_id": conversation_id, "priority": priority,
        }
        return self._call("send", _drop_none(params))

    def fetch(self, id: int) -> dict[str, Any]:
        return self._call("fetch", {"id": id})

    def retry(self, id: int) -> dict[str, Any]:
        return self._call("retry", {"id": id})

    def resend_as_sms(self, id: int) -> dict[str, Any]:
        return self._call("resend_as_sms", {"id": id})

    def mark_read(self, id: int) -> dict[str, Any]:
        return self._call("mark_read", {"id": id})

    def delete(self, id: int) -> dict[str, Any]:
        return self._call("delete", {"id": id})


class Client(ApiMethods):
    """Synchronous client over the Unix socket. Not for use from several threads at once."""

    def __init__(self, path: Path | str | None = None, timeout: float | None = 60.0) -> None:
        self.path = Path(path) if path else paths.socket_path()
        self.timeout = timeout
        self._ids = itertools.count(1)
        self._sock: socket.socket | None = None
        self._reader: Any = None
        self._pending_events: collections.deque[tuple[str, Any]] = collections.deque()
        self._listeners: list[Client] = []
        self._closing = False  # close() was called: the end of the stream is not a loss
        self.close_reason: str | None = None  # why the event stream ended, once it has

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

    def _call(self, method: str, params: dict[str, Any]) -> Any:
        self.connect()
        assert self._sock is not None
        request_id = next(self._ids)
        try:
            self._sock.sendall(encode({"id": request_id, "method": method, "params": params}))
            while True:
                message = self._read()
                if "event" in message:
                    self._pending_events.append((message["event"], message.get("data")))
                    continue
                if message.get("id") != request_id:
                    continue  # an answer to an abandoned request
                if "error" in message:
                    error = message["error"] or {}
                    raise ApiError(str(error.get("code", "internal")), str(error.get("message", "")))
                return message.get("result")
        except (OSError, ConnectionError) as error:
            self.close()
            raise DaemonUnavailable(self.path, f"connection lost: {error}") from None

    def _read(self) -> dict[str, Any]:
        line = self._reader.readline(MAX_LINE + 1)
        if not line:
            raise ConnectionError("the daemon closed the connection")
        try:
            message = json.loads(line)
        except json.JSONDecodeError as error:
            raise ApiError("internal", f"the daemon sent a line that is not JSON: {error}") from None
        if not isinstance(message, dict):
            raise ApiError("internal", "the daemon sent a line that is not a JSON object")
        return message

    def subscribe(self) -> None:
        self._call("subscribe", {})

    def events(self) -> Iterator[tuple[str, Any]]:
        """Subscribe on this connection now and return an iterator of ``(name, data)``.

        The iterator blocks between events and ends when the connection closes.
        Use a separate Client for calls.
        """
        self.subscribe()
        assert self._sock is not None
        self._sock.settimeout(None)
        return self._event_stream()

    def _event_stream(self) -> Iterator[tuple[str, Any]]:
        while self._pending_events:
            yield self._pending_events.popleft()
        while True:
            try:
                message = self._read()
            except (OSError, ConnectionError, ValueError, ApiError) as error:
                self.close_reason = str(error) or type(error).__name__
                return
            if "event" in message:
                yield message["event"], message.get("data")

    @property
    def closed_by_us(self) -> bool:
        return self._closing

    def on_event(self, callback: EventCallback, on_close: CloseCallback | None = None) -> None:
        """Call ``callback(name, data)`` for each event, from a thread on its own connection.

        If the daemon closes the connection (stopped, crashed, dropped a client that
        did not read), ``callback`` gets a last ``("connection.closed", {"reason"})``
        and ``on_close(reason)`` is called; neither happens after our own ``close()``.
        """
        listener = Client(self.path, self.timeout)
        stream = listener.events()
        self._listeners.append(listener)

        def pump() -> None:
            for name, data in stream:
                callback(name, data)
            if listener.closed_by_us:
                return
            reason = listener.close_reason or "the daemon closed the connection"
            callback(CONNECTION_CLOSED, {"reason": reason})
            if on_close is not None:
                on_close(reason)

        threading.Thread(target=pump, name="mmsua-events", daemon=True).start()


class LocalClient(ApiMethods):
    """The same API on an in-process engine (``mmsua tui --embedded``, tests)."""

    def __init__(self, agent: Any) -> None:
        self.agent = agent
        self._lock = threading.Lock()
        self._callbacks: list[EventCallback] = []
        self._hooked = False

    def __enter__(self) -> LocalClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._callbacks.clear()

    def _call(self, method: str, params: dict[str, Any]) -> Any:
        with self._lock:
            return dispatch.call(self.agent, method, dispatch.plain(params))

    def subscribe(self) -> None:
        pass

    def on_event(self, callback: EventCallback, on_close: CloseCallback | None = None) -> None:
        # In-process: the connection cannot be lost, so on_close is never called.
        self._callbacks.append(callback)
        if not self._hooked:
            self._hooked = True
            self.agent.subscribe(self._publish)

    def _publish(self, name: str, data: Any) -> None:
        plain = dispatch.plain(data)
        for callback in list(self._callbacks):
            callback(name, plain)
