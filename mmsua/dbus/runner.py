"""The D-Bus service's threads: an asyncio loop for the bus, one worker for the API.

``DbusService.start()`` returns once ``org.ofono.mms`` is owned and every interface
is exported, or raises :class:`mmsua.dbus.DbusUnavailable` saying why (no bus, the
name taken by mmsd-tng). Events from the engine are queued to the worker in the
order they come; the signals they make are emitted on the loop in that order.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from dbus_fast import BusType, DBusError, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.constants import NameFlag, RequestNameReply

from mmsua.api.events import Event
from mmsua.api.methods import Api
from mmsua.dbus import DbusUnavailable, mapping
from mmsua.dbus.adapter import Adapter, CarrierSettings, ServiceSettings, Signal, error_of
from mmsua.dbus.files import AttachmentFiles
from mmsua.dbus.service import Manager, Message, ModemManager, Service, dbus_error, service_properties, variants

log = logging.getLogger("mmsua.dbus")
T = TypeVar("T")
START_TIMEOUT = 30  # seconds to reach the bus and own the name


class DbusService:
    def __init__(self, api: Api, bus: str, files: AttachmentFiles, settings: ServiceSettings | None = None,
                 carrier: CarrierSettings | None = None, address: str | None = None, lock: threading.Lock | None = None,
                 hide: bool = False) -> None:
        if bus not in ("session", "system"):
            raise DbusUnavailable(f"no D-Bus bus {bus!r}: session or system")
        self.api = api
        self.bus_type = BusType.SYSTEM if bus == "system" else BusType.SESSION
        self.address = address
        self.adapter = Adapter(api, files, settings or ServiceSettings(), carrier or CarrierSettings(), hide)
        self._lock = lock or threading.Lock()  # around every API call (the daemon shares its socket server's)
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="dbus-api")
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._bus: MessageBus | None = None
        self._messages: dict[int, Message] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self.manager = Manager(self)
        self.service = Service(self)
        self.modemmanager = ModemManager(self)

    # -- life ----------------------------------------------------------------------------------

    def start(self) -> None:
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="dbus", daemon=True)
        self._thread.start()
        try:
            ready.result(timeout=START_TIMEOUT)
        except concurrent.futures.TimeoutError:
            self.stop()
            raise DbusUnavailable(f"the D-Bus {self.bus_type.name.lower()} bus did not answer in {START_TIMEOUT} s") from None
        except DbusUnavailable:
            self.stop()
            raise
        log.info("D-Bus: serving %s on the %s bus", mapping.SERVICE_NAME, self.bus_type.name.lower())

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._thread is not None:
            try:
                self._loop.call_soon_threadsafe(self._loop.stop)
            except RuntimeError:
                pass  # it already ended (a failed start)
            self._thread.join(timeout=10)
            self._thread = None
        self._worker.shutdown(wait=True, cancel_futures=True)

    def _run(self, ready: concurrent.futures.Future[None]) -> None:
        asyncio.set_event_loop(self._loop)
        failure: DbusUnavailable | None = None
        try:
            try:
                self._loop.run_until_complete(self._connect())
            except DbusUnavailable as error:
                failure = error
            except Exception as error:  # no bus, refused, a bad address: all say the same to the user
                failure = DbusUnavailable(f"cannot use the D-Bus {self.bus_type.name.lower()} bus: {error}")
            if failure is None:
                ready.set_result(None)
                self._loop.run_forever()
        finally:
            if self._bus is not None:
                self._bus.disconnect()
                self._loop.run_until_complete(asyncio.sleep(0))  # let the disconnect go out
            self._loop.close()
            if failure is not None:
                ready.set_exception(failure)  # only now: start() stops us once it hears

    async def _connect(self) -> None:
        bus = await MessageBus(bus_address=self.address, bus_type=self.bus_type).connect()
        self._bus = bus
        # Events first, then what is stored: a message is either in the listing or its event
        # comes after it (the worker takes them in order), never lost between the two.
        self._unsubscribe = self.api.subscribe(self._on_event)
        await self._loop.run_in_executor(self._worker, self._locked, Adapter.start)
        bus.export(mapping.MANAGER_PATH, self.manager)
        bus.export(mapping.MANAGER_PATH, self.modemmanager)
        bus.export(mapping.SERVICE_PATH, self.service)
        for message_id in self.adapter.known_ids():
            self._export(message_id)
        reply = await bus.request_name(mapping.SERVICE_NAME, NameFlag.DO_NOT_QUEUE)
        if reply not in (RequestNameReply.PRIMARY_OWNER, RequestNameReply.ALREADY_OWNER):
            raise DbusUnavailable(f"{mapping.SERVICE_NAME} is already served on the {self.bus_type.name.lower()} bus "
                                  "(is mmsd-tng running? stop it first: systemctl --user disable --now mmsd-tng)")
        self.manager.ServiceAdded(mapping.SERVICE_PATH, variants(service_properties()))

    # -- calls from the interfaces ---------------------------------------------------------------

    async def call(self, work: Callable[[Adapter], T], locked: bool = True) -> T:
        """``work(adapter)`` on the worker, holding the engine's lock unless ``locked`` is false
        (work that calls no API); an error becomes the D-Bus error mmsd would answer."""
        try:
            return await self._loop.run_in_executor(self._worker, self._locked if locked else self._unlocked, work)
        except DBusError:
            raise
        except Exception as error:
            raise dbus_error(error_of(error)) from None

    def _locked(self, work: Callable[[Adapter], T]) -> T:
        with self._lock:
            return work(self.adapter)

    def _unlocked(self, work: Callable[[Adapter], T]) -> T:
        return work(self.adapter)

    async def call_signalled(self, work: Callable[[Adapter], tuple[T, list[Signal]]]) -> T:
        """As :meth:`call`, for work that also returns signals: they go out before the answer."""
        result, signals = await self.call(work)
        self._emit(signals)
        return result

    # -- events --------------------------------------------------------------------------------

    def _on_event(self, event: Event) -> None:
        # The engine's thread: hand over, never block it.
        try:
            self._worker.submit(self._event_signals, event)
        except RuntimeError:
            pass  # stopping

    def _event_signals(self, event: Event) -> None:
        try:
            signals = self._locked(lambda adapter: adapter.on_event(event))
        except Exception as error:
            log.warning("D-Bus: cannot tell clients about %s: %s", event.name, error_of(error))
            return
        if signals:
            try:
                self._loop.call_soon_threadsafe(self._emit, signals)
            except RuntimeError:
                pass  # the loop is closed: the service stopped, no one to tell

    def _emit(self, signals: list[Signal]) -> None:
        for signal in signals:
            if signal.kind == "added":
                self._export(mapping.message_id(signal.path))
                self.service.MessageAdded(signal.path, variants(signal.props))
            elif signal.kind == "changed":
                message = self._messages.get(mapping.message_id(signal.path))
                if message is not None:
                    message.PropertyChanged(signal.name, Variant(*signal.value))
            elif signal.kind == "removed":
                self.service.MessageRemoved(signal.path)
                self._unexport(mapping.message_id(signal.path))

    def export_all(self, found: list[tuple[str, Any]]) -> None:
        """Export the objects of messages a client has just been given."""
        for path, _ in found:
            self._export(mapping.message_id(path))

    def _export(self, message_id: int) -> None:
        if message_id in self._messages or self._bus is None:
            return
        message = Message(self, message_id)
        self._messages[message_id] = message
        self._bus.export(mapping.message_path(message_id), message)

    def _unexport(self, message_id: int) -> None:
        message = self._messages.pop(message_id, None)
        if message is not None and self._bus is not None:
            self._bus.unexport(mapping.message_path(message_id), message)

