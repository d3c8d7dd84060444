"""The interface bearer against a real HTTP server on loopback: requests really leave from the
bound source address, go through the proxy in absolute form, and carry 1 MB both ways."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from mmsua.drivers.bearers.base import Bearer, BearerError
from mmsua.drivers.bearers.interface import InterfaceBearer, Route, interface_ipv4
from mmsua.drivers.bearers.ppp import PppBearer, chat_script, ppp_available, pppd_arguments

BIG = bytes(range(256)) * 4096  # 1 MiB


class Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str, int]] = []  # (client address, method, request target, body length)

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        Handler.seen.append((self.client_address[0], "GET", self.path, 0))
        body = BIG if self.path.endswith("/big") else b"hello"
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.wap.mms-message")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        digest = hashlib.sha256()
        left = length
        while left:
            chunk = self.rfile.read(min(65536, left))
            digest.update(chunk)
            left -= len(chunk)
        Handler.seen.append((self.client_address[0], "POST", self.path, length))
        answer = digest.hexdigest().encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


@pytest.fixture()
def server() -> Iterator[tuple[str, int]]:
    Handler.seen = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[:2]
    httpd.shutdown()
    httpd.server_close()


def test_requests_leave_from_the_bound_address(server: tuple[str, int]) -> None:
    host, port = server
    bearer = InterfaceBearer(source_address="127.0.0.2", allowed_hosts=[host])  # the "MMSC" is on loopback
    assert isinstance(bearer, Bearer) and bearer.state == "down"
    bearer.up()
    response = bearer.session().get(f"http://{host}:{port}/m/1", timeout=30)
    assert response.content == b"hello"
    assert Handler.seen == [("127.0.0.2", "GET", "/m/1", 0)]
    bearer.down()
    assert bearer.state == "down"


def test_proxy_gets_the_absolute_form(server: tuple[str, int]) -> None:
    host, port = server
    bearer = InterfaceBearer(source_address="127.0.0.3", proxy=(host, port))
    bearer.up()
    response = bearer.session().get("http://mmsc.example/m/2", timeout=30)
    assert response.status_code == 200
    assert Handler.seen == [("127.0.0.3", "GET", "http://mmsc.example/m/2", 0)]


def test_one_megabyte_both_ways(server: tuple[str, int]) -> None:
    host, port = server
    bearer = InterfaceBearer("lo", allowed_hosts=[host])  # the real ioctl: lo's address
    bearer.up()
    assert bearer.source_address == "127.0.0.1"
    session = bearer.session()
    got = session.get(f"http://{host}:{port}/big", timeout=10, stream=True)
    digest = hashlib.sha256()
    for piece in got.iter_content(65536):
        digest.update(piece)
    assert digest.hexdigest() == hashlib.sha256(BIG).hexdigest()
    posted = session.post(f"http://{host}:{port}/send", data=BIG, timeout=10)
    assert posted.content.decode() == hashlib.sha256(BIG).hexdigest()
    assert Handler.seen[-1] == ("127.0.0.1", "POST", "/send", len(BIG))


@pytest.mark.parametrize("target", ["127.0.0.1", "localhost", "10.1.2.3", "169.254.169.254", "[::1]", "[::ffff:127.0.0.1]"])
def test_no_loopback_link_local_or_private_destination_but_the_mmsc_and_proxy(server: tuple[str, int],
                                                                             target: str) -> None:
    host, port = server
    bearer = InterfaceBearer(source_address="127.0.0.2" if "[" not in target else "::1", allowed_hosts=["mmsc.example"])
    bearer.up()
    with pytest.raises(requests.ConnectionError, match="loopback, link-local or private"):
        bearer.session().get(f"http://{target}:{port}/m/1", timeout=5)
    assert Handler.seen == []


def test_the_interface_pins_every_socket(server: tuple[str, int]) -> None:
    host, port = server
    sock = Route("lo", None, True, frozenset({host})).connect(host, port, 5, None)
    try:
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, 16).rstrip(b"\0") == b"lo"
    finally:
        sock.close()
    assert InterfaceBearer("wwan9").allowed_hosts == frozenset()
    assert InterfaceBearer("wwan9", proxy=("10.0.0.1", 80), allowed_hosts=["MMSC.example"]).allowed_hosts == {
        "10.0.0.1", "mmsc.example"}
    assert PppBearer("/dev/ttyUSB3", 2, allowed_hosts=["mmsc.example"]).allowed_hosts == ("mmsc.example",)  # to ppp0's


def test_missing_interface_and_misuse_are_clear_errors() -> None:
    with pytest.raises(BearerError, match="no IPv4 address"):
        interface_ipv4("mmsua-none0")
    with pytest.raises(BearerError, match="not a network interface name"):
        interface_ipv4("../etc")
    bearer = InterfaceBearer("mmsua-none0")
    with pytest.raises(BearerError):
        bearer.up()
    assert bearer.state == "error"
    with pytest.raises(BearerError, match="not up"):
        bearer.session()
    with pytest.raises(BearerError, match="needs an interface"):
        InterfaceBearer()


def test_ppp_command_line() -> None:
    args = pppd_arguments("/dev/ttyUSB3", 2, 7)
    assert "nodefaultroute" in args and "unit" in args and args[args.index("unit") + 1] == "7"
    assert "ATD*99***2#" in chat_script(2)


@pytest.mark.skipif(ppp_available() is not None, reason=f"PPP cannot run here: {ppp_available()}")
def test_ppp_needs_a_modem_port() -> None:  # pragma: no cover - only where pppd and /dev/ppp exist
    from mmsua.drivers.bearers.ppp import PppBearer

    bearer = PppBearer("/dev/null", 2, up_timeout=3)
    with pytest.raises(BearerError):
        bearer.up()
