"""The simulated carrier's HTTP servers always stop: an accept that finds no connection
(one that was gone between the poll and the accept) must not block the serving loop,
or shutdown() waits for it forever."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler

from mmsua.sim.httpserver import LoopbackHTTPServer


def test_an_accept_with_no_connection_waiting_returns_instead_of_blocking() -> None:
    server = LoopbackHTTPServer(BaseHTTPRequestHandler)
    try:
        # What serve_forever does once its poll said "readable": here nothing is there.
        handle = threading.Thread(target=server._handle_request_noblock, daemon=True)
        handle.start()
        handle.join(10)
        assert not handle.is_alive(), "accept() blocked with no connection waiting"
    finally:
        server.server_close()


def test_a_started_server_stops_within_bounds() -> None:
    server = LoopbackHTTPServer(BaseHTTPRequestHandler)
    server.start("test-http")
    stopper = threading.Thread(target=server.stop, daemon=True)
    stopper.start()
    stopper.join(30)
    assert not stopper.is_alive()
