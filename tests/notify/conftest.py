"""Notifications' tests: a private dbus-daemon with a fake org.freedesktop.Notifications,
a loopback HTTP server standing in for ntfy, and the real daemon on the simulated carrier."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


class NtfyServer:
    """Records each POST: (path, headers, JSON body)."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, str], Any]] = []
        self.changed = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, fmt: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(min(int(self.headers.get("Content-Length", "0")), 65536))
                with server.changed:
                    server.posts.append((self.path, {k.lower(): v for k, v in self.headers.items()}, json.loads(body)))
                    server.changed.notify_all()
                answer = b'{"id":"x","event":"message"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-ntfy", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(10)


@pytest.fixture
def ntfy() -> Iterator[NtfyServer]:
    server = NtfyServer()
    yield server
    server.stop()


@pytest.fixture
def desktop(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The fake notification service on a private session bus, whose address the
    daemons started in the test get (DBUS_SESSION_BUS_ADDRESS)."""
    pytest.importorskip("dbus_fast", reason="the dbus extra (dbus-fast) is not installed")
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (apt-get install dbus)")
    from fakedesktop import PrivateBus, ServedNotifications

    bus = PrivateBus(daemon)
    try:
        if not bus.address:
            pytest.skip("dbus-daemon did not start")
        served = ServedNotifications(bus.address)
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
        try:
            yield served.service
        finally:
            served.stop()
    finally:
        bus.stop()
