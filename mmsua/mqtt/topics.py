"""The topic layout (docs/mqtt.md): every topic carries the node and the modem.

    <prefix>/<node>/<modem>/availability         online | offline (retained; offline is the last will)
    <prefix>/<node>/<modem>/status               the modem: signal, registration, operator (retained JSON)
    <prefix>/<node>/<modem>/message/received     a received message or notification (JSON event)
    <prefix>/<node>/<modem>/message/last         the last received message (retained JSON)
    <prefix>/<node>/<modem>/message/state        a sent message's state: sent, delivered, read, failed (JSON)
    <prefix>/<node>/<modem>/picture/<id>/<part>  a received picture's bytes (retained)
    <prefix>/<node>/<modem>/picture/last         the last received picture's bytes (retained)
    <prefix>/<node>/<modem>/command/<name>       send, notify, fetch, read, delete (QoS 1, JSON)
    <prefix>/<node>/<modem>/result               each command's outcome (JSON)
    <prefix>/<node>/<modem>/handoff              what a rule (hook = "mqtt") or notify.hook = "mqtt" hands over (JSON)
"""

from __future__ import annotations

from dataclasses import dataclass

COMMANDS = ("send", "notify", "fetch", "read", "delete")


@dataclass(frozen=True, slots=True)
class Topics:
    base: str  # <prefix>/<node>/<modem>
    availability: str
    status: str
    received: str
    last_message: str
    state: str
    last_picture: str
    commands: str  # the subscription: every command of this modem
    result: str
    handoff: str

    @classmethod
    def of(cls, base: str) -> Topics:
        return cls(base, f"{base}/availability", f"{base}/status", f"{base}/message/received", f"{base}/message/last",
                   f"{base}/message/state", f"{base}/picture/last", f"{base}/command/+", f"{base}/result",
                   f"{base}/handoff")

    def picture(self, message_id: int, index: int) -> str:
        return f"{self.base}/picture/{message_id}/{index}"

    def command(self, name: str) -> str:
        return f"{self.base}/command/{name}"

    def command_name(self, topic: str) -> str | None:
        """The last level of a command topic of ours (a known command or not), None for any other topic."""
        head, _, name = topic.rpartition("/")
        return name if head == f"{self.base}/command" else None
