"""Sans-I/O HTTP/1.1 for the AT-socket bearer, on h11: write a request head, parse a response.

The request always has a Content-Length (never chunked: some WAP proxies refuse
it) and ``Connection: close`` (one request per modem socket keeps the state
machine simple). h11 writes the request head and reads the response: status
line, header fields, obsolete folding, chunk framing, trailers, and which
framing applies (HEAD, 1xx, 204/304, Content-Length, chunked, until close).
This module adds the limits a hostile server must meet (issue #11) and says
each failure in words. The body is handed out as it arrives, never accumulated
here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import h11

from .base import BearerError

MAX_HEAD = 64 * 1024  # status line and header fields: a WAP proxy's head is a few hundred bytes
MAX_CHUNK_LINE = 1024  # one unfinished line of the chunked framing: a chunk-size line or a trailer field
MAX_TRAILER = 8 * 1024  # the trailer section of a chunked body
MAX_BODY = 16 * 1024 * 1024  # body and trailer bytes together; no MMS comes near (mmsua's own limit is far lower)
# h11 checks its buffer limit once per receive_data: feeding it bounded slices keeps a
# large feed (a test's, or a future bearer's bigger reads) within the limits too.
_FEED_SLICE = 16 * 1024
_STATUS_LINE = re.compile(rb"HTTP/\d\.\d \d{3}")


class HttpProtocolError(BearerError):
    """The peer's bytes are not HTTP/1.x."""


class HttpLimitExceeded(HttpProtocolError):
    """The peer's bytes are HTTP, but more of them than a limit allows.

    ``what`` names the part that grew too large; ``limit`` is its limit in bytes.
    """

    def __init__(self, what: str, limit: int) -> None:
        self.what = what
        self.limit = limit
        super().__init__(f"{what} is over the limit of {limit} bytes")


@dataclass(frozen=True, slots=True)
class Target:
    host: str
    port: int
    request_target: str  # absolute-form through a proxy, origin-form otherwise
    host_header: str


def request_target(url: str, proxy: tuple[str, int] | None) -> Target:
    """Where to connect and what to put on the request line."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "http":
        raise HttpProtocolError(f"only http:// URLs can go through the modem's TCP stack, not {parts.scheme}://")
    if not parts.hostname:
        raise HttpProtocolError(f"no host in URL {url!r}")
    port = parts.port or 80
    # An IPv6 literal keeps its brackets in Host and in the absolute URI (RFC 3986 §3.2.2,
    # RFC 9110 §7.2); the socket itself is opened to the bare address.
    authority = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    host_header = authority if port == 80 else f"{authority}:{port}"
    origin = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if proxy is not None:
        absolute = f"http://{host_header}{origin}"
        return Target(proxy[0], proxy[1], absolute, host_header)
    return Target(parts.hostname, port, origin, host_header)


_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection", "content-length", "host"}

HeaderValue = str | bytes


def _wire(text: HeaderValue) -> bytes:
    return text if isinstance(text, bytes) else text.encode("latin-1")


def encode_head(
    method: str,
    target: Target,
    headers: Mapping[str, HeaderValue] | Iterable[tuple[str, HeaderValue]],
    body_length: int | None,
) -> bytes:
    """The request line and headers; the body follows separately."""
    fields: list[tuple[bytes, bytes]] = [(b"Host", _wire(target.host_header))]
    items = headers.items() if isinstance(headers, Mapping) else headers
    for name, value in items:
        if name.lower() in _HOP_BY_HOP:
            continue
        if any(c in _wire(name) + _wire(value) for c in b"\r\n"):
            raise HttpProtocolError(f"header {name!r} contains a line break")
        fields.append((_wire(name), _wire(value).strip(b" \t")))
    if body_length is not None and (body_length > 0 or method.upper() in ("POST", "PUT")):
        fields.append((b"Content-Length", b"%d" % body_length))
    fields.append((b"Connection", b"close"))
    try:
        request = h11.Request(method=method.upper().encode("ascii"), target=_wire(target.request_target), headers=fields)
        head = h11.Connection(h11.CLIENT).send(request)
    except (h11.LocalProtocolError, UnicodeError) as error:
        raise HttpProtocolError(f"cannot write this request head: {error}") from error
    assert head is not None  # h11 returns the bytes of every event but ConnectionClosed
    return head


@dataclass(frozen=True, slots=True)
class ResponseHead:
    status: int
    reason: str
    headers: list[tuple[str, str]]
    version: str

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


def _text(raw: bytes) -> str:
    return raw.decode("latin-1")


class ResponseParser:
    """Feed bytes with :meth:`feed`; take body pieces with :meth:`take_body`.

    Body framing: Content-Length, chunked, or until the connection closes
    (:meth:`close` then says whether that was a clean end). ``max_body`` bounds
    the body and its trailer together.
    """

    def __init__(self, *, head_request: bool = False, max_body: int = MAX_BODY) -> None:
        self._h11 = h11.Connection(h11.CLIENT, max_incomplete_event_size=MAX_HEAD)
        # h11 frames a response by the request it answers (a HEAD answer has no body);
        # encode_head wrote the real one, this tells h11 its method.
        method = b"HEAD" if head_request else b"GET"
        self._h11.send(h11.Request(method=method, target=b"/", headers=[(b"Host", b"mmsc")]))
        self._h11.send(h11.EndOfMessage())
        self._head_request = head_request
        self.max_body = max_body
        self.head: ResponseHead | None = None
        self._declared: int | None = None  # the Content-Length that frames the body
        self._chunked = False
        self._first_line = bytearray()  # to quote a peer that does not speak HTTP
        self._body: list[bytes] = []
        self.body_received = 0
        self.complete = False

    def feed(self, data: bytes) -> None:
        if self.complete or not data:
            return  # bytes after the end (a stray CRLF): ignore; b"" would tell h11 the peer closed
        if len(self._first_line) < 80:
            self._first_line += data[: 80 - len(self._first_line)]
        if len(data) <= _FEED_SLICE:
            self._receive(data)
            return
        view = memoryview(data)
        for start in range(0, len(view), _FEED_SLICE):
            self._receive(bytes(view[start : start + _FEED_SLICE]))
            if self.complete:
                return

    def _receive(self, data: bytes) -> None:
        self._h11.receive_data(data)
        self._drain()

    def _drain(self) -> None:
        while not self.complete:
            try:
                event = self._h11.next_event()
            except h11.RemoteProtocolError as error:
                raise self._explain(error) from error
            if event is h11.NEED_DATA:
                self._check_pending()
                return
            if isinstance(event, h11.Response):
                self._on_head(event)
            elif isinstance(event, h11.Data):
                self._out(event.data)
            elif isinstance(event, h11.EndOfMessage):
                self._on_trailer(event.headers.raw_items())
                self.complete = True
            elif not isinstance(event, h11.InformationalResponse):  # 1xx come before the answer (RFC 9110 §15.2)
                return  # PAUSED or ConnectionClosed: nothing more for this response

    def _explain(self, error: h11.RemoteProtocolError) -> HttpProtocolError:
        if self.head is not None:
            return HttpProtocolError(f"malformed response body: {error}")
        if error.error_status_hint == 431:  # h11's "receive buffer too long"
            return HttpLimitExceeded("the response head", MAX_HEAD)
        line = bytes(self._first_line).split(b"\n", 1)[0].rstrip(b"\r")
        if not _STATUS_LINE.match(line):
            return HttpProtocolError(f"not an HTTP status line: {_text(line)!r}")
        return HttpProtocolError(f"malformed response head: {error}")

    def _on_head(self, event: h11.Response) -> None:
        headers = [(_text(name), _text(value)) for name, value in event.headers.raw_items()]
        self.head = ResponseHead(event.status_code, _text(event.reason), headers, "HTTP/" + _text(event.http_version))
        if self._head_request or event.status_code in (204, 304):
            return  # no body whatever the headers say; h11 knows it too
        # h11 has checked both headers: Transfer-Encoding is "chunked" if present, and
        # wins over Content-Length (RFC 9112 §6.3).
        if self.head.header("transfer-encoding") is not None:
            self._chunked = True
            return
        length = self.head.header("content-length")
        if length is not None:
            self._declared = int(length)
            if self._declared > self.max_body:
                raise HttpLimitExceeded(f"the response body ({self._declared} bytes by its Content-Length)", self.max_body)

    def _check_pending(self) -> None:
        """In a chunked body h11 holds back an unfinished chunk-size line or trailer:
        bound it, and count it toward the body limit before it is complete."""
        if not self._chunked or self.head is None:
            return
        pending = self._h11.trailing_data[0]  # a copy, of at most a few KiB here
        if len(pending) > MAX_CHUNK_LINE and b"\r\n" not in pending:
            raise HttpLimitExceeded("a chunk-size line or trailer field", MAX_CHUNK_LINE)
        if len(pending) > MAX_TRAILER:
            raise HttpLimitExceeded("the trailer section", MAX_TRAILER)
        self._check_body(self.body_received + len(pending), "the response body with its chunk trailer")

    def _check_body(self, size: int, what: str = "the response body") -> None:
        if size > self.max_body:
            raise HttpLimitExceeded(what, self.max_body)

    def _on_trailer(self, fields: list[tuple[bytes, bytes]]) -> None:
        # "name: value" CRLF per field and the blank line: what the trailer cost on the wire.
        size = (sum(len(name) + len(value) + 4 for name, value in fields) + 2) if fields else 0
        self._check_body(self.body_received + size, "the response body with its chunk trailer")

    def _out(self, data: bytes) -> None:
        if data:
            self._check_body(self.body_received + len(data))
            self._body.append(bytes(data))
            self.body_received += len(data)

    @property
    def wanted(self) -> int | None:
        """Bytes still to come that the response is known to need: the rest of the body by its
        Content-Length (0 once complete); None while the head or the body's length is unknown."""
        if self.complete:
            return 0
        if self.head is None or self._declared is None:
            return None
        return max(0, self._declared - self.body_received)

    def take_body(self) -> list[bytes]:
        pieces, self._body = self._body, []
        return pieces

    def close(self) -> None:
        """The connection ended: fine for close-delimited bodies, an error otherwise."""
        if self.complete:
            return
        if self.head is None:
            raise HttpProtocolError("the connection closed before a complete HTTP response head arrived")
        if self._declared is not None:
            raise HttpProtocolError(
                f"the connection closed after {self.body_received} body bytes; "
                f"{self._declared - self.body_received} of the announced Content-Length were still missing"
            )
        if self._chunked:
            raise HttpProtocolError(f"the connection closed inside a chunked body after {self.body_received} bytes")
        self._h11.receive_data(b"")  # the end of a body delimited by the close
        self._drain()
        self.complete = True
