"""ModemManager's side, played on a private bus: the interfaces mmsua uses, behaving as
ModemManager documents them (org.freedesktop.ModemManager1: Modem, Modem3gpp, Messaging,
Sms, Bearer, Sim; ObjectManager at the root).

python-dbusmock's ModemManager template has no Messaging, Sms or Bearer objects (and
needs dbus-python, a C build), so this fake serves exactly those with dbus-fast. It
is a handset of the simulated carrier's SMSC, so SMS reach it as the network's PDUs:
like ModemManager it joins a concatenated SMS (Added with State "receiving" at the
first segment, State "received" with the whole Data or Text at the last), turns a
status report into its own Sms object, and sends through the SMSC segment by segment.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from dbus_fast import Message, MessageType, Variant
from dbus_fast.aio import MessageBus

from mmsua.codec import sms as smscodec

SERVICE = "org.freedesktop.ModemManager1"
ROOT = "/org/freedesktop/ModemManager1"
MODEM = ROOT + "/Modem/0"
SIM = ROOT + "/SIM/0"
I_MODEM = SERVICE + ".Modem"
I_3GPP = I_MODEM + ".Modem3gpp"
I_MESSAGING = I_MODEM + ".Messaging"
I_SMS = SERVICE + ".Sms"
I_BEARER = SERVICE + ".Bearer"
I_SIM = SERVICE + ".Sim"
PROPS = "org.freedesktop.DBus.Properties"
OBJECTS = "org.freedesktop.DBus.ObjectManager"


class FakeModemManager:
    def __init__(self, address: str, smsc: Any, msisdn: str, *, imsi: str = "310260000000042", operator: str = "310260",
                 source_address: str = "127.0.0.7", interface: str = "lo", dns: tuple[str, ...] = (),
                 primary_port: str = "ttyUSB2") -> None:
        self.address = address
        self.smsc = smsc
        self.msisdn = msisdn
        self.source_address, self.interface, self.dns = source_address, interface, dns
        self.ip_method = 2  # MMBearerIpMethod of the bearers it connects: static (1 would be PPP)
        self.objects: dict[str, dict[str, dict[str, Variant]]] = {}
        self.calls: list[tuple[str, str, str]] = []  # (path, interface, member) of every call
        self.deleted: list[str] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-mm", daemon=True)
        self._bus: MessageBus | None = None
        self._next = {"SMS": 0, "Bearer": 0}
        self._parts: dict[tuple[str, int, int], tuple[str, dict[int, smscodec.SmsDeliver]]] = {}
        self.objects[MODEM] = {
            I_MODEM: {"Sim": Variant("o", SIM), "Bearers": Variant("ao", []), "Manufacturer": Variant("s", "Quectel"),
                      "Model": Variant("s", "EG25"), "Revision": Variant("s", "EG25GGBR07A08M2G"),
                      "EquipmentIdentifier": Variant("s", "861234050000042"), "PrimaryPort": Variant("s", primary_port),
                      "Ports": Variant("a(su)", [[primary_port, 3], ["wwan0", 2]]), "Device": Variant("s", "/sys/devices/usb1/1-1"),
                      "OwnNumbers": Variant("as", [msisdn]), "SignalQuality": Variant("(ub)", [67, True]), "State": Variant("i", 11)},
            I_3GPP: {"Imei": Variant("s", "861234050000042"), "RegistrationState": Variant("u", 1),
                     "OperatorCode": Variant("s", operator), "OperatorName": Variant("s", "Sim Mobile")},
            I_MESSAGING: {"Messages": Variant("ao", [])},
        }
        self.objects[SIM] = {I_SIM: {"Imsi": Variant("s", imsi), "OperatorIdentifier": Variant("s", operator),
                                     "OperatorName": Variant("s", "SimMo"), "Gid1": Variant("ay", b"\xba"),
                                     "SimIdentifier": Variant("s", "8901260000000000042")}}

    # -- life -----------------------------------------------------------------------------------

    def start(self) -> FakeModemManager:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._connect(), self._loop).result(10)
        self.smsc.attach(self.msisdn, self)  # SMS to this number come here
        return self

    async def _connect(self) -> None:
        self._bus = await MessageBus(bus_address=self.address).connect()
        self._bus.add_message_handler(self._on_call)
        await self._bus.request_name(SERVICE)

    def stop(self) -> None:
        if self._bus is not None:
            self._loop.call_soon_threadsafe(self._bus.disconnect)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> FakeModemManager:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def run(self, work: Any) -> Any:
        """``work()`` on the bus's loop (tests change objects there, as ModemManager's main loop would)."""
        async def call() -> Any:
            return work()
        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(10)

    def prop(self, path: str, interface: str, name: str) -> Any:
        return self.run(lambda: self.objects[path][interface][name].value)

    # -- the network's side: SMS arriving (the SMSC calls this, on its thread) --------------

    def deliver_sms(self, pdu: bytes) -> None:
        self._loop.call_soon_threadsafe(self._arrived, pdu)

    def _arrived(self, pdu: bytes) -> None:
        decoded = smscodec.decode_sms(pdu, has_smsc=True)
        if isinstance(decoded, smscodec.SmsStatusReport):
            self._add_sms({"State": Variant("u", 3), "PduType": Variant("u", 3), "Number": Variant("s", decoded.recipient),
                           "MessageReference": Variant("u", decoded.message_reference),
                           "DeliveryState": Variant("u", decoded.status), "Text": Variant("s", ""), "Data": Variant("ay", b""),
                           "Timestamp": Variant("s", "")}, received=True)
            return
        assert isinstance(decoded, smscodec.SmsDeliver)
        concat = decoded.concat
        if concat is None or concat.total <= 1:
            self._add_sms(self._content([decoded], 3), received=True)
            return
        key = (decoded.originator, concat.reference, concat.total)
        if key not in self._parts:
            path = self._add_sms(self._content([decoded], 2, partial=True), received=True)
            self._parts[key] = (path, {})
        path, parts = self._parts[key]
        parts[concat.sequence] = decoded
        if len(parts) == concat.total:
            del self._parts[key]
            whole = self._content([parts[n] for n in sorted(parts)], 3)
            self.objects[path][I_SMS].update(whole)
            self._changed(path, I_SMS, whole)

    def _content(self, parts: list[smscodec.SmsDeliver], state: int, partial: bool = False) -> dict[str, Variant]:
        first = parts[0]
        binary = first.text is None
        stamp = first.timestamp.isoformat() if first.timestamp is not None else ""
        return {"State": Variant("u", state), "PduType": Variant("u", 1), "Number": Variant("s", first.originator),
                "Text": Variant("s", "" if binary or partial else "".join(p.text or "" for p in parts)),
                "Data": Variant("ay", b"" if not binary or partial else b"".join(p.user_data for p in parts)),
                "Timestamp": Variant("s", stamp), "MessageReference": Variant("u", 0), "DeliveryState": Variant("u", 0x100)}

    def _add_sms(self, props: dict[str, Variant], *, received: bool) -> str:
        path = f"{ROOT}/SMS/{self._next['SMS']}"
        self._next["SMS"] += 1
        self.objects[path] = {I_SMS: props}
        self._set_list()
        self._signal(MODEM, I_MESSAGING, "Added", "ob", [path, received])
        return path

    def _set_list(self) -> None:
        messages = [p for p in self.objects if p.startswith(ROOT + "/SMS/")]
        self.objects[MODEM][I_MESSAGING]["Messages"] = Variant("ao", messages)

    def _changed(self, path: str, interface: str, changed: dict[str, Variant]) -> None:
        self._signal(path, PROPS, "PropertiesChanged", "sa{sv}as", [interface, changed, []])

    def _signal(self, path: str, interface: str, member: str, signature: str, body: list[Any]) -> None:
        assert self._bus is not None
        self._bus.send(Message.new_signal(path, interface, member, signature, body))

    def set_modem(self, interface: str, **values: Variant) -> None:
        """A change of the modem's properties (signal, registration), signalled as ModemManager does."""
        def change() -> None:
            self.objects[MODEM][interface].update(values)
            self._changed(MODEM, interface, values)
        self.run(change)

    # -- calls ---------------------------------------------------------------------------------------

    def _on_call(self, message: Message) -> Message | None:
        if message.message_type != MessageType.METHOD_CALL or message.path is None:
            return None
        if not message.path.startswith(ROOT):
            return None
        self.calls.append((message.path, message.interface or "", message.member or ""))
        try:
            return self._answer(message)
        except KeyError as error:
            return Message.new_error(message, "org.freedesktop.DBus.Error.UnknownObject", f"no {error}")

    def _answer(self, m: Message) -> Message:
        path, interface, member, body = m.path or "", m.interface, m.member, m.body
        if interface == PROPS and member == "GetAll":
            if body[0] not in self.objects[path]:  # as GDBus answers for an interface the object lacks
                return Message.new_error(m, "org.freedesktop.DBus.Error.InvalidArgs", f"No such interface '{body[0]}'")
            return Message.new_method_return(m, "a{sv}", [self.objects[path][body[0]]])
        if interface == PROPS and member == "Get":
            return Message.new_method_return(m, "v", [self.objects[path][body[0]][body[1]]])
        if interface == OBJECTS and member == "GetManagedObjects" and path == ROOT:
            return Message.new_method_return(m, "a{oa{sa{sv}}}", [{MODEM: self.objects[MODEM]}])
        if interface == I_MESSAGING and member == "List":
            return Message.new_method_return(m, "ao", [self.objects[MODEM][I_MESSAGING]["Messages"].value])
        if interface == I_MESSAGING and member == "Delete":
            if body[0] not in self.objects:
                return Message.new_error(m, "org.freedesktop.ModemManager1.Error.Core.NotFound", "no such SMS")
            del self.objects[body[0]]
            self.deleted.append(body[0])
            self._set_list()
            self._signal(MODEM, I_MESSAGING, "Deleted", "o", [body[0]])
            return Message.new_method_return(m)
        if interface == I_MESSAGING and member == "Create":
            props = body[0]
            return Message.new_method_return(m, "o", [self._add_sms({
                "State": Variant("u", 0), "PduType": Variant("u", 2), "Number": props["number"],
                "Text": props.get("text", Variant("s", "")), "Data": props.get("data", Variant("ay", b"")),
                "DeliveryReportRequest": props.get("delivery-report-request", Variant("b", False)),
                "MessageReference": Variant("u", 0), "Timestamp": Variant("s", ""), "DeliveryState": Variant("u", 0x100)},
                received=False)])
        if interface == I_SMS and member == "Send":
            return self._send(m, path)
        if interface == I_MODEM and member == "CreateBearer":
            return self._create_bearer(m, body[0])
        if interface == I_MODEM and member == "DeleteBearer":
            del self.objects[body[0]]
            bearers = [b for b in self.objects[MODEM][I_MODEM]["Bearers"].value if b != body[0]]
            self.objects[MODEM][I_MODEM]["Bearers"] = Variant("ao", bearers)
            return Message.new_method_return(m)
        if interface == I_BEARER and member in ("Connect", "Disconnect"):
            self.connect_bearer(path, member == "Connect")
            return Message.new_method_return(m)
        return Message.new_error(m, "org.freedesktop.DBus.Error.UnknownMethod", f"{interface}.{member}")

    def _send(self, m: Message, path: str) -> Message:
        props = self.objects[path][I_SMS]
        reference = 0
        for pdu in smscodec.split_text_submit(props["Number"].value, props["Text"].value, reference=7,
                                              request_status_report=props["DeliveryReportRequest"].value):
            reference = self.smsc.submit(self.msisdn, bytes.fromhex(pdu.hex)[1:])  # the TPDU, without the SMSC octet
        props.update({"MessageReference": Variant("u", reference), "State": Variant("u", 5)})
        return Message.new_method_return(m)

    def _create_bearer(self, m: Message, props: dict[str, Variant]) -> Message:
        path = f"{ROOT}/Bearer/{self._next['Bearer']}"
        self._next["Bearer"] += 1
        self.add_bearer(path, props, connected=False)
        return Message.new_method_return(m, "o", [path])

    def add_bearer(self, path: str, props: dict[str, Variant], *, connected: bool) -> None:
        """A bearer object (``connected``: as NetworkManager's default bearer would be)."""
        self.objects[path] = {I_BEARER: {"Properties": Variant("a{sv}", props), "Connected": Variant("b", False),
                                         "Interface": Variant("s", ""), "Ip4Config": Variant("a{sv}", {}),
                                         "Ip6Config": Variant("a{sv}", {})}}
        self.objects[MODEM][I_MODEM]["Bearers"] = Variant("ao", [*self.objects[MODEM][I_MODEM]["Bearers"].value, path])
        if connected:
            self.connect_bearer(path, True)

    def connect_bearer(self, path: str, up: bool) -> None:
        """Connected on lo with the fake's address: an IPv6 one goes in Ip6Config (an IPv6-only APN)."""
        v6 = ":" in self.source_address
        config = {"method": Variant("u", self.ip_method), "address": Variant("s", self.source_address),
                  "prefix": Variant("u", 128 if v6 else 8)}
        config.update({f"dns{n}": Variant("s", server) for n, server in enumerate(self.dns, 1)})
        self.objects[path][I_BEARER].update({
            "Connected": Variant("b", up), "Interface": Variant("s", self.interface if up else ""),
            "Ip4Config": Variant("a{sv}", config if up and not v6 else {}),
            "Ip6Config": Variant("a{sv}", config if up and v6 else {})})
