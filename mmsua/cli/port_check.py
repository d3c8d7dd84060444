"""What stands between a newcomer and the modem's port, in words: the device is
missing, the user may not open it, or another program already has it open.

Used by `mmsua doctor` (a FAIL with what to do) and `mmsua daemon` (a warning at
start). Only local device paths are checked; pyserial URLs (socket://, rfc2217://,
record://) are left to the driver. Reads /dev and /proc only, never the port.
"""

from __future__ import annotations

import glob
import grp
import os
from dataclasses import dataclass
from pathlib import Path

# Where USB modems' AT ports appear on Linux; listed when the given one is missing.
_CANDIDATE_GLOBS = ("/dev/mmsua-modem", "/dev/serial/by-id/*", "/dev/ttyUSB*", "/dev/ttyACM*")
_PTY_MASTERS = {"/dev/ptmx", "/dev/pts/ptmx"}


@dataclass(frozen=True, slots=True)
class Holder:
    """A process that has the port open."""

    pid: int
    name: str
    mmsua: bool = False  # an mmsua process (the console script, or python -m mmsua)


@dataclass(frozen=True, slots=True)
class PortProblem:
    """Why the port cannot be used as it is (``kind``: missing, permission, busy) and what to do."""

    kind: str
    what: str
    advice: str


def is_device_path(port: str) -> bool:
    return "://" not in port and port.startswith("/")


def check_port(port: str, *, proc: Path = Path("/proc")) -> PortProblem | None:
    """The first problem a local port has, or None (also for URLs, which are not checked)."""
    if not is_device_path(port):
        return None
    if not os.path.exists(port):
        return PortProblem("missing", f"{port} does not exist", _missing_advice(port))
    if not os.access(port, os.R_OK | os.W_OK):
        return PortProblem("permission", f"you may not open {port}{_owner(port)}", _permission_advice(port))
    holders = port_holders(port, proc=proc)
    if holders:
        names = ", ".join(f"{h.name} (pid {h.pid})" for h in holders)
        return PortProblem("busy", f"{port} is already open in {names}", _busy_advice(holders))
    return None


def port_holders(port: str, *, proc: Path = Path("/proc")) -> list[Holder]:
    """Processes (that this user may inspect) with the port's device open, this one excluded.

    Another user's processes (ModemManager runs as root) are invisible to a normal user:
    :func:`modem_manager_running` covers that case.
    """
    try:
        target = os.path.realpath(port)
    except OSError:
        return []
    found: list[Holder] = []
    for fd_dir in proc.glob("[0-9]*/fd"):
        pid = int(fd_dir.parent.name)
        if pid == os.getpid():
            continue
        try:
            links = [os.readlink(entry) for entry in fd_dir.iterdir()]
        except OSError:
            continue  # gone, or not ours to read
        # The program at a pseudo-terminal's master end (mmsua sim, socat) keeps its own
        # end open too: it is the modem, not a rival.
        if target in links and not (target.startswith("/dev/pts/") and _PTY_MASTERS & set(links)):
            found.append(Holder(pid, _process_name(fd_dir.parent), _is_mmsua(fd_dir.parent)))
    return found


def modem_manager_running(*, proc: Path = Path("/proc")) -> int | None:
    """The pid of a running ModemManager (process names are readable by everyone), else None."""
    for comm in proc.glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == "ModemManager":
                return int(comm.parent.name)
        except (OSError, ValueError):
            continue
    return None


def ignored_by_modem_manager(port: str, *, udev_data: Path = Path("/run/udev/data")) -> bool:
    """Whether udev's database marks the port ID_MM_PORT_IGNORE=1 (99-mmsua-modem.rules does),
    so ModemManager leaves it alone. The database is world-readable: ``c<major>:<minor>``."""
    try:
        device = os.stat(port).st_rdev
        lines = (udev_data / f"c{os.major(device)}:{os.minor(device)}").read_text().splitlines()
    except OSError:
        return False
    return "E:ID_MM_PORT_IGNORE=1" in lines


def modem_manager_warning(port: str = "", *, proc: Path = Path("/proc"),
                          udev_data: Path = Path("/run/udev/data")) -> str | None:
    """A warning when ModemManager runs and nothing tells it to leave ``port`` alone. A pyserial
    URL (socket://, rfc2217://, replay://) is no device ModemManager probes: no warning."""
    if "://" in port:
        return None
    if port and ignored_by_modem_manager(port, udev_data=udev_data):
        return None
    pid = modem_manager_running(proc=proc)
    if pid is None:
        return None
    return (
        f"ModemManager is running (pid {pid}): unless udev tells it to ignore this port "
        "(mmsua/data/99-mmsua-modem.rules sets ID_MM_PORT_IGNORE=1 on /dev/mmsua-modem), it probes the port "
        "and may read and delete the MMS notifications; let mmsua work through it (modem.backend; pip install "
        "'mmsua[dbus]'), or `sudo systemctl disable --now ModemManager`; see 'ModemManager' in docs/operations.md"
    )


def _process_name(proc_dir: Path) -> str:
    try:
        return (proc_dir / "comm").read_text().strip() or "?"
    except OSError:
        return "?"


def _is_mmsua(proc_dir: Path) -> bool:
    try:
        argv = (proc_dir / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(arg == b"mmsua" or arg.endswith(b"/mmsua") for arg in argv[:3])


def _owner(port: str) -> str:
    try:
        st = os.stat(port)
        return f" (group {grp.getgrgid(st.st_gid).gr_name}, mode {st.st_mode & 0o777:03o})"
    except (OSError, KeyError):
        return ""


def _group(port: str) -> str:
    try:
        return grp.getgrgid(os.stat(port).st_gid).gr_name
    except (OSError, KeyError):
        return "dialout"


def _missing_advice(port: str) -> str:
    present = sorted({path for pattern in _CANDIDATE_GLOBS for path in glob.glob(pattern)})
    if present:
        listed = ", ".join(present[:8]) + (" …" if len(present) > 8 else "")
        return f"serial ports here: {listed}; give the modem's AT port with --port (`mmsua doctor` without --port finds it)"
    return "no USB serial port is present: is the modem plugged in and powered? (`dmesg | tail` shows it arrive; some modems need usb_modeswitch)"


def _permission_advice(port: str) -> str:
    group = _group(port)
    if group == "root":
        return f"{port} belongs to root only: install mmsua/data/99-mmsua.rules (group dialout, mode 0660) as docs/operations.md 'udev' says"
    return (
        f"add yourself to its group: `sudo usermod -aG {group} $USER`, then log out and in again "
        "(`id` must list the group)"
    )


def _busy_advice(holders: list[Holder]) -> str:
    names = {h.name for h in holders}
    if "ModemManager" in names:
        return ("ModemManager has the port: let mmsua work through it (modem.backend = auto or modemmanager; needs "
                "pip install 'mmsua[dbus]'), or `sudo systemctl disable --now ModemManager`, or make it ignore the port "
                "(docs/operations.md, 'ModemManager')")
    if any(h.mmsua for h in holders):
        return "the mmsua daemon (or another mmsua) has the port: stop it first (`systemctl --user stop mmsua`, or Ctrl-C in its terminal); `mmsua status` shows what it sees"
    return "close that program first: two programs reading one AT port steal each other's answers"
