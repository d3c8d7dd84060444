"""The status bar: modem, operator, signal, registration, data path, daemon link."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from mmsua.tui.display import safe_line
from mmsua.tui.model import Status

_BARS = "▁▃▅▇"
_REGISTRATION = {"home": ("home", "green"), "roaming": ("roaming", "yellow"), "searching": ("searching", "yellow"), "denied": ("denied", "red"), "unknown": ("not registered", "dim")}
_DATA = {"up": ("MMS data up", "green"), "down": ("MMS data idle", "dim"), "error": ("MMS data error", "red")}


def signal_bars(signal: int | None) -> Text:
    if signal is None:
        return Text("····", style="dim")
    lit = 0 if signal <= 0 else min(4, 1 + signal * 4 // 101)
    return Text.assemble((_BARS[:lit], "bold"), (_BARS[lit:], "dim"))


def status_line(status: Status | None, connection: str, connected: bool) -> Text:
    parts: list[Text] = []
    if status is not None:
        parts.append(safe_line(status.modem or "no modem", limit=40, style="bold" if status.modem else "dim"))
        if status.operator:
            parts.append(safe_line(status.operator, limit=30))
        parts.append(signal_bars(status.signal))
        label, style = _REGISTRATION.get(status.registration, (status.registration, ""))
        parts.append(safe_line(label, limit=20, style=style))
        label, style = _DATA.get(status.data_path, (status.data_path, ""))
        parts.append(safe_line(label, limit=20, style=style))
        if status.queued:
            parts.append(Text(f"{status.queued} queued", style="yellow"))
        if status.pending_notifications:
            parts.append(Text(f"{status.pending_notifications} to download", style="yellow"))
    link = Text.assemble(("● ", "green" if connected else "red"), safe_line(connection, limit=40))
    if not connected:
        link.append(" disconnected", style="red")
    parts.append(link)
    return Text("  │  ", style="dim").join(parts)


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    status: reactive[Status | None] = reactive(None)
    connected: reactive[bool] = reactive(True)

    def __init__(self, connection: str, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.connection = connection

    def render(self) -> Text:
        return status_line(self.status, self.connection, self.connected)
