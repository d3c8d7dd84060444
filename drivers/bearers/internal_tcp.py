"""Bearer 1: the modem's own TCP/IP stack over AT, as a requests transport adapter.

HTTP leaves through the modem on the MMS context's cid: no root, no routes on
the Pi, the internet context untouched. The request is written here (absolute
form through the carrier's proxy, Content-Length, never chunked) and the
response parsed as bytes stream in; bodies move in socket-sized pieces both
ways, so a 1 MB MMS is never held twice by the bearer.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, super_len

from ..errors import ModemError
from ..pdp import PdpContext, PdpSettings
from ..profile import Profile
from .at_sockets import READ_CHUNK, SocketStack
from .base import DOWN, ERROR, UP, BearerError, ConnectionClosed
from .deadline import Deadline
from .http11 import MAX_BODY, HttpLimitExceeded, HttpProtocolError, ResponseParser, encode_head, request_target

log = logging.getLogger(__name__)

DEFAULT_READ_TIMEOUT = 60.0
# One deadline for a whole exchange (issue #11): 1 MB at GPRS speed (~5 KB/s) is 200 s.
DEFAULT_EXCHANGE_TIMEOUT = 300.0


def _read_timeout(timeout: Any) -> float:
    if isinstance(timeout, tuple):
        timeout = timeout[1]
    return float(timeout) if timeout is not None else DEFAULT_READ_TIMEOUT


def _text(value: str | bytes) -> str:
    """A header value as text: requests allows bytes, which are latin-1 on the wire (RFC 9110 §5.5)."""
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _as_bearer_error(error: BaseException) -> BaseException:
    """Driver failures under an HTTP call become BearerError (a requests ConnectionError too),
    so the engine's HTTP code sees one kind of transport failure; others pass unchanged."""
    if isinstance(error, BearerError) or not isinstance(error, ModemError):
        return error
    return BearerError(f"the modem failed during the HTTP exchange: {error}")


class _SocketReader:
    """Reads one modem socket: waits for the data URC only when the buffer was drained.

    A read that returns a full chunk means more is probably buffered (the modem
    announces new data only after its buffer was read empty, BG95/BG96 TCP/IP
    application note, +QIURC "recv"), so it reads on without waiting; a short or
    empty read waits for the next +QIURC/+CIPRXGET. Reads go back to back
    (SocketStack.receive_many) for as many bytes as the response still needs.
    """

    def __init__(self, stack: SocketStack, link: int, timeout: float, deadline: Deadline) -> None:
        self.stack = stack
        self.link = link
        self.timeout = timeout
        self.deadline = deadline
        self._more = False

    def next_data(self, need: int | None = READ_CHUNK) -> bytes:
        """The next bytes from the socket, up to about ``need`` (None: not known); b"" when
        the peer has closed and all was read."""
        events = self.stack.events
        while True:
            if not self._more:
                try:
                    self.stack.wait_readable(self.link, self.deadline.bound(self.timeout))
                except BearerError:
                    self.deadline.check()  # say so when it was the exchange's deadline
                    raise
                # Closed with nothing announced since the buffer was drained: the end.
                if not events.has_data(self.link) and events.is_closed(self.link):
                    return b""
            data, self._more = self.stack.receive_many(self.link, need)
            if data:
                return data


class _SocketBody(io.RawIOBase):
    """The response body as a readable stream straight off the modem socket.

    Reading pulls one socket read at a time; the socket is closed at the end
    of the body, on error or on close().
    """

    def __init__(self, adapter: AtHttpAdapter, reader: _SocketReader, parser: ResponseParser) -> None:
        super().__init__()
        self._adapter = adapter
        self._reader = reader
        self._link = reader.link
        self._parser = parser
        self._pending = bytearray()
        self._done = False
        self._released = False
        self._pieces: list[bytes] = parser.take_body()
        if parser.complete:
            self._finish()

    def readable(self) -> bool:
        return True

    def _finish(self) -> None:
        self._done = True
        if not self._released:
            self._released = True
            self._adapter._release(self._link)

    def _fill(self) -> None:
        """Get at least one more body piece, or end."""
        while not self._pieces and not self._done:
            try:
                more = self._adapter._pump(self._reader, self._parser)
            except BaseException as error:
                self._finish()
                wrapped = _as_bearer_error(error)
                if wrapped is error:
                    raise
                raise wrapped from error
            self._pieces.extend(self._parser.take_body())
            if not more or self._parser.complete:
                self._pieces.extend(self._parser.take_body())
                self._finish()

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            out = bytearray()
            while True:
                piece = self.read(READ_CHUNK * 8)
                if not piece:
                    return bytes(out)
                out += piece
        out = bytearray()
        while len(out) < size:
            if not self._pieces:
                self._fill()
                if not self._pieces:
                    break
            piece = self._pieces[0]
            take = size - len(out)
            if len(piece) <= take:
                out += piece
                self._pieces.pop(0)
            else:
                out += piece[:take]
                self._pieces[0] = piece[take:]
        return bytes(out)

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self._released:
            self._finish()
        super().close()

    # requests calls raw.release_conn() after a non-streamed read.
    def release_conn(self) -> None:
        self.close()


class AtHttpAdapter(BaseAdapter):
    """A requests adapter for http:// that uses the modem's socket stack.

    ``proxy``: the carrier's WAP/HTTP proxy as (host, port), or None to go
    straight to the MMSC. Exchanges may overlap, each on its own modem socket (the
    AT channel sends one command at a time), so a slow retrieval does not hold a send.
    ``exchange_timeout`` bounds a whole exchange, connect to the body's last
    byte (requests' ``timeout`` bounds each wait for data); ``max_body`` bounds
    the response body with its trailer.
    """

    def __init__(
        self,
        stack: SocketStack,
        proxy: tuple[str, int] | None = None,
        *,
        exchange_timeout: float = DEFAULT_EXCHANGE_TIMEOUT,
        max_body: int = MAX_BODY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.stack = stack
        self.proxy = proxy
        self.exchange_timeout = exchange_timeout
        self.max_body = max_body
        self._clock = clock

    # -- requests API

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None, verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:  # noqa: ARG002
        target = request_target(request.url or "", self.proxy)
        body = request.body
        length = self._body_length(request)
        head = encode_head(request.method or "GET", target, [(name, _text(value)) for name, value in request.headers.items()], length)
        read_timeout = _read_timeout(timeout)
        deadline = Deadline.start(self.exchange_timeout, self._clock)
        link: int | None = None
        try:
            link = self.stack.open(target.host, target.port)
            self._send_request(link, head, self._body_pieces(body), deadline)
            parser = ResponseParser(head_request=(request.method or "").upper() == "HEAD", max_body=self.max_body)
            reader = _SocketReader(self.stack, link, read_timeout, deadline)
            while parser.head is None:
                if not self._pump(reader, parser):
                    break
        except BaseException as error:
            if link is not None:
                self._release(link)
            wrapped = _as_bearer_error(error)
            if wrapped is error:
                raise
            raise wrapped from error
        assert parser.head is not None
        response = requests.Response()
        response.status_code = parser.head.status
        response.reason = parser.head.reason
        response.headers = CaseInsensitiveDict(parser.head.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.url = request.url or ""
        response.request = request
        response.connection = self  # type: ignore[assignment]  # requests' stubs say HTTPAdapter; it only calls close()
        response.raw = _SocketBody(self, reader, parser)
        return response

    def close(self) -> None:
        pass

    # -- internals

    def _send_request(self, link: int, head: bytes, pieces: Iterator[bytes | memoryview], deadline: Deadline) -> None:
        """The head, then the body; the body's start fills the head's last send, so a
        small POST (M-NotifyResp.ind, M-Acknowledge.ind) is one AT send, not two."""
        lead: bytes | None = head
        for piece in pieces:
            deadline.check()
            if lead is not None:
                room = -len(lead) % self.stack.send_chunk
                view = memoryview(piece)
                self.stack.send(link, lead + bytes(view[:room]))
                lead, piece = None, view[room:]
            step = self.stack.send_chunk * 16  # the deadline is checked every 16 AT sends
            for start in range(0, len(piece), step):
                deadline.check()
                self.stack.send(link, piece[start : start + step])
        if lead is not None:
            self.stack.send(link, lead)

    @staticmethod
    def _body_length(request: requests.PreparedRequest) -> int | None:
        declared = request.headers.get("Content-Length")
        if declared is not None:
            return int(declared)
        if request.body is None:
            return 0 if (request.method or "").upper() in ("POST", "PUT") else None
        if request.headers.get("Transfer-Encoding"):
            raise BearerError("a body of unknown length cannot go through the modem (no chunked uploads): pass bytes or a file")
        return super_len(request.body)

    def _body_pieces(self, body: Any) -> Iterator[bytes | memoryview]:
        if body is None:
            return
        if isinstance(body, str):
            body = body.encode("utf-8")
        if isinstance(body, (bytes, bytearray, memoryview)):
            if len(body):
                yield memoryview(body)
            return
        if hasattr(body, "read"):
            while True:
                piece = body.read(self.stack.send_chunk * 16)
                if not piece:
                    return
                yield piece.encode("utf-8") if isinstance(piece, str) else piece
        raise BearerError(f"cannot send a request body of type {type(body).__name__} through the modem")

    @staticmethod
    def _pump(reader: _SocketReader, parser: ResponseParser) -> bool:
        """One socket read into the parser; False when the response is finished."""
        # Before the head one read (the head's Content-Length then says how many more to
        # ask for); a body of unknown length (chunked, until close) reads a window at a time.
        data = reader.next_data(parser.wanted if parser.head is not None else READ_CHUNK)
        if not data:
            try:
                parser.close()
            except HttpProtocolError as error:
                reason = reader.stack.events.is_closed(reader.link)
                raise ConnectionClosed(f"{error} (socket {reader.link}: {reason})") from error
            return False
        try:
            parser.feed(data)
        except HttpLimitExceeded:
            raise  # it says which limit; the peer closed nothing
        except HttpProtocolError as error:
            raise ConnectionClosed(f"bad HTTP from the MMSC or proxy: {error}") from error
        return not parser.complete

    def _release(self, link: int) -> None:
        self.stack.close(link)


class InternalTcpBearer:
    """The modem's TCP stack on the MMS APN's context, with the proxy from config."""

    def __init__(
        self,
        channel: Any,
        profile: Profile,
        pdp_settings: PdpSettings,
        *,
        proxy: tuple[str, int] | None = None,
        connect_timeout: float = 60.0,
        pdp: PdpContext | None = None,
        chained_io: str = "auto",
    ) -> None:
        """``chained_io``: modem.chained_io ("auto", "on", "off"; Profile.chained_io)."""
        if profile.sockets is None:
            raise BearerError(
                f"the {profile.name} profile has no internal TCP stack driver; "
                f"use the interface or ppp bearer ({', '.join(profile.bearers)})"
            )
        self.pdp = pdp or PdpContext(channel, profile, pdp_settings, ask_cause=True)
        chained = profile.chained_io(chained_io)
        self.stack = profile.sockets.load()(channel, profile, self.pdp, connect_timeout=connect_timeout, chained=chained)
        log.info("socket reads and sends on %s: %s (modem.chained_io = %s)", profile.name,
                 "back to back" if chained else "one command at a time", chained_io)
        self.proxy = proxy
        self.state = DOWN
        self.addresses: list[str] = []
        self._session: requests.Session | None = None

    def up(self) -> None:
        try:
            self.addresses = self.stack.up()
        except ModemError as error:
            self.state = ERROR
            if isinstance(error, BearerError):
                raise
            raise BearerError(f"the MMS data context did not come up: {error}") from error
        self.state = UP

    def session(self) -> requests.Session:
        if self.state != UP:
            raise BearerError("the internal TCP bearer is not up (call up() first)")
        if self._session is None:
            session = requests.Session()
            session.trust_env = False  # the OS proxy settings are not the carrier's
            adapter = AtHttpAdapter(self.stack, self.proxy)
            session.mount("http://", adapter)
            session.mount("https://", _Refuse())
            self._session = session
        return self._session

    def down(self) -> None:
        try:
            if self.state == UP:
                self.stack.down()
        finally:
            self.state = DOWN
            if self._session is not None:
                self._session.close()
                self._session = None


class _Refuse(BaseAdapter):
    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        raise BearerError("https:// is not carried by the modem's TCP stack; MMSC URLs are http://")

    def close(self) -> None:
        pass
