"""Help: every action from the registry, by context, with its keys and CLI twin."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mmsua.tui import actions

_KEY_NAMES = {"question_mark": "?", "slash": "/", "enter": "Enter", "escape": "Esc", "pagedown": "PgDn", "pageup": "PgUp"}


def key_names(keys: str) -> str:
    return " ".join(_KEY_NAMES.get(k, k.replace("ctrl+", "^")) for k in keys.split(","))


def help_table() -> Table:
    table = Table(box=None, expand=True, show_header=True, header_style="bold", padding=(0, 1))
    table.add_column("Keys", style="bold", no_wrap=True)
    table.add_column("Action")
    table.add_column("Same from the shell", style="dim")
    for context, title in actions.CONTEXT_TITLES.items():
        table.add_row(Text(title, style="bold underline"), "", "")
        for a in actions.in_context(context):
            table.add_row(key_names(a.keys), a.description, a.cli or "")
        table.add_row("", "", "")
    table.add_row("^p", "Command palette: every action by name", "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark,f1", "dismiss", "Close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 96; max-width: 95%; height: 90%; border: round $primary; background: $surface; padding: 0 1; }
    HelpScreen .title { text-style: bold; color: $primary; margin-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("mmsua — keys", classes="title")
            yield Static(help_table())


def markdown_reference() -> str:
    """The key-binding reference of docs/tui.md, from the registry (a test keeps them equal)."""
    lines: list[str] = []
    for context, title in actions.CONTEXT_TITLES.items():
        lines += [f"### {title}", "", "| keys | action | palette | same from the shell |", "| --- | --- | --- | --- |"]
        for a in actions.in_context(context):
            cli = f"`{a.cli}`" if a.cli else "—"
            lines.append(f"| {key_names(a.keys)} | {a.description} | {'yes' if a.palette else 'no'} | {cli} |")
        lines.append("")
    return "\n".join(lines)
