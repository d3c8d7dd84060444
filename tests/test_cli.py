from __future__ import annotations

import subprocess
import sys

from mmsua.cli.main import SUBCOMMANDS, main


def test_help_lists_every_subcommand(capsys) -> None:
    try:
        main(["--help"])
    except SystemExit as exit_:
        assert exit_.code == 0
    out = capsys.readouterr().out
    for name in SUBCOMMANDS:
        assert name in out


def test_no_command_is_a_usage_error() -> None:
    assert main([]) == 2


def test_console_script_runs_as_module() -> None:
    result = subprocess.run([sys.executable, "-m", "mmsua", "--version"], capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.startswith("mmsua ")
