"""What a newcomer sees when the modem's port or the store cannot be used.

Real devices and processes: a pseudo-terminal stands in for the modem's tty, and
the rival holding it is a real process (a copy of `sleep` named ModemManager, so
its /proc comm is what ModemManager's would be). The daemon runs as the console
script does (`python -m mmsua`).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mmsua import exit_codes
from mmsua.cli.main import main

SLEEP = shutil.which("sleep")


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's own config.toml must not leak into these runs."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


@pytest.fixture
def pty_port() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    name = os.ttyname(slave)
    os.close(slave)
    yield master, name
    os.close(master)


def _hold(port: str, name: str, tmp_path: Path) -> subprocess.Popen[bytes]:
    """A real process called ``name`` with ``port`` open (as its stdin)."""
    if SLEEP is None:
        pytest.skip("no sleep program to stand in for the rival process")
    program = tmp_path / name
    shutil.copy(SLEEP, program)
    with open(port, "rb", buffering=0) as device:
        rival = subprocess.Popen([str(program), "30"], stdin=device)
    # Popen can return before the kernel has renamed the child at exec: wait for its name.
    comm = Path(f"/proc/{rival.pid}/comm")
    for _ in range(500):
        if comm.read_text().strip() == name:
            return rival
        time.sleep(0.01)
    rival.kill()
    raise AssertionError(f"the stand-in process never became {name!r}")


def _doctor(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    status = main(["doctor", *argv, "--apn", "mms", "--mmsc", "http://127.0.0.1:9/mms", "--json"])
    return status, json.loads(capsys.readouterr().out)


def test_doctor_names_the_process_holding_the_port_and_never_writes_to_it(
        pty_port: tuple[int, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    master, port = pty_port
    rival = _hold(port, "ModemManager", tmp_path)
    try:
        status, report = _doctor(capsys, "--port", port)
        written = select.select([master], [], [], 0)[0]  # while the slave is open: readable only if written to
    finally:
        rival.kill()
        rival.wait()
    checks = {c["name"]: c for c in report["checks"]}
    assert status == exit_codes.UNAVAILABLE
    assert checks["open"]["status"] == "fail"
    assert f"is already open in ModemManager (pid {rival.pid})" in checks["open"]["detail"]
    assert "systemctl disable --now ModemManager" in checks["open"]["advice"]
    # ModemManager running at all is worth a warning on the port step.
    assert checks["port"]["status"] == "warn" and "ID_MM_PORT_IGNORE" in checks["port"]["advice"]
    assert checks["identify"]["status"] == "skip"
    assert written == []  # not one AT command sent under the rival's feet


def test_doctor_on_a_port_used_by_another_program(pty_port: tuple[int, str], tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    _master, port = pty_port
    rival = _hold(port, "minicom", tmp_path)
    try:
        status, report = _doctor(capsys, "--port", port)
    finally:
        rival.kill()
        rival.wait()
    open_check = next(c for c in report["checks"] if c["name"] == "open")
    assert status == exit_codes.UNAVAILABLE
    assert f"minicom (pid {rival.pid})" in open_check["detail"]
    assert "close that program first" in open_check["advice"]


def test_doctor_on_a_missing_port_says_so_and_what_to_try(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "ttyUSB9")
    status = main(["doctor", "--port", missing, "--apn", "mms", "--mmsc", "http://127.0.0.1:9/mms"])
    out = capsys.readouterr().out
    assert status == exit_codes.UNAVAILABLE
    assert f"FAIL  open          {missing} does not exist" in out
    assert "--port" in out or "plugged in" in out


def _daemon(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path / "run"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data")}
    return subprocess.run([sys.executable, "-m", "mmsua", "daemon", "--apn", "mms", "--mmsc", "http://127.0.0.1:9/mms", *argv],
                          capture_output=True, text=True, env=env, timeout=60)


def test_daemon_refuses_a_store_it_cannot_make_before_starting(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = _daemon(tmp_path, "--port", str(tmp_path / "ttyUSB9"), "--store", str(blocker / "store"))
    assert result.returncode == exit_codes.IOERR
    assert f"the message store directory {blocker / 'store'} cannot be used: Not a directory" in result.stderr
    assert "--store DIR" in result.stderr
    # A missing port is said first, as a warning (the modem may be plugged in later).
    assert f"warning: {tmp_path / 'ttyUSB9'} does not exist" in result.stderr
    assert not (tmp_path / "run" / "mmsua" / "api.sock").exists()
    assert blocker.read_text() == "not a directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may open any device, so 'no permission' cannot happen as root")
def test_daemon_without_permission_on_the_port_says_which_group(tmp_path: Path) -> None:
    port = tmp_path / "ttyUSB0"
    port.write_text("")
    port.chmod(0)
    result = _daemon(tmp_path, "--port", str(port), "--store", str(tmp_path / "store"))
    assert result.returncode == exit_codes.IOERR
    assert f"you may not open {port}" in result.stderr
    assert "sudo usermod -aG" in result.stderr and "log out and in again" in result.stderr


def test_no_modem_manager_warning_for_a_port_udev_tells_it_to_ignore(pty_port: tuple[int, str], tmp_path: Path) -> None:
    from mmsua.cli.port_check import modem_manager_warning

    _master, port = pty_port
    rdev = os.stat(port).st_rdev
    udev_data = tmp_path / "udev-data"
    udev_data.mkdir()
    record = udev_data / f"c{os.major(rdev)}:{os.minor(rdev)}"  # udev's database entry for the tty
    record.write_text("S:mmsua-modem\nE:ID_VENDOR_ID=2c7c\nG:systemd\n")
    mm = _hold("/dev/null", "ModemManager", tmp_path)
    try:
        warned = modem_manager_warning(port, udev_data=udev_data)
        record.write_text("S:mmsua-modem\nE:ID_MM_PORT_IGNORE=1\nE:ID_VENDOR_ID=2c7c\n")
        ignored = modem_manager_warning(port, udev_data=udev_data)
    finally:
        mm.kill()
        mm.wait()
    assert warned is not None and f"ModemManager is running (pid {mm.pid})" in warned
    assert ignored is None


def test_no_modem_manager_warning_for_a_pyserial_url(tmp_path: Path) -> None:
    """ModemManager probes device nodes, not socket:// or replay:// (and the doctor's replayed
    transcripts must not warn because some ModemManager runs on the test machine)."""
    from mmsua.cli.port_check import modem_manager_warning

    mm = _hold("/dev/null", "ModemManager", tmp_path)
    try:
        assert modem_manager_warning("/dev/ttyUSB9") is not None
        assert modem_manager_warning("socket://192.0.2.1:7000") is None
        assert modem_manager_warning("replay:///tmp/transcript.txt") is None
    finally:
        mm.kill()
        mm.wait()


def test_record_refuses_a_port_another_program_holds_and_writes_no_file(
        pty_port: tuple[int, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    master, port = pty_port
    rival = _hold(port, "mmsua", tmp_path)  # e.g. the daemon, still running
    out = tmp_path / "my-modem-startup.txt"
    try:
        status = main(["record", "--port", port, "--out", str(out)])
        written = select.select([master], [], [], 0)[0]
    finally:
        rival.kill()
        rival.wait()
    err = capsys.readouterr().err
    assert status == exit_codes.UNAVAILABLE
    assert f"mmsua record: {port} is already open in mmsua (pid {rival.pid})" in err
    assert "systemctl --user stop mmsua" in err
    assert not out.exists() and written == []


def test_daemon_does_not_start_on_a_port_another_program_holds(pty_port: tuple[int, str], tmp_path: Path) -> None:
    master, port = pty_port
    rival = _hold(port, "mmsua", tmp_path)  # a daemon on another socket (system service + a manual run)
    try:
        result = _daemon(tmp_path, "--port", port, "--store", str(tmp_path / "store"))
        written = select.select([master], [], [], 0)[0]
    finally:
        rival.kill()
        rival.wait()
    assert result.returncode == exit_codes.UNAVAILABLE
    assert f"mmsua daemon: {port} is already open in mmsua (pid {rival.pid})" in result.stderr
    assert written == [] and not (tmp_path / "store").exists()
