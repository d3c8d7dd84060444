"""The outer edge of the desktop notifications: a private dbus-daemon and a small fake
org.freedesktop.Notifications service on it that records each Notify call.

No ``from __future__ import annotations`` here: dbus-fast reads the method's
annotations at definition time to build its D-Bus signature.
"""

import asyncio
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

from dbus_fast import Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusInt32, DBusSignature, DBusStr, DBusUInt32
from dbus_fast.service import ServiceInterface, dbus_method

Strings = Annotated[list[str], DBusSignature("as")]
Hints = Annotated[dict[str, Variant], DBusSignature("a{sv}")]


class FakeNotifications(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.calls: list[dict[str, Any]] = []
        self.changed = threading.Condition()

    @dbus_method()
    def Notify(self, app_name: DBusStr, replaces_id: DBusUInt32, app_icon: DBusStr, summary: DBusStr, body: DBusStr,  # noqa: N802
               actions: Strings, hints: Hints, expire_timeout: DBusInt32) -> DBusUInt32:
        with self.changed:
            self.calls.append({"app_name": app_name, "replaces_id": replaces_id, "app_icon": app_icon, "summary": summary,
                               "body": body, "actions": actions, "hints": {k: v.value for k, v in hints.items()},
                               "expire_timeout": expire_timeout})
            self.changed.notify_all()
            return 100 + len(self.calls)


class PrivateBus:
    """``dbus-daemon --session`` on a socket of its own; ``stop()`` ends it."""

    def __init__(self, daemon: str) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="mmsua-notify-bus-", dir="/tmp"))
        config = self.directory / "session.conf"
        config.write_text(f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:dir={self.directory}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
""")
        self.process = subprocess.Popen([daemon, f"--config-file={config}", "--print-address", "--nofork", "--nopidfile"],
                                        stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        self.address = self.process.stdout.readline().strip()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)


class ServedNotifications:
    """The fake service on ``address``, on an asyncio loop in a thread of its own."""

    def __init__(self, address: str) -> None:
        self.service = FakeNotifications()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fake-notifications", daemon=True)
        self.thread.start()
        self.bus = asyncio.run_coroutine_threadsafe(self._connect(address), self.loop).result(20)

    async def _connect(self, address: str) -> MessageBus:
        bus = await MessageBus(bus_address=address).connect()
        bus.export("/org/freedesktop/Notifications", self.service)
        await bus.request_name("org.freedesktop.Notifications")
        return bus

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.bus.disconnect)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
