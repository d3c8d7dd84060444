"""The MQTT bridge: a transport over an ``Api``, as the socket server and the D-Bus service are.

paho-mqtt's network thread reads and writes the broker and reconnects by itself. Its
callbacks only hand work over: commands to one worker, events to another, so a slow
camera URL never holds up a received message, and the engine's thread never waits on
the broker. Every call into the ``Api`` holds the daemon's engine lock.
"""

from __future__ import annotations

import concurrent.futures
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTProtocolVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from mmsua import __version__, targets
from mmsua.api.errors import ApiError, BadRequest, InternalError, Unavailable
from mmsua.api.events import Event, MessageDeleted, MessageReceived, MessageUpdated, ModemState
from mmsua.api.methods import Api
from mmsua.api.shapes import Attachment, Message, SendRequest
from mmsua.mqtt import commands, discovery, payloads
from mmsua.mqtt.fetch import fetch
from mmsua.mqtt.settings import MqttSettings
from mmsua.mqtt.topics import COMMANDS, Topics

log = logging.getLogger("mmsua.mqtt")
MAX_PENDING = 64  # commands waiting for the worker; more are refused at once (a flood)
SESSION_EXPIRY = 3600  # seconds the broker keeps our session and queued QoS 1 commands across a drop
REMEMBERED = 2000  # messages whose last published state (and picture topics) are kept
QUEUED = 500  # messages paho holds while the broker is away; more are dropped (and logged), not hoarded
STATUS_EVERY = 60.0  # seconds between status reads: the signal changes without a modem event


class MqttBridge:
    def __init__(self, api: Api, settings: MqttSettings, lock: threading.Lock | None = None, *,
                 serves: str | None = None, owns: frozenset[str | None] | None = None, target: bool = True) -> None:
        """In a daemon with several modems, one bridge per modem: ``serves`` names the modem
        (its status, the one its sends go out of), ``owns`` the Message.modem values whose
        events it publishes (None: every message); ``target``: it registers the 'mqtt' target."""
        self.api = api
        self.settings = settings
        self.serves = serves
        self._owns = owns
        self._target = target
        self.topics = Topics.of(settings.base)
        self._lock = lock or threading.Lock()
        self._recent = commands.RecentIds()
        self._commands = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="mqtt-command")
        self._events = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="mqtt-event")
        self._pending = threading.Semaphore(MAX_PENDING)
        self._states: OrderedDict[int, tuple[str, tuple[tuple[str, str], ...]]] = OrderedDict()
        self._pictures: OrderedDict[int, list[str]] = OrderedDict()
        self._unsubscribe: Callable[[], None] | None = None
        self._unregister: Callable[[], None] | None = None
        self._last_status: dict[str, Any] | None = None
        self._said = ""  # the last connection problem logged: said once, not at every retry
        self._stopping = threading.Event()
        self._poller: threading.Thread | None = None
        self._subscription: int | None = None  # the mid of our SUBSCRIBE to the commands
        self.connected = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=settings.effective_client_id,
                                  protocol=MQTTProtocolVersion.MQTTv5)
        self.client.on_connect = self._on_connect
        self.client.on_connect_fail = self._on_connect_fail
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self.client.will_set(self.topics.availability, "offline", qos=1, retain=True)
        if settings.username:
            self.client.username_pw_set(settings.username, settings.password or None)
        if settings.tls:
            self.client.tls_set(ca_certs=settings.ca_file or None)
        self.client.reconnect_delay_set(1, 60)
        self.client.max_queued_messages_set(QUEUED)

    # -- life ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Connect in the background; the daemon runs whether the broker is there or not,
        and paho keeps trying (a problem is logged once, until a connection succeeds)."""
        self._unsubscribe = self.api.subscribe(self._on_event)
        # Rules (hook = "mqtt") and notifications (notify.hook = "mqtt") hand messages here.
        if self._target:
            self._unregister = targets.register("mqtt", self._on_handoff)
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]  # paho leaves its __init__ unannotated
        properties.SessionExpiryInterval = SESSION_EXPIRY
        # The broker drops what is larger than this instead of sending it: a bound before we read.
        properties.MaximumPacketSize = self.settings.max_payload + 65536
        self.client.connect_async(self.settings.host, self.settings.port, self.settings.keepalive, clean_start=False,
                                  properties=properties)
        self.client.loop_start()
        self._poller = threading.Thread(target=self._poll_status, name="mqtt-status", daemon=True)
        self._poller.start()
        log.info("MQTT: bridging %s on %s", self.settings.base, self.settings.describe())

    def stop(self) -> None:
        if self._stopping.is_set():
            return  # stopped already (the daemon's shutdown may follow a failed start's)
        self._stopping.set()
        if self._poller is not None:
            self._poller.join(10)
            self._poller = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._unregister is not None:
            self._unregister()
            self._unregister = None
        self._commands.shutdown(wait=True, cancel_futures=True)
        self._events.shutdown(wait=True, cancel_futures=True)
        if self.connected.is_set():
            info = self.client.publish(self.topics.availability, "offline", qos=1, retain=True)
            try:
                info.wait_for_publish(5)
            except (RuntimeError, ValueError):
                pass  # the connection went meanwhile: the last will says offline instead
        self.client.disconnect()
        self.client.loop_stop()

    # -- the broker ----------------------------------------------------------------------------

    def _say(self, problem: str) -> None:
        if problem != self._said:
            self._said = problem
            log.warning("MQTT: %s; trying again", problem)

    def _on_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        self._say(f"cannot reach {self.settings.describe()}")

    def _on_connect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            self._say(f"{self.settings.describe()} refused the connection: {reason}")
            return
        self._said = ""
        # "online" (and ``connected``) wait for the SUBACK: a command published when the broker
        # has not yet taken our subscription (a new session) reaches no one and is lost.
        result, self._subscription = client.subscribe(self.topics.commands, qos=1)
        if result != paho.MQTT_ERR_SUCCESS:
            self._say(f"cannot subscribe to {self.topics.commands} ({paho.error_string(result)})")

    def _on_subscribe(self, client: paho.Client, userdata: Any, mid: int, reasons: list[Any], properties: Any) -> None:
        if mid != self._subscription:
            return
        if any(reason.is_failure for reason in reasons):
            log.warning("MQTT: %s refused the subscription to %s (%s); commands are not heard", self.settings.describe(),
                        self.topics.commands, ", ".join(str(r) for r in reasons))
        client.publish(self.topics.availability, "online", qos=1, retain=True)
        if self.settings.discovery:
            for topic, config in discovery.configs(self.settings, self.topics, __version__).items():
                client.publish(topic, json.dumps(config), qos=1, retain=True)
        self.connected.set()
        log.info("MQTT: connected to %s", self.settings.describe())
        self._submit(self._events, self._publish_status, True)  # a new connection hears it again

    def _on_disconnect(self, client: paho.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if self.connected.is_set() and not self._stopping.is_set():
            log.warning("MQTT: disconnected from %s (%s); reconnecting", self.settings.describe(), reason)
        self.connected.clear()

    def _publish(self, topic: str, payload: Any, *, retain: bool = False) -> None:
        data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        info = self.client.publish(topic, data, qos=1, retain=retain)
        if info.rc == paho.MQTT_ERR_QUEUE_SIZE:
            log.warning("MQTT: the broker has been away for %d messages; %s dropped", QUEUED, topic)

    @staticmethod
    def _submit(executor: concurrent.futures.ThreadPoolExecutor, work: Callable[..., None], *args: Any) -> bool:
        try:
            executor.submit(work, *args)
            return True
        except RuntimeError:
            return False  # stopping

    # -- commands ------------------------------------------------------------------------------

    def _on_message(self, client: paho.Client, userdata: Any, message: paho.MQTTMessage) -> None:
        name = self.topics.command_name(message.topic)
        if name is None:
            return
        if name not in COMMANDS:
            known = ", ".join(COMMANDS)
            self._publish(self.topics.result, payloads.outcome(name[:64], None, error=BadRequest(f"no command {name[:64]!r}; there are {known}")))
            return
        if not self._pending.acquire(blocking=False):
            self._publish(self.topics.result, payloads.outcome(name, None, error=Unavailable("too many commands waiting; try again")))
            return
        if not self._submit(self._commands, self._command, name, bytes(message.payload)):
            self._pending.release()

    def _command(self, name: str, payload: bytes) -> None:
        try:
            self._publish(self.topics.result, self._outcome(name, payload))
        except Exception:
            log.exception("MQTT: a command's result could not be published")
        finally:
            self._pending.release()

    def _outcome(self, name: str, payload: bytes) -> dict[str, Any]:
        command_id: str | None = None
        try:
            command = commands.parse(name, payload, max_size=self.settings.max_payload, notify_to=self.settings.notify_to)
            command_id = command.id
            if command_id is not None:
                earlier = self._recent.get(command_id)
                if earlier is not None:
                    log.info("MQTT: command %r came again; answered with its first outcome", command_id)
                    return {**earlier, "duplicate": True}
            result = payloads.outcome(name, command_id, self._run(command))
        except ApiError as error:
            result = payloads.outcome(name, command_id, error=error)
        except Exception as error:  # a fault of ours: said, logged, never a crash
            log.exception("MQTT: command %s failed", name)
            result = payloads.outcome(name, command_id, error=InternalError(f"{type(error).__name__}; the daemon's log has the details"))
        if command_id is not None:
            self._recent.remember(command_id, result)
        return result

    def _run(self, command: commands.Command) -> Message | None:
        if command.name == "send":
            request = self._send_request(command)  # URLs fetched outside the engine's lock
            with self._lock:
                sent = self.api.send(request)
            return sent if isinstance(sent, Message) else sent[0]
        assert command.message_id is not None
        with self._lock:
            if command.name == "fetch":
                return self.api.fetch(command.message_id, trust=command.trust)
            if command.name == "read":
                return self.api.mark_read(command.message_id)
            if command.name == "delete":
                self.api.delete(command.message_id)
                return None
        raise BadRequest(f"no command {command.name!r}")

    def _send_request(self, command: commands.Command) -> SendRequest:
        attachments = []
        for picture in command.pictures:
            data, content_type = picture.data, picture.content_type
            if picture.url is not None:
                data, served_type = fetch(picture.url, self.settings.fetch_allow, self.settings.fetch_max, self.settings.fetch_timeout)
                content_type = content_type or served_type
            assert data is not None
            attachments.append(Attachment.of(data, picture.name, content_type))
        return SendRequest(to=command.to, subject=command.subject, text=command.text, attachments=tuple(attachments), via=command.via,
                           delivery_report=command.delivery_report, read_report=command.read_report, modem=self.serves)

    # -- events --------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        # The engine's thread: hand over, never block it.
        if isinstance(event, (MessageReceived, MessageUpdated, MessageDeleted, ModemState)):
            self._submit(self._events, self._event, event)

    def owns(self, message: Message) -> bool:
        """This bridge's modem's message (a daemon with several modems has a bridge for each)."""
        return self._owns is None or message.modem in self._owns

    def _event(self, event: Event) -> None:
        if isinstance(event, (MessageReceived, MessageUpdated)) and not self.owns(event.data):
            return
        try:
            if isinstance(event, MessageReceived) and not event.data.outgoing and not event.data.blocked:
                self._publish_received(event.data)
            elif isinstance(event, MessageUpdated) and event.data.outgoing:
                self._publish_state(event.data)
            elif isinstance(event, MessageDeleted):
                for topic in self._pictures.pop(event.data.id, []):
                    self._publish(topic, b"", retain=True)  # an empty retained message clears it
            elif isinstance(event, ModemState):
                self._publish_status_of(payloads.status(event.data, self.serves))
        except Exception as error:
            log.warning("MQTT: cannot publish %s: %s", event.name, error)

    def on_handoff(self, handoff: targets.Handoff) -> None:
        """A message a rule or the notifier hands to 'mqtt' (published on its modem's bridge)."""
        self._on_handoff(handoff)

    def _on_handoff(self, handoff: targets.Handoff) -> None:
        # The rules' or the notifier's worker: hand over, as for events.
        self._submit(self._events, self._publish_handoff, handoff)

    def _publish_handoff(self, handoff: targets.Handoff) -> None:
        body = {"purpose": handoff.purpose, "source": handoff.source, "title": handoff.title, "body": handoff.body,
                "message": payloads.received(handoff.message, self.topics, {}, 0)}
        try:
            self._publish(self.topics.handoff, body)
        except Exception as error:
            log.warning("MQTT: cannot publish a %s of message %s: %s", handoff.purpose, handoff.message.id, error)

    def _poll_status(self) -> None:
        while not self._stopping.wait(STATUS_EVERY):
            if self.connected.is_set():
                self._submit(self._events, self._publish_status)

    def _publish_status(self, always: bool = False) -> None:
        try:
            with self._lock:
                status = self.api.status()
        except Exception as error:
            log.warning("MQTT: cannot read the modem's status: %s", error)
            return
        self._publish_status_of(payloads.status(status, self.serves), always)

    def _publish_status_of(self, body: dict[str, Any], always: bool = False) -> None:
        if always or body != self._last_status:  # unchanged: nothing retained needs replacing
            self._last_status = body
            self._publish(self.topics.status, body, retain=True)

    def _publish_received(self, message: Message) -> None:
        pictures: dict[int, bytes] = {}
        for part in message.parts:
            if part.is_image:
                try:
                    with self._lock:
                        pictures[part.index] = self.api.get_part(message.id, part.index).data
                except ApiError as error:  # deleted meanwhile: the message is still told, without it
                    log.warning("MQTT: message %s part %s not published: %s", message.id, part.index, error)
        topics = []
        for index, data in pictures.items():
            topic = self.topics.picture(message.id, index)
            self._publish(topic, data, retain=True)
            topics.append(topic)
        if topics:
            self._remember(self._pictures, message.id, topics)
        body = payloads.received(message, self.topics, pictures, self.settings.inline_max)
        self._publish(self.topics.received, body)
        if body["event_type"] == "received":
            self._publish(self.topics.last_message, body, retain=True)
            if pictures:
                self._publish(self.topics.last_picture, pictures[max(pictures)], retain=True)

    def _publish_state(self, message: Message) -> None:
        key = (payloads.sent_state(message), tuple((r.address, r.status.value) for r in message.recipients))
        if self._states.get(message.id) == key:
            return  # nothing a subscriber would see changed
        self._remember(self._states, message.id, key)
        self._publish(self.topics.state, payloads.state(message))

    @staticmethod
    def _remember(table: OrderedDict[int, Any], key: int, value: Any) -> None:
        table[key] = value
        table.move_to_end(key)
        while len(table) > REMEMBERED:
            table.popitem(last=False)
