"""Desktop notifications: org.freedesktop.Notifications.Notify on the session bus.

The Desktop Notifications Specification (freedesktop.org, version 1.2) defines the
call: Notify(app_name s, replaces_id u, app_icon s, summary s, body s, actions as,
hints a{sv}, expire_timeout i) -> u. The body may be read as simple markup, so
``&``, ``<`` and ``>`` are escaped. Each call connects, calls and disconnects within
the notifier's timeout, on the notifier's thread: a desktop that is gone or never
answers costs that thread one timeout, never the engine anything. dbus-fast (the
``dbus`` extra) is imported only here.
"""

from __future__ import annotations

import html
import os

from mmsua.notify.notice import Notice

APP = "mmsua"
ICON = "mail-message-new"  # freedesktop icon naming specification
BUS_NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
REPLACE_LIMIT = 500  # conversations whose last notification is remembered (to replace it)


class DesktopError(Exception):
    """The notification did not reach the desktop."""


def available() -> str | None:
    """None when desktop notifications can be tried, else why not."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return "no session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
    try:
        import dbus_fast  # noqa: F401
    except ImportError:
        return "dbus-fast is not installed: pip install 'mmsua[dbus]'"
    return None


class Desktop:
    name = "desktop"

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._shown: dict[int, int] = {}  # conversation id: the server's id of its last notification

    def send(self, notice: Notice, message: object = None) -> None:
        import asyncio  # here, not above: asyncio loads ssl, which a daemon without a desktop never needs

        replaces = self._shown.get(notice.conversation_id, 0)
        try:
            shown = asyncio.run(asyncio.wait_for(self._notify(notice, replaces), self.timeout))
        except TimeoutError:
            raise DesktopError(f"no answer within {self.timeout:g} s") from None
        except OSError as error:
            raise DesktopError(f"cannot reach the session bus: {error.strerror or error}") from None
        self._shown.pop(notice.conversation_id, None)
        self._shown[notice.conversation_id] = shown
        while len(self._shown) > REPLACE_LIMIT:
            self._shown.pop(next(iter(self._shown)))

    async def _notify(self, notice: Notice, replaces: int) -> int:
        from dbus_fast import Message, MessageType, Variant
        from dbus_fast.aio import MessageBus

        bus = await MessageBus().connect()
        try:
            reply = await bus.call(Message(
                destination=BUS_NAME, path=PATH, interface=BUS_NAME, member="Notify", signature="susssasa{sv}i",
                body=[APP, replaces, ICON, notice.title, html.escape(notice.body, quote=False), [],
                      {"category": Variant("s", "im.received"), "urgency": Variant("y", 1)}, -1],
            ))
        finally:
            bus.disconnect()
        if reply is None or reply.message_type == MessageType.ERROR:
            detail = reply.body[0] if reply is not None and reply.body else ""
            raise DesktopError(f"{reply.error_name if reply is not None else 'no reply'} {detail}".strip())
        shown = reply.body[0] if reply.body else 0
        return shown if isinstance(shown, int) else 0
