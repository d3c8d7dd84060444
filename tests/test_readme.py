"""The README opens with exactly two set-up commands, and CI runs the second."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _setup_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## ", 2)[1]  # the first section after the title
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)


def test_readme_opens_with_two_commands() -> None:
    commands = _setup_commands()
    assert len(commands) == 2
    demo, tests = commands
    assert "\n" not in demo and "\n" not in tests
    assert demo.endswith("mmsua demo")
    assert tests.endswith("pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert _setup_commands()[1] in ci.splitlines()
