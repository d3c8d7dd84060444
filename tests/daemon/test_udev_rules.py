"""The udev rules in mmsua/data run by the real udev (udevadm test, systemd 252+) against
a USB modem's tty in a fake sysfs, inside a private mount namespace.

bookworm's udevadm has no `verify` (systemd 254), and a container has no USB modem in
/sys. So each case builds the sysfs a modem's tty has (USB device with idVendor and
idProduct, its interface with bInterfaceNumber, the tty with its uevent), and
`unshare --mount` (as root; `--map-root-user` otherwise) mounts it over /sys with
empty tmpfs over /dev, /run/udev and /etc/udev/rules.d (our two files copied in),
so nothing of the host is touched. SYSTEMD_DEVICE_VERIFY_SYSFS=0 lets sd-device
accept a sysfs that is not the kernel's (systemd's own tests do the same).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "mmsua" / "data"
RULES = ("99-mmsua-modem.rules", "99-mmsua.rules")
DEVICE = "devices/pci0000:00/0000:00:14.0/usb1/1-1"

SCRIPT = """set -e
mount --bind {sysfs} /sys
mount -t tmpfs tmpfs /dev
{mknod}
mkdir -p /run/udev && mount -t tmpfs tmpfs /run/udev
mkdir -p /etc/udev/rules.d && mount -t tmpfs tmpfs /etc/udev/rules.d
cp {rules} /etc/udev/rules.d/
SYSTEMD_DEVICE_VERIFY_SYSFS=0 SYSTEMD_LOG_COLOR=0 udevadm test --action=add /sys/{tty}
echo "== /dev"
ls -l /dev
"""


def fake_sysfs(root: Path, vid: str, pid: str, interface: str) -> str:
    """A USB modem's tty in sysfs form; returns the tty's path under /sys."""
    usb = root / DEVICE
    intf = usb / f"1-1:1.{int(interface, 16)}"
    tty = intf / "ttyUSB2"
    tty.mkdir(parents=True)
    (root / "bus" / "usb").mkdir(parents=True)
    (root / "class" / "tty").mkdir(parents=True)
    (usb / "uevent").write_text("DEVTYPE=usb_device\n")
    (usb / "idVendor").write_text(vid + "\n")
    (usb / "idProduct").write_text(pid + "\n")
    (intf / "uevent").write_text("DEVTYPE=usb_interface\n")
    (intf / "bInterfaceNumber").write_text(interface + "\n")
    (tty / "uevent").write_text("MAJOR=188\nMINOR=2\nDEVNAME=ttyUSB2\n")
    (tty / "dev").write_text("188:2\n")
    for node, subsystem in ((usb, "bus/usb"), (intf, "bus/usb"), (tty, "class/tty")):
        (node / "subsystem").symlink_to(f"/sys/{subsystem}")  # resolved once mounted on /sys
    return str(tty.relative_to(root))


PROPERTY = re.compile(r"([A-Z_.][A-Z0-9_.]*)=(.*)")


def run_udev(tmp_path: Path, vid: str, pid: str, interface: str, rules_dir: Path = DATA) -> tuple[dict[str, str], str]:
    """udevadm test's resulting properties and its whole output."""
    if shutil.which("udevadm") is None or shutil.which("unshare") is None:
        pytest.skip("udevadm (Debian: udev) or unshare is not installed; the udev rules are not run")
    tty = fake_sysfs(tmp_path / "sys", vid, pid, interface)
    root = os.geteuid() == 0
    script = SCRIPT.format(sysfs=shlex.quote(str(tmp_path / "sys")), tty=shlex.quote(tty),
                           rules=" ".join(shlex.quote(str(rules_dir / name)) for name in RULES),
                           mknod="mknod /dev/ttyUSB2 c 188 2" if root else ":")
    argv = ["unshare", "--mount", *([] if root else ["--map-root-user"]), "sh", "-c", script]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    output = result.stdout + result.stderr
    if result.returncode != 0 and output.startswith(("unshare:", "mount:")):  # the machine's limits, not our rules
        pytest.skip(f"no private mount namespace here ({output.splitlines()[0]}); the udev rules are not run")
    assert result.returncode == 0, output
    # udevadm test ends with the device's properties, one KEY=value a line.
    properties = dict(m.groups() for line in result.stdout.split("== /dev")[0].splitlines() if (m := PROPERTY.fullmatch(line)))
    return properties, output


def complaints_about_our_rules(output: str) -> list[str]:
    """udev's lines about our files that are not the rules doing their job."""
    for name in RULES:  # both were loaded
        assert f"Reading rules file: /etc/udev/rules.d/{name}" in output, output
    applied = (" LINK ", " GROUP ", " MODE ", " OWNER ", "Reading rules file: ")
    return [line for line in output.splitlines() if "99-mmsua" in line and not any(word in line for word in applied)]


@pytest.mark.parametrize("vid, pid, at, data", [
    ("2c7c", "0125", "02", "03"),  # Quectel EC25 / EG25-G
    ("1e0e", "9001", "02", "03"),  # SIMCom SIM7600
    ("1199", "9071", "03", None),  # Sierra MC7455: AT on if03
])
def test_the_at_port_gets_its_name_and_modemmanager_is_told_to_leave_it(tmp_path: Path, vid: str, pid: str, at: str, data: str | None) -> None:
    properties, output = run_udev(tmp_path / "at", vid, pid, at)
    assert complaints_about_our_rules(output) == []
    assert properties.get("DEVLINKS", "").split() == ["/dev/mmsua-modem"], output
    assert properties.get("ID_MM_PORT_IGNORE") == "1"
    # 99-mmsua.rules, on top: the service's device unit and the user service it starts.
    assert ":systemd:" in properties.get("TAGS", "")
    assert properties.get("SYSTEMD_ALIAS") == "/dev/mmsua-modem"
    assert properties.get("SYSTEMD_USER_WANTS") == "mmsua.service"
    if os.geteuid() == 0:  # the node exists only where we could mknod it
        assert "mmsua-modem -> ttyUSB2" in output
        assert "MODE 0660" in output and "99-mmsua.rules" in output
    if data is not None:
        properties, output = run_udev(tmp_path / "data", vid, pid, data)
        assert complaints_about_our_rules(output) == []
        assert properties.get("DEVLINKS", "").split() == ["/dev/mmsua-modem-data"], output
        assert "ID_MM_PORT_IGNORE" not in properties and "SYSTEMD_USER_WANTS" not in properties


def test_other_ports_and_other_devices_are_left_alone(tmp_path: Path) -> None:
    for n, (vid, pid, interface) in enumerate((("2c7c", "0125", "04"), ("0403", "6001", "00"))):  # EG25 GNSS NMEA; an FTDI cable
        properties, output = run_udev(tmp_path / str(n), vid, pid, interface)
        assert complaints_about_our_rules(output) == []
        assert "mmsua" not in properties.get("DEVLINKS", "") and "ID_MM_PORT_IGNORE" not in properties, output
        assert "SYSTEMD_USER_WANTS" not in properties


def test_udev_names_a_broken_rule(tmp_path: Path) -> None:
    """The checks above can fail: udev reports a bad key and a GOTO without its label."""
    broken = tmp_path / "broken"
    broken.mkdir()
    text = (DATA / "99-mmsua-modem.rules").read_text()
    (broken / "99-mmsua-modem.rules").write_text(text.replace('ENV{ID_MM_PORT_IGNORE}="1"', 'ENV{ID_MM_PORT_IGNORE}=="1", FOO="1"', 1)
                                                 .replace('LABEL="mmsua_end"', 'LABEL="mmsua_ende"'))
    shutil.copy(DATA / "99-mmsua.rules", broken / "99-mmsua.rules")
    _, output = run_udev(tmp_path / "run", "2c7c", "0125", "02", rules_dir=broken)
    complaints = "\n".join(complaints_about_our_rules(output))
    assert "FOO" in complaints and "mmsua_end" in complaints
