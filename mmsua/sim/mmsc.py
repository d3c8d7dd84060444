"""The MMSC: a real HTTP server on 127.0.0.1 that behaves as a carrier's does.

POSTs to `url` carry client PDUs (M-Send.req, M-NotifyResp.ind,
M-Acknowledge.ind, M-Read-Rec.ind); each recipient handset gets an
M-Notification.ind by WAP push through the SMSC and retrieves M-Retrieve.conf
with a GET of its own Content-Location. Every request is recorded with its
headers so tests can check what the handset sent.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler
from typing import Any

from mmsua.codec.errors import PduError
from mmsua.codec.mms import Address, ContentType, Expiry, MessageType, MmsPdu, Part, decode_mms, encode_mms
from mmsua.codec.push import MMS_APP_ID, MMS_CONTENT_TYPE, encode_push
from mmsua.sim.faults import Fault, MmscFaults
from mmsua.sim.httpserver import LoopbackHTTPServer
from mmsua.sim.identity import Identities
from mmsua.sim.personalities import ua_refusal
from mmsua.sim.proxy import VIA as PROXY_VIA
from mmsua.sim.smsc import Plan, Smsc

log = logging.getLogger(__name__)

OK = 0x80
TRANSIENT_FAILURE = 0xC0
MESSAGE_FORMAT_CORRUPT = 0xE2
SENDING_ADDRESS_UNRESOLVED = 0xE3
CONTENT_NOT_ACCEPTED = 0xE5
RETRIEVE_MESSAGE_NOT_FOUND = 0xE2
STATUS_EXPIRED, STATUS_RETRIEVED, STATUS_DEFERRED = 0x80, 0x81, 0x83


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    target: str  # the request-target as it arrived
    headers: dict[str, str]  # lower-case names
    body: bytes
    client_port: int
    pdu: MmsPdu | None = None
    client_host: str = ""

    @property
    def via_proxy(self) -> bool:
        return "via" in self.headers


@dataclass(frozen=True, slots=True)
class Mail:
    to: str
    sender: str
    subject: str | None
    parts: tuple[Part, ...]


class Mailbox:
    """Where MMS to e-mail addresses land."""

    def __init__(self) -> None:
        self.messages: list[Mail] = []
        self._lock = threading.Lock()

    def add(self, mail: Mail) -> None:
        with self._lock:
            self.messages.append(mail)

    def for_address(self, address: str) -> list[Mail]:
        with self._lock:
            return [m for m in self.messages if m.to.lower() == address.lower()]


@dataclass(slots=True)
class Delivery:
    """One recipient's copy of a stored message."""

    recipient: str
    location: str  # path of the Content-Location
    transaction_id: str
    retrieved: bool = False
    notify_status: int | None = None  # from M-NotifyResp.ind
    acknowledged: bool = False
    ack_transaction_id: str | None = None  # ack-quirks: the new id a delayed retrieval's M-Retrieve.conf carries


@dataclass(slots=True)
class StoredMessage:
    message_id: str
    sender: str
    send_req: MmsPdu
    raw_retrieve_conf: bytes | None
    expires: datetime
    deliveries: list[Delivery] = field(default_factory=list)
    # When the MMSC took it: the Date of an M-Retrieve.conf for a send without its own,
    # the same on every retrieval (a clock read per GET changed the bytes across a second).
    arrived: datetime = field(default_factory=lambda: _now())


class Mmsc:
    def __init__(
        self,
        smsc: Smsc,
        *,
        identities: Identities | None = None,
        mailbox: Mailbox | None = None,
        max_message_size: int = 300 * 1024,
        require_ua_headers: bool = False,
        default_expiry: timedelta = timedelta(days=7),
        push_plan: Plan | None = None,
        require_proxy: bool = False,
        host: str = "127.0.0.1",
        strict_ua: bool = False,
        ack_quirks: bool = False,
        transaction_id_in_location: bool = False,
    ) -> None:
        """``require_proxy``: refuse (403) any request that did not come through the carrier's
        MMS proxy, as a real MMSC is reachable only from the MMS APN, through its proxy.
        ``host``: the loopback address it listens on ("::1" for an IPv6-only MMS network).
        ``strict_ua`` and ``ack_quirks``: the carrier personalities of those names
        (mmsua/sim/personalities.py)."""
        self.smsc = smsc
        self.require_proxy = require_proxy
        self.identities = identities or Identities()
        self.mailbox = mailbox or Mailbox()
        self.max_message_size = max_message_size
        self.require_ua_headers = require_ua_headers
        self.strict_ua = strict_ua
        self.ack_quirks = ack_quirks
        self.transaction_id_in_location = transaction_id_in_location  # the verizon personality
        self.default_expiry = default_expiry
        self.push_plan = push_plan  # how notification pushes are split/ordered/delayed
        self.faults = MmscFaults()
        self.requests: list[RecordedRequest] = []
        self.messages: dict[str, StoredMessage] = {}
        self.received: list[MmsPdu] = []  # client PDUs, decoded, in arrival order
        self._by_location: dict[str, tuple[StoredMessage, Delivery]] = {}
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._stop = threading.Event()
        self._server = LoopbackHTTPServer(_handler_for(self), host)
        self._authority_host = f"[{host}]" if ":" in host else host

    # ---------------------------------------------------------------- running
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self._authority_host}:{self.port}/mms"

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Nothing changes ``messages``, ``received`` or ``requests`` inside this block
        (a test reading them while the server thread records)."""
        with self._lock:
            yield

    def start(self) -> Mmsc:
        self._server.start("sim-mmsc")
        return self

    def stop(self) -> None:
        self._stop.set()
        self._server.stop()

    # ------------------------------------------------------------ client PDUs
    def handle_post(self, req: RecordedRequest) -> tuple[int, bytes, MmsPdu | None]:
        """(HTTP status, body, decoded request) for a POST to the MMSC URL."""
        media = req.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != MMS_CONTENT_TYPE:
            return 415, b"Content-Type must be application/vnd.wap.mms-message", None
        try:
            pdu = decode_mms(req.body)
        except PduError as err:
            log.info("undecodable POST: %s", err)
            return 200, self._send_conf("", MESSAGE_FORMAT_CORRUPT, text=f"cannot decode: {err}"), None
        with self._lock:
            self.received.append(pdu)
        kind = pdu.message_type
        if kind == MessageType.M_SEND_REQ:
            return 200, self._accept_send(pdu, req), pdu
        if kind == MessageType.M_NOTIFYRESP_IND:
            self._notify_resp(pdu)
        elif kind == MessageType.M_ACKNOWLEDGE_IND:
            self._acknowledge(pdu)
        elif kind == MessageType.M_READ_REC_IND:
            self._read_report(pdu, req)
        else:
            return 400, f"{kind.spec_name} is not a client request".encode(), pdu
        return 204, b"", pdu

    def _sender_of(self, pdu: MmsPdu, req: RecordedRequest) -> str | None:
        msisdn = req.headers.get("x-msisdn") or self.identities.who(req.client_port, req.client_host)
        if msisdn:
            return msisdn
        if pdu.sender is not None and not pdu.sender.is_insert_token and pdu.sender.value:
            return pdu.sender.value
        return None

    def _accept_send(self, pdu: MmsPdu, req: RecordedRequest) -> bytes:
        tid = pdu.transaction_id or ""
        fault = self.faults.take("POST", kinds=("send_conf_status",))
        if fault is not None:
            return self._send_conf(tid, fault.code(TRANSIENT_FAILURE), text="fault injected by the simulated carrier")
        recipients = [a for a in (*pdu.to, *pdu.cc, *pdu.bcc)]
        if not recipients:
            return self._send_conf(tid, MESSAGE_FORMAT_CORRUPT, text="no recipients")
        unresolved = [a.value for a in recipients if not (a.is_phone or a.kind in ("email", "IPv4", "IPv6"))]
        if unresolved:  # a carrier cannot route "Jg": the whole send is refused, as for a bad sender
            return self._send_conf(tid, SENDING_ADDRESS_UNRESOLVED, text=f"cannot resolve recipient {unresolved[0]!r}")
        if len(req.body) > self.max_message_size:
            return self._send_conf(tid, CONTENT_NOT_ACCEPTED, text=f"message larger than {self.max_message_size} bytes")
        sender = self._sender_of(pdu, req)
        if sender is None:
            return self._send_conf(tid, SENDING_ADDRESS_UNRESOLVED, text="who are you?")
        message_id = f"sim{next(self._ids):06d}{secrets.token_hex(4)}"
        expires = _expiry_time(pdu.expiry, self.default_expiry)
        stored = StoredMessage(message_id, sender, pdu, None, expires)
        with self._lock:
            self.messages[message_id] = stored
        for addr in recipients:
            if addr.kind == "email":
                self.mailbox.add(Mail(addr.value, sender, pdu.subject, pdu.parts))
            else:
                self._notify(stored, addr.value)
        return self._send_conf(tid, OK, message_id=message_id)

    def _send_conf(self, tid: str, status: int, *, message_id: str | None = None, text: str | None = None) -> bytes:
        conf = MmsPdu(MessageType.M_SEND_CONF, transaction_id=tid or "0", mms_version="1.2", response_status=status, response_text=text, message_id=message_id)
        return encode_mms(conf)

    def _notify(self, stored: StoredMessage, recipient: str, *, expires: datetime | None = None) -> Delivery:
        token = secrets.token_hex(6)
        delivery = Delivery(recipient, f"/mms/m/{token}", f"T{token}")
        with self._lock:
            stored.deliveries.append(delivery)
            self._by_location[delivery.location] = (stored, delivery)
        req = stored.send_req
        size = len(encode_mms(self._retrieve_conf(stored, delivery))) if stored.raw_retrieve_conf is None else len(stored.raw_retrieve_conf)
        notification = MmsPdu(
            MessageType.M_NOTIFICATION_IND,
            transaction_id=delivery.transaction_id,
            mms_version="1.2",
            sender=Address.phone(stored.sender) if stored.sender else None,
            subject=req.subject,
            subject_charset=req.subject_charset,
            message_class=req.message_class or "personal",
            message_size=size,
            expiry=Expiry.at(expires or stored.expires),
            content_location=f"http://{self._authority_host}:{self.port}{delivery.location}"
                             + ("?id=" if self.transaction_id_in_location else ""),
            delivery_report=req.delivery_report,
        )
        self.push(recipient, encode_mms(notification))
        return delivery

    def push(self, to: str, mms_pdu: bytes) -> list[bytes]:
        """Send any MMS PDU to a handset as a WAP push (split into SMS as needed)."""
        push = encode_push(MMS_CONTENT_TYPE, mms_pdu, transaction_id=next(self._ids) % 256, app_id=MMS_APP_ID)
        return self.smsc.wap_push(to, push, self.push_plan)

    def _retrieve_conf(self, stored: StoredMessage, delivery: Delivery) -> MmsPdu:
        req = stored.send_req
        return MmsPdu(
            MessageType.M_RETRIEVE_CONF,
            transaction_id=delivery.ack_transaction_id if self.ack_quirks else delivery.transaction_id,
            mms_version="1.2",
            message_id=stored.message_id,
            date=req.date or stored.arrived,
            sender=Address.phone(stored.sender),
            to=req.to,
            cc=req.cc,
            subject=req.subject,
            subject_charset=req.subject_charset,
            message_class=req.message_class or "personal",
            priority=req.priority,
            delivery_report=req.delivery_report,
            read_report=req.read_report,
            content_type=req.content_type,
            parts=req.parts,
        )

    def handle_get(self, path: str, query: str = "") -> tuple[int, bytes]:
        with self._lock:
            found = self._by_location.get(path)
        if found is None:
            if path == "/mms":  # the endpoint takes M-Send.req by POST; a GET of it is the wrong method
                return 405, b"POST an MMS PDU here"
            return 404, b"no such message"
        stored, delivery = found
        if self.transaction_id_in_location and query != f"id={delivery.transaction_id}":
            return 404, b"no such message: the transaction id is not appended"
        if self.ack_quirks:  # only a delayed retrieval is acknowledged, under an id of its own
            deferred = delivery.notify_status == STATUS_DEFERRED
            delivery.ack_transaction_id = (delivery.ack_transaction_id or f"A{secrets.token_hex(6)}") if deferred else None
        if _now() >= stored.expires:
            conf = MmsPdu(MessageType.M_RETRIEVE_CONF, transaction_id=delivery.transaction_id, mms_version="1.2",
                          retrieve_status=RETRIEVE_MESSAGE_NOT_FOUND, retrieve_text="message expired", date=_now(),
                          content_type=ContentType.of("application/vnd.wap.multipart.mixed"))
            return 200, encode_mms(conf)
        body = stored.raw_retrieve_conf if stored.raw_retrieve_conf is not None else encode_mms(self._retrieve_conf(stored, delivery))
        first = not delivery.retrieved
        delivery.retrieved = True
        if first and stored.send_req.delivery_report and stored.sender:
            self._delivery_report(stored, delivery, STATUS_RETRIEVED)
        return 200, body

    def answers_at(self, path: str) -> bool:
        """The verizon personality takes M-NotifyResp.ind and M-Acknowledge.ind at a message's location."""
        with self._lock:
            return self.transaction_id_in_location and path in self._by_location

    def _delivery_report(self, stored: StoredMessage, delivery: Delivery, status: int) -> None:
        if self.smsc.handset(stored.sender) is None:
            return
        ind = MmsPdu(MessageType.M_DELIVERY_IND, mms_version="1.2", message_id=stored.message_id,
                     to=(Address.phone(delivery.recipient),), date=_now(), status=status)
        self.push(stored.sender, encode_mms(ind))

    def _delivery_by_tid(self, tid: str | None) -> Delivery | None:
        with self._lock:
            for _, delivery in self._by_location.values():
                if delivery.transaction_id == tid:
                    return delivery
        return None

    def _notify_resp(self, pdu: MmsPdu) -> None:
        delivery = self._delivery_by_tid(pdu.transaction_id)
        if delivery is not None:
            delivery.notify_status = pdu.status

    def _acknowledge(self, pdu: MmsPdu) -> None:
        if self.ack_quirks:
            with self._lock:
                delivery = next((d for _, d in self._by_location.values()
                                 if d.ack_transaction_id and d.ack_transaction_id == pdu.transaction_id), None)
        else:
            delivery = self._delivery_by_tid(pdu.transaction_id)
        if delivery is not None:
            delivery.acknowledged = True

    def _read_report(self, pdu: MmsPdu, req: RecordedRequest) -> None:
        with self._lock:
            stored = self.messages.get(pdu.message_id or "")
        reader = self._sender_of(pdu, req)
        if stored is None or reader is None or self.smsc.handset(stored.sender) is None:
            return
        orig = MmsPdu(MessageType.M_READ_ORIG_IND, mms_version="1.2", message_id=stored.message_id,
                      to=(Address.phone(stored.sender),), sender=Address.phone(reader), date=_now(),
                      read_status=pdu.read_status if pdu.read_status is not None else 0x80)
        self.push(stored.sender, encode_mms(orig))

    # ---------------------------------------------------------- test helpers
    def deliver_raw(self, to: str, retrieve_conf: bytes, *, sender: str = "+15550001234", expires: datetime | None = None) -> Delivery:
        """Notify `to` of a message whose M-Retrieve.conf is served byte for byte as given."""
        pdu = decode_mms(retrieve_conf)
        stored = StoredMessage(pdu.message_id or f"raw{next(self._ids)}", sender, replace(pdu, message_type=MessageType.M_SEND_REQ),
                               bytes(retrieve_conf), expires or _now() + self.default_expiry)
        with self._lock:
            self.messages[stored.message_id] = stored
        return self._notify(stored, to)

    def send_from(self, sender: str, to: list[str], *, text: str = "", parts: tuple[Part, ...] = (), subject: str | None = None,
                  delivery_report: bool = False, read_report: bool = False, expires: datetime | None = None) -> StoredMessage:
        """A message sent by someone on the network (not through HTTP), notified to `to`."""
        body = tuple(parts) or (Part.from_text(text),)
        req = MmsPdu(MessageType.M_SEND_REQ, transaction_id="net", mms_version="1.2", date=_now(), sender=Address.phone(sender),
                     to=tuple(Address.parse(a) if "@" in a else Address.phone(a) for a in to), subject=subject,
                     delivery_report=delivery_report, read_report=read_report,
                     content_type=ContentType.of("application/vnd.wap.multipart.mixed"), parts=body)
        message_id = f"sim{next(self._ids):06d}{secrets.token_hex(4)}"
        stored = StoredMessage(message_id, sender, req, None, expires or _now() + self.default_expiry)
        with self._lock:
            self.messages[message_id] = stored
        for addr in req.to:
            if addr.kind == "email":
                self.mailbox.add(Mail(addr.value, sender, subject, body))
            else:
                self._notify(stored, addr.value, expires=expires)
        return stored

    def expire(self, message_id: str) -> None:
        """Make a stored message expire now."""
        with self._lock:
            self.messages[message_id].expires = _now() - timedelta(seconds=1)

    def forget(self, message_id: str) -> None:
        """Delete a stored message: its Content-Locations answer 404 from now on."""
        with self._lock:
            stored = self.messages.pop(message_id)
            for d in stored.deliveries:
                self._by_location.pop(d.location, None)

    def record(self, req: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(req)

    def wait(self, seconds: float) -> bool:
        """Sleep that shutdown interrupts (for the slow-response fault)."""
        return self._stop.wait(seconds)

    def wait_released(self, release: threading.Event) -> bool:
        """Until a held answer is released (faults.hold); True if shutdown came first."""
        while not release.wait(0.05):
            if self._stop.is_set():
                return True
        return False


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _expiry_time(expiry: Expiry | None, default: timedelta) -> datetime:
    if expiry is None:
        return _now() + default
    if expiry.absolute is not None:
        return expiry.absolute
    return _now() + timedelta(seconds=expiry.relative or 0)


def _handler_for(mmsc: Mmsc) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "SimMMSC/1.0"

        def log_message(self, fmt: str, *args: Any) -> None:
            log.debug("mmsc: " + fmt, *args)

        def _record(self, body: bytes) -> RecordedRequest:
            headers = {k.lower(): v for k, v in self.headers.items()}
            req = RecordedRequest(self.command, self.path, headers, body, self.client_address[1],
                                  client_host=self.client_address[0])
            mmsc.record(req)
            return req

        def _path(self) -> str:
            return self._target()[0]

        def _target(self) -> tuple[str, str]:
            """(path, query) of the request target."""
            path = self.path
            if "://" in path:  # absolute form straight to the MMSC (no proxy): accept
                path = "/" + path.split("://", 1)[1].split("/", 1)[-1]
            path, _, query = path.partition("?")
            return path, query

        def _proxy_missing(self) -> bool:
            return mmsc.require_proxy and PROXY_VIA not in self.headers.get("Via", "")

        def _ua_refused(self) -> str | None:
            if mmsc.strict_ua:
                return ua_refusal(self.headers.get("User-Agent"), self.headers.get("x-wap-profile"))
            if mmsc.require_ua_headers and not (self.headers.get("User-Agent") and self.headers.get("x-wap-profile")):
                return "User-Agent and x-wap-profile are required"
            return None

        def do_GET(self) -> None:
            req = self._record(b"")
            if self._proxy_missing():
                return self._reply(403, b"the MMSC is reached through the MMS proxy", "text/plain")
            fault = mmsc.faults.take("GET", kinds=("status", "slow", "reset", "truncate", "content_type"))
            refused = self._ua_refused()
            if refused is not None:
                return self._reply(412, refused.encode("utf-8", "replace"), "text/plain")
            status, body = mmsc.handle_get(*self._target())
            ctype = MMS_CONTENT_TYPE if status == 200 else "text/plain"
            del req
            self._reply(status, body, ctype, fault)

        def do_POST(self) -> None:
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked" or self.headers.get("Content-Length") is None:
                self._record(b"")
                return self._reply(411, b"Content-Length required", "text/plain", close=True)
            try:
                length = int(self.headers["Content-Length"])
            except ValueError:
                return self._reply(400, b"bad Content-Length", "text/plain", close=True)
            body = self.rfile.read(length)
            req = self._record(body)
            if self._proxy_missing():
                return self._reply(403, b"the MMSC is reached through the MMS proxy", "text/plain")
            fault = mmsc.faults.take("POST", kinds=("status", "slow", "reset", "truncate", "content_type"))
            refused = self._ua_refused()
            if refused is not None:
                return self._reply(412, refused.encode("utf-8", "replace"), "text/plain")
            if self._path() != "/mms" and not mmsc.answers_at(self._path()):
                return self._reply(404, b"not the MMSC endpoint", "text/plain")
            status, answer, _ = mmsc.handle_post(req)
            self._reply(status, answer, MMS_CONTENT_TYPE if status == 200 else "text/plain", fault)

        def _reply(self, status: int, body: bytes, ctype: str, fault: Fault | None = None, *, close: bool = False) -> None:
            if fault is not None and fault.kind == "slow":
                if isinstance(fault.value, threading.Event):
                    stopped = mmsc.wait_released(fault.value)
                else:
                    stopped = mmsc.wait(float(fault.value or 0))
                if stopped:
                    self.close_connection = True
                    return
            if fault is not None and fault.kind == "status":
                status, body, ctype = fault.code(500), b"fault injected", "text/plain"
            if fault is not None and fault.kind == "content_type":
                ctype = str(fault.value)
            self.send_response(status)
            if status != 204:
                self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if close:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if fault is not None and fault.kind in ("reset", "truncate"):
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                if fault.kind == "reset":
                    self.server.abort(self.connection)  # type: ignore[attr-defined]
                self.close_connection = True
                return
            if status != 204:
                self.wfile.write(body)

    return Handler
