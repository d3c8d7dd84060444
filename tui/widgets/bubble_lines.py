"""The open conversation's bubbles, drawn line by line (Textual's line API).

Only the rows on screen are drawn, from strips kept per message: a page up or
down composes one widget's rows, where stacked bubble widgets cost tens of
milliseconds a page in Textual's compositor (issue 13). A bubble is rendered by
Rich once (a rounded panel) and again only when its message changes, it is
selected or unselected, a picture arrives, the width or the theme changes.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import Any

from rich import box
from rich.console import Group, RenderableType
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mmsua.api.shapes import Message, Part
from mmsua.tui.display import BAD, MUTED, OK, WARN, safe_line
from mmsua.tui.pictures import picture_renderable, picture_size
from mmsua.tui.widgets.bubble import Look, bubble_parts, part_label

MIN_BUBBLE = 24
# Bubbles whose drawn lines are kept (about ten screens); for the others only their
# height, so a conversation read back for thousands of messages stays small in memory.
KEPT_BUBBLES = 400


class BubbleLines(ScrollView, can_focus=False):
    """Every loaded message of the conversation as a bubble, oldest at the top."""

    COMPONENT_CLASSES = {
        "bubble-lines--in", "bubble-lines--out", "bubble-lines--pending",
        "bubble-lines--border-in", "bubble-lines--border-out", "bubble-lines--border-failed",
        "bubble-lines--border-pending", "bubble-lines--border-selected",
        "bubble-lines--ok", "bubble-lines--warn", "bubble-lines--bad", "bubble-lines--muted", "bubble-lines--older",
    }

    DEFAULT_CSS = """
    BubbleLines { background: $background; scrollbar-size-vertical: 1; overflow-x: hidden; height: 1fr; }
    BubbleLines > .bubble-lines--in { background: $panel; color: $text; }
    BubbleLines > .bubble-lines--out { background: $primary 15%; color: $text; }
    BubbleLines > .bubble-lines--pending { background: $surface; color: $text; }
    BubbleLines > .bubble-lines--border-in { color: $panel-lighten-2; }
    BubbleLines > .bubble-lines--border-out { color: $primary 60%; }
    BubbleLines > .bubble-lines--border-failed { color: $error; }
    BubbleLines > .bubble-lines--border-pending { color: $warning; }
    BubbleLines > .bubble-lines--border-selected { color: $accent; }
    BubbleLines > .bubble-lines--ok { color: $text-success; }
    BubbleLines > .bubble-lines--warn { color: $text-warning; }
    BubbleLines > .bubble-lines--bad { color: $text-error; }
    BubbleLines > .bubble-lines--muted { color: $text-muted; }
    BubbleLines > .bubble-lines--older { color: $text-muted; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.messages: list[Message] = []
        self.look: Look | None = None
        self.selected = -1
        self.older = False  # "↑ older messages" above the first
        self.renderer: str | None = None
        self.pictures: dict[tuple[int, int], Any] = {}  # decoded pictures, by (message id, part index)
        self.picture_errors: dict[tuple[int, int], str] = {}
        self.near_top: Callable[[], None] | None = None  # scrolled up near the top
        self.clicked: Callable[[int], None] | None = None  # a bubble was clicked: its index
        self.wanted: Callable[[int], None] | None = None  # a picture to draw is not decoded (a message id)
        self._blocks: dict[int, tuple[int, bool, list[Strip]]] = {}  # message id -> (width, selected, strips), oldest use first
        self._heights: dict[int, tuple[int, int]] = {}  # message id -> (width, lines)
        # Pictures as textual-image draws them, kept: a Kitty picture is sent to the
        # terminal once, and deleted there when its bubble goes.
        self._drawn: dict[tuple[int, int], tuple[Any, Any]] = {}  # (message id, part) -> (image, renderable)
        self._starts: list[int] = []  # first line of each message
        self._total = 0

    # ---- what is shown --------------------------------------------------------
    def show(self, messages: list[Message], look: Look | None, selected: int, older: bool) -> None:
        """A conversation's messages (a new one, or a page more, or a change)."""
        self.messages, self.look, self.older = messages, look, older
        self.selected = selected
        self.relayout()

    def forget(self, *message_ids: int) -> None:
        """These messages changed: draw them again."""
        for message_id in message_ids:
            self._blocks.pop(message_id, None)
            self._heights.pop(message_id, None)

    def relayout(self) -> None:
        width = self._width()
        starts, line = [], 1 if self.older else 0
        for index, message in enumerate(self.messages):
            starts.append(line)
            line += self._height(index, message, width) + 1  # a blank line under each bubble
        self._starts, self._total = starts, line
        known = {m.id for m in self.messages}
        self._blocks = {k: v for k, v in self._blocks.items() if k in known}
        self._heights = {k: v for k, v in self._heights.items() if k in known}
        for key in [key for key in self._drawn if key[0] not in known]:
            self._drawn.pop(key)[1].cleanup()
        self.virtual_size = Size(width, self._total)
        self.refresh()

    def select(self, index: int) -> None:
        old = self.selected
        self.selected = index
        for i in (old, index):
            if 0 <= i < len(self.messages):
                self.forget(self.messages[i].id)
        self.refresh()

    def span(self, index: int) -> tuple[int, int]:
        """First line and height of a message's bubble."""
        start = self._starts[index]
        end = self._starts[index + 1] - 1 if index + 1 < len(self._starts) else self._total - 1
        return start, end - start

    def index_at(self, line: int) -> int | None:
        index = bisect.bisect_right(self._starts, line) - 1
        if 0 <= index < len(self.messages) and line < self._starts[index] + self.span(index)[1]:
            return index
        return None

    def text_of(self, message_id: int) -> str:
        """What a message's bubble says, as plain text without its border (tests read it)."""
        for index, message in enumerate(self.messages):
            if message.id == message_id:
                strips = self._block(index, message, self._width())
                inside = [strip.text.strip() for strip in strips]  # less the margins
                return "\n".join(line.strip("│").strip() for line in inside if line[:1] not in ("╭", "╰"))
        return ""

    def strips_of(self, message_id: int) -> list[Strip]:
        for index, message in enumerate(self.messages):
            if message.id == message_id:
                return self._block(index, message, self._width())
        return []

    def scroll_to_bubble(self, index: int) -> None:
        """Scroll as little as needed to show the bubble (its top, if it is taller than the pane)."""
        if not 0 <= index < len(self._starts):
            return
        top, height = self.span(index)
        view = max(self.scrollable_content_region.height, 1)
        if top < self.scroll_y or height > view:
            self.scroll_to(y=top, animate=False)
        elif top + height > self.scroll_y + view:
            self.scroll_to(y=top + height - view, animate=False)

    # ---- drawing --------------------------------------------------------------
    def _width(self) -> int:
        return max(self.scrollable_content_region.width, MIN_BUBBLE + 4)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._blocks.clear()  # colours come from the theme

    def on_resize(self) -> None:
        self.relayout()

    @property
    def _drop(self) -> int:
        """Blank rows above a conversation shorter than the pane: it sits at the bottom, as a chat does."""
        return max(self.scrollable_content_region.height - self._total, 0)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = int(self.scroll_offset.y) + y - self._drop
        base = self.rich_style
        if line < 0:
            return Strip.blank(width, base)
        if self.older and line == 0:
            note = Text("↑ older messages", style=self._fg("bubble-lines--older"), justify="center")
            return self._strip(list(note.render(self.app.console)), 0, width, base)
        index = bisect.bisect_right(self._starts, line) - 1
        if not 0 <= index < len(self.messages):
            return Strip.blank(width, base)
        strips = self._block(index, self.messages[index], self._width())
        within = line - self._starts[index]
        return strips[within] if within < len(strips) else Strip.blank(width, base)

    def _fg(self, component: str) -> Style:
        full = self.get_component_rich_style(component)
        return Style(color=full.color, bold=full.bold, italic=full.italic)

    def _resolve(self, look: str) -> Style:
        """A STATUS_LOOK style (theme variables, dim, bold) as a Rich style."""
        style = Style()
        for word in look.split():
            if word == "bold":
                style += Style(bold=True)
            elif word == MUTED:
                style += self._fg("bubble-lines--muted")
            else:
                component = {OK: "ok", WARN: "warn", BAD: "bad"}.get(word)
                if component:
                    style += self._fg(f"bubble-lines--{component}")
        return style

    def _block(self, index: int, message: Message, width: int) -> list[Strip]:
        selected = index == self.selected
        cached = self._blocks.pop(message.id, None)
        if cached is None or cached[0] != width or cached[1] != selected:
            cached = (width, selected, self._render_bubble(message, width, selected))
        self._blocks[message.id] = cached  # the most recently used last
        while len(self._blocks) > KEPT_BUBBLES:
            self._blocks.pop(next(iter(self._blocks)))
        self._heights[message.id] = (width, len(cached[2]))
        return cached[2]

    def _height(self, index: int, message: Message, width: int) -> int:
        known = self._heights.get(message.id)
        return known[1] if known is not None and known[0] == width else len(self._block(index, message, width))

    def _render_bubble(self, message: Message, width: int, selected: bool) -> list[Strip]:
        look = self.look
        assert look is not None
        head, pictures, tail = bubble_parts(message, look, self._resolve)
        inner = width - 2  # the pane's padding
        widest = max(MIN_BUBBLE, int(inner * 0.8))
        console = self.app.console
        body: list[RenderableType] = list(head)
        natural = max(Measurement.get(console, console.options, text).maximum for text in head)
        for part in pictures:
            drawn, caption, columns = self._picture(message.id, part)
            if drawn is not None:
                body.append(Padding(drawn, (1, 0, 0, 0)))  # a line above the picture
            body.append(caption)
            natural = max(natural, columns, caption.cell_len)
        if tail is not None:
            body.append(tail)
            natural = max(natural, Measurement.get(console, console.options, tail).maximum)
        bubble_width = max(MIN_BUBBLE, min(widest, natural + 4))
        kind = "pending" if message.pending else "out" if message.outgoing else "in"
        border = "selected" if selected else "failed" if message.state == "failed" else kind
        panel = Panel(Group(*body), box=box.ROUNDED, padding=(0, 1), width=bubble_width,
                      style=self.get_component_rich_style(f"bubble-lines--{kind}"),
                      border_style=self._fg(f"bubble-lines--border-{border}"))
        lines = console.render_lines(panel, console.options.update(width=bubble_width, height=None), pad=True)
        left = 2 if not message.outgoing else max(width - 2 - bubble_width, 2)
        return [self._strip(line, left, width, self.rich_style) for line in lines]

    def _picture(self, message_id: int, part: Part) -> tuple[RenderableType | None, Text, int]:
        """The drawn picture (None: not yet, or not at all), its caption, its width in cells."""
        key = (message_id, part.index)
        error = self.picture_errors.get(key)
        if error is not None:
            return None, Text.assemble(part_label(part), ("  cannot show: ", "dim"), safe_line(error, limit=80, style="dim")), 0
        image = self.pictures.get(key)
        if image is None or self.renderer is None:
            if self.wanted is not None:
                self.call_later(self.wanted, message_id)  # not yet fetched, or left the bounded cache
            return None, Text.assemble(part_label(part), ("  loading…", "dim italic")), 0
        columns, rows = picture_size(image)
        drawn = self._drawn.get(key)
        if drawn is None or drawn[0] is not image:
            if drawn is not None:
                drawn[1].cleanup()
            drawn = (image, picture_renderable(image, self.renderer, columns, rows))
            self._drawn[key] = drawn
        return drawn[1], part_label(part), columns

    @staticmethod
    def _strip(segments: list[Segment], left: int, width: int, base: Style) -> Strip:
        line = [Segment(" " * left, base), *segments] if left else list(segments)
        return Strip(line).crop_extend(0, width, base)

    # ---- input ------------------------------------------------------------------
    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new < old and new <= 3 and self.near_top is not None:
            self.near_top()

    def on_click(self, event: events.Click) -> None:
        index = self.index_at(int(event.y + self.scroll_offset.y) - self._drop)
        if index is not None and self.clicked is not None:
            self.clicked(index)
