"""Carrier HTTP on a real loopback socket: what goes on the wire, and how failures are classed."""

from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from mmsua.engine.carrier_http import CarrierHttp, PermanentHttpError, TransientHttpError, proxies_for
from mmsua.engine.settings import AgentSettings

PDU = b"\x8c\x81\x98tid\x00\x8d\x92"


@dataclass
class Wire:
    """What the server saw, and what it answers next."""

    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)
    answer: bytes = b""


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        wire: Wire = self.server.wire  # type: ignore[attr-defined]
        line = self.rfile.readline().decode("latin-1").rstrip("\r\n")
        headers: dict[str, str] = {}
        while True:
            raw = self.rfile.readline().decode("latin-1").rstrip("\r\n")
            if not raw:
                break
            name, _, value = raw.partition(":")
            headers[name.strip().lower()] = value.strip()
        body = self.rfile.read(int(headers.get("content-length", "0")))
        wire.requests.append((line, headers, body))
        self.wfile.write(wire.answer)


@pytest.fixture
def wire() -> Iterator[tuple[Wire, int]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    server.wire = Wire()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield server.wire, server.server_address[1]  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def _ok(body: bytes = PDU, ctype: str = "application/vnd.wap.mms-message", status: str = "200 OK") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            "Connection: close\r\n\r\n").encode() + body


def _settings(port: int, **kw) -> AgentSettings:
    base = dict(mmsc_url="http://mmsc.carrier.example/mms", proxy=f"127.0.0.1:{port}",
                user_agent="TestPhone/1.0", uaprof_url="http://uaprof.example/phone.xml", http_timeout=10)  # answers come at once
    base.update(kw)
    return AgentSettings(**base)


def test_post_goes_through_the_proxy_in_absolute_form_with_carrier_headers(wire) -> None:
    server, port = wire
    server.answer = _ok()
    http = CarrierHttp(_settings(port))
    assert http.post(b"\x8c\x80" + bytes(300)) == PDU
    line, headers, body = server.requests[0]
    assert line == "POST http://mmsc.carrier.example/mms HTTP/1.1"
    assert headers["user-agent"] == "TestPhone/1.0"
    assert headers["x-wap-profile"] == "http://uaprof.example/phone.xml"
    assert headers["content-type"] == "application/vnd.wap.mms-message"
    assert headers["content-length"] == str(302) and len(body) == 302
    assert "transfer-encoding" not in headers
    assert "application/vnd.wap.mms-message" in headers["accept"]


def test_an_engine_built_without_config_still_sends_the_default_uaprof(wire) -> None:
    from mmsua.config import DEFAULT_UAPROF

    server, port = wire
    server.answer = _ok()
    settings = AgentSettings(mmsc_url="http://mmsc.carrier.example/mms", proxy=f"127.0.0.1:{port}", http_timeout=10)
    CarrierHttp(settings).post(b"\x8c\x80" + bytes(10))
    _, headers, _ = server.requests[0]
    assert headers["x-wap-profile"] == DEFAULT_UAPROF


def test_get_of_a_content_location_through_the_proxy(wire) -> None:
    server, port = wire
    server.answer = _ok()
    assert CarrierHttp(_settings(port)).get("http://mmsc.carrier.example/m/abc?x=1") == PDU
    line, headers, body = server.requests[0]
    assert line == "GET http://mmsc.carrier.example/m/abc?x=1 HTTP/1.1"
    assert headers["user-agent"] == "TestPhone/1.0" and "x-wap-profile" in headers
    assert "application/vnd.wap.mms-message" in headers["accept"]


def test_without_a_proxy_the_request_goes_straight_to_the_mmsc(wire) -> None:
    server, port = wire
    server.answer = _ok()
    http = CarrierHttp(_settings(port, proxy="", mmsc_url=f"http://127.0.0.1:{port}/mms"))
    http.post(b"x")
    assert server.requests[0][0] == "POST /mms HTTP/1.1"


def test_environment_proxies_are_ignored(wire, monkeypatch: pytest.MonkeyPatch) -> None:
    server, port = wire
    server.answer = _ok()
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")  # nothing listens there
    CarrierHttp(_settings(port)).get("http://mmsc.carrier.example/x")
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (_ok(status="503 Service Unavailable"), TransientHttpError, "HTTP 503"),
        (_ok(status="500 Internal Server Error"), TransientHttpError, "HTTP 500"),
        (_ok(status="404 Not Found"), PermanentHttpError, "HTTP 404"),
        (_ok(status="412 Precondition Failed"), PermanentHttpError, "HTTP 412"),
        (_ok(status="302 Found"), TransientHttpError, "HTTP 302"),  # a redirect is never followed
        (_ok(b"<html>portal</html>", ctype="text/html"), TransientHttpError, "not application/vnd.wap.mms-message"),
        (_ok()[:-4], TransientHttpError, "truncated|mid-body"),
        (b"", TransientHttpError, "connection"),
    ],
)
def test_failures_are_transient_or_permanent_with_a_reason(wire, answer, error, words) -> None:
    server, port = wire
    server.answer = answer
    with pytest.raises(error, match=words):
        CarrierHttp(_settings(port)).get("http://mmsc.carrier.example/x")


def test_a_silent_server_times_out_as_transient() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        http = CarrierHttp(_settings(listener.getsockname()[1], http_timeout=0.3))
        with pytest.raises(TransientHttpError, match="timed out"):
            http.get("http://mmsc.carrier.example/x")
    finally:
        listener.close()


def test_no_mmsc_configured_is_a_clear_permanent_error() -> None:
    with pytest.raises(PermanentHttpError, match="no MMSC URL"):
        CarrierHttp(AgentSettings()).post(b"x")


def test_ipv6_proxy_setting() -> None:
    assert proxies_for("[2001:db8::1]:8080") == {"http": "http://[2001:db8::1]:8080", "https": "http://[2001:db8::1]:8080"}
    assert proxies_for("") is None


def test_the_carriers_rules_reach_the_wire(wire) -> None:
    """Verizon's rules: UAProf under "Profile", its httpParams with the own number, Connection: close."""
    from mmsua.addresses import country_for

    server, port = wire
    server.answer = _ok()
    settings = _settings(port, uaprof_header="Profile", close_connection=True, extra_headers=("X-VzW-MDN: 1##LINE1NOCOUNTRYCODE##",))
    CarrierHttp(settings, subscriber=lambda: ("+13125550123", country_for("US"))).post(b"\x8c\x80" + bytes(10))
    _, headers, _ = server.requests[0]
    assert headers["profile"] == "http://uaprof.example/phone.xml" and "x-wap-profile" not in headers
    assert headers["x-vzw-mdn"] == "13125550123"
    assert headers["connection"] == "close"
