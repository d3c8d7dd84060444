"""Everything from the network becomes screen text here, and only here.

Each helper passes the raw string through ``mmsua.textsafe`` and returns a
``rich.text.Text`` (never a markup string), so escape sequences are dropped and
"[bold]" or "[@click=...]" stay literal characters. Long input is cut before
cleaning, so a 10 MB subject costs the same as a short one.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from rich.style import Style
from rich.text import Text
from textual.content import Content

from mmsua.textsafe import clean_line, clean_text

# How much raw text we ever look at: enough for any screen, bounded for hostile input.
_RAW_LINE_CAP = 4_000
MESSAGE_TEXT_LIMIT = 20_000


def safe_line(raw: str | None, limit: int = 200, style: str | Style = "") -> Text:
    """One line of network text, sanitised and truncated with an ellipsis."""
    raw = raw or ""
    if len(raw) > limit:
        # Keep one more char than fits so clean_line sees it is long and adds "…".
        raw = raw[: min(_RAW_LINE_CAP, limit * 4)]
    return Text(clean_line(raw, limit=limit), style=style, no_wrap=True, overflow="ellipsis")


def safe_block(raw: str | None, limit: int = MESSAGE_TEXT_LIMIT, style: str = "") -> Text:
    """Multi-line network text (a message body), sanitised and bounded."""
    raw = raw or ""
    truncated = len(raw) > limit
    text = Text(clean_text(raw[:limit]), style=style)
    if truncated:
        text.append(f"\n… {len(raw) - limit:,} more characters not shown", style="dim italic")
    return text


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB" if size >= 10 * 1024 else f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


def moment(value: str | datetime | None) -> datetime | None:
    """An API time (ISO 8601 UTC text) as an aware datetime; None when absent or unreadable."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=timezone.utc)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def short_time(value: str | datetime | None, now: datetime) -> str:
    """14:05 today, "Mon" this week, "12 Mar" this year, else "12 Mar 2023"."""
    when = moment(value)
    if when is None:
        return ""
    local = when.astimezone(now.tzinfo or timezone.utc)
    if local.date() == now.date():
        return local.strftime("%H:%M")
    if now - local < timedelta(days=6) and local <= now:
        return local.strftime("%a")
    if local.year == now.year:
        return f"{local.day} {local.strftime('%b')}"
    return f"{local.day} {local.strftime('%b %Y')}"


def long_time(value: str | datetime | None, now: datetime) -> str:
    when = moment(value)
    if when is None:
        return ""
    local = when.astimezone(now.tzinfo or timezone.utc)
    if local.date() == now.date():
        return local.strftime("%H:%M")
    return f"{local.day} {local.strftime('%b %Y %H:%M')}"


# Per-recipient and per-message states, as a glyph and a style. Colours are theme
# variables (resolved when drawn), so each reads well on the light and the dark theme.
OK, WARN, BAD, MUTED = "$text-success", "$text-warning", "$text-error", "dim"
# A sent message's recipient that stays "pending" because no delivery report was asked.
NO_REPORT = "sent-no-report"

STATUS_LOOK: dict[str, tuple[str, str]] = {
    "queued": ("◷ queued", MUTED),
    "sending": ("↑ sending", MUTED),
    "sent": ("✓ sent", ""),
    "pending": ("✓ sent", ""),
    NO_REPORT: ("✓ sent (no delivery report asked)", ""),
    "delivered": ("✓✓ delivered", OK),
    "read": ("✓✓ read", f"bold {OK}"),
    "failed": ("✗ failed", f"bold {BAD}"),
    "rejected": ("✗ rejected", BAD),
    "expired": ("✗ expired", BAD),
    "deleted": ("✗ deleted unread", BAD),
    "unreachable": ("✗ unreachable", BAD),
    "forwarded": ("↪ forwarded", ""),
    "unknown": ("? unknown", MUTED),
}


def status_text(status: str) -> Content:
    label, style = STATUS_LOOK.get(status, (status, ""))
    return Content.styled(clean_line(label, limit=40), style)


def recipient_status(status: str, message_state: str, report_asked: bool) -> str:
    """The STATUS_LOOK key for a recipient: "pending" on a sent message that asked no
    delivery report never changes, so it reads as sent without one."""
    if status == "pending" and message_state == "sent" and not report_asked:
        return NO_REPORT
    return status


def as_content(text: Text | Content | str) -> Content:
    """Rich ``Text`` (sanitised network text) as Textual ``Content``; never parsed as markup."""
    if isinstance(text, Content):
        return text
    if isinstance(text, str):
        return Content(text)
    return Content.from_rich_text(text)
