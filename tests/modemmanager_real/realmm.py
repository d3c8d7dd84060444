"""What the real-ModemManager tests share besides fixtures: a small blocking D-Bus client for
ModemManager's objects on the private bus, and bounded waiting (a module of its own: every
test folder has a conftest, so ``from conftest import`` could find another folder's)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from simagent import wait_for as engine_wait_for  # noqa: E402 - the engine tests' waiting, shared

MM_SERVICE = "org.freedesktop.ModemManager1"
MM_PATH = "/org/freedesktop/ModemManager1"
MODEM = "org.freedesktop.ModemManager1.Modem"
MODEM_3GPP = "org.freedesktop.ModemManager1.Modem.Modem3gpp"
MESSAGING = "org.freedesktop.ModemManager1.Modem.Messaging"
SMS = "org.freedesktop.ModemManager1.Sms"
SIM = "org.freedesktop.ModemManager1.Sim"

# MMModemState and MMSmsState / MMSmsPduType / MMSmsDeliveryState values (ModemManager's
# ModemManager-enums.h, as documented in its API reference).
STATE_REGISTERED = 8
SMS_STATE_RECEIVED = 3
SMS_STATE_SENT = 5
PDU_TYPE_DELIVER = 1
PDU_TYPE_SUBMIT = 2
PDU_TYPE_STATUS_REPORT = 3
DELIVERY_COMPLETED_RECEIVED = 0x00


class DBusError(Exception):
    """A D-Bus error reply (its error name and message)."""


def _plain(value: Any) -> Any:
    """A dbus-fast value with its Variants unwrapped, all the way down."""
    from dbus_fast import Variant

    if isinstance(value, Variant):
        return _plain(value.value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class MMBus:
    """Blocking calls to ModemManager on one bus: each call connects, asks and disconnects
    (a test makes few calls; no event loop outlives a call)."""

    def __init__(self, address: str) -> None:
        self.address = address

    def call(self, path: str, interface: str, member: str, signature: str = "", body: list[Any] | None = None,
             timeout: float = 60.0, destination: str = MM_SERVICE) -> list[Any]:
        return asyncio.run(self._call(path, interface, member, signature, body or [], timeout, destination))

    async def _call(self, path: str, interface: str, member: str, signature: str, body: list[Any], timeout: float,
                    destination: str) -> list[Any]:
        from dbus_fast import Message, MessageType
        from dbus_fast.aio import MessageBus

        bus = await MessageBus(bus_address=self.address).connect()
        try:
            message = Message(destination=destination, path=path, interface=interface, member=member,
                              signature=signature, body=body)
            reply = await asyncio.wait_for(bus.call(message), timeout)
        finally:
            bus.disconnect()
        assert reply is not None
        if reply.message_type == MessageType.ERROR:
            raise DBusError(f"{reply.error_name}: {' '.join(map(str, reply.body))}")
        return [_plain(v) for v in reply.body]

    def properties(self, path: str, interface: str) -> dict[str, Any]:
        (props,) = self.call(path, "org.freedesktop.DBus.Properties", "GetAll", "s", [interface])
        return dict(props)

    def get(self, path: str, interface: str, name: str) -> Any:
        (value,) = self.call(path, "org.freedesktop.DBus.Properties", "Get", "ss", [interface, name])
        return value

    def modems(self) -> list[str]:
        """Object paths of the modems ModemManager exports now."""
        (objects,) = self.call(MM_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
        return sorted(path for path, interfaces in objects.items() if MODEM in interfaces)

    def has_owner(self, name: str = MM_SERVICE) -> bool:
        (owned,) = self.call("/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner", "s", [name],
                             destination="org.freedesktop.DBus")
        return bool(owned)

    def sms_list(self, modem: str) -> list[dict[str, Any]]:
        """Every Sms object of the modem with its properties (and its path as "path")."""
        (paths,) = self.call(modem, MESSAGING, "List")
        return [{**self.properties(p, SMS), "path": p} for p in paths]


def wait_for(what: str, check: Callable[[], Any], timeout: float, explain: Callable[[], str] = lambda: "") -> Any:
    """Until ``check()`` is truthy; fails naming what never happened, with ``explain()``."""
    try:
        return engine_wait_for(what, check, timeout)
    except pytest.fail.Exception:
        pytest.fail(f"never happened within {timeout:.0f} s: {what}\n{explain()}")


__all__ = [
    "DELIVERY_COMPLETED_RECEIVED", "MESSAGING", "MM_PATH", "MM_SERVICE", "MODEM", "MODEM_3GPP", "PDU_TYPE_DELIVER",
    "PDU_TYPE_STATUS_REPORT", "PDU_TYPE_SUBMIT", "SIM", "SMS", "SMS_STATE_RECEIVED", "SMS_STATE_SENT", "STATE_REGISTERED", "DBusError", "MMBus",
    "wait_for",
]
