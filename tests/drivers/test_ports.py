"""Finding the modem: the USB table, stable by-id names, and an AT probe over a real pty."""

from __future__ import annotations

import os
import pty
import threading
from pathlib import Path

import pytest

from mmsua.drivers.ports import NoModemFound, SerialPort, by_id_links, choose_port, list_serial_ports, probe_at

EG25 = [SerialPort(f"/dev/ttyUSB{i}", 0x2C7C, 0x0125, i, "Android", "Android", None, "1-1.3") for i in range(4)]


def test_quectel_eg25g_third_port_with_the_reason() -> None:
    choice = choose_port(EG25, links={}, probe=None)
    assert choice.device == "/dev/ttyUSB2"
    assert choice.reason.startswith("Quectel EC25/EG25-G (2c7c:0125), interface 2 is the AT port")


def test_stable_name_preferred(tmp_path: Path) -> None:
    by_id = tmp_path / "by-id"
    by_id.mkdir()
    node = tmp_path / "ttyUSB2"
    node.touch()
    (by_id / "usb-Quectel_EG25-G-if02-port0").symlink_to(node)
    ports = [SerialPort(str(node), 0x2C7C, 0x0125, 2)]
    choice = choose_port(ports, links=by_id_links(by_id), probe=None)
    assert choice.device == str(by_id / "usb-Quectel_EG25-G-if02-port0") and choice.node == str(node)
    assert "stable name" in choice.reason


@pytest.mark.parametrize(
    ("vid", "pid", "interfaces", "expected", "vendor"),
    [
        (0x1E0E, 0x9001, range(5), "/dev/ttyUSB2", "SIMCom"),
        (0x1199, 0x9071, (0, 2, 3), "/dev/ttyUSB3", "Sierra Wireless"),
        (0x12D1, 0x1506, (0, 1, 2), "/dev/ttyUSB2", "Huawei"),
    ],
)
def test_other_vendors(vid: int, pid: int, interfaces: range, expected: str, vendor: str) -> None:
    ports = [SerialPort(f"/dev/ttyUSB{i}", vid, pid, i) for i in interfaces]
    choice = choose_port(ports, links={}, probe=None)
    assert choice.device == expected and choice.reason.startswith(vendor)


def test_unknown_devices_are_probed_in_order() -> None:
    asked: list[str] = []

    def probe(device: str) -> bool:
        asked.append(device)
        return device == "/dev/ttyACM1"

    ports = [SerialPort("/dev/ttyACM0", 0x1234, 0x5678, 0), SerialPort("/dev/ttyACM1", 0x1234, 0x5678, 1), SerialPort("/dev/ttyS0")]
    choice = choose_port(ports, links={}, probe=probe)
    assert choice.device == "/dev/ttyACM1" and "answered AT" in choice.reason
    assert asked == ["/dev/ttyACM0", "/dev/ttyACM1"]  # ttyS0 (no USB, not ttyUSB/ACM) is not poked


def test_nothing_found_says_what_was_seen() -> None:
    with pytest.raises(NoModemFound, match=r"seen: /dev/ttyACM0 \(1234:5678, interface 0\)"):
        choose_port([SerialPort("/dev/ttyACM0", 0x1234, 0x5678, 0)], links={}, probe=lambda d: False)
    with pytest.raises(NoModemFound, match="no serial ports at all"):
        choose_port([], links={}, probe=None)


def test_probe_over_a_real_pty() -> None:
    master, slave = pty.openpty()
    name = os.ttyname(slave)
    stop = threading.Event()

    def modem() -> None:
        seen = b""
        while not stop.is_set():
            try:
                seen += os.read(master, 64)
            except OSError:
                return
            if b"AT\r" in seen:
                os.write(master, b"\r\nOK\r\n")
                return

    thread = threading.Thread(target=modem, daemon=True)
    thread.start()
    try:
        assert probe_at(name, timeout=10.0)  # returns at the OK
    finally:
        stop.set()
        os.close(slave)
        os.close(master)
    assert not probe_at("/dev/mmsua-no-such-port", timeout=0.2)


def test_listing_the_system_does_not_fail() -> None:
    assert all(isinstance(p, SerialPort) for p in list_serial_ports())


def test_data_port_is_the_sibling_interface_of_the_same_modem() -> None:
    from mmsua.drivers.ports import data_port_for

    other_modem = [SerialPort(f"/dev/ttyUSB{i + 4}", 0x2C7C, 0x0125, i, usb_path="1-1.4") for i in range(4)]
    ports = EG25 + other_modem
    choice = data_port_for("/dev/ttyUSB2", ports)
    assert choice is not None and choice.device == "/dev/ttyUSB3" and "interface 3" in choice.reason
    assert data_port_for("/dev/ttyUSB6", ports).device == "/dev/ttyUSB7"
    assert data_port_for("/dev/ttyUSB2", [SerialPort("/dev/ttyUSB2", 0x1199, 0x9071, 3)]) is None  # Sierra: no PPP port in the table
    assert data_port_for("/dev/absent", ports) is None


def test_udev_example_names_the_at_port_the_finder_would_choose() -> None:
    """mmsua/data/99-mmsua-modem.rules (the stable-name example) and the vendors' USB ids agree:
    every rule's vid:pid is a known modem, SYMLINK mmsua-modem sits on its AT
    interface (and is left alone by ModemManager), mmsua-modem-data on its data port."""
    import re

    from mmsua.drivers.ports import usb_modems

    table = usb_modems()

    rules = (Path(__file__).resolve().parents[2] / "mmsua" / "data" / "99-mmsua-modem.rules").read_text()
    pattern = re.compile(
        r'ATTRS\{idVendor\}=="([0-9a-f]{4})", ATTRS\{idProduct\}=="([0-9a-f]{4})", '
        r'ENV\{\.MMSUA_IFNUM\}=="([0-9a-f]{2})", SYMLINK\+="(mmsua-modem(?:-data)?)"(.*)$'
    )
    seen = 0
    for line in rules.splitlines():
        if line.startswith("#") or "SYMLINK" not in line:
            continue
        match = pattern.search(line)
        assert match, f"rule not in the expected form: {line}"
        vid, pid, interface, name, rest = match.groups()
        modem = table.get((int(vid, 16), int(pid, 16)))
        assert modem is not None, f"{vid}:{pid} is in the udev example but in no vendor's USB ids"
        wanted = modem.at_interface if name == "mmsua-modem" else modem.data_interface
        assert int(interface, 16) == wanted, f"{vid}:{pid} {name} on if{interface}, the finder says if{wanted}"
        assert ('ID_MM_PORT_IGNORE}="1"' in rest) == (name == "mmsua-modem"), line
        seen += 1
    assert seen >= 5
