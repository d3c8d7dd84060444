"""The systemd unit and udev rule examples in mmsua/data agree with the code they start.

systemd-analyze cannot verify a user unit without a user manager (CI has none), so
the unit is read as systemd reads it (sections, last assignment wins) and checked
against what the daemon does; the udev rules are parsed line by line (their USB ids
and AT interfaces against the driver's port table: tests/drivers/test_ports.py).
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

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
