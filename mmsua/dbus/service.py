"""mmsd-tng's org.ofono.mms interfaces on a bus, with dbus-fast, over an :class:`Adapter`.

One asyncio loop on its own thread speaks D-Bus; one worker thread does the API
calls (the adapter's methods), one at a time and in order, for method calls and
the engine's events alike. Signals a call causes are emitted before its answer.
"""

from typing import Annotated, Any

from dbus_fast import DBusError, Variant
from dbus_fast.annotations import DBusObjectPath, DBusSignature, DBusStr, DBusUInt32, DBusVariant
from dbus_fast.service import ServiceInterface, dbus_method, dbus_signal

from mmsua.api.errors import ApiError
from mmsua.dbus import mapping
from mmsua.dbus.adapter import Signal
from mmsua.dbus.mapping import Prop

Props = Annotated[dict[str, Variant], DBusSignature("a{sv}")]
Entries = Annotated[list[list[Any]], DBusSignature("a(oa{sv})")]
Entry = Annotated[list[Any], DBusSignature("oa{sv}")]
Change = Annotated[list[Any], DBusSignature("sv")]
Strings = Annotated[list[str], DBusSignature("as")]
Files = Annotated[list[list[str]], DBusSignature("a(sss)")]
Paths = Annotated[list[str], DBusSignature("ao")]
Bytes = Annotated[bytes, DBusSignature("ay")]
Settings = Annotated[list[str], DBusSignature("sss")]

# mmsd's error names (its doc/service-api.txt); the message is mmsua's own.
_ERRORS = {
    "bad_request": "org.ofono.mms.Error.InvalidArguments", "not_found": "org.ofono.mms.Error.InvalidArguments",
    "unavailable": "org.ofono.mms.Error.TransientFailure", "too_large": "org.ofono.mms.Error.PermanentContentNotAccepted",
    "too_late": "org.ofono.mms.Error.PermanentFailure", "internal": "org.ofono.mms.Error.Failed",
}
NOT_SUPPORTED = "org.ofono.mms.Error.NotSupported"


def dbus_error(error: ApiError) -> DBusError:
    return DBusError(_ERRORS.get(error.code, "org.ofono.mms.Error.Failed"), error.message)


def variants(props: dict[str, Prop]) -> dict[str, Variant]:
    return {name: Variant(signature, value) for name, (signature, value) in props.items()}


def entries(found: list[tuple[str, dict[str, Prop]]]) -> list[list[Any]]:
    return [[path, variants(props)] for path, props in found]


class Manager(ServiceInterface):
    def __init__(self, runner: Any) -> None:
        super().__init__(mapping.MANAGER_IFACE)
        self.runner = runner

    @dbus_method()
    def GetServices(self) -> Entries:  # noqa: N802 - D-Bus names
        return [[mapping.SERVICE_PATH, variants(service_properties())]]

    @dbus_signal()
    def ServiceAdded(self, path: str, props: dict[str, Variant]) -> Entry:  # noqa: N802
        return [path, props]

    @dbus_signal()
    def ServiceRemoved(self, path: str) -> DBusObjectPath:  # noqa: N802
        return path


def service_properties() -> dict[str, Prop]:
    return {"Identity": ("s", mapping.SERVICE_IDENTITY)}


class Service(ServiceInterface):
    def __init__(self, runner: Any) -> None:
        super().__init__(mapping.SERVICE_IFACE)
        self.runner = runner

    @dbus_method()
    async def GetMessages(self) -> Entries:  # noqa: N802
        found = await self.runner.call(lambda adapter: adapter.get_messages())
        self.runner.export_all(found)
        return entries(found)

    @dbus_method()
    async def GetConversation(self, number: DBusStr, count: DBusUInt32) -> Entries:  # noqa: N802
        found = await self.runner.call(lambda adapter: adapter.get_conversation(number, count))
        self.runner.export_all(found)
        return entries(found)

    @dbus_method()
    async def SendMessage(self, recipients: Strings, options: DBusVariant, attachments: Files) -> DBusObjectPath:  # noqa: N802
        try:
            parsed = mapping.send_options(options.signature, _plain(options.value))
        except ApiError as error:
            raise dbus_error(error) from None
        request = await self.runner.call(lambda adapter: adapter.prepare_send(list(recipients), parsed, [list(a) for a in attachments]),
                                         locked=False)
        return await self.runner.call_signalled(lambda adapter: adapter.send(request))

    @dbus_method()
    async def DeleteMessages(self, paths: Paths) -> None:  # noqa: N802
        await self.runner.call_signalled(lambda adapter: (None, adapter.delete_all([mapping.message_id(p) for p in paths])))

    @dbus_method()
    async def DeleteConversation(self, number: DBusStr) -> None:  # noqa: N802
        await self.runner.call_signalled(lambda adapter: (None, adapter.delete_conversation(number)))

    @dbus_method()
    async def GetProperties(self) -> Props:  # noqa: N802
        return variants(await self.runner.call(lambda adapter: adapter.settings.properties()))

    @dbus_method()
    async def SetProperty(self, name: DBusStr, value: DBusVariant) -> None:  # noqa: N802
        prop = await self.runner.call(lambda adapter: adapter.settings.set(name, value.signature, value.value))
        self.PropertyChanged(name, Variant(*prop))

    @dbus_signal()
    def MessageAdded(self, path: str, props: dict[str, Variant]) -> Entry:  # noqa: N802
        return [path, props]

    @dbus_signal()
    def MessageRemoved(self, path: str) -> DBusObjectPath:  # noqa: N802
        return path

    @dbus_signal()
    def PropertyChanged(self, name: str, value: Variant) -> Change:  # noqa: N802
        return [name, value]


class Message(ServiceInterface):
    """One message's object (exported while a client may know of it)."""

    def __init__(self, runner: Any, message_id: int) -> None:
        super().__init__(mapping.MESSAGE_IFACE)
        self.runner = runner
        self.message_id = message_id

    @dbus_method()
    async def MarkRead(self) -> None:  # noqa: N802
        await self.runner.call_signalled(lambda adapter: (None, adapter.mark_read(self.message_id)))

    @dbus_method()
    async def Delete(self) -> None:  # noqa: N802
        await self.runner.call_signalled(lambda adapter: (None, adapter.delete(self.message_id)))

    @dbus_method()
    async def GetProperties(self) -> Props:  # noqa: N802
        return variants(await self.runner.call(lambda adapter: adapter.properties(self.message_id)))

    @dbus_signal()
    def PropertyChanged(self, name: str, value: Variant) -> Change:  # noqa: N802
        return [name, value]


class ModemManager(ServiceInterface):
    """mmsd-tng's settings interface, as Chatty uses it (ViewSettings, ChangeSettings,
    ProcessMessageQueue). mmsua owns the modem and its settings come from its config."""

    def __init__(self, runner: Any) -> None:
        super().__init__(mapping.MODEMMANAGER_IFACE)
        self.runner = runner

    @dbus_method()
    async def ViewSettings(self) -> Props:  # noqa: N802
        return variants(await self.runner.call(lambda adapter: adapter.carrier.view()))

    @dbus_method()
    def ChangeSettings(self, name: DBusStr, value: DBusVariant) -> None:  # noqa: N802
        if name in ("AutoProcessOnConnection", "AutoProcessSMSWAP") and value.value is True:
            return  # what mmsua always does
        raise DBusError(NOT_SUPPORTED, f"mmsua takes {name} from its configuration (mmsua config --show; docs/dbus.md), "
                        "not over D-Bus")

    @dbus_method()
    def ProcessMessageQueue(self) -> None:  # noqa: N802
        return  # mmsua's engine sends and retrieves as soon as it can; nothing waits for this

    @dbus_method()
    def PushNotify(self, data: Bytes) -> None:  # noqa: N802
        raise DBusError(NOT_SUPPORTED, "mmsua reads WAP pushes from its own modem; it takes none over D-Bus")

    @dbus_signal()
    def SettingsChanged(self) -> Settings:  # noqa: N802
        return ["", "", ""]


def _plain(value: Any) -> Any:
    """An a{sv}'s values without their Variant wrappers."""
    if isinstance(value, dict):
        return {key: item.value if isinstance(item, Variant) else item for key, item in value.items()}
    return value


__all__ = ["Manager", "Message", "ModemManager", "Service", "Signal", "dbus_error", "entries", "variants"]
