"""While the TUI runs, log records never reach the terminal: an embedded engine's warning
("the modem's port vanished") printed on stderr tore the inbox's screen in a real terminal."""

from __future__ import annotations

import argparse
import logging
import sys

import pytest

from mmsua.cli import tui as tui_command


class LoggingApp:
    def run(self) -> None:
        logging.getLogger("mmsua.engine.modem_link").warning("the modem's port vanished: /dev/ttyUSB2")


def test_a_warning_while_the_tui_runs_is_not_written_to_the_terminal(monkeypatch: pytest.MonkeyPatch, capfd) -> None:
    import mmsua.tui.app

    console = logging.StreamHandler(sys.stderr)  # what the console script's basicConfig installs
    logging.getLogger().addHandler(console)
    try:
        monkeypatch.setattr(mmsua.tui.app, "make_app", lambda client, settings: LoggingApp())
        tui_command.run_app(None, argparse.Namespace(), None, "embedded engine")  # type: ignore[arg-type]
        assert "vanished" not in capfd.readouterr().err
        logging.getLogger("mmsua").warning("after the TUI: shown again")
        assert "shown again" in capfd.readouterr().err
    finally:
        logging.getLogger().removeHandler(console)
