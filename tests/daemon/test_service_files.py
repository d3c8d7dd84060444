"""The systemd unit and udev rule examples in mmsua/data agree with the code they start,
and the real tools load them without a complaint.

systemd-analyze verify loads the unit (a copy whose ExecStart is the installed
console script) as a user unit and as the system-service variant its comments
describe; any line it prints about our unit fails the test. The udev rules are run
by udevadm test against a USB modem's tty in a fake sysfs: test_udev_rules.py. The
daemon started as the unit starts it: test_service_run.py.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[2] / "mmsua" / "data"
ASSIGNMENT = re.compile(r'\s*([A-Z_]+(?:\{[^}]+\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*')


def unit(path: Path) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    current = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, sep, value = line.partition("=")
        assert sep and current is not None, f"not a unit file line: {raw!r}"
        current[key.strip()] = value.strip()
    return sections


def udev_rules(path: Path) -> list[list[tuple[str, str, str]]]:
    rules = []
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        pairs = []
        for item in line.split('",'):
            item = item if item.endswith('"') else item + '"'
            match = ASSIGNMENT.fullmatch(item)
            assert match, f"{path.name}:{number}: not KEY OP \"VALUE\": {item!r}"
            pairs.append(match.groups())
        rules.append(pairs)
    return rules


def test_the_unit_runs_the_daemon_and_stops_it_with_sigterm() -> None:
    sections = unit(DATA / "mmsua.service")
    assert set(sections) == {"Unit", "Service", "Install"}
    service = sections["Service"]
    argv = shlex.split(service["ExecStart"])
    assert Path(argv[0]).name == "mmsua" and argv[1] == "daemon"  # the console script and subcommand
    assert service["KillSignal"] == "SIGTERM"  # the daemon's clean shutdown (test_daemon_api: sigterm test)
    assert int(service["TimeoutStopSec"]) >= 10
    assert service["Restart"] == "on-failure" and service["UMask"] == "0077"  # store and socket stay private
    assert sections["Install"]["WantedBy"] == "default.target"  # a user unit


def test_udev_rules_parse_and_every_goto_has_its_label() -> None:
    for name in ("99-mmsua-modem.rules", "99-mmsua.rules"):
        rules = udev_rules(DATA / name)
        gotos = {value for rule in rules for key, op, value in rule if key == "GOTO"}
        labels = {value for rule in rules for key, op, value in rule if key == "LABEL"}
        assert gotos and gotos <= labels, name


def test_the_service_rule_starts_the_unit_by_its_name() -> None:
    rules = udev_rules(DATA / "99-mmsua.rules")
    wants = [value for rule in rules for key, op, value in rule if key == "ENV{SYSTEMD_USER_WANTS}"]
    assert wants == ["mmsua.service"] and (DATA / wants[0]).is_file()
    matches = [value for rule in rules for key, op, value in rule if key == "SYMLINK" and op == "!="]
    assert matches == ["mmsua-modem"]  # the name 99-mmsua-modem.rules gives the AT port


# -- systemd-analyze verify -----------------------------------------------------------


def console_script() -> Path:
    """The installed `mmsua` console script: the venv's beside this interpreter, else PATH's."""
    beside = Path(sys.executable).parent / "mmsua"
    found = beside if beside.is_file() else Path(shutil.which("mmsua") or "")
    if not found.is_file():
        pytest.skip("the mmsua console script is not installed (pip install -e .)")
    return found


def variant(text: str, script: Path, *, system: bool = False, with_device: bool = False) -> str:
    """The unit as a person would install it: ExecStart is the real script, and for a system
    service the commented system lines replace the user ExecStart, as the comments say."""
    out = []
    for line in text.splitlines():
        if line.startswith("ExecStart="):
            if system:
                continue  # replaced by the system one below
            line = "ExecStart=" + shlex.join([str(script), *shlex.split(line.partition("=")[2])[1:]])
        elif system and line.startswith("# ExecStart="):
            line = "ExecStart=" + shlex.join([str(script), *shlex.split(line.partition("=")[2])[1:]])
        elif system and line.startswith(("# User=", "# RuntimeDirectory=", "# Environment=")):
            line = line[2:]
        elif with_device and line.startswith(("# BindsTo=dev-", "# After=dev-")):
            line = line[2:]
        out.append(line)
    return "\n".join(out) + "\n"


def verify(unit_text: str, tmp_path: Path, *, user: bool) -> list[str]:
    """systemd-analyze verify's complaints about our unit (its lines naming it), and its status."""
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (Debian: systemd); the unit is not verified")
    folder = tmp_path / ("user" if user else "system")
    folder.mkdir()
    unit_file = folder / "mmsua.service"
    unit_file.write_text(unit_text)
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": "cat"}
    argv = ["systemd-analyze", "verify", *(["--user"] if user else []), str(unit_file)]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, cwd=folder)
    output = (result.stdout + result.stderr).splitlines()
    ours = [line for line in output if "mmsua" in line]
    if result.returncode != 0:
        ours.append(f"exit status {result.returncode}: {output}")
    return ours


@pytest.mark.parametrize("user, system, with_device", [
    (True, False, False),  # ~/.config/systemd/user/mmsua.service as shipped
    (True, False, True),   # started with the modem (the BindsTo= lines uncommented)
    (False, True, False),  # /etc/systemd/system/mmsua.service for one account
])
def test_systemd_analyze_verify_loads_the_unit_without_a_warning(tmp_path: Path, user: bool, system: bool, with_device: bool) -> None:
    text = variant((DATA / "mmsua.service").read_text(), console_script(), system=system, with_device=with_device)
    assert text.count("\nExecStart=") == 1
    if system:
        assert "\nUser=mmsua\n" in text and "\nEnvironment=XDG_RUNTIME_DIR=/run\n" in text
    assert verify(text, tmp_path, user=user) == []


def test_systemd_analyze_verify_catches_what_a_broken_unit_says(tmp_path: Path) -> None:
    """The check above can fail: systemd names a bad key, a bad signal and a missing program."""
    text = variant((DATA / "mmsua.service").read_text(), console_script())
    broken = text.replace("KillSignal=SIGTERM", "KillSignal=SIGSTERM\nRestartSecs=5").replace(
        str(console_script()), "/nonexistent/mmsua")
    complaints = "\n".join(verify(broken, tmp_path, user=True))
    assert "SIGSTERM" in complaints and "RestartSecs" in complaints and "/nonexistent/mmsua" in complaints
