"""A hostile or broken HTTP server behind the modem's TCP stack (issue #11): each limit of
the response parser, and one deadline for a whole exchange through the requests adapter.

The parser tests feed bytes as the modem hands them over (1500 per read); the adapter
tests run it over a socket stack whose peer sends at a pace measured on a fake clock.
"""

from __future__ import annotations

import socket
import threading

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from mmsua.drivers.bearers.base import BearerError
from mmsua.drivers.bearers.http11 import MAX_BODY, HttpProtocolError, ResponseParser

READ = 1500  # what one QIRD / CIPRXGET read returns at most
CHUNKED_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.wap.mms-message\r\nTransfer-Encoding: chunked\r\n\r\n"


def feed_in_reads(parser: ResponseParser, data: bytes) -> None:
    for start in range(0, len(data), READ):
        parser.feed(data[start : start + READ])


def feed_endlessly(parser: ResponseParser, start: bytes, filler: bytes, up_to: int) -> int:
    """``start``, then ``filler`` again and again in socket reads; the bytes fed when it raised."""
    parser.feed(start)
    fed = len(start)
    piece = filler * (READ // len(filler) + 1)
    while fed < up_to:
        parser.feed(piece[:READ])
        fed += READ
    return fed


# -- the parser's limits ----------------------------------------------------------------


def test_an_endless_trailer_is_refused_after_a_few_kilobytes() -> None:
    parser = ResponseParser()
    with pytest.raises(HttpProtocolError, match="trailer section is over the limit of 8192 bytes"):
        feed_endlessly(parser, CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n", b"X-Pad: 0123456789abcdef\r\n", 4 * 1024 * 1024)
    assert b"".join(parser.take_body()) == b"hello"


def test_an_endless_trailer_line_is_refused_without_buffering_it() -> None:
    """Today's parser kept it all and rescanned it on every read (20 MB took 7 s)."""
    parser = ResponseParser()
    fed = 0
    with pytest.raises(HttpProtocolError, match="chunk-size line or trailer field is over the limit of 1024 bytes"):
        start = CHUNKED_HEAD + b"5\r\nhello\r\n0\r\nX-Pad: "
        parser.feed(start)
        fed = len(start)
        while fed < 4 * 1024 * 1024:
            parser.feed(b"a" * READ)
            fed += READ
    assert fed < len(CHUNKED_HEAD) + 1024 + 2 * READ


def test_a_huge_response_head_is_refused_even_when_it_arrives_whole() -> None:
    head = b"HTTP/1.1 200 OK\r\n" + (b"X-Pad: " + b"a" * 100 + b"\r\n") * 10_000
    parser = ResponseParser()
    with pytest.raises(HttpProtocolError, match="response head is over the limit of 65536 bytes"):
        parser.feed(head + b"Content-Length: 0\r\n\r\n")
    with pytest.raises(HttpProtocolError, match="response head is over the limit"):
        feed_in_reads(ResponseParser(), head)  # and when it never ends


@pytest.mark.parametrize(
    "framing",
    [
        pytest.param(b"0x5\r\nhello\r\n0\r\n\r\n", id="0x-prefix"),
        pytest.param(b"-5\r\nhello\r\n0\r\n\r\n", id="negative"),
        pytest.param(b"+5\r\nhello\r\n0\r\n\r\n", id="plus-sign"),
        pytest.param(b"5_0\r\nhello\r\n0\r\n\r\n", id="underscore"),
        pytest.param(b"5\r\nhelloXX0\r\n\r\n", id="no-crlf-after-data"),
        pytest.param(b"5\r\nhello\n0\r\n\r\n", id="bare-lf-after-data"),
        pytest.param(b"zz\r\nhello\r\n0\r\n\r\n", id="not-hex"),
    ],
)
def test_garbage_in_the_chunk_framing_is_an_error(framing: bytes) -> None:
    parser = ResponseParser()
    with pytest.raises(HttpProtocolError, match="malformed response body"):
        feed_in_reads(parser, CHUNKED_HEAD + framing)
    assert not parser.complete


def test_a_body_over_the_limit_by_content_length_is_refused_at_the_head() -> None:
    parser = ResponseParser()
    with pytest.raises(HttpProtocolError, match=f"Content-Length\\) is over the limit of {MAX_BODY} bytes"):
        parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (MAX_BODY + 1))
    assert parser.body_received == 0


def test_a_body_over_the_limit_by_chunks_is_refused_as_it_arrives() -> None:
    mebibyte = b"m" * (1 << 20)
    parser = ResponseParser()
    parser.feed(CHUNKED_HEAD)
    with pytest.raises(HttpProtocolError, match=f"the response body is over the limit of {MAX_BODY} bytes"):
        for _ in range(MAX_BODY // len(mebibyte) + 1):
            parser.feed(b"100000\r\n" + mebibyte + b"\r\n")
            parser.take_body()
    assert parser.body_received <= MAX_BODY


def test_trailer_bytes_count_toward_the_body_limit() -> None:
    body = b"b" * (MAX_BODY - 100)
    parser = ResponseParser()
    parser.feed(CHUNKED_HEAD + b"%x\r\n" % len(body))
    parser.feed(body)
    parser.take_body()
    with pytest.raises(HttpProtocolError, match="body with its chunk trailer is over the limit"):
        parser.feed(b"\r\n0\r\n" + b"X-Pad: " + b"t" * 200 + b"\r\n\r\n")
    assert not parser.complete


@pytest.mark.parametrize("whole", [True, False], ids=["trailer-whole", "trailer-unfinished"])
def test_trailer_bytes_count_toward_a_small_body_limit(whole: bool) -> None:
    parser = ResponseParser(max_body=1000)
    parser.feed(CHUNKED_HEAD + b"384\r\n" + b"b" * 900 + b"\r\n0\r\n")  # 900 bytes of body
    trailer = b"X-A: " + b"a" * 60 + b"\r\nX-B: " + b"b" * 60 + b"\r\n"
    with pytest.raises(HttpProtocolError, match="over the limit of 1000 bytes"):
        parser.feed(trailer + (b"\r\n" if whole else b""))


def test_within_the_limits_a_chunked_body_and_its_trailer_are_read() -> None:
    parser = ResponseParser(max_body=1000)
    feed_in_reads(parser, CHUNKED_HEAD + b"5;ext=1\r\nhello\r\n3\r\n, w\r\n0\r\nX-Checksum: 1\r\n\r\n")
    assert parser.complete and b"".join(parser.take_body()) == b"hello, w"
    exact = ResponseParser(max_body=5)
    exact.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")
    assert exact.complete and exact.take_body() == [b"hello"]


@st.composite
def framed_responses(draw: st.DrawFn) -> tuple[bytes, bytes, list[int]]:
    """(a well-formed response, its body, where the modem splits it into reads)."""
    body = draw(st.binary(max_size=5000))
    framing = draw(st.sampled_from(["content-length", "chunked", "until-close"]))
    if framing == "content-length":
        wire = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body
    elif framing == "chunked":
        cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=8)))
        pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True) if b > a]
        chunks = b"".join(b"%x\r\n" % len(p) + p + b"\r\n" for p in pieces)
        wire = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\n\r\n"
    else:
        wire = b"HTTP/1.0 200 OK\r\nContent-Type: application/vnd.wap.mms-message\r\n\r\n" + body
    splits = sorted(draw(st.lists(st.integers(0, len(wire)), max_size=12)))
    return wire, body, splits


@given(framed_responses())
def test_a_well_formed_response_reads_the_same_however_the_reads_split_it(case: tuple[bytes, bytes, list[int]]) -> None:
    wire, body, splits = case
    parser = ResponseParser()
    for a, b in zip([0, *splits], [*splits, len(wire)], strict=True):
        parser.feed(wire[a:b])
    if not parser.complete:
        parser.close()  # the close-delimited body ends with the connection
    assert parser.complete and parser.head is not None and parser.head.status == 200
    assert b"".join(parser.take_body()) == body


def test_an_interim_1xx_answer_is_skipped() -> None:
    parser = ResponseParser()
    parser.feed(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert parser.head is not None and parser.head.status == 200
    assert parser.complete and parser.take_body() == [b"ok"]


def test_the_limit_errors_are_bearer_errors_a_requests_caller_catches() -> None:
    parser = ResponseParser(max_body=10)
    with pytest.raises(requests.ConnectionError) as info:
        parser.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n")
    assert isinstance(info.value, BearerError)


# -- the adapter: one deadline for the whole exchange -----------------------------------


class TrickleStack:
    """A modem socket stack whose peer sends ``response`` ``step`` bytes at a time, each
    after ``pause`` seconds of a fake clock (``now``); then it closes."""

    send_chunk = 1460

    def __init__(self, response: bytes, *, pause: float, step: int = 1, silent_after: int | None = None) -> None:
        self.response = response
        self.pause = pause
        self.step = step
        self.silent_after = len(response) + 1 if silent_after is None else silent_after
        self.offset = 0
        self.now = 0.0
        self.sent = bytearray()
        self.send_pause = 0.0  # seconds each send takes (the peer reads slowly)
        self.opened = 0
        self.closed = 0
        self.events = self  # has_data / is_closed, as SocketStack.events offers them

    def clock(self) -> float:
        return self.now

    def open(self, host: str, port: int) -> int:
        self.opened += 1
        return 0

    def send(self, link: int, data: bytes | bytearray | memoryview) -> None:
        self.now += self.send_pause
        self.sent += data

    def wait_readable(self, link: int, timeout: float) -> None:
        if self.offset >= self.silent_after or self.pause > timeout:
            self.now += timeout
            raise BearerError(f"no data from the MMSC within {timeout:g} s (socket {link})")
        self.now += self.pause

    def has_data(self, link: int) -> bool:
        return self.offset < len(self.response)

    def is_closed(self, link: int) -> str | None:
        return None if self.has_data(link) else "closed by the peer"

    def receive(self, link: int, size: int) -> bytes:
        piece = self.response[self.offset : self.offset + min(size, self.step)]
        self.offset += len(piece)
        return piece

    def receive_many(self, link: int, need: int | None) -> tuple[bytes, bool]:
        """As SocketStack.receive_many: one trickled piece; never a full read."""
        return self.receive(link, 1500), False

    def close(self, link: int) -> None:
        self.closed += 1


def session_over(stack: TrickleStack, **limits: float) -> requests.Session:
    from mmsua.drivers.bearers.internal_tcp import AtHttpAdapter

    session = requests.Session()
    session.mount("http://", AtHttpAdapter(stack, None, clock=stack.clock, **limits))
    return session


def test_a_server_sending_one_byte_a_second_is_cut_off_at_the_exchange_deadline() -> None:
    from mmsua.drivers.bearers.deadline import ExchangeTimeout

    body = b"x" * 10_000
    stack = TrickleStack(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body, pause=1.0)
    session = session_over(stack, exchange_timeout=300)
    with pytest.raises(ExchangeTimeout, match="did not finish within 300 s") as info:
        session.get("http://mmsc.example/m/1", timeout=60)  # each byte comes well within 60 s
    assert isinstance(info.value, requests.ConnectionError)
    assert 299 <= stack.now <= 300  # bounded by the deadline, not by the body's length
    assert stack.closed == stack.opened == 1


def test_the_deadline_also_bounds_a_body_read_after_the_head() -> None:
    from mmsua.drivers.bearers.deadline import ExchangeTimeout

    head = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n"
    stack = TrickleStack(head + b"y" * 5000, pause=0.5, step=50)
    response = session_over(stack, exchange_timeout=30).get("http://mmsc.example/m/1", timeout=60, stream=True)
    assert response.status_code == 200
    with pytest.raises(ExchangeTimeout):
        b"".join(response.iter_content(1000))
    assert stack.now <= 30 and stack.closed == 1


def test_a_silence_is_cut_to_what_is_left_of_the_deadline_and_says_so() -> None:
    from mmsua.drivers.bearers.deadline import ExchangeTimeout

    head = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
    stack = TrickleStack(head + b"z" * 10, pause=50.0, step=len(head), silent_after=len(head))
    response = session_over(stack, exchange_timeout=90).get("http://mmsc.example/m/1", timeout=60, stream=True)
    with pytest.raises(ExchangeTimeout, match="within 90 s"):
        response.raw.read(10)
    assert stack.now == pytest.approx(90)  # 50 s for the head, then 40 s, not 60, of silence


def test_the_deadline_bounds_an_upload_the_server_reads_slowly() -> None:
    from mmsua.drivers.bearers.deadline import ExchangeTimeout

    stack = TrickleStack(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", pause=0.0, step=1500)
    stack.send_pause = 10.0
    body = bytes(1_000_000)
    with pytest.raises(ExchangeTimeout, match="within 100 s"):
        session_over(stack, exchange_timeout=100).post("http://mmsc.example/", data=body, timeout=60)
    assert stack.now <= 100 and 0 < len(stack.sent) < len(body) and stack.closed == 1


def test_a_silent_server_still_meets_the_per_read_timeout_first() -> None:
    stack = TrickleStack(b"HTTP/1.1 200 OK\r\n\r\n", pause=61.0)
    with pytest.raises(BearerError, match="no data from the MMSC within 60 s"):
        session_over(stack).get("http://mmsc.example/m/1", timeout=60)
    assert stack.now == pytest.approx(60) and stack.closed == 1


def test_a_limit_through_the_adapter_names_the_limit_and_frees_the_socket() -> None:
    from mmsua.drivers.bearers.http11 import HttpLimitExceeded

    stack = TrickleStack(b"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + b"q" * 2000, pause=0.0, step=1500)
    session = session_over(stack, max_body=1000)
    with pytest.raises(HttpLimitExceeded, match="2000 bytes by its Content-Length\\) is over the limit of 1000"):
        session.get("http://mmsc.example/m/1", timeout=60)
    assert stack.closed == 1
    ok = TrickleStack(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", pause=0.0, step=1500)
    assert session_over(ok, max_body=1000).get("http://mmsc.example/m/1", timeout=60).content == b"abc"


# -- the same servers for real, behind the emulated modem's TCP stack --------------------


def _hostile_server(answer: bytes, endless: bytes) -> tuple[tuple[str, int], threading.Thread, socket.socket]:
    """A loopback server that reads a request head, writes ``answer``, then ``endless``
    until the client goes away (at most 4 MB, so a failing test cannot hang)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            head = b""
            while b"\r\n\r\n" not in head:
                head += conn.recv(4096) or b"\r\n\r\n"
            try:
                conn.sendall(answer)
                for _ in range(4 * 1024 * 1024 // max(len(endless), 1) if endless else 0):
                    conn.sendall(endless)
            except OSError:
                pass  # the modem closed the socket: what a bounded client does

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    return listener.getsockname()[:2], server, listener


@pytest.mark.parametrize(
    ("answer", "endless", "limit"),
    [
        pytest.param(CHUNKED_HEAD + b"5\r\nhello\r\n0\r\n", b"X-Pad: 0123456789abcdef\r\n", "trailer section", id="endless-trailer"),
        pytest.param(b"HTTP/1.1 200 OK\r\n", b"X-Pad: 0123456789abcdef\r\n", "response head", id="endless-head"),
        pytest.param(CHUNKED_HEAD, b"1000\r\n" + b"c" * 4096 + b"\r\n", "response body is over the limit of 200000", id="body-over-the-limit-by-chunks"),
        pytest.param(b"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n", b"", "Content-Length", id="content-length-over-the-limit"),
    ],
)
def test_a_hostile_server_behind_the_emulated_modem_meets_a_limit(answer: bytes, endless: bytes, limit: str) -> None:
    pytest.importorskip("mmsua.sim.carrier")
    from mmsua.drivers.at.channel import AtChannel
    from mmsua.drivers.bearers.http11 import HttpLimitExceeded
    from mmsua.drivers.bearers.internal_tcp import InternalTcpBearer
    from mmsua.drivers.modem import Modem
    from mmsua.drivers.pdp import PdpContext, PdpSettings
    from mmsua.sim.carrier import SimulatedCarrier
    from mmsua.sim.modem.core import Timing

    (host, port), server, listener = _hostile_server(answer, endless)
    with listener, SimulatedCarrier(timing=Timing(sms_ready=0.01, register=0.01, cnma_timeout=0.5)) as carrier:
        phone = carrier.add_handset("+15550100001", profile="quectel-eg25g", pty=False)
        with AtChannel(phone.serial_url, default_timeout=10.0) as channel:
            modem = Modem(channel)
            modem.start()
            settings = PdpSettings(2, carrier.apn)
            pdp = PdpContext(channel, modem.profile, settings, retry_delays=(0.1, 0.3, 1.0))
            bearer = InternalTcpBearer(channel, modem.profile, settings, proxy=(host, port), pdp=pdp)
            bearer.up()
            session = bearer.session()
            session.get_adapter("http://").max_body = 200_000
            with pytest.raises(HttpLimitExceeded, match=limit):
                session.get("http://mmsc.example/m/1", timeout=30)
            server.join(30)  # the modem's socket was closed: the server's writes failed
            assert not server.is_alive()
            bearer.down()
