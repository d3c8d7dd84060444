"""The bridge's pure parts: settings, the topic layout, commands, the URL allow-list, and the
Home Assistant discovery payloads against the keys Home Assistant's MQTT schemas require."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mmsua.api.errors import BadRequest, TooLarge
from mmsua.mqtt import MqttConfigError, commands, discovery, settings_from
from mmsua.mqtt.fetch import allowed
from mmsua.mqtt.topics import Topics

URL = {"mqtt.url": "mqtt://broker.lan"}


def test_settings_from_the_config_values(tmp_path: Path) -> None:
    assert settings_from({"mqtt.url": ""}) is None  # off
    plain = settings_from({**URL, "mqtt.node": "kitchen", "mqtt.modem": "usb0"})
    assert plain is not None and (plain.host, plain.port, plain.tls) == ("broker.lan", 1883, False)
    assert plain.base == "mmsua/kitchen/usb0" and plain.effective_client_id == "mmsua-kitchen-usb0"
    tls = settings_from({"mqtt.url": "mqtts://broker.lan", "mqtt.ca_file": "/etc/ca.pem", "mqtt.prefix": "home/sms"})
    assert tls is not None and (tls.port, tls.tls, tls.ca_file) == (8883, True, "/etc/ca.pem")
    assert tls.base.startswith("home/sms/") and re.fullmatch(r"[A-Za-z0-9_-]+", tls.node)  # the host name, as a topic level
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    assert settings_from({**URL, "mqtt.password_file": str(secret)}).password == "s3cret"
    assert settings_from({**URL, "mqtt.password_env": "MQ_PW"}, env={"MQ_PW": "fromenv"}).password == "fromenv"


@pytest.mark.parametrize("values, words", [
    ({"mqtt.url": "http://broker.lan"}, "mqtt://host"),
    ({"mqtt.url": "mqtt://user:pw@broker.lan"}, "only scheme, host and port"),
    ({"mqtt.url": "mqtt://"}, "names no host"),
    ({**URL, "mqtt.node": "a/b"}, "topic level"),
    ({**URL, "mqtt.modem": "#"}, "topic level"),
    ({**URL, "mqtt.prefix": "mmsua/+"}, "mqtt.prefix"),
    ({**URL, "mqtt.ca_file": "/ca.pem"}, "mqtts://"),
    ({**URL, "mqtt.password": "a", "mqtt.password_env": "B"}, "one way only"),
    ({**URL, "mqtt.password_env": "NOT_SET_ANYWHERE"}, "is not set"),
    ({**URL, "mqtt.password_file": "/nonexistent/pw"}, "mqtt.password_file"),
    ({**URL, "mqtt.fetch_allow": ["http://camera.lan"]}, "needs a path"),
    ({**URL, "mqtt.fetch_allow": ["file:///etc/"]}, "not an http"),
    ({**URL, "mqtt.fetch_timeout": 0}, "fetch_timeout"),
])
def test_settings_that_cannot_work_are_refused(values: dict, words: str) -> None:
    with pytest.raises(MqttConfigError, match=re.escape(words)):
        settings_from(values, env={})


def test_the_config_knows_the_mqtt_section(tmp_path: Path) -> None:
    from mmsua import config
    from mmsua.daemon.runner import mqtt_settings

    path = tmp_path / "config.toml"
    path.write_text('[mqtt]\nurl = "mqtt://127.0.0.1:1884"\nnode = "pi2"\nmodem = "sim1"\nnotify_to = ["+15550100002"]\npassword = "x"\n')
    loaded = config.load(path)
    settings = mqtt_settings(loaded)
    assert settings.base == "mmsua/pi2/sim1" and settings.port == 1884 and settings.notify_to == ("+15550100002",)
    assert dict((k, v) for k, v, _ in config.show(loaded))["mqtt.password"] == "********"


def test_topics_carry_node_and_modem() -> None:
    topics = Topics.of("mmsua/pi1/usb0")
    assert topics.availability == "mmsua/pi1/usb0/availability"
    assert topics.picture(7, 2) == "mmsua/pi1/usb0/picture/7/2"
    assert topics.command_name("mmsua/pi1/usb0/command/send") == "send"
    assert topics.command_name("mmsua/pi2/usb0/command/send") is None
    assert topics.command_name("mmsua/pi1/usb0/command/format-disk") == "format-disk"  # answered: no such command
    assert topics.command_name("mmsua/pi1/usb0/result") is None


def test_commands_are_typed_and_bounded() -> None:
    text = commands.parse("notify", b"the door opened", max_size=1000, notify_to=("+15550100002",))
    assert (text.name, text.id, text.to, text.text) == ("send", None, ("+15550100002",), "the door opened")
    with pytest.raises(BadRequest, match="notify_to"):
        commands.parse("notify", b"hello", max_size=1000)
    send = commands.parse("send", json.dumps({"id": 5, "to": "+1555", "attachments": [{"data_b64": "aGk=", "name": "a.png"}]}).encode(),
                          max_size=1000)
    assert send.id == "5" and send.to == ("+1555",) and send.pictures[0].data == b"hi"
    with pytest.raises(TooLarge):
        commands.parse("send", b"{" + b" " * 2000 + b"}", max_size=1000)
    with pytest.raises(TooLarge):
        commands.parse("send", json.dumps({"to": "1", "attachments": [{"data_b64": "aGk=" * 400}]}).encode(), max_size=1000)
    with pytest.raises(BadRequest, match="'message_id'"):
        commands.parse("read", b'{"message_id": true}', max_size=1000)
    with pytest.raises(BadRequest, match="unknown field"):
        commands.parse("delete", b'{"message_id": 1, "trust": true}', max_size=1000)


def test_recent_ids_are_bounded() -> None:
    recent = commands.RecentIds(limit=3)
    for n in range(5):
        recent.remember(str(n), {"ok": True, "n": n})
    assert len(recent) == 3 and recent.get("0") is None and recent.get("4") == {"ok": True, "n": 4}


@pytest.mark.parametrize("url, ok", [
    ("http://camera.lan/snapshot.jpg", True),
    ("http://camera.lan:80/snapshot/big.jpg", True),
    ("http://camera.lan/other.jpg", False),
    ("https://camera.lan/snapshot.jpg", False),  # another scheme is another origin
    ("http://camera.lan:8080/snapshot.jpg", False),
    ("http://camera.lan.evil.example/snapshot.jpg", False),
    ("http://user@camera.lan/snapshot.jpg", False),
    ("http://camera.lan/snapshot/../admin", False),
    ("ftp://camera.lan/snapshot.jpg", False),
    ("not a url", False),
])
def test_the_url_allow_list(url: str, ok: bool) -> None:
    assert allowed(url, ("http://camera.lan/snapshot",)) is ok


# What Home Assistant's MQTT integration requires of each discovered entity, from its source
# (home-assistant/core, homeassistant/components/mqtt/) and docs (home-assistant.io/integrations/<platform>.mqtt):
#   notify  notify.py             command_topic required (vol.Required(CONF_COMMAND_TOPIC))
#   sensor  sensor.py, config.py  state_topic required (MQTT_RO_SCHEMA: vol.Required(CONF_STATE_TOPIC))
#   event   event.py              state_topic (MQTT_RO_SCHEMA) and event_types (vol.Required(CONF_EVENT_TYPES)), a list of strings;
#                                 the payload is a JSON object with "event_type" (one of event_types)
#   image   image.py              exactly one of image_topic and url_topic (vol.Exclusive, validate_topic_required);
#                                 content_type not together with url_topic
#   every   schemas.py            device: at least one of identifiers and connections
#                                 (validate_device_has_at_least_one_identifier); availability_topic and
#                                 availability are exclusive
#   topic   discovery.py          <prefix>/<component>/[<node_id>/]<object_id>/config, ids of [a-zA-Z0-9_-]+ (TOPIC_MATCHER)
REQUIRED = {
    "notify": {"command_topic"},
    "sensor": {"state_topic"},
    "event": {"state_topic", "event_types"},
    "image": set(),
}
TOPIC_MATCHER = re.compile(r"homeassistant/(?P<component>\w+)/(?:(?P<node_id>[a-zA-Z0-9_-]+)/)?(?P<object_id>[a-zA-Z0-9_-]+)/config")


def test_discovery_payloads_have_what_home_assistant_requires() -> None:
    settings = settings_from({**URL, "mqtt.node": "pi1", "mqtt.modem": "usb0"})
    topics = Topics.of(settings.base)
    configs = discovery.configs(settings, topics, "0.1.0")
    components = {}
    unique_ids = set()
    for topic, config in configs.items():
        match = TOPIC_MATCHER.fullmatch(topic)
        assert match, topic
        component = match["component"]
        components.setdefault(component, 0)
        components[component] += 1
        assert REQUIRED[component] <= set(config), (topic, REQUIRED[component] - set(config))
        assert config["device"]["identifiers"] == ["mmsua_pi1_usb0"]
        assert config["availability_topic"] == topics.availability and "availability" not in config
        assert config["unique_id"] not in unique_ids
        unique_ids.add(config["unique_id"])
        for key, value in config.items():
            if key.endswith("_topic"):
                assert value.startswith(settings.base + "/") and not set(value) & {"+", "#"}, (key, value)
        json.dumps(config)
    assert components == {"notify": 1, "sensor": 3, "event": 1, "image": 1}
    event = next(c for t, c in configs.items() if "/event/" in t)
    assert event["state_topic"] == topics.received and all(isinstance(t, str) for t in event["event_types"])
    image = next(c for t, c in configs.items() if "/image/" in t)
    assert ("image_topic" in image) != ("url_topic" in image) and image["image_topic"] == topics.last_picture
    notify = next(c for t, c in configs.items() if "/notify/" in t)
    assert notify["command_topic"] == topics.command("notify")


def test_the_received_event_is_what_the_event_entity_reads() -> None:
    """event_type is one of the entity's event_types; sender and text are attributes."""
    from mmsua.api.shapes import Message, Part
    from mmsua.mqtt import payloads

    settings = settings_from({**URL, "mqtt.node": "pi1", "mqtt.modem": "usb0"})
    topics = Topics.of(settings.base)
    event_types = next(c for t, c in discovery.configs(settings, topics, "0").items() if "/event/" in t)["event_types"]
    message = Message(3, sender="+15550100002", sender_name="Ann", text="hi", parts=(
        Part(0, "application/smil"), Part(1, "text/plain", size=2), Part(2, "image/jpeg", "a.jpg", 5)))
    body = payloads.received(message, topics, {2: b"12345"}, inline_max=4)
    assert body["event_type"] in event_types and body["from"] == "+15550100002" and body["name"] == "Ann" and body["text"] == "hi"
    assert [p["index"] for p in body["parts"]] == [1, 2]
    assert body["parts"][1]["topic"] == "mmsua/pi1/usb0/picture/3/2" and "data_b64" not in body["parts"][1]  # above inline_max


class _Client:
    """Stands in for paho's client: records what the bridge subscribes to and publishes."""

    def __init__(self) -> None:
        self.subscribed: list[str] = []
        self.published: list[tuple[str, Any]] = []

    def subscribe(self, topic: str, qos: int) -> tuple[int, int]:
        self.subscribed.append(topic)
        return 0, 7

    def publish(self, topic: str, payload: Any, qos: int = 0, retain: bool = False) -> None:
        self.published.append((topic, payload))


def test_online_only_once_the_broker_granted_the_command_subscription(caplog: pytest.LogCaptureFixture) -> None:
    """A command published before the broker took the bridge's subscription reaches no one:
    'online' (what Home Assistant and scripts wait for) and ``connected`` wait for the SUBACK."""
    paho = pytest.importorskip("paho.mqtt.reasoncodes", reason="the mqtt extra (paho-mqtt) is not installed")
    from paho.mqtt.packettypes import PacketTypes

    from mmsua.mqtt.bridge import MqttBridge

    class Api:
        def status(self) -> Any:
            raise RuntimeError("no modem here")

    settings = settings_from({**URL, "mqtt.node": "pi1", "mqtt.modem": "usb0"})
    bridge = MqttBridge(Api(), settings)  # type: ignore[arg-type]  # only status() is reached
    client = _Client()
    try:
        bridge._on_connect(client, None, None, paho.ReasonCode(PacketTypes.CONNACK, identifier=0), None)  # type: ignore[arg-type]
        assert client.subscribed == [bridge.topics.commands]
        assert client.published == [] and not bridge.connected.is_set()
        bridge._on_subscribe(client, None, 6, [paho.ReasonCode(PacketTypes.SUBACK, identifier=1)], None)  # type: ignore[arg-type]  # another SUBACK
        assert client.published == [] and not bridge.connected.is_set()
        bridge._on_subscribe(client, None, 7, [paho.ReasonCode(PacketTypes.SUBACK, identifier=1)], None)  # type: ignore[arg-type]
        assert client.published[0] == (bridge.topics.availability, "online") and bridge.connected.is_set()
        assert len(client.published) == 1 + len(discovery.configs(settings, bridge.topics, "0"))
        # A refused subscription is said: commands will not be heard.
        bridge._on_subscribe(client, None, 7, [paho.ReasonCode(PacketTypes.SUBACK, identifier=0x87)], None)  # type: ignore[arg-type]
        assert any("refused the subscription" in r.getMessage() for r in caplog.records)
    finally:
        bridge._stopping.set()
        bridge._events.shutdown(wait=True)
        bridge._commands.shutdown(wait=True)
