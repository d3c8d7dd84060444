"""The carrier's MMS proxy: an HTTP forward proxy that takes absolute-form requests.

It only reaches hosts on the simulated network (loopback), adds `Via` and the
subscriber's `X-MSISDN` (known from the connection's source port, as a carrier
knows it from the PDP address), records every request, and passes the MMSC's
answer through as it comes, truncations and resets included.
"""

from __future__ import annotations

import http.client
import logging
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from mmsua.sim.httpserver import LoopbackHTTPServer
from mmsua.sim.identity import Identities
from mmsua.sim.modem.netstack import resolve_loopback

log = logging.getLogger(__name__)
VIA = "1.1 sim-mms-proxy"  # the Via header this proxy adds; the MMSC knows proxied requests by it
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailers", "transfer-encoding", "upgrade"}


@dataclass(frozen=True, slots=True)
class ProxiedRequest:
    method: str
    target: str  # absolute URI as the client wrote it
    headers: dict[str, str]
    client_port: int


class MmsProxy:
    def __init__(self, identities: Identities | None = None, *, timeout: float = 30.0, host: str = "127.0.0.1") -> None:
        """``host``: the loopback address it listens on ("::1" for an IPv6-only MMS network)."""
        self.identities = identities or Identities()
        self.timeout = timeout
        self.requests: list[ProxiedRequest] = []
        self._lock = threading.Lock()
        self._server = LoopbackHTTPServer(_handler_for(self), host)

    @property
    def address(self) -> str:
        """"127.0.0.1:PORT", or "[::1]:PORT" on IPv6 (the form mms.proxy takes)."""
        host, port = self._server.server_address[:2]
        if isinstance(host, bytes):  # typeshed allows it for AF_UNIX; a TCP server has text
            host = host.decode("ascii")
        return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def start(self) -> MmsProxy:
        self._server.start("sim-proxy")
        return self

    def stop(self) -> None:
        self._server.stop()


def _handler_for(proxy: MmsProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "SimMMSProxy/1.0"

        def log_message(self, fmt: str, *args: Any) -> None:
            log.debug("proxy: " + fmt, *args)

        def do_GET(self) -> None:
            self._forward()

        def do_POST(self) -> None:
            self._forward()

        def do_HEAD(self) -> None:
            self._forward()

        def _forward(self) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            with proxy._lock:
                proxy.requests.append(ProxiedRequest(self.command, self.path, headers, self.client_address[1]))
            url = urllib.parse.urlsplit(self.path)
            if url.scheme != "http" or not url.hostname:
                return self._error(400, "a proxy needs the absolute URI in the request line")
            try:
                host, port = resolve_loopback(url.hostname, url.port or 80)
            except OSError as err:
                return self._error(502, str(err))
            body = b""
            if "content-length" in headers:
                body = self.rfile.read(int(headers["content-length"]))
            out = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            out["Via"] = VIA
            msisdn = proxy.identities.who(self.client_address[1], self.client_address[0])
            if msisdn:
                out["X-MSISDN"] = msisdn
            path = url.path or "/"
            if url.query:
                path += "?" + url.query
            conn = http.client.HTTPConnection(host, port, timeout=proxy.timeout)
            try:
                conn.request(self.command, path, body=body if self.command == "POST" else None, headers=out)
                resp = conn.getresponse()
            except (OSError, http.client.HTTPException) as err:
                conn.close()
                return self._error(504 if isinstance(err, TimeoutError) else 502, f"MMSC unreachable: {err}")
            try:
                self.send_response(resp.status, resp.reason)
                for name, value in resp.getheaders():
                    if name.lower() not in HOP_BY_HOP:
                        self.send_header(name, value)
                self.end_headers()
                expected = resp.length
                sent = 0
                while True:
                    chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(65536)
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    sent += len(chunk)
                if expected is not None and sent < expected:
                    raise ConnectionResetError("upstream ended early")
            except (OSError, http.client.HTTPException):
                # pass the upstream failure on: reset the client's connection too
                self.wfile.flush()
                self.server.abort(self.connection)  # type: ignore[attr-defined]
                self.close_connection = True
            finally:
                conn.close()

        def _error(self, status: int, text: str) -> None:
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
