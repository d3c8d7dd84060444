"""One message in a conversation, drawn as a bubble.

Incoming messages sit on the left, outgoing on the right. A bubble shows the
sender (in groups), subject, text, pictures inline, other parts with their type
and size, per-recipient status of sent messages, and, for a notification still
at the carrier, its size and how to download it. All network text goes through
``tui.display`` and is shown as ``Text``, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static

from mmsua.api.shapes import Message, Part
from mmsua.tui.contacts import Contacts
from mmsua.tui.display import BAD, MUTED, as_content, human_size, long_time, recipient_status, safe_block, safe_line, status_text

PART_ICONS = {"image": "▣", "audio": "♪", "video": "▶", "text": "≡"}
# A message may have any number of parts (one of 20,000 took 15 s and 285 MB to draw):
# the bubble lists the first of them and says how many more; s and o reach them all.
MAX_PARTS_SHOWN = 30
MAX_PICTURES_SHOWN = 8


def shown_parts(message: Message) -> tuple[tuple[Part, ...], int]:
    """The attachments a bubble draws, and how many more it leaves out."""
    parts = message.attachments[:MAX_PARTS_SHOWN]
    pictures = [p for p in parts if p.is_image][MAX_PICTURES_SHOWN:]  # past the first few, listed instead
    shown = tuple(p for p in parts if p not in pictures)
    return shown, len(message.attachments) - len(shown)


def part_label(part: Part) -> Text:
    content_type = part.content_type.lower()  # MIME types are case-insensitive (RFC 2045 5.1)
    kind = content_type.split("/")[0]
    icon = PART_ICONS.get(kind, "◆")
    if "vcard" in content_type:
        icon = "☺"
    return Text.assemble(
        (f"{icon} ", "bold"),
        safe_line(part.name or "(unnamed)", limit=60),
        ("  ", ""),
        safe_line(content_type, limit=50, style="dim"),
        ("  ", ""),
        (human_size(part.size), "dim"),
    )


class PictureSlot(Static):
    """Where a picture goes; the conversation view puts the picture above it once the
    bytes arrive, and the slot stays as its caption (name, type, size)."""

    DEFAULT_CSS = """
    PictureSlot { width: auto; height: auto; color: $text-muted; }
    PictureSlot.-caption { color: $text; }
    """

    def __init__(self, message_id: int, part: Part) -> None:
        super().__init__(Text.assemble(part_label(part), ("  loading…", "dim italic")), markup=False)
        self.message_id = message_id
        self.part = part


class Bubble(Vertical, can_focus=False):
    """A message; the conversation view selects one at a time."""

    DEFAULT_CSS = """
    Bubble {
        height: auto;
        width: auto;
        max-width: 80%;
        min-width: 24;
        padding: 0 1;
        margin: 0 1 1 1;
        border: round $panel-lighten-2;
        background: $panel;
    }
    Bubble.-out { border: round $primary 60%; background: $primary 15%; }
    Bubble.-failed { border: round $error; }
    Bubble.-pending { border: dashed $warning; background: $surface; }
    /* Last, so the selection shows on a failed or pending bubble too. */
    Bubble.-selected { border: round $accent; }
    Bubble.-selected.-pending { border: dashed $accent; }
    Bubble > Static { width: auto; max-width: 100%; height: auto; }
    """

    def __init__(self, message: Message, contacts: Contacts, now: Callable[[], datetime], group: bool, pictures: bool = True,
                 names: dict[str, str] | None = None) -> None:
        super().__init__(classes="-out" if message.outgoing else "-in")
        self.message = message
        self._classes_for_state()
        self._contacts = contacts
        self._now = now
        self._group = group
        self._names = names or {}  # the daemon's names of the conversation's participants
        self._pictures = pictures  # False: pictures are listed like any other part
        self._redrawing = False  # show_message is replacing the children

    def _classes_for_state(self) -> None:
        self.set_class(self.message.state == "failed", "-failed")
        self.set_class(self.message.pending, "-pending")

    async def show_message(self, message: Message) -> None:
        """The message changed (state, parts, reports): redraw this bubble in place,
        so the conversation never holds two bubbles for one message, even for a frame."""
        self.message = message
        self._classes_for_state()
        self._redrawing = True
        try:
            await self.recompose()
        finally:
            self._redrawing = False

    def compose(self) -> ComposeResult:
        # Few widgets per bubble (a conversation opens fast): one Static for all the
        # text, and only a message with pictures gets a slot for each and a tail.
        m = self.message
        if m.pending:
            yield Static(as_content(Text.assemble(self._meta(), "\n", self._pending())), classes="body", markup=False)
            return
        head = self._meta()
        if m.subject:
            head.append("\n")
            head.append_text(safe_line(m.subject, limit=200, style="bold"))
        if m.text:
            head.append("\n")
            head.append_text(safe_block(m.text))
        shown, more = shown_parts(m)
        pictures = [p for p in shown if p.is_image] if self._pictures else []
        tail: list[Content] = [as_content(part_label(p)) for p in shown if p not in pictures]
        if more:
            tail.append(Content.styled(f"… and {more} more part{'s' if more > 1 else ''}: s saves, o opens any of them", MUTED))
        if m.outgoing:
            tail.append(self._delivery())
        body = as_content(head)
        if not pictures:
            yield Static(Content("\n").join([body, *tail]), classes="body", markup=False)
            return
        yield Static(body, classes="body", markup=False)
        for part in pictures:
            yield PictureSlot(m.id, part)
        if tail:
            yield Static(Content("\n").join(tail), classes="tail", markup=False)

    def _meta(self) -> Text:
        """Sender (in groups), time and kind, dimmed."""
        m = self.message
        bits: list[Text] = []
        if not m.outgoing and (self._group or m.pending):
            who = self._contacts.label(m.sender, m.sender_name or self._names.get(m.sender)) if m.sender else "unknown sender"
            bits.append(safe_line(who, limit=60, style="bold"))
        if m.outgoing:
            bits.append(Text("You", style="bold"))
        bits.append(Text(long_time(m.date, self._now())))
        if m.kind == "sms":
            bits.append(Text("SMS"))
        meta = Text(" · ").join(bits)
        meta.stylize("dim")
        return meta

    def _pending(self) -> Text:
        m = self.message
        waiting = "Downloading…" if m.state == "retrieving" else "Multimedia message waiting at the carrier"
        lines = Text.assemble((f"⇣ {waiting}", "bold"), "\n", (f"{human_size(m.size)}" if m.size else "size not given", ""))
        if m.subject:
            lines.append("\n")
            lines.append_text(safe_line(m.subject, limit=200, style="italic"))
        if m.expiry is not None:
            lines.append(f"\nexpires {long_time(m.expiry, self._now())}", style="dim")
        if m.state != "retrieving":
            lines.append("\npress f to download", style="dim")
        return lines

    def _delivery(self) -> Content:
        m = self.message
        if m.state in ("queued", "sending", "failed", "cancelled") or not m.recipients:
            line = status_text(m.state)
            if m.state == "failed":
                if m.error:
                    line += Content.styled(": ", BAD) + as_content(safe_line(m.error, limit=160))
                line += Content.styled("\npress t to retry", MUTED)
            return line
        lines = []
        many = len(m.recipients) > 1
        for r in m.recipients:
            line = status_text(recipient_status(r.status, m.state, m.delivery_report_requested))
            if many:
                line = as_content(safe_line(self._contacts.label(r.address, self._names.get(r.address)), limit=40)) + Content("  ") + line
            lines.append(line)
        return Content("\n").join(lines)

    def set_picture(self, slot: PictureSlot, widget: Widget) -> None:
        """Show the picture above its slot; the slot stays as the caption.

        Once per slot: a page load and a live update can both fetch the same picture
        for a bubble redrawn in between, and the second must not draw it again."""
        if self._redrawing or slot.parent is not self or slot.has_class("-caption"):
            return  # the fetch that follows the redraw places it
        self.mount(widget, before=slot)
        slot.update(as_content(part_label(slot.part)))
        slot.add_class("-caption")


class BubbleRow(Vertical):
    """Holds one bubble and aligns it: incoming left, outgoing right."""

    DEFAULT_CSS = """
    BubbleRow { height: auto; width: 1fr; }
    BubbleRow.-out { align-horizontal: right; }
    """

    def __init__(self, bubble: Bubble) -> None:
        super().__init__(bubble, classes="-out" if bubble.message.outgoing else "-in")
        self.bubble = bubble
