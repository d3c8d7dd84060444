"""The daemon's Unix-socket server: JSON lines in, engine calls, answers and events out.

Threads, not polling: one thread accepts, one per client reads and dispatches,
one per client writes from a bounded queue. A client that stops reading its
events is dropped rather than allowed to stall the engine. Calls into the engine
are serialised by one lock, so the engine sees one request at a time; what a
request needs from outside (an attachment's file) is read before that lock.

Any local user's program may connect: every line gets an answer (``bad_request``
for what is not a request, ``too_large`` and the end of the connection for a line
over MAX_LINE), a line cut off by the end of the connection is not a request, and
past MAX_CONNECTIONS a newcomer is answered ``unavailable`` and closed.
"""

from __future__ import annotations

import logging
import os
import queue
import socket
import struct
import threading
from pathlib import Path
from typing import Any

from mmsua import paths
from mmsua.api.errors import ApiError, InternalError, TooLarge, Unavailable
from mmsua.api.events import Event
from mmsua.api.methods import Api
from mmsua.api.wire import JSON
from mmsua.daemon import dispatch
from mmsua.daemon.protocol import MAX_LINE, MalformedRequest, answer, encode, error_answer, parse_request

log = logging.getLogger("mmsua.daemon")
OUTBOX_LIMIT = 1000  # events queued for one client before it counts as stuck
MAX_CONNECTIONS = 64  # the TUI holds two, a script one; more is a runaway or an attack
SEND_TIMEOUT = 60  # seconds one write may block on a client that does not read, before it is dropped


class SocketInUse(RuntimeError):
    """Another daemon answers on the socket path."""


class _Connection:
    def __init__(self, server: ApiServer, sock: socket.socket, number: int) -> None:
        self.server = server
        self.sock = sock
        self.number = number
        self.subscribed = False
        self.outbox: queue.Queue[bytes | None] = queue.Queue(OUTBOX_LIMIT)
        self.closed = threading.Event()

    def start(self, read: bool = True) -> None:
        if read:
            threading.Thread(target=self._read, name=f"api-read-{self.number}", daemon=True).start()
        threading.Thread(target=self._write, name=f"api-write-{self.number}", daemon=True).start()

    def send(self, obj: dict[str, Any]) -> None:
        if self.closed.is_set():
            return
        try:
            self.outbox.put_nowait(encode(obj))
        except queue.Full:
            log.warning("API client %d does not read its events; dropping it", self.number)
            self.close()

    def finish(self, last: dict[str, Any]) -> None:
        """Send ``last`` and close once it is written (an answer that ends the connection)."""
        if self.closed.is_set():
            return
        self.closed.set()
        self.server._forget(self)
        try:
            self.outbox.put_nowait(encode(last))
        except queue.Full:
            pass
        try:
            self.outbox.put_nowait(None)
        except queue.Full:
            self.sock.close()

    def close(self, flush: bool = False) -> None:
        """Drop the client; ``flush``: once the answers already queued are written (it stopped
        writing, as a client that gives up on a call does, but still reads)."""
        if self.closed.is_set():
            return
        self.closed.set()
        self.server._forget(self)
        if flush:
            try:
                self.outbox.put_nowait(None)
                return
            except queue.Full:
                pass
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.outbox.put_nowait(None)
        except queue.Full:
            pass

    def _read(self) -> None:
        reader = self.sock.makefile("rb")
        try:
            while not self.closed.is_set():
                line = reader.readline(MAX_LINE + 1)
                if not line:
                    break
                if len(line) > MAX_LINE:
                    self.finish(error_answer(None, TooLarge(f"a request line is longer than {MAX_LINE} bytes")))
                    return
                if not line.endswith(b"\n"):
                    break  # cut off by the end of the connection (a client interrupted mid-send)
                if line.strip():
                    self._handle(line)
        except OSError:
            pass
        finally:
            reader.close()
            self.close(flush=True)

    def _handle(self, line: bytes) -> None:
        request_id = None
        try:
            request = parse_request(line)
            request_id = request.id
            if request.method == "subscribe":
                self.subscribed = True
                self.send(answer(request_id, {}))
                return
            result = self.server._call(request.method, request.params)
            self.send(answer(request_id, result))
        except MalformedRequest as error:
            self.send(error_answer(error.request_id, error))
        except ApiError as error:
            self.send(error_answer(request_id, error))
        except Exception as error:  # never leave a client without an answer, nor end its reader
            log.exception("API request failed")
            self.send(error_answer(request_id, InternalError(f"{type(error).__name__}: {error}")))

    def _write(self) -> None:
        try:
            while True:
                data = self.outbox.get()
                if data is None:
                    break
                self.sock.sendall(data)
        except OSError:
            pass
        finally:
            self.close()
            self.sock.close()


class ApiServer:
    """Serves ``agent`` (an ``Api``: the engine's UserAgent, a test's stand-in) on ``path``."""

    def __init__(self, agent: Api, path: Path | None = None, engine_lock: threading.Lock | None = None) -> None:
        self.agent = agent
        self.path = Path(path) if path else paths.socket_path()
        self._listener: socket.socket | None = None
        self._connections: set[_Connection] = set()
        self._lock = threading.Lock()
        self._engine_lock = engine_lock or threading.Lock()  # shared with the daemon's other transport (D-Bus)
        self._accepting: threading.Thread | None = None
        self._count = 0

    def start(self) -> None:
        paths.ensure_private_dir(self.path.parent)
        _remove_stale(self.path)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)  # the socket is created 0600
        try:
            listener.bind(str(self.path))
        finally:
            os.umask(old_umask)
        listener.listen(16)
        self._listener = listener
        self.agent.subscribe(self.publish)
        self._accepting = threading.Thread(target=self._accept, name="api-accept", daemon=True)
        self._accepting.start()
        log.info("API listening on %s", self.path)

    def stop(self) -> None:
        """Stop accepting, drop every client, remove the socket file."""
        listener, self._listener = self._listener, None
        if listener is not None:
            try:
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept thread
            except OSError:
                pass
            # Closed only once that thread is out of accept(): a thread about to call it with
            # the old descriptor number would otherwise accept on whatever socket gets that
            # number next (another server's listener in the same process).
            if self._accepting is not None and self._accepting is not threading.current_thread():
                self._accepting.join()
            listener.close()
            try:
                self.path.unlink()
            except FileNotFoundError:
                pass
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            connection.close()

    def publish(self, event: Event) -> None:
        """Send an event to every subscribed client (the engine's subscribe callback)."""
        message = event.to_json()
        with self._lock:
            targets = [c for c in self._connections if c.subscribed]
        for connection in targets:
            connection.send(message)

    @property
    def client_count(self) -> int:
        with self._lock:
            return len(self._connections)

    @property
    def subscriber_count(self) -> int:
        """Connections that asked for events (tests wait for a listener before publishing)."""
        with self._lock:
            return sum(1 for c in self._connections if c.subscribed)

    def _call(self, method: str, params: dict[str, JSON]) -> JSON:
        params = dispatch.prepare(method, params)  # files are read before the lock, not under it
        with self._engine_lock:
            return dispatch.call(self.agent, method, params)

    def _accept(self) -> None:
        while self._listener is not None:
            listener = self._listener
            try:
                sock, _ = listener.accept()
            except OSError:
                break
            # A client that stops reading never holds a writer thread for ever (also once it is
            # no longer counted: closing after its answers are flushed).
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", SEND_TIMEOUT, 0))
            with self._lock:
                self._count += 1
                connection = _Connection(self, sock, self._count)
                full = len(self._connections) >= MAX_CONNECTIONS
                if not full:
                    self._connections.add(connection)
            if full:
                log.warning("API client %d refused: %d connections already open", self._count, MAX_CONNECTIONS)
                connection.start(read=False)  # nothing it sends is read, let alone carried out
                connection.finish(error_answer(None, Unavailable(
                    f"the daemon already serves {MAX_CONNECTIONS} connections; close some and try again")))
                continue
            connection.start()

    def _forget(self, connection: _Connection) -> None:
        with self._lock:
            self._connections.discard(connection)


def ensure_no_other_daemon(path: Path | None = None) -> None:
    """Raise SocketInUse when a daemon answers on ``path`` (default: the API socket)."""
    path = Path(path) if path else paths.socket_path()
    if path.parent.is_dir():
        _remove_stale(path)


def _remove_stale(path: Path) -> None:
    """Remove a socket left by a daemon that died; refuse when one still answers."""
    if not path.exists() and not path.is_symlink():
        return
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
    except OSError:
        path.unlink()
        log.info("removed a stale API socket %s", path)
        return
    finally:
        probe.close()
    raise SocketInUse(f"another mmsua daemon is already serving {path}")
