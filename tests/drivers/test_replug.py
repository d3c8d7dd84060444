"""Finding a modem's AT port again after a replug: its by-id link resolved afresh, the
configured path unless another device took its name, the same USB ids on a new node.

A temporary folder plays /dev, /dev/serial/by-id and /sys/class/tty (the sysfs layout
of a usb-serial tty: class/tty/ttyUSBn/device leads into the USB interface folder, whose
parent is the USB device with idVendor, idProduct and serial)."""

from __future__ import annotations

import os
from pathlib import Path

from mmsua.drivers.replug import DeviceTree, PortIdentity, UsbIdentity, find_port_again, identify_port, usb_identity


class Machine:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.tree = DeviceTree(dev=str(root / "dev"), by_id=str(root / "dev/serial/by-id"), sys_tty=str(root / "sys/class/tty"))
        for folder in (self.tree.dev, self.tree.by_id, self.tree.sys_tty):
            Path(folder).mkdir(parents=True, exist_ok=True)

    def plug(self, bus: str, vid: int, pid: int, serial: str, first: int, interfaces: int = 4, by_id: bool = True) -> None:
        """A USB modem on ``bus`` whose interfaces 0.. become ttyUSB<first>.."""
        device = self.root / "sys/devices/usb1" / bus
        device.mkdir(parents=True, exist_ok=True)
        (device / "idVendor").write_text(f"{vid:04x}\n")
        (device / "idProduct").write_text(f"{pid:04x}\n")
        (device / "serial").write_text(serial + "\n")
        for number in range(interfaces):
            name = f"ttyUSB{first + number}"
            port = device / f"{bus}:1.{number}" / name
            port.mkdir(parents=True)
            (port.parent / "bInterfaceNumber").write_text(f"{number:02x}\n")
            (Path(self.tree.sys_tty) / name).mkdir()
            (Path(self.tree.sys_tty) / name / "device").symlink_to(port)
            (Path(self.tree.dev) / name).touch()
            if by_id:  # udev names two modems without serial numbers alike: the second gets no link
                (Path(self.tree.by_id) / f"usb-Quectel_EG25-G_{serial}-if{number:02d}-port0").symlink_to(f"../../{name}")

    def unplug(self) -> None:
        for folder in (Path(self.tree.sys_tty), Path(self.tree.by_id), Path(self.tree.dev)):
            for entry in folder.iterdir():
                if entry.name.startswith("ttyUSB") or entry.is_symlink():
                    if entry.is_dir() and not entry.is_symlink():
                        (entry / "device").unlink()
                        entry.rmdir()
                    else:
                        entry.unlink()
        for bus in (self.root / "sys/devices/usb1").iterdir():
            for path in sorted(bus.rglob("*"), key=lambda p: len(p.parts), reverse=True):
                path.rmdir() if path.is_dir() else path.unlink()
            bus.rmdir()

    def dev(self, name: str) -> str:
        return os.path.join(self.tree.dev, name)


def test_what_finds_a_port_again_is_read_from_sysfs_and_the_by_id_links(tmp_path: Path) -> None:
    machine = Machine(tmp_path)
    machine.plug("1-1", 0x2C7C, 0x0125, "abc123", first=0)
    assert usb_identity(machine.dev("ttyUSB2"), machine.tree) == UsbIdentity(0x2C7C, 0x0125, "abc123", 2)
    identity = identify_port(machine.dev("ttyUSB2"), tree=machine.tree)
    assert identity.by_id == os.path.join(machine.tree.by_id, "usb-Quectel_EG25-G_abc123-if02-port0")
    assert identity.usb == UsbIdentity(0x2C7C, 0x0125, "abc123", 2)


def test_the_same_usb_port_is_found_under_a_new_ttyusb_name_without_a_by_id_link(tmp_path: Path) -> None:
    machine = Machine(tmp_path)
    machine.plug("1-1", 0x2C7C, 0x0125, "abc123", first=0)
    identity = PortIdentity(machine.dev("ttyUSB2"), None, identify_port(machine.dev("ttyUSB2"), tree=machine.tree).usb)
    machine.unplug()
    assert find_port_again(identity, machine.tree) is None  # absent: nothing to open
    machine.plug("1-1", 0x2C7C, 0x0125, "abc123", first=4)  # the old nodes were still held open
    found = find_port_again(identity, machine.tree)
    assert found is not None and found.device == machine.dev("ttyUSB6") and "same USB port" in found.reason


def test_a_configured_node_now_taken_by_another_device_is_passed_over(tmp_path: Path) -> None:
    machine = Machine(tmp_path)
    machine.plug("1-1", 0x2C7C, 0x0125, "abc123", first=0)
    identity = identify_port(machine.dev("ttyUSB2"), tree=machine.tree)
    identity = PortIdentity(identity.configured, None, identity.usb)  # no by-id link to go by
    machine.unplug()
    machine.plug("1-2", 0x1E0E, 0x9001, "other", first=0)  # another modem took ttyUSB0-3
    assert find_port_again(identity, machine.tree) is None
    machine.plug("1-1", 0x2C7C, 0x0125, "abc123", first=4)
    found = find_port_again(identity, machine.tree)
    assert found is not None and found.device == machine.dev("ttyUSB6")


def test_the_by_id_link_is_resolved_afresh_each_time(tmp_path: Path) -> None:
    machine = Machine(tmp_path)
    machine.plug("1-1", 0x2C7C, 0x0125, "abc123", first=0)
    identity = identify_port(machine.dev("ttyUSB2"), tree=machine.tree)
    machine.unplug()
    machine.plug("1-1", 0x2C7C, 0x0125, "abc123", first=8)
    found = find_port_again(identity, machine.tree)
    assert found is not None and found.device == identity.by_id and found.node == os.path.realpath(machine.dev("ttyUSB10"))


def test_a_pyserial_url_is_always_worth_a_try() -> None:
    found = find_port_again(identify_port("socket://127.0.0.1:7000"))
    assert found is not None and found.device == "socket://127.0.0.1:7000"


def test_the_configured_path_is_kept_while_it_is_still_this_port(tmp_path: Path) -> None:
    machine = Machine(tmp_path)
    machine.plug("1-1", 0x2C7C, 0x0125, "abc123", first=0)
    identity = identify_port(machine.dev("ttyUSB2"), tree=machine.tree)
    found = find_port_again(identity, machine.tree)
    assert found is not None and found.device == machine.dev("ttyUSB2") and found.reason == "the configured path"


def test_a_configured_node_whose_by_id_link_is_gone_is_not_taken_on_its_name_alone(tmp_path: Path) -> None:
    """A pty (no USB ids) found by its node and its by-id link: once unplugged, udev removes the
    link and the freed number may go to any program's new pty at once; that is not the modem."""
    node = tmp_path / "pts-4"
    link = tmp_path / "usb-Quectel_EG25-G_sim-if02-port0"
    identity = PortIdentity(str(node), str(link), None)
    node.touch()  # another program's pty now has the old number; the modem's link is not back yet
    assert find_port_again(identity, DeviceTree(sys_tty=str(tmp_path / "no-sysfs"))) is None
    link.symlink_to(node)  # the modem came back there after all: its link says so
    found = find_port_again(identity, DeviceTree(sys_tty=str(tmp_path / "no-sysfs")))
    assert found is not None and found.device == str(node) and found.reason == "the configured path"


def test_a_configured_node_whose_by_id_link_is_gone_is_kept_on_the_same_usb_ids(tmp_path: Path) -> None:
    machine = Machine(tmp_path)
    machine.plug("1-1", 0x2C7C, 0x0125, "abc123", first=0)
    identity = identify_port(machine.dev("ttyUSB2"), tree=machine.tree)
    for link in Path(machine.tree.by_id).iterdir():
        link.unlink()  # udev has not made the links yet
    found = find_port_again(identity, machine.tree)
    assert found is not None and found.device == machine.dev("ttyUSB2") and found.reason == "the configured path"


def test_another_modem_of_the_same_model_without_a_serial_number_is_never_taken(tmp_path: Path) -> None:
    """Two EG25-Gs that report no USB serial number look alike by their USB ids. While one
    is away, the other's port (held open by this process) is not the one found again; once
    the first comes back on a new node, that node is."""
    from mmsua.drivers.replug import hold

    machine = Machine(tmp_path)
    machine.plug("1-2", 0x2C7C, 0x0125, "", first=4)  # the other modem, present and in use
    away = PortIdentity(machine.dev("ttyUSB2"), None, UsbIdentity(0x2C7C, 0x0125, None, 2))
    release = hold(machine.dev("ttyUSB6"))
    try:
        assert find_port_again(away, machine.tree) is None  # its twin's port is not this modem
        machine.plug("1-1", 0x2C7C, 0x0125, "", first=8, by_id=False)  # back, under a new name
        found = find_port_again(away, machine.tree)
        assert found is not None and found.device == machine.dev("ttyUSB10")
    finally:
        release()


def test_a_channel_holds_its_device_node_while_open(tmp_path: Path) -> None:
    import pty

    from mmsua.drivers import replug
    from mmsua.drivers.at.channel import AtChannel

    controller, device = pty.openpty()
    path = os.ttyname(device)
    channel = AtChannel(path, sync_on_open=False)
    try:
        channel.open()
        assert replug._is_held(path)
    finally:
        channel.close()
        os.close(controller)
        os.close(device)
    assert not replug._is_held(path)
