"""Finding the modem's AT port again after a USB reset or a replug.

A modem that re-enumerates may come back under its old node, under a new one
(``/dev/ttyUSB2`` becomes ``/dev/ttyUSB6`` while a process still holds the old
node open), or only behind its ``/dev/serial/by-id`` link. What finds it again
is learnt while it is there (:func:`identify_port`): the configured path, the
by-id link pointing at the same node, and the USB vendor, product, serial number
and interface number from sysfs. :func:`find_port_again` then looks (the
configured path while it is still this port, the by-id link, the USB ids),
cheaply enough to be polled twice a second (a few ``stat`` calls; the sysfs
scan reads only ``ttyUSB*``/``ttyACM*`` entries).

sysfs layout (Linux ``Documentation/ABI/stable/sysfs-bus-usb``): a tty's
``device`` link leads into its USB interface directory (``bInterfaceNumber``),
whose parent is the USB device (``idVendor``, ``idProduct``, ``serial``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .ports import PortChoice, by_id_links

__all__ = ["DeviceTree", "PortIdentity", "UsbIdentity", "find_port_again", "hold", "identify_port", "usb_identity"]

_USB_TTY = ("ttyUSB", "ttyACM")


@dataclass(frozen=True, slots=True)
class DeviceTree:
    """Where the system shows devices (tests point these into a temporary folder)."""

    dev: str = "/dev"
    by_id: str = "/dev/serial/by-id"
    sys_tty: str = "/sys/class/tty"


SYSTEM = DeviceTree()


@dataclass(frozen=True, slots=True)
class UsbIdentity:
    vid: int
    pid: int
    serial: str | None
    interface: int | None

    def __str__(self) -> str:
        serial = f" serial {self.serial}" if self.serial else ""
        return f"{self.vid:04x}:{self.pid:04x}{serial} interface {self.interface}"


@dataclass(frozen=True, slots=True)
class PortIdentity:
    """What finds one modem port again: its configured path, its by-id link, its USB ids."""

    configured: str
    by_id: str | None = None
    usb: UsbIdentity | None = None

    @property
    def is_device(self) -> bool:
        """False for pyserial URLs (``socket://``, ``rfc2217://``...): no node to look for."""
        return "://" not in self.configured

    def merged(self, newer: PortIdentity) -> PortIdentity:
        """What ``newer`` learnt, keeping what it could not see (a node without a by-id link)."""
        return PortIdentity(self.configured, newer.by_id or self.by_id, newer.usb or self.usb)


def usb_identity(node: str, tree: DeviceTree = SYSTEM) -> UsbIdentity | None:
    """The USB ids of a tty node (``/dev/ttyUSB2`` or just ``ttyUSB2``); None when it has none."""
    device = Path(tree.sys_tty) / os.path.basename(os.path.realpath(node) if os.sep in node else node) / "device"
    try:
        here = Path(os.path.realpath(device))
    except OSError:
        return None
    if not device.exists():
        return None
    interface: int | None = None
    for folder in (here, *here.parents):
        if interface is None and (folder / "bInterfaceNumber").is_file():
            interface = _read_int(folder / "bInterfaceNumber", 16)
        if (folder / "idVendor").is_file():
            vid, pid = _read_int(folder / "idVendor", 16), _read_int(folder / "idProduct", 16)
            if vid is None or pid is None:
                return None
            serial = _read_text(folder / "serial")
            return UsbIdentity(vid, pid, serial or None, interface)
    return None


def identify_port(configured: str, opened: str | None = None, tree: DeviceTree = SYSTEM) -> PortIdentity:
    """What finds ``configured`` again, learnt from the node actually ``opened`` (default: it)."""
    identity = PortIdentity(configured)
    if not identity.is_device:
        return identity
    path = opened or configured
    try:
        node = os.path.realpath(path)
    except OSError:
        return identity
    if not os.path.exists(node):
        return identity
    link = by_id_links(tree.by_id).get(node)
    return PortIdentity(configured, link, usb_identity(node, tree))


# Device nodes this process has open (an AtChannel holds its port while open). Two modems
# of one model without USB serial numbers show the same USB ids: a port found again by
# its ids must never be the other modem's, which this process already holds.
_held: dict[str, int] = {}
_held_lock = threading.Lock()


def hold(port: str) -> Callable[[], None]:
    """Mark ``port``'s device node as held by this process until the returned function is called."""
    node = os.path.realpath(port)
    with _held_lock:
        _held[node] = _held.get(node, 0) + 1

    def release() -> None:
        with _held_lock:
            count = _held.get(node, 0) - 1
            if count > 0:
                _held[node] = count
            else:
                _held.pop(node, None)

    return release


def _is_held(device: str) -> bool:
    with _held_lock:
        return os.path.realpath(device) in _held


def find_port_again(identity: PortIdentity, tree: DeviceTree = SYSTEM) -> PortChoice | None:
    """Where the port is now and why, or None while it is absent.

    The configured path while it is this port: its node is the one the by-id link
    leads to (resolved afresh each time), and it shows the same USB ids where they
    are known (its old name not taken by another device); a port whose by-id link is
    gone keeps its configured path only on the same USB ids. Else the by-id link;
    else any ``ttyUSB``/``ttyACM`` node with the same USB ids and interface that this
    process does not already hold (another modem of the same model)."""
    configured = identity.configured
    if not identity.is_device:
        return PortChoice(configured, "a pyserial URL: opening it is the only way to know", configured)
    linked = _existing(identity.by_id) if identity.by_id is not None else None
    node = _existing(configured)
    if node is not None and (linked is None or linked == node):
        current = usb_identity(node, tree) if identity.usb is not None else None
        if linked is None and identity.by_id is not None:
            # Its by-id link is gone: the freed name may be another device's now (a pty's
            # number is reused at once), so only the same USB ids still vouch for it.
            same = current is not None and current == identity.usb
        else:
            same = current is None or current == identity.usb
        if same:
            return PortChoice(configured, "the configured path", node)
    if identity.by_id is not None and linked is not None:
        return PortChoice(identity.by_id, f"its by-id link, now {linked}", linked)
    if identity.usb is not None:
        try:
            names = sorted(n for n in os.listdir(tree.sys_tty) if n.startswith(_USB_TTY))
        except OSError:
            names = []
        for name in names:
            if usb_identity(name, tree) == identity.usb:
                device = os.path.join(tree.dev, name)
                if os.path.exists(device) and not _is_held(device):
                    return PortChoice(device, f"the same USB port ({identity.usb}) as {device}", device)
    return None


def _existing(path: str) -> str | None:
    try:
        node = os.path.realpath(path)
    except OSError:
        return None
    return node if os.path.exists(node) else None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return ""


def _read_int(path: Path, base: int) -> int | None:
    try:
        return int(_read_text(path), base)
    except ValueError:
        return None
