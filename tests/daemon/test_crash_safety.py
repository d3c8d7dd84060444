"""Crash safety, proven: SIGKILL the daemon at chosen points of at least 100 receive
and send cycles on the simulated carrier, restart it each time, then check that
nothing was lost or doubled.

The daemon is a real `mmsua daemon` process on the emulated modem's pty (real
serial I/O), reaching the MMSC over loopback HTTP through the carrier's proxy.
Each cycle picks a kill point, watches for it (the daemon's own events, the
MMSC's request log) and kills the process the moment it is reached:

receive: during the SMS read (the modem has the AT+CMGR or AT+CMGL), when the SMS is
deleted from the modem (AT+CMGD), once the notification is stored (before retrieval), once the MMSC served the GET (after
retrieval, before the message is stored), once the message is stored (before
M-NotifyResp.ind), once the MMSC has the NotifyResp;
send: right after the API queued it, once it is sending, once the MMSC has the
M-Send.req (before M-Send.conf is stored), once it is sent.
"""

from __future__ import annotations

import collections
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from daemonproc import DaemonProcess

from mmsua.api.shapes import SendRequest
from mmsua.codec.mms import MessageType
from mmsua.daemon.client import Client, DaemonUnavailable

pytestmark = pytest.mark.slow

CYCLES = int(os.environ.get("MMSUA_CRASH_CYCLES", "110"))
SEED = int(os.environ.get("MMSUA_CRASH_SEED", "20261125"))
ME = "+15550100001"
PEER = "+15550100002"  # a second handset: receives our sends, retrieves nothing
STRANGER = "+15550107777"  # sends to us from elsewhere on the network
RECEIVE_POINTS = ("sms_read", "sms_delete", "notification_stored", "after_get", "message_stored", "after_notifyresp")
SEND_POINTS = ("queued", "sending", "send_req_at_mmsc", "sent")
WAIT = 8.0  # longest wait for a kill point before killing anyway
# Seconds for all cycles: a healthy run needs ~60-80, a CI machine loaded by other work
# several times that; a stuck daemon (each kill point waited for in vain) still runs out of it.
BUDGET = float(os.environ.get("MMSUA_CRASH_BUDGET", "420"))
# MMSUA_CRASH_BEARER=interface moves HTTP over the host's loopback instead of the
# emulated modem's TCP stack (SMS still over the pty): isolates engine from bearer faults.
BEARER = os.environ.get("MMSUA_CRASH_BEARER", "modem")


class Watch:
    """The daemon's events, collected by a thread on a subscribed connection."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.cond = threading.Condition()

    def attach(self, socket: Path) -> None:
        stream = Client(socket, timeout=None).events()

        def pump() -> None:
            for event in stream:
                with self.cond:
                    self.events.append((event.name, event.data.to_json()))
                    self.cond.notify_all()

        threading.Thread(target=pump, daemon=True).start()

    def wait(self, predicate, timeout: float = WAIT) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: any(predicate(n, d) for n, d in self.events), timeout)


def wait_until(condition, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.001)
    return False


def mmsc_posts(carrier: Any, kind: MessageType) -> list[Any]:
    """The client PDUs of one type that the MMSC decoded, in arrival order."""
    with carrier.mmsc.held():
        return [pdu for pdu in carrier.mmsc.received if pdu.message_type == kind]


def delivery_to_me(carrier: Any, subject: str) -> Any:
    with carrier.mmsc.held():
        for stored in carrier.mmsc.messages.values():
            if stored.send_req.subject == subject:
                for delivery in stored.deliveries:
                    if delivery.recipient == ME:
                        return delivery
    return None


def gets_of(carrier: Any, location: str) -> int:
    with carrier.mmsc.held():
        return sum(1 for r in carrier.mmsc.requests if r.method == "GET" and r.target.endswith(location))


def all_messages(client: Client) -> list[dict[str, Any]]:
    messages = []
    for conversation in client.list_conversations(limit=1000):
        before = None
        while True:
            page = client.list_messages(conversation.id, before_id=before, limit=1000)
            messages.extend(page)
            if len(page) < 1000:
                break
            before = page[0].id
    return messages


@pytest.mark.timeout(BUDGET + 180)  # the cycles, then the settling waits after them
def test_sigkill_at_every_step_loses_and_doubles_nothing(tmp_path: Path) -> None:
    from mmsua.sim.carrier import SimulatedCarrier

    rng = random.Random(SEED)
    kills: collections.Counter[str] = collections.Counter()
    reached: collections.Counter[str] = collections.Counter()
    queued: dict[int, str] = {}  # outgoing message id -> its text
    received_subjects: list[str] = []
    with SimulatedCarrier() as carrier:
        me = carrier.add_handset(ME)
        carrier.add_handset(PEER)
        extra = ["--bearer", "interface", "--interface", "lo"] if BEARER == "interface" else ["--bearer", "modem"]
        daemon = DaemonProcess(carrier, me, tmp_path, extra=extra)
        watch = Watch()
        daemon.start()
        watch.attach(daemon.socket)
        misses = 0
        began = time.monotonic()
        try:
            for cycle in range(CYCLES):
                if time.monotonic() - began > BUDGET:
                    tail = "\n".join(daemon.log.read_text(errors="replace").splitlines()[-40:])
                    pytest.fail(f"only {cycle} of {CYCLES} cycles within {BUDGET:g} s: the daemon is stuck or recovering slowly; log tail:\n{tail}")
                if cycle % 2 == 0:
                    point = rng.choice(RECEIVE_POINTS)
                    subject = f"in {cycle}"
                    received_subjects.append(subject)
                    seen = len(me.modem.commands_seen)
                    carrier.send_mms(STRANGER, [ME], subject=subject, text=f"incoming message {cycle}")
                    hit = _reach_receive_point(point, subject, carrier, watch, daemon.client(), me.modem, seen)
                else:
                    point = rng.choice(SEND_POINTS)
                    text = f"outgoing message {cycle}"
                    try:
                        sent = daemon.client().send(SendRequest(to=[PEER], text=text, via="mms"))
                    except DaemonUnavailable:
                        sent = None
                    if sent is not None:
                        queued[sent.id] = text
                        hit = _reach_send_point(point, sent.id, text, carrier, watch)
                    else:
                        hit = False
                reached[point] += hit
                misses = 0 if hit else misses + 1
                if misses >= 4:
                    # Four kill points in a row never came: the daemon is stuck, not crash-tested.
                    tail = "\n".join(daemon.log.read_text(errors="replace").splitlines()[-40:])
                    pytest.fail(f"cycle {cycle}: the daemon stopped making progress (4 kill points not reached); log tail:\n{tail}")
                daemon.kill()
                kills[point] += 1
                watch = Watch()
                daemon.start()
                watch.attach(daemon.socket)
            # Let the last incarnation finish every step that is owed.
            client = daemon.client()
            settled = wait_until(lambda: _idle(client, len(received_subjects)), timeout=45)
            # A message can be stored while its M-NotifyResp is still owed (killed in between):
            # give the last incarnation the time to pay it before stopping it.
            wait_until(lambda: not _unanswered(carrier), timeout=45)
            messages = all_messages(client)
            status = client.status()
        finally:
            daemon.terminate()
        with carrier.mmsc.held():
            deliveries = [(s.send_req.subject, d) for s in carrier.mmsc.messages.values() for d in s.deliveries if d.recipient == ME]
        send_reqs = mmsc_posts(carrier, MessageType.M_SEND_REQ)

    total_kills = sum(kills.values())
    print(f"\ncrash safety: {CYCLES} cycles ({CYCLES - CYCLES // 2} receive, {CYCLES // 2} send), {total_kills} SIGKILLs, "
          f"{daemon.starts} daemon starts, seed {SEED}, bearer {BEARER}")
    for point in (*RECEIVE_POINTS, *SEND_POINTS):
        print(f"  kill point {point:<20} {kills[point]:>3} kills, {reached[point]:>3} reached exactly")
    assert settled, f"the daemon did not settle after the last restart: {status}"

    # Every message the carrier delivered to us is in the store exactly once, complete.
    incoming = collections.Counter(m.subject for m in messages if m.direction == "in" and m.kind == "mms")
    delivered = [subject for subject, _ in deliveries]
    assert sorted(delivered) == sorted(received_subjects)
    doubled = {s: n for s, n in incoming.items() if n != 1}
    missing = [s for s in delivered if s not in incoming]
    assert not doubled and not missing, f"doubled: {doubled}, missing: {missing}"
    states = collections.Counter(m.state for m in messages if m.direction == "in")
    assert states == {"received": len(delivered)}, states
    texts = {m.subject: m.text for m in messages if m.direction == "in"}
    assert all(texts[f"in {n}"] == f"incoming message {n}" for n in range(0, CYCLES, 2))

    # The MMSC saw a NotifyResp or an Acknowledge for every retrieved message.
    unanswered = [s for s, d in deliveries if d.retrieved and d.notify_status is None and not d.acknowledged]
    assert not unanswered, f"retrieved but never answered: {unanswered}"
    assert all(d.retrieved for _, d in deliveries)

    # Every queued outgoing message was sent exactly once (one transaction at the
    # MMSC) or is still queued; none vanished.
    outgoing = {m.id: m for m in messages if m.direction == "out"}
    assert set(queued) <= set(outgoing), f"queued but lost: {set(queued) - set(outgoing)}"
    by_text: dict[str, set[str]] = collections.defaultdict(set)
    posts_by_text: collections.Counter[str] = collections.Counter()
    for pdu in send_reqs:
        body = pdu.text
        by_text[body].add(pdu.transaction_id)
        posts_by_text[body] += 1
    reposted = 0
    for message_id, text in queued.items():
        state = outgoing[message_id].state
        transactions = by_text.get(text, set())
        if state == "sent":
            assert len(transactions) == 1, f"{text!r}: {len(transactions)} different transactions at the MMSC"
            reposted += posts_by_text[text] - 1
            # The message shows every POST the MMSC saw (more when one began but never arrived).
            assert outgoing[message_id].attempts >= posts_by_text[text], f"{text!r}: attempts hide a re-post"
        else:
            assert state in ("queued", "sending"), f"{text!r} ended {state}: {outgoing[message_id].error}"
    print(f"  {len(delivered)} received exactly once; {len(queued)} queued, "
          f"{sum(1 for i in queued if outgoing[i].state == 'sent')} sent once; "
          f"{reposted} M-Send.req re-posted with the same transaction id after a kill between POST and M-Send.conf")


def _reach_receive_point(point: str, subject: str, carrier: Any, watch: Watch, client: Client, modem: Any, seen: int) -> bool:
    mine = lambda state: (lambda n, d: d.get("subject") == subject and d.get("state") in state)  # noqa: E731
    if point in ("sms_read", "sms_delete"):
        # The emulated modem logs every command line it gets: kill as the read (or delete) arrives.
        wanted = ("AT+CMGR", "AT+CMGL") if point == "sms_read" else ("AT+CMGD",)
        return wait_until(lambda: any(line.upper().startswith(wanted) for line in modem.commands_seen[seen:]))
    if point == "notification_stored":
        # The engine may store a notification without an event: look in the store.
        def stored() -> bool:
            try:
                return any(m.subject == subject for m in all_messages(client))
            except DaemonUnavailable:
                return False
        return wait_until(stored)
    if point == "after_get":
        found = wait_until(lambda: delivery_to_me(carrier, subject) is not None)
        return found and wait_until(lambda: gets_of(carrier, delivery_to_me(carrier, subject).location) > 0)
    if point == "message_stored":
        return watch.wait(mine(("received",)))
    found = wait_until(lambda: delivery_to_me(carrier, subject) is not None)
    return found and wait_until(lambda: delivery_to_me(carrier, subject).notify_status is not None)


def _reach_send_point(point: str, message_id: int, text: str, carrier: Any, watch: Watch) -> bool:
    if point == "queued":
        return True
    if point == "sending":
        return watch.wait(lambda n, d: d.get("id") == message_id and d.get("state") == "sending")
    if point == "send_req_at_mmsc":
        def posted() -> bool:
            return any(pdu.text == text for pdu in mmsc_posts(carrier, MessageType.M_SEND_REQ))
        return wait_until(posted)
    return watch.wait(lambda n, d: d.get("id") == message_id and d.get("state") == "sent")


def _unanswered(carrier) -> list[str]:
    """Subjects the handset retrieved but has not yet answered (NotifyResp or Acknowledge)."""
    with carrier.mmsc.held():
        return [s.send_req.subject for s in carrier.mmsc.messages.values() for d in s.deliveries
                if d.recipient == ME and d.retrieved and d.notify_status is None and not d.acknowledged]


def _idle(client: Client, expected_incoming: int) -> bool:
    """Every delivered notification arrived and nothing is still moving (deferred counts as settled)."""
    try:
        messages = all_messages(client)
    except DaemonUnavailable:
        return False
    incoming = [m for m in messages if m.direction == "in"]
    moving = [m for m in messages if m.state in ("notified", "retrieving", "queued", "sending")]
    if len(incoming) < expected_incoming or moving:
        time.sleep(0.1)
        return False
    return True
