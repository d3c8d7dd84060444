"""`mmsua daemon` and `mmsua doctor` on a machine where ModemManager manages the modem:
neither is told which backend; both find ModemManager's modem by its port and use it."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from mmhelp import FRIEND, ME
from simagent import wait_for

from mmsua import exit_codes

PORT = "/dev/ttyUSB2"  # the fake ModemManager's primary port; absent on this machine, which the AT driver would wait for


def _config(tmp_path: Path, bus_address: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f'[modem]\nmm_bus = "{bus_address}"\n')
    return path


def test_the_daemon_chooses_modemmanager_by_itself_and_moves_mms(carrier: Any, fake_mm: Any, bus_address: str,
                                                                tmp_path: Path) -> None:
    from mmsua.daemon.client import Client, DaemonUnavailable

    socket_path, log = tmp_path / "api.sock", tmp_path / "daemon.log"
    argv = [sys.executable, "-m", "mmsua", "daemon", "--config", str(_config(tmp_path, bus_address)), "--port", PORT,
            "--apn", carrier.apn, "--mmsc", carrier.mmsc_url, "--proxy", carrier.proxy, "--store", str(tmp_path / "store"),
            "--socket", str(socket_path)]
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=out, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        def registered() -> Any:
            assert process.poll() is None, log.read_text()
            try:
                status = Client(socket_path, timeout=5).status()
            except DaemonUnavailable:
                return None
            return status if status.registration == "home" else None

        status = wait_for("the daemon on ModemManager's modem", registered)
        assert status.modem is not None and status.modem.model == "EG25"
        assert "driver backend: modemmanager" in log.read_text()
        carrier.send_mms(FRIEND, [ME], text="to the daemon")

        def received() -> Any:
            client = Client(socket_path, timeout=5)
            for conversation in client.list_conversations():
                for message in client.list_messages(conversation.id):
                    if message.state == "received":
                        return message
            return None

        try:
            message = wait_for("the MMS retrieved by the daemon", received)
        except BaseException:
            print(log.read_text())  # the daemon's story, in the failure's captured output
            raise
        assert message.text == "to the daemon"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    assert process.returncode == 0, log.read_text()


def _doctor(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    from mmsua.cli import doctor

    parser = argparse.ArgumentParser(prog="mmsua")
    doctor.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["doctor", *argv, "--json"])
    status = args.func(args)
    return status, json.loads(capsys.readouterr().out)


def test_doctor_says_it_used_modemmanager_and_checks_through_it(carrier: Any, fake_mm: Any, bus_address: str,
                                                                tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    status, report = _doctor(["--config", str(_config(tmp_path, bus_address)), "--port", PORT, "--apn", carrier.apn,
                              "--mmsc", carrier.mmsc_url, "--proxy", carrier.proxy], capsys)
    checks = {c["name"]: c for c in report["checks"]}
    assert [c["name"] for c in report["checks"]] == ["backend", "identify", "sim", "registration", "signal", "sms",
                                                     "mms-context", "mmsc"], report
    assert checks["backend"]["detail"].startswith("modemmanager: ModemManager manages the modem")
    assert "Quectel EG25" in checks["identify"]["detail"] and "IMSI 31026" in checks["sim"]["detail"]
    assert "mmsua's own" in checks["mms-context"]["detail"] and "interface lo" in checks["mms-context"]["detail"]
    assert status == exit_codes.OK and report["ok"] is True, report
    # The bearer doctor made is gone again.
    wait_for("doctor's bearer deleted", lambda: any(c[2] == "DeleteBearer" for c in fake_mm.calls))


def test_doctor_on_a_port_modemmanager_does_not_manage_uses_the_at_driver(fake_mm: Any, bus_address: str, tmp_path: Path,
                                                                         capsys: pytest.CaptureFixture[str],
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    status, report = _doctor(["--config", str(_config(tmp_path, bus_address)), "--port", "/dev/ttyUSB7"], capsys)
    backend = report["checks"][0]
    assert backend["name"] == "backend" and backend["detail"].startswith("at: ModemManager manages no modem at /dev/ttyUSB7")
    assert status == exit_codes.UNAVAILABLE  # the AT driver's port is missing


def test_the_daemon_says_the_dbus_extra_is_missing_for_modemmanager(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from mmsua.cli import daemon

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "dbus_fast" else real(name, *a))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    parser = argparse.ArgumentParser(prog="mmsua")
    daemon.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["daemon", "--backend", "modemmanager", "--store", str(tmp_path / "store"),
                              "--socket", str(tmp_path / "api.sock")])
    assert args.func(args) == exit_codes.UNAVAILABLE
    assert "pip install 'mmsua[dbus]'" in capsys.readouterr().err
