"""The status bar: modem, operator, signal, registration, data path, daemon link."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from mmsua.tui.display import BAD, MUTED, OK, WARN, as_content, safe_line
from mmsua.tui.model import OtherModem, Status

_BARS = "▁▃▅▇"
# Theme variables, so every state reads on the light and the dark theme.
_REGISTRATION = {"home": ("home", OK), "roaming": ("roaming", WARN), "searching": ("searching", WARN), "denied": ("denied", BAD), "unknown": ("not registered", MUTED)}
_DATA = {"up": ("MMS data up", OK), "down": ("MMS data idle", MUTED), "error": ("MMS data error", BAD)}


def signal_bars(signal: int | None) -> Content:
    if signal is None:
        return Content.styled("····", MUTED)
    lit = 0 if signal <= 0 else min(4, 1 + signal * 4 // 101)
    return Content.assemble((_BARS[:lit], "bold"), (_BARS[lit:], MUTED))


SEPARATOR = Content.styled("  │  ", MUTED)
NARROW_SEPARATOR = Content.styled(" │ ", MUTED)
# On a narrow terminal, what goes first (the daemon link and registration stay longest).
_DROP_ORDER = ("problem", "operator", "modem", "data", "signal", "others")


def status_line(status: Status | None, connection: str, connected: bool, width: int | None = None) -> Content:
    """The bar's text; with ``width``, less important parts are left out until it fits."""
    named = _status_parts(status, connection, connected)
    line = SEPARATOR.join(part for _, part in named)
    if width is None or line.cell_length <= width:
        return line
    line = NARROW_SEPARATOR.join(part for _, part in named)
    if line.cell_length <= width:
        return line
    shorter = _shorter(status)
    for name in _DROP_ORDER:
        named = [(n, shorter[n]) if n == name and n in shorter else (n, p) for n, p in named
                 if n != name or n in shorter]
        shorter.pop(name, None)
        line = NARROW_SEPARATOR.join(part for _, part in named)
        if line.cell_length <= width:
            return line
    return line.truncate(width, ellipsis=True)  # the end is the socket path


def _status_parts(status: Status | None, connection: str, connected: bool) -> list[tuple[str, Content]]:
    parts: list[tuple[str, Content]] = []
    if status is not None:
        model = as_content(safe_line(status.modem or "no modem", limit=40, style="bold" if status.modem else ""))
        if status.name:  # several modems: the first's name before its model
            model = _name(status.name) + " " + model
        parts.append(("modem", model))
        if status.operator:
            parts.append(("operator", as_content(safe_line(status.operator, limit=30))))
        parts.append(("signal", signal_bars(status.signal)))
        label, style = _REGISTRATION.get(status.registration, (status.registration, ""))
        parts.append(("registration", as_content(safe_line(label, limit=20)).stylize(style)))
        label, style = _DATA.get(status.data_path, (status.data_path, ""))
        parts.append(("data", as_content(safe_line(label, limit=20)).stylize(style)))
        if status.problem:  # the whole reason is in the log screen (l)
            parts.append(("problem", as_content(safe_line(status.problem, limit=50)).stylize(BAD)))
        for other in status.others:
            parts.append(("others", _other_modem(other)))
        if status.queued:
            parts.append(("queued", Content.styled(f"{status.queued} queued", WARN)))
        if status.pending_notifications:
            parts.append(("pending", Content.styled(f"{status.pending_notifications} to download", WARN)))
    link = Content.styled("● ", OK if connected else BAD)
    if not connected:  # before the label, so a narrow bar never cuts it off
        link += Content.styled("disconnected: not running, reconnecting… ", f"bold {BAD}")
    link += as_content(safe_line(connection, limit=60))
    parts.append(("link", link))
    return parts


def _name(name: str) -> Content:
    return as_content(safe_line(name, limit=32, style="bold")) + ":"


def _shorter(status: Status | None) -> dict[str, Content]:
    """Parts that shrink rather than go on a narrow bar: the first of several modems keeps its name."""
    return {"modem": _name(status.name)} if status is not None and status.name else {}


def _other_modem(other: OtherModem) -> Content:
    """Another modem of the daemon, short: its name, signal and registration, and a failure."""
    label, style = _REGISTRATION.get(other.registration, (other.registration, ""))
    text = Content.assemble(_name(other.name), " ", signal_bars(other.signal), " ",
                            as_content(safe_line(label, limit=20)).stylize(style))
    if other.data_path == "error" or other.problem:
        text += Content.styled(" ✗", BAD)  # the reason is in the log screen, as the first's problem is
    return text


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; background: $panel; color: $text; padding: 0 1; }
    """

    status: reactive[Status | None] = reactive(None)
    connected: reactive[bool] = reactive(True)

    def __init__(self, connection: str, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)
        self.connection = connection

    def render(self) -> Content:
        return status_line(self.status, self.connection, self.connected, self.content_region.width or None)
