"""`mmsua doctor` end to end over replayed modem sessions (replay://) through the real drivers."""

from __future__ import annotations

import json

import pytest
from hwreplay import fixture_path

import argparse

from mmsua import exit_codes
from mmsua.cli import doctor

HEALTHY = ["--apn", "mms", "--cid", "2", "--mmsc", "http://mmsc.example/mms", "--proxy", "10.0.0.10:8080", "--bearer", "modem"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    parser = argparse.ArgumentParser(prog="mmsua")
    doctor.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["doctor", *argv])
    status = args.func(args)
    return status, capsys.readouterr().out


def test_healthy_modem_passes_every_step(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(["--port", f"replay://{fixture_path('quectel/ec25/doctor.txt')}", *HEALTHY, "--json"], capsys)
    report = json.loads(out)
    assert status == exit_codes.OK and report["ok"] is True
    checks = {c["name"]: c for c in report["checks"]}
    assert [c["name"] for c in report["checks"]] == ["port", "open", "identify", "sim", "registration", "signal", "sms", "mms-context", "mmsc"]
    assert all(c["status"] == "ok" for c in report["checks"])
    assert "profile quectel" in checks["identify"]["detail"]
    assert "MCC 262" in checks["sim"]["detail"]
    assert "storage ME, 3/255 used, delivery stored (+CMTI)" in checks["sms"]["detail"]
    assert "address 10.180.2.33" in checks["mms-context"]["detail"]
    assert "answered HTTP 405" in checks["mmsc"]["detail"] and "via proxy 10.0.0.10:8080" in checks["mmsc"]["detail"]


def test_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(["--port", f"replay://{fixture_path('quectel/ec25/doctor.txt')}", *HEALTHY], capsys)
    assert status == exit_codes.OK
    assert out.splitlines()[-1] == "MMS can work."
    assert out.splitlines()[2].startswith("OK    identify      Quectel EC25")


def test_locked_sim_fails_with_advice_and_skips_the_rest(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(["--port", f"replay://{fixture_path('generic/qualcomm-m6280/startup-pin.txt')}", *HEALTHY, "--json"], capsys)
    report = json.loads(out)
    assert status == exit_codes.FAILURE and report["ok"] is False
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["sim"]["status"] == "fail" and "asks for its PIN" in checks["sim"]["detail"]
    assert "--pin" in checks["sim"]["advice"]
    assert all(checks[n]["status"] == "skip" for n in ("registration", "signal", "sms", "mms-context", "mmsc"))


def test_missing_port_is_unavailable(capsys: pytest.CaptureFixture[str], tmp_path) -> None:
    status, out = run(["--port", f"replay://{tmp_path / 'absent.txt'}", "--json"], capsys)
    report = json.loads(out)
    assert status == exit_codes.UNAVAILABLE
    assert report["checks"][1]["name"] == "open" and report["checks"][1]["status"] == "fail"
