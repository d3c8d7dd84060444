"""The daemon's recent events, newest at the bottom."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, RichLog, Static


class LogScreen(Screen[None]):
    BINDINGS = [Binding("escape,q,L", "app.pop_screen", "Back")]

    DEFAULT_CSS = """
    LogScreen > .title { dock: top; height: 1; background: $panel; padding: 0 1; text-style: bold; }
    LogScreen > RichLog { background: $surface; padding: 0 1; }
    """

    def __init__(self, lines: Iterable[Text]) -> None:
        super().__init__()
        self._initial = list(lines)

    def compose(self) -> ComposeResult:
        yield Static("Daemon log", classes="title")
        yield RichLog(wrap=True, markup=False, highlight=False, max_lines=2000)
        yield Footer()

    def on_mount(self) -> None:
        log = self.query_one(RichLog)
        for line in self._initial:
            log.write(line)
        if not self._initial:
            log.write(Text("No events yet.", style="dim"))

    def add(self, line: Text) -> None:
        self.query_one(RichLog).write(line)
