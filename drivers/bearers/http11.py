"""Sans-I/O HTTP/1.1 for the AT-socket bearer: write a request head, parse a response.

The request always has a Content-Length (never chunked: some WAP proxies refuse
it) and ``Connection: close`` (one request per modem socket keeps the state
machine simple). The response parser is fed bytes and says what it has; the
body is handed out as it arrives, never accumulated here.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .base import BearerError

MAX_HEAD = 64 * 1024  # a response head larger than this is not a WAP proxy's
MAX_CHUNK_LINE = 1024


class HttpProtocolError(BearerError):
    """The peer's bytes are not HTTP/1.x."""


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


def encode_head(method: str, target: Target, headers: dict[str, str] | list[tuple[str, str]], body_length: int | None) -> bytes:
    """The request line and headers; the body follows separately."""
    lines = [f"{method.upper()} {target.request_target} HTTP/1.1", f"Host: {target.host_header}"]
    items = headers.items() if isinstance(headers, dict) else headers
    for name, value in items:
        if name.lower() in _HOP_BY_HOP:
            continue
        if any(c in str(name) + str(value) for c in "\r\n"):
            raise HttpProtocolError(f"header {name!r} contains a line break")
        lines.append(f"{name}: {value}")
    if body_length is not None and (body_length > 0 or method.upper() in ("POST", "PUT")):
        lines.append(f"Content-Length: {body_length}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


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


def parse_head(raw: bytes) -> ResponseHead:
    text = raw.decode("latin-1")
    lines = text.split("\r\n") if "\r\n" in text else text.split("\n")
    status_line = lines[0]
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
        raise HttpProtocolError(f"not an HTTP status line: {status_line[:80]!r}")
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[0] in " \t" and headers:  # obsolete folding
            name, value = headers[-1]
            headers[-1] = (name, value + " " + line.strip())
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise HttpProtocolError(f"malformed header line {line[:80]!r}")
        headers.append((name.strip(), value.strip()))
    return ResponseHead(int(parts[1]), parts[2] if len(parts) > 2 else "", headers, parts[0])


class ResponseParser:
    """Feed bytes with :meth:`feed`; take body pieces with :meth:`take_body`.

    Body framing: Content-Length, chunked, or until the connection closes
    (:meth:`close` then says whether that was a clean end).
    """

    def __init__(self, *, head_request: bool = False) -> None:
        self._buffer = bytearray()
        self.head: ResponseHead | None = None
        self._remaining: int | None = None  # Content-Length left
        self._chunked = False
        self._chunk_left = 0
        self._chunk_state = "size"  # size | data | data-crlf | trailer | done
        self._until_close = False
        self._head_request = head_request
        self._body: list[bytes] = []
        self.body_received = 0
        self.complete = False

    def feed(self, data: bytes) -> None:
        if self.complete:
            return  # bytes after the end (a stray CRLF): ignore
        self._buffer += data
        if self.head is None:
            end = self._buffer.find(b"\r\n\r\n")
            sep = 4
            if end < 0:
                end = self._buffer.find(b"\n\n")
                sep = 2
            if end < 0:
                if len(self._buffer) > MAX_HEAD:
                    raise HttpProtocolError("response head larger than 64 KiB")
                return
            self.head = parse_head(bytes(self._buffer[:end]))
            del self._buffer[: end + sep]
            self._frame()
        self._consume()

    def _frame(self) -> None:
        assert self.head is not None
        if self._head_request or self.head.status in (204, 304) or 100 <= self.head.status < 200:
            self._remaining = 0
        elif (self.head.header("transfer-encoding") or "").lower().endswith("chunked"):
            self._chunked = True
        elif self.head.header("content-length") is not None:
            value = self.head.header("content-length") or ""
            if not value.strip().isdigit():
                raise HttpProtocolError(f"bad Content-Length {value!r}")
            self._remaining = int(value)
        else:
            self._until_close = True
        if self._remaining == 0:
            self.complete = True

    def _consume(self) -> None:
        if self.head is None or not self._buffer:
            return
        if self._until_close:
            self._out(bytes(self._buffer))
            self._buffer.clear()
        elif self._remaining is not None:
            take = min(self._remaining, len(self._buffer))
            self._out(bytes(self._buffer[:take]))
            del self._buffer[:take]
            self._remaining -= take
            if self._remaining == 0:
                self.complete = True
                self._buffer.clear()
        elif self._chunked:
            self._consume_chunked()

    def _consume_chunked(self) -> None:
        while self._buffer and not self.complete:
            if self._chunk_state == "size":
                end = self._buffer.find(b"\r\n")
                if end < 0:
                    if len(self._buffer) > MAX_CHUNK_LINE:
                        raise HttpProtocolError("chunk size line too long")
                    return
                size_text = bytes(self._buffer[:end]).split(b";", 1)[0].strip()
                try:
                    self._chunk_left = int(size_text, 16)
                except ValueError:
                    raise HttpProtocolError(f"bad chunk size {size_text[:20]!r}") from None
                del self._buffer[: end + 2]
                self._chunk_state = "data" if self._chunk_left else "trailer"
            elif self._chunk_state == "data":
                take = min(self._chunk_left, len(self._buffer))
                self._out(bytes(self._buffer[:take]))
                del self._buffer[:take]
                self._chunk_left -= take
                if self._chunk_left == 0:
                    self._chunk_state = "data-crlf"
            elif self._chunk_state == "data-crlf":
                if len(self._buffer) < 2:
                    return
                del self._buffer[:2]
                self._chunk_state = "size"
            elif self._chunk_state == "trailer":
                end = self._buffer.find(b"\r\n")
                if end < 0:
                    return
                line = bytes(self._buffer[:end])
                del self._buffer[: end + 2]
                if not line:
                    self.complete = True
                    self._buffer.clear()

    def _out(self, data: bytes) -> None:
        if data:
            self._body.append(data)
            self.body_received += len(data)

    def take_body(self) -> list[bytes]:
        pieces, self._body = self._body, []
        return pieces

    def close(self) -> None:
        """The connection ended: fine for close-delimited bodies, an error otherwise."""
        if self.complete:
            return
        if self.head is None:
            raise HttpProtocolError("the connection closed before a complete HTTP response head arrived")
        if self._until_close:
            self.complete = True
            return
        if self._remaining is not None:
            raise HttpProtocolError(
                f"the connection closed after {self.body_received} body bytes; "
                f"{self._remaining} of the announced Content-Length were still missing"
            )
        raise HttpProtocolError(f"the connection closed inside a chunked body after {self.body_received} bytes")
