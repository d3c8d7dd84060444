"""Every API command that changes a message publishes the event another client needs,
seen by a subscriber of a real `mmsua daemon` process on the simulated carrier.

Each expectation is the state the command itself leaves (queued, notified, read,
gone), not a later step of the engine, so the test fails when the command stays silent.
"""

from __future__ import annotations

import queue
import time
from typing import Any, Callable

import pytest
from daemonproc import DaemonProcess

from mmsua.api.shapes import SendRequest

ME = "+15550100031"
PEER = "+15550100032"
STRANGER = "+15550107778"

Event = tuple[str, dict[str, Any]]


class Listener:
    """A subscribed client; events land in a queue and are looked for with a deadline."""

    def __init__(self, daemon: DaemonProcess) -> None:
        self.client = daemon.client()
        self.events: queue.Queue[Event] = queue.Queue()
        self.seen: list[Event] = []
        self.client.on_event(lambda event: self.events.put((event.name, event.data.to_json())))  # subscribed when it returns

    def expect(self, what: str, matches: Callable[[str, dict[str, Any]], bool], timeout: float = 30.0) -> Event:
        deadline = time.monotonic() + timeout
        for name, data in self.seen:
            if matches(name, data):
                return name, data
        while (left := deadline - time.monotonic()) > 0:
            try:
                name, data = self.events.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append((name, data))
            if matches(name, data):
                return name, data
        names = [(n, d.get("id"), d.get("state")) for n, d in self.seen if n != "log"]
        raise AssertionError(f"no event for {what} within {timeout} s; saw {names}")

    def close(self) -> None:
        self.client.close()


def updated(message_id: int, **fields: Any) -> Callable[[str, dict[str, Any]], bool]:
    return lambda name, data: (name == "message.updated" and data.get("id") == message_id
                               and all(data.get(k) == v for k, v in fields.items()))


SEND_ORDER = ("queued", "sending", "sent")


def assert_never_goes_back(listener: Listener, message_id: int) -> None:
    """The command's event and the engine's arrive in the order the states happened:
    no subscriber hears "queued" after "sending" (the agent and the engine publish
    under one lock, each the state the store holds at that moment)."""
    states = [d["state"] for n, d in listener.seen if n == "message.updated" and d.get("id") == message_id]
    ranks = [SEND_ORDER.index(s) for s in states if s in SEND_ORDER]
    assert ranks == sorted(ranks), states


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    from mmsua.sim.carrier import SimulatedCarrier

    with SimulatedCarrier() as carrier:
        carrier.add_handset(PEER)
        handset = carrier.add_handset(ME)
        # Manual retrieval: a notification waits (deferred) until the user fetches it.
        process = DaemonProcess(carrier, handset, tmp_path_factory.mktemp("events"), extra=["--retrieval", "manual"])
        process.start()
        try:
            yield carrier, process
        finally:
            assert process.terminate() == 0


@pytest.fixture
def listener(daemon):
    _, process = daemon
    listening = Listener(process)
    yield listening
    listening.close()


def test_send_publishes_the_queued_message(daemon, listener) -> None:
    _, process = daemon
    with process.client() as client:
        sent = client.send(SendRequest(to=(PEER,), text="hello", via="mms"))
    assert sent.state in ("queued", "sending")  # a busy engine may already have taken it
    listener.expect("send", updated(sent.id, state=sent.state, direction="out"))
    listener.expect("the send", updated(sent.id, state="sent"))
    assert_never_goes_back(listener, sent.id)


def test_fetch_and_mark_read_publish_the_message(daemon, listener) -> None:
    carrier, process = daemon
    carrier.send_mms(STRANGER, [ME], subject="wait for me", text="deferred words")
    _, waiting = listener.expect("the deferred notification", lambda name, data: (
        name == "message.received" and data.get("subject") == "wait for me" and data.get("state") == "deferred"))
    with process.client() as client:
        client.fetch(waiting["id"])
        listener.expect("fetch", updated(waiting["id"], state="notified"))  # queued for retrieval, by the command
        listener.expect("the retrieval", lambda name, data: name == "message.received" and data.get("id") == waiting["id"]
                        and data.get("state") == "received")
        assert client.show_message(waiting["id"]).read is False
        client.mark_read(waiting["id"])
        listener.expect("mark_read", updated(waiting["id"], read=True))


def test_retry_and_resend_as_sms_publish_the_queued_messages(daemon, listener) -> None:
    carrier, process = daemon
    carrier.faults.send_conf_status(0xE1)  # the next M-Send.req is refused for good
    with process.client() as client:
        bad = client.send(SendRequest(to=(PEER,), text="refused once", via="mms"))
        listener.expect("the permanent failure", updated(bad.id, state="failed"))
        sms = client.resend_as_sms(bad.id)
        assert sms.id != bad.id and sms.kind == "sms" and sms.state in ("queued", "sending")
        listener.expect("resend_as_sms", updated(sms.id, state=sms.state, kind="sms"))
        listener.expect("the SMS sent", updated(sms.id, state="sent"))
        assert_never_goes_back(listener, sms.id)
        client.retry(bad.id)
        listener.expect("retry", updated(bad.id, state="queued", error=None))
        listener.expect("the retried send", updated(bad.id, state="sent"))


def test_delete_publishes_message_deleted_with_the_conversation_after_it(daemon, listener) -> None:
    _, process = daemon
    with process.client() as client:
        first = client.send(SendRequest(to=(STRANGER,), text="one", via="mms"))
        second = client.send(SendRequest(to=(STRANGER,), text="two", via="mms"))
        # Let both sends finish, so no engine step of theirs arrives after the delete.
        for message in (first, second):
            listener.expect("the send before the delete", updated(message.id, state="sent"))
        assert client.delete(second.id) is None
        _, data = listener.expect("delete", lambda name, data: name == "message.deleted" and data.get("id") == second.id)
        assert data["conversation_id"] == second.conversation_id
        conversation = data["conversation"]
        assert conversation["id"] == second.conversation_id and conversation["message_count"] >= 1
        assert conversation == next(c.to_json() for c in client.list_conversations() if c.id == second.conversation_id)
        assert conversation["last_preview"] != "two"  # the summary without the deleted message
        with pytest.raises(Exception, match="."):  # not_found, whatever the client's class
            client.show_message(second.id)
        # Deleting what is gone is an error and publishes nothing.
        with pytest.raises(Exception) as missing:
            client.delete(second.id)
        assert getattr(missing.value, "code", None) == "not_found"
    assert process.log.read_text().count(f"message {second.id} deleted") == 1
