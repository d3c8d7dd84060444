"""The bridge over a real UserAgent on the simulated carrier, on a real mosquitto, watched and
driven by a real paho client: pictures in and out, states, duplicates, hostile payloads."""

from __future__ import annotations

import base64
import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from mqttclient import FRIEND, PEER, images, png, sent_by
from simagent import wait_for


def test_a_picture_on_the_notify_topic_arrives_at_the_mmsc(carrier, me, bridge, watcher) -> None:
    """JSON on command/notify (Home Assistant's notify entity, or a script) goes out as an MMS
    with that picture, to mqtt.notify_to when no 'to' is given; the result says so."""
    topics = bridge.topics
    client = watcher(topics.result, topics.state)
    picture = png()
    client.publish(topics.command("notify"), {"id": "door-1", "text": "the door opened",
                                              "attachments": [{"name": "door.png", "data_b64": base64.b64encode(picture).decode()}]})
    result = client.wait(topics.result, lambda m: m.json()["id"] == "door-1").json()
    assert result["ok"] and result["command"] == "notify" and result["message"]["kind"] == "mms", result
    assert result["message"]["to"] == [PEER]
    stored = wait_for("the MMSC has the MMS", lambda: sent_by(carrier, me))[0]
    assert images(stored) == [picture]
    assert any(p.data == b"the door opened" for p in stored.send_req.parts)
    state = client.wait(topics.state, lambda m: m.json()["state"] == "sent").json()
    assert state["id"] == result["message"]["id"] and state["to"] == [PEER]


def test_a_command_delivered_twice_sends_once(carrier, me, bridge, watcher) -> None:
    topics = bridge.topics
    client = watcher(topics.result)
    command = {"id": "twice", "to": PEER, "text": "only once", "via": "mms"}
    client.publish(topics.command("send"), command)
    client.publish(topics.command("send"), command)  # as a broker redelivering QoS 1 would
    results = wait_for("two results", lambda: [m.json() for m in client.on(topics.result) if m.json()["id"] == "twice"][1:] and
                       [m.json() for m in client.on(topics.result) if m.json()["id"] == "twice"])
    assert results[0]["ok"] and not results[0].get("duplicate")
    assert results[1]["duplicate"] is True and results[1]["message"] == results[0]["message"]
    wait_for("the MMSC has it", lambda: sent_by(carrier, me))
    # A later command shows the worker is past both; the MMSC still has one.
    client.publish(topics.command("send"), {"id": "after", "to": PEER, "text": "next", "via": "mms"})
    client.wait(topics.result, lambda m: m.json()["id"] == "after")
    wait_for("the next MMS", lambda: len(sent_by(carrier, me)) == 2)
    assert [s.send_req.parts[-1].data for s in sent_by(carrier, me)].count(b"only once") == 1


def test_a_received_mms_is_published_with_its_picture(carrier, me, bridge, watcher) -> None:
    """The event (Home Assistant's event entity reads event_type), the picture retained on its
    own topic and inline (under mqtt.inline_max), the last message and the last picture."""
    from mmsua.codec.multipart import Part

    topics = bridge.topics
    client = watcher(topics.received)
    picture = png((200, 10, 10))
    carrier.send_mms(FRIEND, [me], subject="look", parts=(Part.make(b"a red square", "text/plain", charset="utf-8"),
                                                         Part.make(picture, "image/png", name="red.png")))
    event = client.wait(topics.received, lambda m: m.json()["event_type"] == "received").json()
    assert event["from"] == FRIEND and event["subject"] == "look" and event["text"] == "a red square"
    image = next(p for p in event["parts"] if p["content_type"].startswith("image/png"))
    assert image["size"] == len(picture) and base64.b64decode(image["data_b64"]) == picture
    assert not any(p["content_type"].startswith("application/smil") for p in event["parts"])
    later = watcher(image["topic"], topics.last_picture, topics.last_message)  # a late subscriber: retained
    assert later.wait(image["topic"]).payload == picture
    assert later.wait(topics.last_picture).payload == picture
    assert later.wait(topics.last_message).json()["id"] == event["id"]


def test_status_and_availability_are_retained(bridge, watcher) -> None:
    topics = bridge.topics
    client = watcher(topics.availability, topics.status)
    assert client.wait(topics.availability).payload == b"online"
    # Published at each modem event: the registration's URC may come before the signal is read.
    status = client.wait(topics.status, lambda m: m.json()["registration"] in ("home", "roaming")
                         and isinstance(m.json()["signal"], int)).json()
    assert "operator" in status
    bridge.stop()
    client.wait(topics.availability, lambda m: m.payload == b"offline", "offline after stop")


def test_fetch_read_and_delete_commands(carrier, settings, watcher, tmp_path) -> None:
    """With the manual retrieval policy a notification is announced; the fetch command brings
    the MMS, read marks it, delete removes it and clears its retained picture."""
    from simagent import start_agent

    from mmsua import mqtt
    from mmsua.api.errors import NotFound
    from mmsua.codec.multipart import Part

    number = "+15550129301"
    agent = start_agent(carrier, number, tmp_path / "manual", retrieval_policy="manual")
    bridge = mqtt.start(agent, settings)
    try:
        assert bridge.connected.wait(30)
        topics = bridge.topics
        client = watcher(topics.received, topics.result, f"{topics.base}/picture/+/+")
        picture = png((5, 5, 5))
        carrier.send_mms(FRIEND, [number], subject="fetch me", parts=(Part.make(picture, "image/png", name="p.png"),))
        notice = client.wait(topics.received, lambda m: m.json()["event_type"] == "notification").json()
        assert notice["size"] and notice["parts"] == [] and notice["state"] == "deferred"
        message_id = notice["id"]
        client.publish(topics.command("fetch"), {"id": "f1", "message_id": message_id})
        assert client.wait(topics.result, lambda m: m.json()["id"] == "f1").json()["ok"]
        event = client.wait(topics.received, lambda m: m.json()["event_type"] == "received").json()
        picture_topic = next(p["topic"] for p in event["parts"] if "topic" in p)
        assert event["id"] == message_id and client.wait(picture_topic).payload == picture
        client.publish(topics.command("read"), {"id": "r1", "message_id": message_id})
        assert client.wait(topics.result, lambda m: m.json()["id"] == "r1").json()["ok"]
        assert agent.show_message(message_id).read
        client.publish(topics.command("fetch"), {"id": "f2", "message_id": 999999})
        assert client.wait(topics.result, lambda m: m.json()["id"] == "f2").json()["error"]["code"] == "not_found"
        client.publish(topics.command("delete"), {"id": "d1", "message_id": message_id})
        assert client.wait(topics.result, lambda m: m.json()["id"] == "d1").json()["ok"]
        with pytest.raises(NotFound):
            agent.show_message(message_id)
        client.wait(picture_topic, lambda m: m.payload == b"", "the retained picture cleared")
    finally:
        bridge.stop()
        agent.stop()


HOSTILE = [
    (b"\xff\xfe", "bad_request", "UTF-8"),
    (b"{not json", "bad_request", "not JSON"),
    (b"[" * 50 + b"]" * 50, "bad_request", "nested deeper"),
    (b"[" * 100000, "bad_request", "nested deeper"),
    (b'{"id": "h", "to": 5, "text": "x"}', "bad_request", "'to'"),
    (b'{"id": "h", "to": "+15550109001", "text": 7}', "bad_request", "'text' must be text"),
    (b'{"id": "h", "to": "+15550109001", "attachments": [{"path": "/etc/passwd"}]}', "bad_request", "unknown field"),
    (b'{"id": "h", "to": "+15550109001", "attachments": [{"data_b64": "!!"}]}', "bad_request", "not base64"),
    (b'{"id": "h", "to": "+15550109001", "attachments": [{"url": "http://127.0.0.1:1/x"}]}', "bad_request", "fetch_allow"),
    (b'{"id": {"a": 1}, "to": "+15550109001", "text": "x"}', "bad_request", "'id'"),
    (b'{"id": "h", "to": "+15550109001"}', "bad_request", "nothing to send"),
    (b'{"id": "h", "to": "+15550109001", "text": "x", "via": "pigeon"}', "bad_request", "'via'"),
    (b'"just a string"', "bad_request", "JSON object"),
    (b"x" * (1024 * 1024 + 1), "too_large", "at most 1048576"),  # over mqtt.max_payload, under what the broker may send
]
DROPPED = b"x" * (2 * 1024 * 1024)  # over MaximumPacketSize: the broker never sends it to the bridge


def test_hostile_payloads_get_clear_errors_and_the_bridge_goes_on(carrier, me, bridge, watcher) -> None:
    topics = bridge.topics
    client = watcher(topics.result)
    for payload, _, _ in HOSTILE:
        client.publish(topics.command("send"), payload)
    client.publish(topics.command("send"), DROPPED)
    client.publish(topics.command("delete"), b'{"message_id": "1"}')
    client.publish(topics.command("format-disk"), b"{}")
    client.publish(topics.command("send"), {"id": "fine", "to": PEER, "text": "still here", "via": "mms"})
    assert client.wait(topics.result, lambda m: m.json()["id"] == "fine").json()["ok"]
    expected = [(code, words) for _, code, words in HOSTILE] + [("bad_request", "'message_id'"), ("bad_request", "no command 'format-disk'")]
    wait_for(f"every error answered: {[m.json() for m in client.on(topics.result)]}",
             lambda: len(client.on(topics.result)) >= len(expected) + 1)
    errors = [m.json()["error"] for m in client.on(topics.result) if m.json()["id"] != "fine"]
    assert len(errors) == len(expected)  # one each; none for the dropped one
    for code, words in expected:  # the unknown command is answered at once, the others in turn: any order
        assert any(e["code"] == code and words in e["message"] for e in errors), (code, words, errors)
    wait_for("the good command still went out", lambda: sent_by(carrier, me))


@pytest.fixture
def camera() -> Iterator[tuple[str, bytes]]:
    """A camera's snapshot URL on loopback."""
    picture = png((1, 2, 250))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/snapshot.png":
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(picture)))
                self.end_headers()
                self.wfile.write(picture)
            elif self.path == "/huge":
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"\0" * (3 * 1024 * 1024))
            else:
                self.send_response(302)
                self.send_header("Location", "http://127.0.0.1:1/elsewhere")
                self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", picture
    server.shutdown()
    server.server_close()
    thread.join(10)


def test_a_picture_fetched_from_an_allowed_url(carrier, me, agent, settings, camera, watcher) -> None:
    """A camera's snapshot URL under mqtt.fetch_allow: fetched and sent; one too large, a redirect,
    and a URL beside the list each give their error, and nothing is sent for them."""
    import dataclasses

    from mmsua import mqtt

    base, picture = camera
    allowed = dataclasses.replace(settings, fetch_allow=(f"{base}/",), fetch_max=1024 * 1024)
    bridge = mqtt.start(agent, allowed)
    try:
        assert bridge.connected.wait(30)
        topics = bridge.topics
        client = watcher(topics.result)
        for ident, url in (("huge", f"{base}/huge"), ("moved", f"{base}/moved"), ("beside", base.replace("127.0.0.1", "localhost") + "/x")):
            client.publish(topics.command("send"), {"id": ident, "to": PEER, "attachments": [{"url": url}]})
        client.publish(topics.command("send"), {"id": "cam", "to": PEER, "text": "snapshot",
                                                "attachments": [{"url": f"{base}/snapshot.png"}]})
        assert client.wait(topics.result, lambda m: m.json()["id"] == "cam").json()["ok"]
        outcome = {m.json()["id"]: m.json() for m in client.on(topics.result)}
        assert outcome["huge"]["error"]["code"] == "too_large"
        assert outcome["moved"]["error"]["code"] == "unavailable" and "302" in outcome["moved"]["error"]["message"]
        assert outcome["beside"]["error"]["code"] == "bad_request"
        stored = wait_for("the MMSC has the snapshot", lambda: sent_by(carrier, me))
        assert len(stored) == 1 and images(stored[0]) == [picture]
    finally:
        bridge.stop()


def test_home_assistant_finds_the_device_and_its_notify_entity_sends(bridge, watcher) -> None:
    """As Home Assistant does: read the retained discovery configs, then publish plain text on
    the notify entity's command_topic; it goes to mqtt.notify_to (a short text: an SMS)."""
    settings = bridge.settings
    prefix = f"{settings.discovery_prefix}/+/{settings.node}/+"

    def ours(client: Any) -> list[Any]:  # other tests' bridges share the node, and their configs are retained too
        return [m for m in client.on_prefix(settings.discovery_prefix) if f"/{settings.modem}_" in m.topic]

    # A subscriber that comes while the configs are on their way hears them live, not retained;
    # once they are at the broker, Home Assistant starting later finds them retained.
    early = watcher(f"{prefix}/config")
    wait_for("the bridge's six discovery configs at the broker", lambda: len(ours(early)) >= 6)
    ha = watcher(f"{prefix}/config", bridge.topics.result, bridge.topics.state)
    configs = {m.topic: m.json() for m in wait_for("six retained discovery configs", lambda: len(ours(ha)) == 6 and ours(ha))}
    assert all(m.retain for m in ha.on_prefix(settings.discovery_prefix))
    notify = next(config for topic, config in configs.items() if topic.split("/")[1] == "notify")
    ha.publish(notify["command_topic"], "the garage is open")
    result = ha.wait(bridge.topics.result).json()
    assert result["ok"] and result["id"] is None and result["message"]["kind"] == "sms" and result["message"]["to"] == [PEER]
    ha.wait(bridge.topics.state, lambda m: m.json()["state"] == "sent")


def test_sent_states_follow_the_reports_and_a_failure(carrier, me, bridge, watcher, tmp_path) -> None:
    """sent, then delivered and read as the recipient's handset reports them; failed when the
    MMSC refuses for good."""
    from simagent import only_message, start_agent

    friend = "+15550129201"
    other = start_agent(carrier, friend, tmp_path / "friend", send_read_reports=True)
    try:
        topics = bridge.topics
        client = watcher(topics.result, topics.state)
        client.publish(topics.command("send"), {"id": "reported", "to": friend, "text": "tell me", "via": "mms",
                                                "delivery_report": True, "read_report": True})
        sent_id = client.wait(topics.result, lambda m: m.json()["id"] == "reported").json()["message"]["id"]
        client.wait(topics.state, lambda m: m.json()["id"] == sent_id and m.json()["state"] == "delivered", "delivered")
        arrived = wait_for("the friend has it", lambda: only_message(other, "received"))
        other.mark_read(arrived.id)
        read = client.wait(topics.state, lambda m: m.json()["id"] == sent_id and m.json()["state"] == "read", "read").json()
        assert read["recipients"] == [{"address": friend, "status": "read"}]
        states = [m.json()["state"] for m in client.on(topics.state) if m.json()["id"] == sent_id]
        assert states.index("sent") < states.index("delivered") < states.index("read")
        # Each once: an update that changes nothing a subscriber sees (the engine's own steps) is not published.
        assert [states.count(state) for state in ("sent", "delivered", "read")] == [1, 1, 1], states

        carrier.faults.send_conf_status(0xE1)  # the next M-Send.req is refused for good
        client.publish(topics.command("send"), {"id": "refused", "to": PEER, "text": "no", "via": "mms"})
        refused_id = client.wait(topics.result, lambda m: m.json()["id"] == "refused").json()["message"]["id"]
        failed = client.wait(topics.state, lambda m: m.json()["id"] == refused_id and m.json()["state"] == "failed").json()
        assert failed["error"]
    finally:
        other.stop()


def test_a_command_published_while_the_daemon_is_away_runs_when_it_comes_back(carrier, me, agent, settings, watcher) -> None:
    """The broker keeps the bridge's session (Session Expiry Interval) and its QoS 1 commands."""
    from mmsua import mqtt

    first = mqtt.start(agent, settings)
    assert first.connected.wait(30)
    first.stop()
    client = watcher(first.topics.result)
    client.publish(first.topics.command("send"), {"id": "while-away", "to": PEER, "text": "queued at the broker", "via": "mms"})
    second = mqtt.start(agent, settings)
    try:
        assert client.wait(first.topics.result, lambda m: m.json()["id"] == "while-away").json()["ok"]
        wait_for("the MMSC has it", lambda: sent_by(carrier, me))
    finally:
        second.stop()


def test_a_rule_or_notification_hook_named_mqtt_is_published_on_the_handoff_topic(carrier, me, bridge, watcher) -> None:
    """A rule with hook = "mqtt" (or notify.hook = "mqtt") hands the message to the bridge
    through mmsua.targets; it goes out on <base>/handoff; after stop() nothing is registered."""
    from mmsua import targets
    from mmsua.codec.multipart import Part

    topics = bridge.topics
    client = watcher(topics.received, topics.handoff)
    carrier.send_mms(FRIEND, [me], subject="door", parts=(Part.make(b"someone rang", "text/plain", charset="utf-8"),))
    event = client.wait(topics.received, lambda m: m.json()["event_type"] == "received").json()
    message = bridge.api.show_message(event["id"])
    assert "mqtt" in targets.registered()
    assert targets.deliver("mqtt", targets.Handoff("forward", "doorbell", message))
    handoff = client.wait(topics.handoff).json()
    assert handoff["purpose"] == "forward" and handoff["source"] == "doorbell"
    assert handoff["message"]["id"] == event["id"] and handoff["message"]["text"] == "someone rang"
    bridge.stop()
    assert "mqtt" not in targets.registered()
