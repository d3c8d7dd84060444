"""ModemManager's operations mmsua uses, as blocking calls returning frozen facts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import names
from .bus import Bus, DbusError, Signal
from .facts import MAX_ITEMS, BearerFacts, ModemFacts, SimFacts, SmsFacts

SEND_TIMEOUT = 120.0  # Sms.Send: ModemManager waits for the network's answer to every segment
CONNECT_TIMEOUT = 120.0  # Bearer.Connect: registration and the PDP activation
MAX_MESSAGES = 1000  # Messaging.List read at start


class ModemManagerClient:
    """One connection to ModemManager. ``on_signal`` gets every signal the watches select."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    @classmethod
    def connect(cls, address: str = "system", timeout: float = 10.0) -> ModemManagerClient:
        return cls(Bus(address).open(timeout))

    def close(self) -> None:
        self.bus.close()

    def _call(self, path: str, interface: str, member: str, signature: str = "", body: list[Any] | None = None,
              timeout: float = 30.0) -> list[Any]:
        return self.bus.call(names.SERVICE, path, interface, member, signature, body, timeout)

    def _all(self, path: str, interface: str) -> dict[str, Any]:
        reply = self._call(path, names.PROPERTIES, "GetAll", "s", [interface])
        return reply[0] if reply and isinstance(reply[0], dict) else {}

    # -- the manager and its modems ---------------------------------------------------------

    def running(self) -> bool:
        """ModemManager owns its name on this bus (asked without starting it)."""
        return self.bus.name_has_owner(names.SERVICE)

    def modems(self) -> list[ModemFacts]:
        reply = self._call(names.ROOT, names.OBJECT_MANAGER, "GetManagedObjects")
        objects = reply[0] if reply and isinstance(reply[0], dict) else {}
        found = [ModemFacts.of(path, interfaces) for path, interfaces in list(objects.items())[:MAX_ITEMS]
                 if isinstance(interfaces, dict) and names.MODEM in interfaces]
        return sorted(found, key=lambda m: m.path)

    def modem(self, path: str) -> ModemFacts:
        interfaces = {names.MODEM: self._all(path, names.MODEM)}
        for optional in (names.MODEM_3GPP, names.MESSAGING):
            try:
                interfaces[optional] = self._all(path, optional)
            except DbusError:
                pass  # not a 3GPP modem, or not enabled yet
        return ModemFacts.of(path, interfaces)

    def sim(self, path: str) -> SimFacts:
        return SimFacts.of(self._all(path, names.SIM))

    def watch_modem(self, modem: str, handler: Callable[[Signal], None]) -> None:
        """Messaging's Added and Deleted, every Sms object's property changes (a multipart SMS
        becomes "received" later), the modem's own changes, and modems coming and going."""
        self.bus.subscribe(handler)
        self.bus.watch(f"type='signal',sender='{names.SERVICE}',interface='{names.MESSAGING}',path='{modem}'")
        self.bus.watch(f"type='signal',sender='{names.SERVICE}',interface='{names.PROPERTIES}',"
                       f"member='PropertiesChanged',path_namespace='{names.SMS_PATHS}'")
        self.bus.watch(f"type='signal',sender='{names.SERVICE}',interface='{names.PROPERTIES}',"
                       f"member='PropertiesChanged',path='{modem}'")
        self.bus.watch(f"type='signal',sender='{names.SERVICE}',interface='{names.OBJECT_MANAGER}',path='{names.ROOT}'")
        self.bus.watch("type='signal',sender='org.freedesktop.DBus',member='NameOwnerChanged',"
                       f"arg0='{names.SERVICE}'")

    # -- messaging ------------------------------------------------------------------------

    def messages(self, modem: str) -> list[str]:
        reply = self._call(modem, names.MESSAGING, "List")
        paths = reply[0] if reply and isinstance(reply[0], list) else []
        return [p for p in paths[:MAX_MESSAGES] if isinstance(p, str)]

    def sms(self, path: str) -> SmsFacts:
        return SmsFacts.of(path, self._all(path, names.SMS))

    def delete_sms(self, modem: str, path: str) -> None:
        self._call(modem, names.MESSAGING, "Delete", "o", [path])

    def send_text(self, modem: str, number: str, text: str, *, delivery_report: bool) -> int:
        """Create the SMS, send it (ModemManager splits a long text) and delete the sent
        object; the TP-MR of its last segment, which a status report names."""
        from dbus_fast import Variant

        properties = {"number": Variant("s", number), "text": Variant("s", text),
                      "delivery-report-request": Variant("b", delivery_report)}
        path = self._call(modem, names.MESSAGING, "Create", "a{sv}", [properties])[0]
        try:
            self._call(path, names.SMS, "Send", timeout=SEND_TIMEOUT)
            return int(self.sms(path).message_reference) & 0xFF
        finally:
            try:
                self.delete_sms(modem, path)
            except DbusError:
                pass  # sent or not, a leftover object in ModemManager's list harms nothing

    # -- bearers ---------------------------------------------------------------------------

    def bearer(self, path: str) -> BearerFacts:
        return BearerFacts.of(path, self._all(path, names.BEARER))

    def bearers(self, modem: str) -> list[BearerFacts]:
        paths = self._all(modem, names.MODEM).get("Bearers")
        found = []
        for path in paths[:MAX_ITEMS] if isinstance(paths, list) else []:
            try:
                found.append(self.bearer(path))
            except DbusError:
                continue  # removed meanwhile
        return found

    def create_bearer(self, modem: str, apn: str, *, ip_type: str = "IP", user: str = "", password: str = "",
                      auth: str = "none") -> str:
        from dbus_fast import Variant

        properties: dict[str, Any] = {"apn": Variant("s", apn), "ip-type": Variant("u", names.IP_FAMILY.get(ip_type.upper(), 1))}
        if user:
            properties["user"] = Variant("s", user)
        if password:
            properties["password"] = Variant("s", password)
        if auth in names.ALLOWED_AUTH and auth != "none":
            properties["allowed-auth"] = Variant("u", names.ALLOWED_AUTH[auth])
        return str(self._call(modem, names.MODEM, "CreateBearer", "a{sv}", [properties])[0])

    def connect_bearer(self, path: str) -> None:
        self._call(path, names.BEARER, "Connect", timeout=CONNECT_TIMEOUT)

    def disconnect_bearer(self, path: str) -> None:
        self._call(path, names.BEARER, "Disconnect", timeout=CONNECT_TIMEOUT)

    def delete_bearer(self, modem: str, path: str) -> None:
        self._call(modem, names.MODEM, "DeleteBearer", "o", [path])
