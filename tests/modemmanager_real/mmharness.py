"""The real-ModemManager harness: a private bus, the simulated carrier's modem on a pty, and
ModemManager managing it (conftest.py's fixture and the tests use it; a module of its own,
since every test folder has a conftest and ``from conftest import`` could find another's).
conftest.py's docstring says how ModemManager runs with no udev and no system bus."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from realmm import MODEM, STATE_REGISTERED, DBusError, MMBus, wait_for

# The emulated dialects, each with the ModemManager plugin that takes it: Quectel's plugin
# knows the EG25-G by its AT+CGMI; SIMCom's plugin needs the USB vendor id, which a pty has
# not, so the generic plugin drives the SIM7600 here.
PLUGINS = {"generic": "generic", "quectel-eg25g": "quectel", "simcom-sim7600": "generic"}
GID1 = "BA01450000000000"  # EF-GID1 of the handset's SIM (a carrier's group id, 8 bytes)
MSISDN = "+15550100001"
PEER = "+15550100002"  # another handset on the simulated network
RULES_DIRS = ("/lib/udev/rules.d", "/usr/lib/udev/rules.d")  # where ModemManager's build looks (Debian: /lib)
APPEAR_TIMEOUT = 120.0  # probing is ~5 s on an idle machine; the CI machine may be busy
REGISTER_TIMEOUT = 120.0

# Runs inside the new mount namespace: $1 rules dir, $2 port name, $3 events file, $4 ModemManager, $5 its log
# (a file: ModemManager's default log goes to the host's syslog; a file is written line by line, unbuffered).
_NAMESPACE_SCRIPT = """set -e
for d in /lib/udev/rules.d /usr/lib/udev/rules.d; do
  if [ -d "$d" ]; then mount --bind "$1" "$d"; fi
done
mount -t tmpfs mmsua-sysfs /sys/class/tty
mkdir -p "/sys/class/tty/$2"
exec "$4" --test-session --test-no-udev --no-auto-scan --test-no-suspend-resume \
  --initial-kernel-events="$3" --log-level=DEBUG --log-file="$5"
"""


@dataclass
class RealModemManager:
    """ModemManager managing one emulated modem, registered on the simulated network."""

    bus: MMBus
    carrier: Any  # mmsua.sim.carrier.SimulatedCarrier
    handset: Any  # its Handset
    port: str  # "pts/N", the name ModemManager knows the port by
    plugin: str  # the ModemManager plugin expected to drive this dialect
    modem: str  # the modem's D-Bus object path
    log: Path
    workdir: Path  # the bus socket, rules, events and log
    pids: tuple[int, int]  # ModemManager's (its process group's too) and the dbus-daemon's

    def log_tail(self, lines: int = 60) -> str:
        return _tail(self.log, lines)

    def parts_read(self) -> int:
        """SMS parts ModemManager has read from the modem so far (its debug log says so once it
        has let go of the SMS storage it locked to read one)."""
        try:
            return self.log.read_text(errors="replace").count("correctly parsed PDU")
        except OSError:
            return 0


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return "(no ModemManager log)"
    return "ModemManager's log, last lines:\n" + "\n".join(text[-lines:])


def why_not() -> str | None:
    """Why the real ModemManager cannot run here, or None when it can."""
    if not hasattr(os, "geteuid"):
        return "ModemManager runs on Linux only"
    for tool, package in (("ModemManager", "modemmanager"), ("dbus-daemon", "dbus"), ("unshare", "util-linux"),
                          ("mount", "mount")):
        if _which(tool) is None:
            return f"{tool} is not installed (apt-get install {package})"
    version = subprocess.run([str(_which("ModemManager")), "--version"], capture_output=True, text=True, timeout=30)
    if version.returncode != 0:
        return f"ModemManager --version fails here: {(version.stderr or version.stdout).strip()}"
    if os.geteuid() != 0:
        return "needs root: ModemManager runs in a private mount namespace (unshare --mount) to see the pty as a tty"
    if not any(os.path.isdir(d) for d in RULES_DIRS):
        return f"none of {', '.join(RULES_DIRS)} exists (ModemManager reads its udev rules there)"
    try:
        master, slave = os.openpty()
    except OSError as exc:
        return f"no pseudo-terminals here (/dev/pts): {exc}"
    os.close(master)
    os.close(slave)
    probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                            "mount -t tmpfs mmsua-probe /sys/class/tty"], capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        return f"cannot make a private mount namespace with a tmpfs on /sys/class/tty: {probe.stderr.strip()}"
    return None


def _which(tool: str) -> str | None:
    # ModemManager lives in /usr/sbin, which a non-root PATH may lack.
    return shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")


def _start_bus(workdir: Path) -> tuple[subprocess.Popen[str], str]:
    # The stock session bus policy (anyone may own a name and call anyone), on our own socket.
    daemon = subprocess.Popen([str(_which("dbus-daemon")), "--session", f"--address=unix:dir={workdir}",
                               "--print-address", "--nofork", "--nopidfile"], stdout=subprocess.PIPE, text=True)
    assert daemon.stdout is not None
    address = daemon.stdout.readline().strip()
    if not address:
        _stop(daemon)
        pytest.fail("the private dbus-daemon printed no address")
    return daemon, address


def _stop(process: subprocess.Popen[Any] | None, *, group: bool = False) -> None:
    """Stop a process we started (its whole process group with ``group``), SIGKILL after 15 s."""
    if process is None or process.poll() is not None:
        if process is not None:
            process.wait()
        return
    send = (lambda sig: os.killpg(process.pid, sig)) if group else process.send_signal
    try:
        send(signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        send(signal.SIGKILL)
        process.wait(timeout=15)
    except ProcessLookupError:
        process.wait()
    if group:
        try:
            os.killpg(process.pid, signal.SIGKILL)  # anything the group's leader left behind
        except ProcessLookupError:
            pass


def _port_files(workdir: Path, port: str, uid: str) -> tuple[Path, Path]:
    """The rules directory ModemManager will see, and its initial kernel events file."""
    rules = workdir / "rules"
    rules.mkdir()
    # ModemManager's own rules parser: conditions, then exactly one result per line.
    (rules / "77-mm-mmsua-sim.rules").write_text(
        f'ACTION=="add", KERNEL=="{port}", ENV{{ID_MM_CANDIDATE}}="1"\n'
        f'ACTION=="add", KERNEL=="{port}", ENV{{ID_MM_DEVICE_PROCESS}}="1"\n'
    )
    events = workdir / "kernel-events"
    events.write_text(f"action=add,subsystem=tty,name={port},uid={uid}\n")
    return rules, events


@contextmanager
def running_modemmanager(profile: str) -> Iterator[RealModemManager]:
    """A private bus, a simulated carrier whose handset's modem speaks ``profile`` on a pty, and
    the real ModemManager managing that modem, enabled and registered. Everything stops on exit
    (ModemManager's process group, the bus, the carrier, the work directory); the caller has
    checked ``why_not()``."""
    from mmsua.sim.carrier import SimulatedCarrier

    workdir = Path(tempfile.mkdtemp(prefix="mmsua-mm-", dir="/tmp"))  # short: AF_UNIX paths are limited
    log = workdir / "ModemManager.log"
    output = workdir / "ModemManager.out"  # what it prints before its log is open
    daemon: subprocess.Popen[str] | None = None
    manager: subprocess.Popen[bytes] | None = None
    carrier = SimulatedCarrier(profile=profile)
    try:
        daemon, address = _start_bus(workdir)
        carrier.start()
        handset = carrier.add_handset(MSISDN, gid1=GID1)
        carrier.add_handset(PEER)
        assert handset.modem.wait_booted(30), "the emulated modem did not boot"
        port = os.path.realpath(handset.pty_path).removeprefix("/dev/")
        assert port.startswith("pts/"), f"the emulated modem's device is {port}, not a pty"
        rules, events = _port_files(workdir, port, f"mmsua-{handset.name}")
        env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address, "DBUS_SYSTEM_BUS_ADDRESS": address}
        with output.open("wb") as out:
            manager = subprocess.Popen(
                ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", _NAMESPACE_SCRIPT, "sh",
                 str(rules), port, str(events), str(_which("ModemManager")), str(log)],
                stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        bus = MMBus(address)

        def explain() -> str:
            state = "running" if manager is not None and manager.poll() is None else f"exited ({manager.returncode if manager else '?'})"
            return f"ModemManager is {state}; the port was {port}\n{_tail(output, 10)}\n{_tail(log, 60)}"

        def modem() -> str | None:
            if manager is not None and manager.poll() is not None:
                pytest.fail(f"ModemManager exited before a modem appeared\n{explain()}")
            try:
                found = bus.modems() if bus.has_owner() else []
            except DBusError:
                return None
            return found[0] if found else None

        path = wait_for(f"ModemManager exports a modem for the emulated modem on {port}", modem, APPEAR_TIMEOUT, explain)
        # NetworkManager enables a modem it manages; here the harness does.
        wait_for("the modem leaves initialisation (Modem.State >= disabled)",
                 lambda: bus.get(path, MODEM, "State") >= 3, APPEAR_TIMEOUT, explain)
        bus.call(path, MODEM, "Enable", "b", [True], timeout=REGISTER_TIMEOUT)
        wait_for("the modem is registered (Modem.State >= registered)",
                 lambda: bus.get(path, MODEM, "State") >= STATE_REGISTERED, REGISTER_TIMEOUT, explain)
        yield RealModemManager(bus, carrier, handset, port, PLUGINS[profile], path, log, workdir,
                               (manager.pid, daemon.pid))
    finally:
        _stop(manager, group=True)
        carrier.stop()
        _stop(daemon)
        shutil.rmtree(workdir, ignore_errors=True)


def skip_unless_it_can_run() -> None:
    reason = why_not()
    if reason is not None:
        pytest.skip(reason)
    pytest.importorskip("dbus_fast", reason="dbus-fast is not installed (pip install -e '.[test]')")
