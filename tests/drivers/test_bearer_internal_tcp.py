"""HTTP through the modem's own TCP stack, replayed from transcripts through the real channel,
the real socket dialects and the real requests adapter."""

from __future__ import annotations

import pytest
import requests
from hwreplay import assert_played, replay_channel

from mmsua.drivers.bearers.base import BearerError, ConnectionClosed
from mmsua.drivers.bearers.http11 import ResponseParser, encode_head, request_target
from mmsua.drivers.bearers.internal_tcp import InternalTcpBearer
from mmsua.drivers.pdp import PdpSettings
from mmsua.drivers.vendors import get_profile

PROXY = ("10.0.0.10", 8080)
HEADERS = {"User-Agent": "mmsua-test/1.0", "Accept": "*/*, application/vnd.wap.mms-message"}


def body(n: int, seed: int) -> bytes:
    """The same arbitrary bytes the fixtures carry."""
    return bytes((i * 7 + seed) % 251 for i in range(n))


def bearer_for(channel, profile: str, cid: int) -> InternalTcpBearer:
    bearer = InternalTcpBearer(channel, get_profile(profile), PdpSettings(cid=cid, apn="mms"), proxy=PROXY)
    bearer.up()
    return bearer


def session_of(bearer: InternalTcpBearer) -> requests.Session:
    session = bearer.session()
    session.headers.clear()  # the fixture's request carries exactly these headers
    session.headers.update(HEADERS)
    return session


@pytest.mark.parametrize(("fixture", "profile", "cid"), [("quectel/ec25/http-get.txt", "quectel", 2), ("simcom/sim7600/http-get.txt", "simcom", 5)])
def test_get_through_the_proxy(fixture: str, profile: str, cid: int) -> None:
    with replay_channel(fixture) as channel:
        bearer = bearer_for(channel, profile, cid)
        assert bearer.state == "up" and bearer.addresses == (["10.180.2.33"] if profile == "quectel" else ["10.181.7.2"])
        response = session_of(bearer).get("http://mmsc.example/m/abc", timeout=10)
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/vnd.wap.mms-message"
        assert response.content == body(3000, 3)
        bearer.down()
        assert bearer.state == "down"
        assert_played(channel)


@pytest.mark.parametrize(("fixture", "profile", "cid"), [("quectel/ec25/http-post.txt", "quectel", 2), ("simcom/sim7600/http-post.txt", "simcom", 5)])
def test_post_in_socket_sized_pieces(fixture: str, profile: str, cid: int) -> None:
    with replay_channel(fixture) as channel:
        bearer = bearer_for(channel, profile, cid)
        response = session_of(bearer).post(
            "http://mmsc.example/", data=body(2000, 11), headers={"Content-Type": "application/vnd.wap.mms-message"}, timeout=10
        )
        assert response.status_code == 200 and response.content == body(40, 5)
        assert_played(channel)


@pytest.mark.parametrize(
    ("fixture", "profile", "cid", "reason"),
    [
        ("quectel/ec25/http-get-closed-mid-body.txt", "quectel", 2, '+QIURC: "closed"'),
        ("simcom/sim7600/http-get-ipclose-mid-body.txt", "simcom", 5, "+IPCLOSE: 0,1"),
        ("simcom/sim7600/http-get-network-closed-mid-body.txt", "simcom", 5, "NETWORK CLOSED UNEXPECTEDLY"),
    ],
)
def test_socket_closed_mid_body_is_a_clear_error(fixture: str, profile: str, cid: int, reason: str) -> None:
    with replay_channel(fixture) as channel:
        bearer = bearer_for(channel, profile, cid)
        with pytest.raises(ConnectionClosed) as info:
            session_of(bearer).get("http://mmsc.example/m/abc", timeout=10)
        message = str(info.value)
        assert "1412 body bytes" in message and "1588" in message and reason in message
        assert isinstance(info.value, requests.ConnectionError)  # the engine's HTTP code catches it
        assert_played(channel)  # and the socket was still closed on the modem


def test_streamed_body_is_read_piece_by_piece() -> None:
    with replay_channel("quectel/ec25/http-get.txt") as channel:
        bearer = bearer_for(channel, "quectel", 2)
        response = session_of(bearer).get("http://mmsc.example/m/abc", timeout=10, stream=True)
        pieces = list(response.iter_content(1000))
        assert [len(p) for p in pieces] == [1000, 1000, 1000]
        assert b"".join(pieces) == body(3000, 3)
        bearer.down()
        assert_played(channel)


def test_https_and_profiles_without_a_stack_are_refused() -> None:
    with pytest.raises(BearerError, match="no internal TCP stack"):
        InternalTcpBearer(None, get_profile("huawei"), PdpSettings(cid=2, apn="mms"))


def test_request_head_and_response_parser() -> None:
    target = request_target("http://mmsc.example:8002/m?id=1", ("10.0.0.10", 8080))
    assert (target.host, target.port, target.request_target) == ("10.0.0.10", 8080, "http://mmsc.example:8002/m?id=1")
    direct = request_target("http://mmsc.example/m?id=1", None)
    assert (direct.host, direct.port, direct.request_target) == ("mmsc.example", 80, "/m?id=1")
    head = encode_head("POST", direct, {"Transfer-Encoding": "chunked", "X-Wap-Profile": "http://u/p.xml"}, 5)
    assert b"Transfer-Encoding" not in head and b"Content-Length: 5\r\n" in head and head.endswith(b"Connection: close\r\n\r\n")
    with pytest.raises(BearerError):
        encode_head("GET", direct, {"X": "a\r\nInjected: 1"}, None)
    with pytest.raises(BearerError):
        request_target("https://mmsc.example/", None)
    chunked = ResponseParser()
    chunked.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")
    chunked.feed(b"lo\r\n3;x=1\r\n, w\r\n0\r\n\r\n")
    assert chunked.complete and b"".join(chunked.take_body()) == b"hello, w"
    until_close = ResponseParser()
    until_close.feed(b"HTTP/1.0 200 OK\r\n\r\nabc")
    until_close.close()
    assert until_close.complete and b"".join(until_close.take_body()) == b"abc"
    bad = ResponseParser()
    with pytest.raises(BearerError, match="not an HTTP status line"):
        bad.feed(b"SSH-2.0-OpenSSH\r\n\r\n")


def test_port_vanishes_mid_body_then_the_modem_is_set_up_again() -> None:
    from mmsua.drivers.errors import PortGone
    from mmsua.drivers.modem import Modem

    with replay_channel("quectel/ec25/port-gone-mid-body.txt") as channel:
        bearer = bearer_for(channel, "quectel", 2)
        with pytest.raises(BearerError, match="is gone") as info:
            session_of(bearer).get("http://mmsc.example/m/abc", timeout=10)
        assert isinstance(info.value.__cause__, PortGone)
        assert isinstance(info.value, requests.ConnectionError)
        channel.reopen()  # the device is back (same replay session, after "! unplug")
        assert Modem(channel).start().model == "EC25"
        assert_played(channel)


def test_socket_left_open_by_a_crashed_session_is_reclaimed() -> None:
    with replay_channel("quectel/ec25/socket-left-open.txt") as channel:
        bearer = bearer_for(channel, "quectel", 2)
        response = session_of(bearer).get("http://mmsc.example/m/abc", timeout=10)
        assert response.content == body(3000, 3)
        assert_played(channel)
