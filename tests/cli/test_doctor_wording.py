"""`mmsua doctor` against the simulated carrier (emulated modem on a pty, MMSC and
proxy over real HTTP): an MMSC that refuses the request is not "MMS can work"."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmsua import exit_codes
from mmsua.cli.main import main
from mmsua.sim.carrier import SimulatedCarrier


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


def _doctor(capsys: pytest.CaptureFixture[str], *, with_proxy: bool) -> tuple[int, list[str]]:
    with SimulatedCarrier(proxy=True, require_proxy=True) as carrier:
        phone = carrier.add_handset("+15550100001")
        proxy = ["--proxy", carrier.proxy] if with_proxy else []
        status = main(["doctor", "--port", str(phone.pty_path), "--apn", carrier.apn, "--mmsc", carrier.mmsc_url, *proxy])
    return status, capsys.readouterr().out.splitlines()


def test_an_mmsc_refusing_a_request_without_the_proxy_is_a_warning_naming_the_proxy(
        capsys: pytest.CaptureFixture[str]) -> None:
    status, lines = _doctor(capsys, with_proxy=False)
    mmsc = next(i for i, line in enumerate(lines) if line.startswith("WARN  mmsc"))
    assert "answered HTTP 403" in lines[mmsc] and "the request was refused" in lines[mmsc]
    assert "give --proxy (mms.proxy)" in lines[mmsc + 1]
    assert lines[-1] == "MMS can work, but read the WARN lines above."
    assert status == exit_codes.OK  # warnings allowed, as documented


def test_through_the_proxy_the_same_mmsc_is_ok(capsys: pytest.CaptureFixture[str]) -> None:
    status, lines = _doctor(capsys, with_proxy=True)
    assert any(line.startswith("OK    mmsc") and "via proxy" in line for line in lines)
    assert lines[-1] == "MMS can work."
    assert status == exit_codes.OK


def test_each_check_is_printed_as_it_is_made(tmp_path: Path) -> None:
    """A newcomer sees progress while a slow step (here: an MMS proxy that never answers) still runs."""
    import os
    import socket
    import subprocess
    import sys

    silent_proxy = socket.socket()
    silent_proxy.bind(("127.0.0.1", 0))
    silent_proxy.listen(1)  # connections complete in the backlog; nothing is ever answered
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    with SimulatedCarrier() as carrier:
        phone = carrier.add_handset("+15550100001")
        doctor = subprocess.Popen(
            [sys.executable, "-m", "mmsua", "doctor", "--port", str(phone.pty_path), "--apn", carrier.apn,
             "--mmsc", carrier.mmsc_url, "--proxy", f"127.0.0.1:{silent_proxy.getsockname()[1]}", "--timeout", "60"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        try:
            assert doctor.stdout is not None
            seen = []
            for line in doctor.stdout:
                seen.append(line)
                if line.startswith("OK    mms-context"):
                    break
            still_running = doctor.poll() is None
        finally:
            doctor.kill()
            doctor.wait()
            silent_proxy.close()
    assert seen[-1].startswith("OK    mms-context"), seen
    assert still_running  # the mmsc step was still waiting when the earlier lines were already out


def test_doctor_waits_for_a_modem_that_is_still_searching_after_boot(capsys: pytest.CaptureFixture[str]) -> None:
    """A modem just plugged in says "searching" for seconds; doctor waits (bounded, and says so)
    instead of reporting "not registered"."""
    from mmsua.sim.modem.core import Timing

    with SimulatedCarrier(timing=Timing(register=2.0)) as carrier:
        phone = carrier.add_handset("+15550100001")
        status = main(["doctor", "--port", str(phone.pty_path), "--apn", carrier.apn, "--mmsc", carrier.mmsc_url])
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("      registration: searching; waiting up to") for line in lines)
    assert any(line.startswith("OK    registration") for line in lines)
    assert status == exit_codes.OK


def test_an_mmsc_path_that_answers_404_is_a_warning_saying_a_wrong_path_looks_the_same(
        capsys: pytest.CaptureFixture[str]) -> None:
    with SimulatedCarrier(proxy=True, require_proxy=True) as carrier:
        phone = carrier.add_handset("+15550100001")
        wrong = carrier.mmsc_url.rstrip("/") + "/no/such/path"
        status = main(["doctor", "--port", str(phone.pty_path), "--apn", carrier.apn, "--mmsc", wrong,
                       "--proxy", carrier.proxy])
    lines = capsys.readouterr().out.splitlines()
    mmsc = next(i for i, line in enumerate(lines) if line.startswith(("OK    mmsc", "WARN  mmsc")))
    assert lines[mmsc].startswith("WARN  mmsc") and "answered HTTP 404" in lines[mmsc], lines[mmsc]
    assert "a wrong path answers the same" in lines[mmsc + 1]
    assert status == exit_codes.OK


def test_with_several_modems_doctor_checks_each_and_fails_for_the_one_that_cannot_work(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """[modems.<name>] tables: each modem is checked in turn under its name; one without a
    usable port makes the whole answer "cannot work", and --modem checks one alone."""
    import json

    with SimulatedCarrier(proxy=True) as carrier:
        home = carrier.add_handset("+15550100401")
        config = tmp_path / "config.toml"
        config.write_text(f'[mms]\napn = "{carrier.apn}"\nmmsc = "{carrier.mmsc_url}"\nproxy = "{carrier.proxy}"\n\n'
                          f'[modems.home.modem]\nport = "{home.pty_path}"\n\n'
                          f'[modems.work.modem]\nport = "{tmp_path / "ttyGONE"}"\n')
        status = main(["doctor", "--config", str(config)])
        lines = capsys.readouterr().out.splitlines()
        assert lines.index("modem home:") < lines.index("modem work:")
        work = lines.index("modem work:")
        assert any(line.startswith("OK    mmsc") for line in lines[:work])
        assert any(line.startswith("FAIL") for line in lines[work:])
        assert lines[-1] == "MMS cannot work yet: fix the first FAIL above." and status == exit_codes.UNAVAILABLE

        assert main(["doctor", "--config", str(config), "--modem", "home", "--json"]) == exit_codes.OK
        report = json.loads(capsys.readouterr().out)
        assert report["ok"] and {c["modem"] for c in report["checks"]} == {"home"}

        assert main(["doctor", "--config", str(config), "--modem", "office"]) == exit_codes.CONFIG
        assert "no modem 'office'; the modems are home, work" in capsys.readouterr().out
