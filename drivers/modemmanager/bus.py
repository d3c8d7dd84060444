"""A blocking D-Bus connection for the driver: dbus-fast's asyncio bus on its own thread.

Calls block the caller for at most their timeout. Signals are handed, in the order
they came, to one dispatcher thread, so a callback may itself make calls (on the
bus's own thread that would deadlock).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from ..errors import ModemError

log = logging.getLogger(__name__)

CALL_TIMEOUT = 30.0  # seconds: ModemManager answers most calls at once; Send and Connect take longer
MAX_QUEUED_SIGNALS = 10_000  # a flood of signals is dropped beyond this, not kept in memory


class DbusError(ModemError):
    """The bus or ModemManager refused or failed a call (``name``: the D-Bus error name)."""

    def __init__(self, message: str, name: str = "") -> None:
        super().__init__(message)
        self.name = name


class BusUnavailable(DbusError):
    """No bus to talk to, or dbus-fast is not installed."""


Signal = tuple[str, str, str, list[Any]]  # path, interface, member, body (unwrapped)
SignalHandler = Callable[[Signal], None]


def unwrap(value: Any) -> Any:
    """dbus-fast's Variants, dicts and lists as plain Python values."""
    from dbus_fast import Variant

    if isinstance(value, Variant):
        return unwrap(value.value)
    if isinstance(value, dict):
        return {key: unwrap(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


class Bus:
    """``address``: "system", "session", or a D-Bus address (tests' private bus)."""

    def __init__(self, address: str = "system") -> None:
        self.address = address
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._bus: Any = None
        self._handlers: list[SignalHandler] = []
        self._signals: queue.Queue[Signal | None] = queue.Queue(MAX_QUEUED_SIGNALS)
        self._dispatcher: threading.Thread | None = None
        self._watcher: Any = None
        self.closed = threading.Event()  # the connection ended (ModemManager's bus went away, or close())

    def open(self, timeout: float = 10.0) -> Bus:
        try:
            import dbus_fast  # noqa: F401 - the dbus extra
        except ImportError:
            raise BusUnavailable("the ModemManager backend needs dbus-fast: pip install 'mmsua[dbus]'") from None
        self._thread = threading.Thread(target=self._loop.run_forever, name="mmsua-mm-bus", daemon=True)
        self._thread.start()
        try:
            self._run(self._connect(), timeout)
        except Exception:
            self.close()
            raise
        self._dispatcher = threading.Thread(target=self._dispatch, name="mmsua-mm-signals", daemon=True)
        self._dispatcher.start()
        return self

    async def _connect(self) -> None:
        from dbus_fast import BusType
        from dbus_fast.aio import MessageBus

        if self.address in ("system", "session"):
            bus = MessageBus(bus_type=BusType.SYSTEM if self.address == "system" else BusType.SESSION)
        else:
            bus = MessageBus(bus_address=self.address)
        try:
            self._bus = await bus.connect()
        except Exception as error:
            raise BusUnavailable(f"cannot reach the D-Bus {self.address} bus: {error}") from None
        self._bus.add_message_handler(self._on_message)
        self._watcher = asyncio.ensure_future(self._watch_disconnect(self._bus))

    async def _watch_disconnect(self, bus: Any) -> None:
        try:
            await bus.wait_for_disconnect()
        except Exception as error:  # the connection broke rather than closed
            log.info("D-Bus connection lost: %s", error)
        self.closed.set()

    def close(self) -> None:
        if self._bus is not None:
            bus, self._bus = self._bus, None
            try:
                self._run(self._disconnect(bus), 5.0)
            except (DbusError, RuntimeError) as error:
                log.debug("closing the D-Bus connection: %s", error)
        if self._thread is not None:
            try:
                self._loop.call_soon_threadsafe(self._loop.stop)
            except RuntimeError:
                pass
            self._thread.join(10)
            self._thread = None
            self._loop.close()
        if self._dispatcher is not None:
            try:
                self._signals.put_nowait(None)
            except queue.Full:
                pass
            if self._dispatcher is not threading.current_thread():
                self._dispatcher.join(10)
            self._dispatcher = None
        self.closed.set()

    async def _disconnect(self, bus: Any) -> None:
        bus.disconnect()
        if self._watcher is not None:
            await asyncio.wait([self._watcher], timeout=2.0)

    def _run(self, coroutine: Any, timeout: float) -> Any:
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise DbusError(f"no answer on the D-Bus {self.address} bus within {timeout:.0f} s") from None

    # -- calls -------------------------------------------------------------------------------

    def call(self, destination: str, path: str, interface: str, member: str, signature: str = "",
             body: list[Any] | None = None, timeout: float = CALL_TIMEOUT) -> list[Any]:
        """The reply's body, unwrapped; DbusError with the error's name and text on an error reply."""
        if self._bus is None or self.closed.is_set():
            raise BusUnavailable(f"the D-Bus {self.address} bus connection is closed")
        return list(self._run(self._call(destination, path, interface, member, signature, body or []), timeout))

    async def _call(self, destination: str, path: str, interface: str, member: str, signature: str,
                    body: list[Any]) -> list[Any]:
        from dbus_fast import Message, MessageType

        reply = await self._bus.call(Message(destination=destination, path=path, interface=interface, member=member,
                                             signature=signature, body=body))
        if reply is None:
            return []
        if reply.message_type == MessageType.ERROR:
            detail = reply.body[0] if reply.body and isinstance(reply.body[0], str) else ""
            raise DbusError(f"{interface}.{member} on {path}: {reply.error_name}: {detail[:300]}", reply.error_name or "")
        return [unwrap(item) for item in reply.body]

    def watch(self, rule: str) -> None:
        """Receive the signals a match rule selects (org.freedesktop.DBus.AddMatch)."""
        self.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "AddMatch", "s", [rule])

    def name_has_owner(self, name: str, timeout: float = 5.0) -> bool:
        reply = self.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "NameHasOwner",
                          "s", [name], timeout)
        return bool(reply and reply[0] is True)

    # -- signals -----------------------------------------------------------------------------

    def subscribe(self, handler: SignalHandler) -> None:
        self._handlers.append(handler)

    def _on_message(self, message: Any) -> None:
        from dbus_fast import MessageType

        if message.message_type != MessageType.SIGNAL:
            return
        try:
            self._signals.put_nowait((message.path or "", message.interface or "", message.member or "",
                                      [unwrap(item) for item in message.body]))
        except queue.Full:
            log.warning("ModemManager signals are coming faster than they are handled; one dropped")

    def _dispatch(self) -> None:
        while True:
            signal = self._signals.get()
            if signal is None:
                return
            for handler in list(self._handlers):
                try:
                    handler(signal)
                except Exception:  # one bad signal must not end the dispatcher
                    log.exception("handling %s.%s from %s", signal[1], signal[2], signal[0])
