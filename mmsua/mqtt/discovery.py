"""Home Assistant MQTT discovery: one device per modem, its entities' config payloads (pure).

Topics are ``<discovery_prefix>/<component>/<node>/<modem>_<object>/config``: Home
Assistant's discovery matches ``<component>/[<node_id>/]<object_id>/config`` with ids of
``[a-zA-Z0-9_-]`` (homeassistant/components/mqtt/discovery.py, TOPIC_MATCHER), which the
node and modem names are held to (mmsua.mqtt.settings).
"""

from __future__ import annotations

from typing import Any

from mmsua.mqtt.settings import MqttSettings
from mmsua.mqtt.topics import Topics


def device(settings: MqttSettings, version: str) -> dict[str, Any]:
    return {
        "identifiers": [f"mmsua_{settings.node}_{settings.modem}"],
        "name": f"mmsua {settings.node} {settings.modem}",
        "manufacturer": "mmsua", "model": "MMS modem", "sw_version": version,
    }


def configs(settings: MqttSettings, topics: Topics, version: str) -> dict[str, dict[str, Any]]:
    """topic -> config payload for each entity."""
    dev = device(settings, version)
    uid = f"mmsua_{settings.node}_{settings.modem}"
    common = {"device": dev, "availability_topic": topics.availability, "payload_available": "online",
              "payload_not_available": "offline", "origin": {"name": "mmsua", "sw_version": version}}

    def topic(component: str, obj: str) -> str:
        return f"{settings.discovery_prefix}/{component}/{settings.node}/{settings.modem}_{obj}/config"

    return {
        topic("notify", "send"): {
            **common, "name": "Send", "unique_id": f"{uid}_send", "command_topic": topics.command("notify"), "qos": 1,
        },
        topic("sensor", "signal"): {
            **common, "name": "Signal", "unique_id": f"{uid}_signal", "state_topic": topics.status,
            "value_template": "{{ value_json.signal }}", "unit_of_measurement": "%", "state_class": "measurement",
            "icon": "mdi:signal",
        },
        topic("sensor", "registration"): {
            **common, "name": "Registration", "unique_id": f"{uid}_registration", "state_topic": topics.status,
            "value_template": "{{ value_json.registration }}", "json_attributes_topic": topics.status,
        },
        topic("sensor", "last_message"): {
            **common, "name": "Last message", "unique_id": f"{uid}_last_message", "state_topic": topics.last_message,
            "value_template": "{{ (value_json.text or value_json.subject or '')[:250] }}",
            "json_attributes_topic": topics.last_message,
            "json_attributes_template": "{{ {'from': value_json['from'], 'name': value_json.name, 'date': value_json.date,"
                                        " 'id': value_json.id} | tojson }}",
        },
        topic("event", "received"): {
            **common, "name": "Received", "unique_id": f"{uid}_received", "state_topic": topics.received,
            "event_types": ["received", "notification"],
        },
        topic("image", "last_picture"): {
            **common, "name": "Last picture", "unique_id": f"{uid}_last_picture", "image_topic": topics.last_picture,
        },
    }
