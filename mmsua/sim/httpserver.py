"""A threading HTTP server on 127.0.0.1 that can be stopped with no thread left behind.

http.server's ThreadingHTTPServer leaves keep-alive connection threads running
after shutdown(); this one remembers its connections and closes them on stop.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger(__name__)


class LoopbackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> None:
        if ":" in host:  # "::1": the simulated IPv6-only MMS network
            self.address_family = socket.AF_INET6
        self._conns: set[socket.socket] = set()
        self._aborted: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        super().__init__((host, 0), handler)
        # serve_forever polls, then accepts. A connection that is gone by the time of the
        # accept would block a blocking accept() for good, and with it shutdown(): a stress
        # run hung there for 300 s. Non-blocking, that accept fails and the loop goes on.
        self.socket.setblocking(False)

    def process_request(self, request, client_address) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def abort(self, request: socket.socket) -> None:
        """End this connection with a TCP RST once the handler returns (a reset mid-body)."""
        request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self._conns_lock:
            self._aborted.add(request)

    def shutdown_request(self, request) -> None:
        with self._conns_lock:
            self._conns.discard(request)
            aborted = request in self._aborted
            self._aborted.discard(request)
        if aborted:
            # No shutdown(SHUT_WR) first: it would send a FIN and the peer would see a clean
            # end; a bare close with SO_LINGER 0 sends the RST.
            self.close_request(request)
            return
        super().shutdown_request(request)

    def handle_error(self, request, client_address) -> None:
        # A client gone mid-request (a handset stopped or killed, the carrier shutting
        # down) is ordinary for a simulated network: no traceback on stderr.
        log.debug("request from %s ended early", client_address, exc_info=True)

    def start(self, name: str) -> None:
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout=5)
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.server_close()  # joins the connection threads (block_on_close)
