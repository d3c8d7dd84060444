"""`mmsua demo`: the whole product on a simulated carrier, on one machine.

The pieces are the production ones. A :class:`~mmsua.sim.carrier.SimulatedCarrier`
plays the network (an emulated modem on a pseudo-terminal, an SMSC, an MMSC and
the carrier's MMS proxy on 127.0.0.1, and a scripted friend). mmsua runs as
``mmsua daemon`` does (:class:`mmsua.daemon.runner.Daemon`: config, engine,
API server on a Unix socket) with the modem port set to the emulated modem's
pty, so every byte goes through the real driver: ``AtChannel`` over pyserial,
the vendor profile picked from ``ATI``, the SMS service, the PDP context and the
modem's internal TCP stack, through the proxy to the MMSC. Clients (the TUI,
the scripted exchange, ``mmsua ls --socket ...``) talk to it over that socket.

:class:`DemoSession` starts and stops all of it; :class:`Narrator` turns the
daemon's events into :class:`Step` lines (sans-I/O); :func:`run_exchange` is the
scripted conversation used where there is no terminal.
"""

from __future__ import annotations

import logging
import queue
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mmsua.api.shapes import Attachment, SendRequest
from mmsua.textsafe import clean_line

log = logging.getLogger(__name__)

OWN_NUMBER = "+15550100001"
FRIEND_NUMBER = "+15550100099"
FRIEND_NAME = "Sam (simulated friend)"
PROFILES = ("quectel-eg25g", "simcom-sim7600", "generic")
GREETING_SUBJECT = "Welcome to mmsua"
GREETING_TEXT = "Hi! I'm your simulated friend on the simulated carrier. Send me a picture or a few words and I'll answer."
USER_SUBJECT = "Hello back"
USER_TEXT = "Thanks! Here is the view from my terminal."
MODEM_READY_TIMEOUT = 60.0


class DemoError(RuntimeError):
    """The demo could not start or a step did not happen in time (the message says which)."""


@dataclass(frozen=True, slots=True)
class DemoOptions:
    profile: str = "quectel-eg25g"
    line_rate: float | None = None  # bytes per second on the emulated serial line
    store: Path | None = None  # keep the store here; None: a private temporary one
    own_number: str = OWN_NUMBER
    friend_number: str = FRIEND_NUMBER

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            raise ValueError(f"unknown modem profile {self.profile!r}; choose one of {', '.join(PROFILES)}")
        if self.line_rate is not None and self.line_rate <= 0:
            raise ValueError(f"--line-rate must be a positive number of bytes per second, not {self.line_rate:g}")


@dataclass(frozen=True, slots=True)
class Plumbing:
    """What the demo wired together: the same settings a real modem would need."""

    serial_device: str  # the pty mmsua opened, as it would open /dev/ttyUSB2
    pts: str  # the /dev/pts/N behind it
    modem_profile: str  # the emulated modem's dialect
    line_rate: float | None
    bearer: str  # how MMS HTTP reaches the proxy
    apn: str
    mmsc: str
    proxy: str
    own_number: str
    friend: str
    store: str
    store_kept: bool
    socket: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Step:
    """One thing that happened, as a line of prose and as a JSON object."""

    step: str
    text: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"step": self.step, "text": self.text, **self.data}


class DemoSession:
    """Carrier + daemon + private runtime directory; ``with DemoSession(opts) as s:``.

    ``stop()`` ends every thread and socket it started and removes every file it
    made, except the store when ``options.store`` names one.
    """

    def __init__(self, options: DemoOptions | None = None) -> None:
        self.options = options or DemoOptions()
        self.runtime: Path | None = None
        self.carrier: Any = None
        self.handset: Any = None
        self.daemon: Any = None
        self.plumbing: Plumbing | None = None

    # -- life cycle -------------------------------------------------------------

    def start(self) -> DemoSession:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        from mmsua import config
        from mmsua.daemon.runner import Daemon
        from mmsua.sim.carrier import SimulatedCarrier

        opts = self.options
        # Short on purpose: a Unix socket path must stay under ~100 bytes.
        self.runtime = Path(tempfile.mkdtemp(prefix="mmsua-demo-"))
        store = opts.store if opts.store is not None else self.runtime / "store"
        # A generic 3GPP modem has no internal TCP stack: MMS HTTP leaves through a host interface
        # (wwan0 on real hardware, lo here), where the carrier knows the subscriber by the PDP
        # address: here lo's 127.0.0.1 is this demo's handset.
        interface_bearer = opts.profile == "generic"
        self.carrier = SimulatedCarrier(profile=opts.profile, line_rate=opts.line_rate, friend=opts.friend_number,
                                        require_ua_headers=True, require_proxy=True,
                                        subscriber_by_address={"127.0.0.1": opts.own_number} if interface_bearer else None)
        self.carrier.start()
        self.handset = self.carrier.add_handset(opts.own_number)
        port = self.handset.pty_path or self.handset.serial_url
        settings = config.defaults().with_values({
            "modem.port": port,
            "modem.profile": "auto",  # chosen from ATI, as with a real modem
            "mms.apn": self.carrier.apn,
            "mms.mmsc": self.carrier.mmsc_url,
            "mms.proxy": self.carrier.proxy or "",
            "mms.bearer": "interface" if interface_bearer else "modem",
            "mms.interface": "lo" if interface_bearer else "",
            "mms.uaprof": "http://127.0.0.1/mmsua-demo-uaprof.xml",
            "reports.delivery": True,
            "identity.own_number": opts.own_number,
            "identity.country": "US",
            "store.path": str(store),
            "carrier.auto": False,  # the simulated carrier is in no carrier database
        }, "mmsua demo")
        socket = self.runtime / "api.sock"
        self.plumbing = Plumbing(
            serial_device=port, pts=self.handset.pty.device if self.handset.pty else "",
            modem_profile=self.handset.modem.profile.key, line_rate=opts.line_rate,
            bearer="host interface lo" if interface_bearer else "the modem's internal TCP stack",
            apn=self.carrier.apn, mmsc=self.carrier.mmsc_url, proxy=self.carrier.proxy or "",
            own_number=opts.own_number, friend=opts.friend_number, store=str(store), store_kept=opts.store is not None,
            socket=str(socket),
        )
        self.daemon = Daemon(settings, socket)
        self.daemon.start()

    def stop(self) -> None:
        """Idempotent; safe after a failed start."""
        daemon, self.daemon = self.daemon, None
        if daemon is not None:
            try:
                daemon.shutdown()
            except Exception as error:  # keep tearing down the rest
                log.warning("stopping the demo's daemon: %s", error)
        carrier, self.carrier = self.carrier, None
        if carrier is not None:
            carrier.stop()
        runtime, self.runtime = self.runtime, None
        if runtime is not None:
            shutil.rmtree(runtime, ignore_errors=True)

    def __enter__(self) -> DemoSession:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the demo does -------------------------------------------------------

    def wait_modem_ready(self, timeout: float = MODEM_READY_TIMEOUT) -> None:
        link = self.daemon.agent.link
        if not link.wait_ready(timeout):
            raise DemoError(f"the emulated modem did not come up within {timeout:.0f} s: {link.error or 'no answer'}")

    def client(self) -> Any:
        """A new API client on the demo daemon's socket (the caller closes it)."""
        from mmsua.daemon.client import Client

        assert self.plumbing is not None, "start the demo first"
        return Client(self.plumbing.socket)

    def greet(self) -> str:
        """The friend sends the user a picture and a few words; returns the MMSC's Message-ID."""
        from mmsua.codec.mms import Part
        from mmsua.sim.friend import draw_picture

        picture = Part.make(draw_picture("Welcome to mmsua!"), "image/jpeg", name="welcome.jpg")
        stored = self.carrier.send_mms(self.options.friend_number, [self.options.own_number],
                                       subject=GREETING_SUBJECT, parts=(Part.from_text(GREETING_TEXT), picture))
        return str(stored.message_id)

    def settle(self, timeout: float = 5.0) -> bool:
        """Until the engine has no task left and the network nothing scheduled (bounded by ``timeout``),
        so stopping does not cut a transfer in half. True when it got there."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            idle = self.carrier.settle(min(1.0, max(0.0, deadline - time.monotonic())))
            if idle and self.daemon.agent.store.next_task_time() is None:
                return True
            time.sleep(0.05)
        return False

    def acknowledged(self) -> int:
        """How many messages to the user the MMSC has an M-NotifyResp.ind or M-Acknowledge.ind for."""
        stored = list(self.carrier.mmsc.messages.values())  # a snapshot: the MMSC's threads add to it
        deliveries = [d for m in stored for d in list(m.deliveries) if d.recipient == self.options.own_number]
        return sum(1 for d in deliveries if d.notify_status is not None or d.acknowledged)

    def message_id_of(self, message: int) -> str | None:
        """The Message-ID the MMSC gave a sent message (M-Send.conf), as the engine stored it.

        Read from the store because the API's Message shape does not carry it yet
        (requested in notes/requests-demo.md)."""
        try:
            return self.daemon.agent.store.get_message(int(message)).message_id
        except Exception:
            return None

    def contacts_vcard(self) -> Path:
        """A vCard naming the friend, so the TUI shows a name, not just a number."""
        assert self.runtime is not None, "start the demo first"
        path = self.runtime / "contacts.vcf"
        path.write_text(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:{FRIEND_NAME}\r\nTEL;TYPE=CELL:{self.options.friend_number}\r\nEND:VCARD\r\n",
                        encoding="utf-8")
        return path


def plumbing_steps(plumbing: Plumbing) -> list[Step]:
    p = plumbing
    rate = f", line rate {p.line_rate:g} bytes/s" if p.line_rate else ""
    lines = [
        f"serial device  {p.serial_device} (pty {p.pts or '-'}): emulated {p.modem_profile} modem{rate}",
        f"APN            {p.apn}; MMS HTTP goes over {p.bearer}",
        f"MMS proxy      {p.proxy or 'none'} (every MMSC request goes through it, as on a carrier)",
        f"MMSC           {p.mmsc}",
        f"your number    {p.own_number}",
        f"friend         {p.friend} (answers every MMS with a picture and text)",
        f"store          {p.store} ({'kept' if p.store_kept else 'deleted when the demo ends; --store DIR keeps it'})",
        f"API socket     {p.socket} (try: mmsua ls --socket {p.socket})",
    ]
    return [Step("plumbing", "\n".join(lines), p.to_dict())]


class Narrator:
    """Daemon events in, :class:`Step` out; each message's states are told once, in order.

    Sans-I/O: the caller feeds ``(event, data)`` pairs (from the API's event
    stream, or Message dicts it listed itself) and prints what comes back.
    ``incoming_role`` labels the next new incoming message ("greeting", "reply").
    """

    def __init__(self, friend: str, message_id_of: Callable[[int], str | None] = lambda _id: None) -> None:
        self.friend = friend
        self.message_id_of = message_id_of
        self.incoming_role = "incoming"
        self.roles: dict[int, str] = {}
        self.told: set[tuple[int, str]] = set()
        self.stored: dict[str, dict[str, Any]] = {}  # role -> Message, once its content is in
        self.sent: dict[int, str | None] = {}  # message -> Message-ID
        self.delivered: set[int] = set()
        self.failed: list[Step] = []

    def feed(self, event: str, data: Any) -> list[Step]:
        if event == "modem.state" or not isinstance(data, dict) or "id" not in data:
            return []
        if event not in ("message.received", "message.updated"):
            return []
        return self._message(data)

    def _once(self, message: int, what: str) -> bool:
        if (message, what) in self.told:
            return False
        self.told.add((message, what))
        return True

    def _message(self, m: dict[str, Any]) -> list[Step]:
        mid = int(m["id"])
        state = str(m.get("state"))
        steps: list[Step] = []
        if m.get("direction") == "in":
            role = self.roles.setdefault(mid, self.incoming_role)
            who = _who(m.get("from"), self.friend)
            base = {"role": role, "message": mid, "from": m.get("from"), "kind": m.get("kind")}
            if state in ("notified", "retrieving", "received", "deferred") and self._once(mid, "push"):
                size = m.get("size")
                steps.append(Step("push_received", f"{who}: MMS announced by WAP push (M-Notification.ind"
                                  f"{f', {size} bytes' if size else ''}), notification stored", {**base, "size": size}))
            if state == "retrieving" and self._once(mid, "retrieving"):
                steps.append(Step("retrieving", "retrieving it: bearer up, HTTP GET through the proxy to the MMSC", base))
            if state == "received" and self._once(mid, "received"):
                self.stored[role] = m
                parts = [{"content_type": p.get("content_type"), "size": p.get("size"), "name": p.get("name")} for p in m.get("parts", [])]
                shown = ", ".join(f"{p['content_type']} {p['size']} bytes" for p in parts)
                subject = clean_line(str(m.get("subject") or ""), limit=60)
                text = clean_line(str(m.get("text") or ""), limit=80)
                steps.append(Step("stored", f"stored ({role}): subject {subject!r}, text {text!r}; parts: {shown}",
                                  {**base, "subject": m.get("subject"), "message_text": m.get("text"), "parts": parts}))
            if state in ("failed", "expired", "rejected") and self._once(mid, state):
                steps.append(self._failure(mid, state, m, base))
            return steps
        base = {"message": mid, "to": m.get("to", [])}
        if state == "queued" and self._once(mid, "queued"):
            steps.append(Step("queued", f"you → {', '.join(_who(a, self.friend) for a in m.get('to', []))}: message stored in the outbox", base))
        if state == "sending" and self._once(mid, "sending"):
            steps.append(Step("sending", "sending: M-Send.req POSTed through the proxy to the MMSC", base))
        if state == "sent" and self._once(mid, "sent"):
            message_id = m.get("message_id") or self.message_id_of(mid)
            self.sent[mid] = message_id
            steps.append(Step("sent", f"sent: the MMSC accepted it (M-Send.conf Ok), Message-ID {message_id}",
                              {**base, "message_id": message_id}))
        for recipient in m.get("recipients", []):
            status = recipient.get("status")
            if status in ("delivered", "read") and self._once(mid, f"{status}:{recipient.get('address')}"):
                self.delivered.add(mid)
                steps.append(Step(status, f"{status} report: M-Delivery.ind by WAP push says {_who(recipient.get('address'), self.friend)} "
                                  f"has it", {**base, "recipient": recipient.get("address"), "status": status}))
        if state == "failed" and self._once(mid, "failed"):
            steps.append(self._failure(mid, state, m, base))
        return steps

    def _failure(self, mid: int, state: str, m: dict[str, Any], base: dict[str, Any]) -> Step:
        reason = clean_line(str(m.get("error") or "no reason given"), limit=200)
        step = Step("failed", f"message {mid} {state}: {reason}", {**base, "state": state, "error": m.get("error")})
        self.failed.append(step)
        return step


def _who(address: Any, friend: str) -> str:
    return "friend" if address == friend else clean_line(str(address or "?"), limit=40)


class Exchange:
    """The scripted conversation, in phases, told step by step through ``emit``.

    ``with Exchange(session, emit) as x: x.greeting(); x.conversation(); x.finish()``.
    Each phase returns False (after an ``error`` or ``failed`` step) when what it
    waits for did not happen within ``timeout`` seconds.
    """

    def __init__(self, session: DemoSession, emit: Callable[[Step], None], *, timeout: float = 60.0) -> None:
        assert session.plumbing is not None, "start the session first"
        self.session = session
        self.emit = emit
        self.timeout = timeout
        self.narrator = Narrator(session.options.friend_number, session.message_id_of)
        self._events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._calls: Any = None
        self._listener: Any = None
        self.sent_id: int | None = None

    def __enter__(self) -> Exchange:
        try:
            self._open()
        except BaseException:
            self.__exit__()
            raise
        return self

    def _open(self) -> None:
        for step in plumbing_steps(self.session.plumbing):  # type: ignore[arg-type]
            self.emit(step)
        self.session.wait_modem_ready()
        self._calls = self.session.client()
        self._listener = self.session.client()
        # The narrator reads the API's JSON: events and answers as the wire carries them.
        self._listener.on_event(lambda event: self._events.put((event.name, event.data.to_json())))
        status = self._calls.status().to_json()
        modem = status.get("modem") or {}
        self.emit(Step("modem_ready", f"modem ready: {modem.get('manufacturer')} {modem.get('model')} (profile chosen from ATI), "
                       f"{status.get('registration')} on {status.get('operator')}, signal {status.get('signal')}%",
                       {"modem": modem, "operator": status.get("operator"), "registration": status.get("registration"),
                        "signal": status.get("signal")}))

    def __exit__(self, *exc: object) -> None:
        for client in (self._listener, self._calls):
            if client is not None:
                client.close()
        self._listener = self._calls = None

    def greeting(self) -> bool:
        """The friend's picture message arrives: WAP push, retrieval, stored."""
        self.narrator.incoming_role = "greeting"
        message_id = self.session.greet()
        self.emit(Step("greeting_sent", f"friend → you: an MMS with a picture, accepted by the MMSC as {message_id}; "
                       "the SMSC pushes its notification to your modem", {"message_id": message_id}))
        return self._wait("the friend's greeting to be stored", lambda: "greeting" in self.narrator.stored)

    def conversation(self) -> bool:
        """The user sends a picture and text; it is sent, delivered, and the friend's reply arrives."""
        from mmsua.sim.friend import draw_picture

        self.narrator.incoming_role = "reply"
        picture = draw_picture("Hello from my terminal")
        answer = self._calls.send(SendRequest(to=(self.session.options.friend_number,), subject=USER_SUBJECT, text=USER_TEXT,
                                              attachments=(Attachment.of(picture, "terminal.jpg", "image/jpeg"),),
                                              delivery_report=True))
        assert not isinstance(answer, list)
        queued = answer.to_json()
        self._tell("message.updated", queued)
        sent_id = self.sent_id = int(queued["id"])
        return (self._wait("the MMSC to accept the message", lambda: sent_id in self.narrator.sent)
                and self._wait("the delivery report", lambda: sent_id in self.narrator.delivered)
                and self._wait("the friend's reply to be stored", lambda: "reply" in self.narrator.stored))

    def finish(self) -> None:
        """Let the last acknowledgements go out, then sum up."""
        settled = self.session.settle()
        count = self.session.acknowledged()
        self.emit(Step("acknowledged", f"the MMSC has M-NotifyResp.ind (Retrieved) for {count} message(s) sent to you",
                       {"count": count, "settled": settled}))
        stored, sent = self.narrator.stored, self.narrator.sent
        self.emit(Step("done", "the whole exchange went through the real driver, the carrier's proxy and the MMSC",
                       {"greeting": stored["greeting"]["id"], "sent": self.sent_id,
                        "message_id": sent.get(self.sent_id) if self.sent_id is not None else None,
                        "reply": stored["reply"]["id"] if "reply" in stored else None}))

    def _tell(self, name: str, data: Any) -> None:
        for step in self.narrator.feed(name, data):
            self.emit(step)

    def _wait(self, what: str, done: Callable[[], bool]) -> bool:
        deadline = time.monotonic() + self.timeout
        next_poll = time.monotonic() + 1.0
        while not done():
            if self.narrator.failed:
                return False
            now = time.monotonic()
            if now > deadline:
                self.emit(Step("error", f"timed out after {self.timeout:.0f} s waiting for {what}", {"waiting_for": what}))
                return False
            try:
                name, data = self._events.get(timeout=0.2)
            except queue.Empty:
                pass
            else:
                self._tell(name, data)
            if now >= next_poll:  # events are the news; a listing catches any that was missed
                next_poll = now + 1.0
                for conversation in self._calls.list_conversations():
                    for message in self._calls.list_messages(conversation.id):
                        self._tell("message.updated", message.to_json())
        return True


def run_exchange(session: DemoSession, emit: Callable[[Step], None], *, timeout: float = 60.0) -> bool:
    """The whole scripted exchange (no terminal needed); True when every step happened."""
    with Exchange(session, emit, timeout=timeout) as exchange:
        if not (exchange.greeting() and exchange.conversation()):
            return False
        exchange.finish()
    return True
