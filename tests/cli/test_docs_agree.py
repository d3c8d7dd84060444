"""The user-facing docs and the product agree: every `mmsua` command shown in a
README.md or docs/operations.md code block is accepted by the real parser, and the
configuration table names every setting with the option that sets it."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from mmsua import config
from mmsua.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "README.md", ROOT / "docs" / "operations.md")


def _shown_commands(doc: Path) -> list[str]:
    """`mmsua ...` invocations in the doc's ```sh blocks (continuations joined, comments dropped)."""
    blocks = re.findall(r"```sh\n(.*?)```", doc.read_text(), flags=re.S)
    commands = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                if words and (words[0] == "mmsua" or words[0].endswith("/bin/mmsua")):
                    commands.append(shlex.join(words[1:]))
    return commands


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_shown_command_parses(doc: Path) -> None:
    commands = _shown_commands(doc)
    assert commands, f"no mmsua command found in {doc.name}: the extraction is broken"
    parser = build_parser()
    for command in commands:
        try:
            args = parser.parse_args(shlex.split(command))
        except SystemExit:
            pytest.fail(f"{doc.name} shows `mmsua {command}`, which mmsua refuses")
        assert callable(getattr(args, "func", None)), f"`mmsua {command}` names no subcommand"


def test_readme_and_operations_show_the_documented_commands() -> None:
    # The extraction finds what the docs promise to show (so the test above tests something).
    shown = {c.split()[0] for doc in DOCS for c in _shown_commands(doc)}
    assert {"demo", "doctor", "daemon", "tui", "record", "status", "send", "ls", "show", "fetch", "export",
            "retry", "resend-as-sms", "delete"} <= shown


def _config_table() -> dict[str, str]:
    """key -> command-line cell, from the `| key | command line | default | meaning |` table."""
    rows: dict[str, str] = {}
    text = (ROOT / "docs" / "operations.md").read_text()
    table = text.split("| key | command line | default | meaning |", 1)[1].split("\n\n", 1)[0]
    for line in table.splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        for key in re.findall(r"`([a-z_]+\.[a-z_]+)`", cells[0]):
            rows[key] = cells[1].strip("`")
    return rows


def test_configuration_table_lists_every_setting_with_its_option() -> None:
    table = _config_table()
    assert set(table) == set(config.KEYS_BY_NAME), "docs/operations.md's table and mmsua.config.KEYS differ"
    for key in config.KEYS:
        assert table[key.name] == (key.flag or ""), f"{key.name}: the table says {table[key.name]!r}, the code {key.flag!r}"
