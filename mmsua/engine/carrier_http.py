"""HTTP to the MMSC the way carriers insist on it.

Every request goes through the MMS proxy (requests then writes the request line
in absolute form), carries the carrier's headers (mmsua.engine.carrier_headers:
User-Agent, the UAProf header, httpParams, Connection: close), and names the MMS
type in Accept. POST bodies are bytes, so requests sends a Content-Length and never
chunked encoding. Failures come back as one of two errors: transient (try again
later: 5xx, timeouts, resets, truncated bodies, a portal page instead of a PDU)
or permanent (4xx: the request itself is wrong, or an answer over a limit).

One deadline bounds a whole exchange, connect to the last byte, whatever the bearer
(``exchange_timeout``): requests' timeout bounds only each wait for bytes, which a
server answering one byte a second never exceeds. The connections of the bearers'
sessions hand their sockets to the exchange's watch, which shuts them at the deadline.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from mmsua.addresses import Country
from mmsua.engine.carrier_headers import carrier_headers
from mmsua.engine.settings import AgentSettings, parse_proxy

if TYPE_CHECKING:
    import requests

    from mmsua.drivers.bearers.interface import ExchangeWatch

# requests (and urllib3, ssl...) is imported at the first exchange, not with the
# engine: an idle daemon that has not talked to the MMSC does not carry it.
log = logging.getLogger(__name__)

MMS_CONTENT_TYPE = "application/vnd.wap.mms-message"
ACCEPT = f"{MMS_CONTENT_TYPE}, */*;q=0.1"
# Some 4xx mean "not now" rather than "never".
_TRANSIENT_4XX = {408, 425, 429}


class CarrierHttpError(Exception):
    """An exchange with the MMSC failed; ``transient`` says whether retrying may help."""

    transient = True

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


class TransientHttpError(CarrierHttpError):
    transient = True


class PermanentHttpError(CarrierHttpError):
    transient = False


def proxies_for(proxy: str) -> dict[str, str] | None:
    """requests' ``proxies`` for a "host:port" setting (None: no proxy)."""
    if not proxy:
        return None
    parsed = parse_proxy(proxy)
    if parsed is None:
        return None
    host, port = parsed
    hostpart = f"[{host}]" if ":" in host else host
    url = f"http://{hostpart}:{port}"
    return {"http": url, "https": url}


class CarrierHttp:
    """GET and POST of MMS PDUs. ``session_factory`` gives the bearer's session."""

    def __init__(
        self,
        settings: AgentSettings,
        session_factory: Callable[[], requests.Session] | None = None,
        subscriber: Callable[[], tuple[str | None, Country | None]] | None = None,
    ) -> None:
        self.settings = settings
        self._session_factory = session_factory
        self._subscriber = subscriber  # (own number, country) for the carrier's ##LINE1## headers
        self._session: requests.Session | None = None
        self._session_lock = threading.Lock()
        self._watches: set[ExchangeWatch] = set()  # of the exchanges in flight
        self._proxies = proxies_for(settings.proxy)
        # A PDU larger than this is not an MMS: stop reading rather than fill memory.
        self.max_body = max(settings.max_message_size * 4, 2 * 1024 * 1024)

    def headers(self) -> dict[str, str]:
        own_number, country = self._subscriber() if self._subscriber is not None else (self.settings.own_number or None, None)
        return {**carrier_headers(self.settings, own_number, country), "Accept": ACCEPT}

    def session(self) -> requests.Session:
        with self._session_lock:  # the receiving and sending queues share this client
            return self._make_session()

    def _make_session(self) -> requests.Session:
        if self._session is None:
            import requests
            from requests.adapters import HTTPAdapter

            from mmsua.drivers.bearers.interface import GuardedAdapter

            session = (self._session_factory or requests.Session)()
            session.trust_env = False  # only the configured MMS proxy, never $http_proxy
            for prefix in ("http://", "https://"):
                adapter = session.get_adapter(prefix)
                if type(adapter) is HTTPAdapter:  # requests' own: give it the deadline
                    session.mount(prefix, GuardedAdapter())
                elif hasattr(adapter, "exchange_timeout"):  # the modem's adapter keeps its own deadline: ours
                    adapter.exchange_timeout = self.settings.exchange_timeout
            self._session = session
        return self._session

    def close(self) -> None:
        """Forget the session (the bearer is being released); exchanges in flight end now."""
        with self._session_lock:
            watches = list(self._watches)
        for watch in watches:
            watch.end("ended: the MMS data path was released")
        if self._session is not None:
            self._session.close()
            self._session = None

    def get(self, url: str) -> bytes:
        """Fetch a PDU (M-Retrieve.conf) from a Content-Location."""
        return self._exchange("GET", url, None, expect_pdu=True)

    def post(self, body: bytes, *, expect_pdu: bool = True, url: str | None = None) -> bytes:
        """POST a PDU to the MMSC; the answer (M-Send.conf) when ``expect_pdu``."""
        target = url or self.settings.mmsc_url
        if not target:
            raise PermanentHttpError("no MMSC URL configured (mms.mmsc)")
        return self._exchange("POST", target, bytes(body), expect_pdu=expect_pdu)

    def _exchange(self, method: str, url: str, body: bytes | None, *, expect_pdu: bool) -> bytes:
        from mmsua.drivers.bearers.interface import ExchangeWatch

        session = self.session()
        with ExchangeWatch(self.settings.exchange_timeout) as watch:
            with self._session_lock:
                self._watches.add(watch)
            try:
                return self._exchange_within(session, watch, method, url, body, expect_pdu=expect_pdu)
            finally:
                with self._session_lock:
                    self._watches.discard(watch)

    def _exchange_within(self, session: requests.Session, watch: ExchangeWatch, method: str, url: str,
                         body: bytes | None, *, expect_pdu: bool) -> bytes:
        import requests

        headers = self.headers()
        if body is not None:
            headers["Content-Type"] = MMS_CONTENT_TYPE
            headers["Content-Length"] = str(len(body))
        try:
            response = session.request(
                method, url, data=body, headers=headers, proxies=self._proxies,
                timeout=self.settings.http_timeout, stream=True, allow_redirects=False,
            )
        except requests.exceptions.RequestException as exc:
            raise self._failure(exc, watch, method, url, "connection failed") from exc
        try:
            data = self._read(response, method, url, watch)
        finally:
            response.close()
        status = response.status_code
        if 500 <= status or status in _TRANSIENT_4XX or 300 <= status < 400:
            raise TransientHttpError(f"{method} {url}: HTTP {status} {response.reason or ''}".rstrip(), status)
        if 400 <= status:
            raise PermanentHttpError(f"{method} {url}: HTTP {status} {response.reason or ''}".rstrip(), status)
        if expect_pdu:
            ctype = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if ctype != MMS_CONTENT_TYPE:
                raise TransientHttpError(
                    f"{method} {url}: answer is {ctype or 'untyped'}, not {MMS_CONTENT_TYPE} "
                    "(a carrier portal page or a proxy error)", status,
                )
            if not data:
                raise TransientHttpError(f"{method} {url}: empty answer", status)
        return data

    def _read(self, response: requests.Response, method: str, url: str, watch: ExchangeWatch) -> bytes:
        import requests

        chunks: list[bytes] = []
        total = 0
        try:
            for chunk in response.iter_content(64 * 1024):
                total += len(chunk)
                if total > self.max_body:
                    raise PermanentHttpError(f"{method} {url}: answer larger than {self.max_body} bytes")
                if watch.expired:  # a bearer without sockets to shut (the modem's) ends here
                    raise self._failure(None, watch, method, url, "")
                chunks.append(chunk)
        except requests.exceptions.RequestException as exc:
            raise self._failure(exc, watch, method, url, "connection lost mid-body") from exc
        if watch.expired:  # the watch shut the socket: what came is not the whole answer
            raise self._failure(None, watch, method, url, "")
        data = b"".join(chunks)
        declared = response.headers.get("Content-Length")
        if declared is not None and declared.isdigit() and int(declared) != len(data):
            raise TransientHttpError(f"{method} {url}: body truncated ({len(data)} of {declared} bytes)")
        return data


    def _failure(self, exc: Exception | None, watch: ExchangeWatch, method: str, url: str,
                 what: str) -> CarrierHttpError:
        """The error for a failed exchange: its deadline, a limit, or the connection."""
        from mmsua.drivers.bearers.http11 import HttpLimitExceeded
        from mmsua.drivers.bearers.interface import DestinationRefused

        if watch.expired:
            if watch.reason.startswith("did not finish"):
                return TransientHttpError(f"{method} {url}: {watch.reason} (mms.exchange_timeout; the server sends too slowly)")
            return TransientHttpError(f"{method} {url}: {watch.reason}")
        assert exc is not None
        limit = _cause(exc, HttpLimitExceeded)
        if limit is not None:  # the same answer would be refused again: not worth a retry
            return PermanentHttpError(f"{method} {url}: {limit}")
        refused = _cause(exc, DestinationRefused)
        if refused is not None:
            return PermanentHttpError(f"{method} {url}: {refused}")
        import requests

        if isinstance(exc, requests.exceptions.Timeout):
            return TransientHttpError(f"{method} {url}: timed out ({exc.__class__.__name__})")
        return TransientHttpError(f"{method} {url}: {what}: {_short(exc)}")


def _cause(exc: BaseException, kind: type[BaseException]) -> BaseException | None:
    """``exc`` or what it wraps, of type ``kind``: requests and urllib3 wrap a bearer's error
    in their own (as ``__cause__``, ``__context__``, ``reason`` or an argument)."""
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        if isinstance(item, kind):
            return item
        seen.add(id(item))
        todo.extend([item.__cause__, item.__context__, getattr(item, "reason", None), *item.args])
    return None


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 200 else text[:200] + "…"
