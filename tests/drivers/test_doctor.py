"""`mmsua doctor` end to end over replayed modem sessions (replay://) through the real drivers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from hwreplay import fixture_path

from mmsua import exit_codes
from mmsua.cli import doctor

HEALTHY = ["--apn", "mms", "--cid", "2", "--mmsc", "http://mmsc.example/mms", "--proxy", "10.0.0.10:8080", "--bearer", "modem"]


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user's own config.toml must not leak into these runs."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))


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
    assert [c["name"] for c in report["checks"]] == ["backend", "port", "open", "identify", "sim", "registration", "signal", "sms", "mms-context", "mmsc"]
    assert all(c["status"] == "ok" for c in report["checks"])
    assert "profile quectel" in checks["identify"]["detail"]
    assert "MCC 262" in checks["sim"]["detail"]
    assert "carrier rules: none for this SIM" in checks["sim"]["detail"]  # 262/01 is in neither AOSP source
    assert "storage ME, 3/255 used, delivery stored (+CMTI)" in checks["sms"]["detail"]
    assert "address 10.180.2.33" in checks["mms-context"]["detail"]
    assert "answered HTTP 405" in checks["mmsc"]["detail"] and "via proxy 10.0.0.10:8080" in checks["mmsc"]["detail"]


def test_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(["--port", f"replay://{fixture_path('quectel/ec25/doctor.txt')}", *HEALTHY], capsys)
    assert status == exit_codes.OK
    assert out.splitlines()[-1] == "MMS can work."
    assert out.splitlines()[0].startswith("OK    backend       at: ")
    assert out.splitlines()[3].startswith("OK    identify      Quectel EC25")


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
    assert report["checks"][2]["name"] == "open" and report["checks"][2]["status"] == "fail"


DOCTOR_REPLAY = f"replay://{fixture_path('quectel/ec25/doctor.txt')}"


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_config_file_gives_the_daemon_settings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The same file the daemon reads: port, APN, cid, MMSC, proxy and bearer all from it.
    cfg = write_config(tmp_path / "mmsua.toml", f"""
[modem]
port = "{DOCTOR_REPLAY}"
[mms]
apn = "mms"
cid = 2
mmsc = "http://mmsc.example/mms"
proxy = "10.0.0.10:8080"
bearer = "modem"
""")
    status, out = run(["--config", str(cfg), "--json"], capsys)
    report = json.loads(out)
    assert status == exit_codes.OK and report["ok"] is True, out
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["port"]["detail"].startswith("replay://")
    assert f"APN from config file {cfg}" in checks["mms-context"]["detail"]
    assert "via proxy 10.0.0.10:8080" in checks["mmsc"]["detail"]


def test_command_line_beats_the_config_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The file's APN would not match the modem session; the option's does (as for the daemon).
    cfg = write_config(tmp_path / "mmsua.toml", '[mms]\napn = "wrong.apn"\nmmsc = "http://elsewhere.example/"\n')
    status, out = run(["--config", str(cfg), "--port", DOCTOR_REPLAY, *HEALTHY, "--json"], capsys)
    report = json.loads(out)
    assert status == exit_codes.OK, out
    assert "APN mms" in {c["name"]: c for c in report["checks"]}["mms-context"]["detail"]


@pytest.mark.parametrize(
    "content, expected",
    [
        ('[mms]\napm = "mms"\n', "unknown setting 'mms.apm'"),
        ("[mms\n", "not valid TOML"),
        (None, "cannot read config file"),
    ],
)
def test_bad_config_is_a_config_error_before_touching_the_modem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expected: str
) -> None:
    cfg = tmp_path / "mmsua.toml"
    if content is not None:
        write_config(cfg, content)
    status, out = run(["--config", str(cfg), "--port", DOCTOR_REPLAY, "--json"], capsys)
    report = json.loads(out)
    assert status == exit_codes.CONFIG and report["ok"] is False
    assert report["checks"][0]["name"] == "config" and expected in report["checks"][0]["detail"]


def test_missing_apn_fails_the_context_step_with_advice(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(["--port", DOCTOR_REPLAY, "--mmsc", "http://mmsc.example/mms", "--json"], capsys)
    report = json.loads(out)
    checks = {c["name"]: c for c in report["checks"]}
    assert status == exit_codes.FAILURE and report["ok"] is False
    assert [checks[n]["status"] for n in ("identify", "sim", "registration", "signal", "sms")] == ["ok"] * 5
    assert checks["mms-context"]["status"] == "fail" and "mms.apn" in checks["mms-context"]["advice"]
    assert checks["mmsc"]["status"] == "skip"


SERVICEPROVIDERS = """<?xml version="1.0"?>
<serviceproviders format="2.0">
<country code="de">
  <provider>
    <name>Testnet</name>
    <gsm>
      <network-id mcc="262" mnc="01"/>
      <apn value="mms">
        <usage type="mms"/>
        <mmsc>http://mmsc.example/mms</mmsc>
        <mmsproxy>10.0.0.10:8080</mmsproxy>
      </apn>
    </gsm>
  </provider>
</country>
</serviceproviders>
"""


def test_unset_settings_come_from_the_sims_carrier_as_for_the_daemon(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # No APN, MMSC or proxy anywhere: the SIM's IMSI (262 01) picks them from the carrier database.
    db = write_config(tmp_path / "serviceproviders.xml", SERVICEPROVIDERS)
    cfg = write_config(tmp_path / "mmsua.toml", f'[carrier]\ndatabases = ["{db}"]\n')
    status, out = run(["--config", str(cfg), "--port", DOCTOR_REPLAY, "--json"], capsys)
    report = json.loads(out)
    assert status == exit_codes.OK, out
    detail = {c["name"]: c for c in report["checks"]}["mms-context"]["detail"]
    assert "APN mms" in detail and "APN from carrier database (serviceproviders.xml: Testnet)" in detail


def test_on_a_shared_internet_apn_doctor_rides_on_the_active_context(capsys: pytest.CaptureFixture[str]) -> None:
    # The LTE default bearer (cid 1) is up on the APN MMS uses, and the network refuses a
    # second context on it: doctor must check the path the daemon will use (mms.context auto).
    from mmsua.sim.carrier import SimulatedCarrier

    with SimulatedCarrier(apn="internet", default_bearer=True, one_context_per_apn=True) as sim:
        phone = sim.add_handset("+15550100077")
        argv = ["--port", phone.serial_url, "--apn", "internet", "--cid", "2", "--mmsc", sim.mmsc_url,
                "--proxy", sim.proxy, "--bearer", "modem", "--json"]
        status, out = run(argv, capsys)
        checks = {c["name"]: c for c in json.loads(out)["checks"]}
        assert status == exit_codes.OK, checks
        assert "the internet's active cid 1, shared" in checks["mms-context"]["detail"]
        assert phone.modem.contexts[1].active  # doctor's clean-up left the internet's context up
        status, out = run([*argv, "--context", "own"], capsys)  # the daemon's own-cid mode is refused here
        assert status != exit_codes.OK
        assert 'mms.context = "auto"' in {c["name"]: c for c in json.loads(out)["checks"]}["mms-context"]["detail"]


def test_doctor_shows_the_sims_carrier_rules_and_sends_their_headers() -> None:
    from mmsua import config
    from mmsua.cli.doctor import _Doctor

    parser = argparse.ArgumentParser(prog="mmsua")
    doctor.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["doctor", "--config", "/dev/null", "--mmsc", "http://mmsc.example/mms"])
    check = _Doctor(args, config.from_args(args))
    summary = check._carrier_defaults("311480123456789", None, "BA01450000000000")
    assert summary.startswith("XFINITY Mobile 311/480, gid1 BA01450000000000 (")
    assert "mms.uaprof_header = 'Profile' (carrier rules (XFINITY Mobile" in summary and "mms.max_size = 1258291" in summary
    headers = dict(check.s.headers)  # what the mmsc step sends
    assert headers["Profile"] == "http://www.google.com/oha/rdf/ua-profile-kila.xml" and headers["Connection"] == "close"
