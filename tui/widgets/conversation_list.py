"""The conversation list: virtual, paged, searchable.

Only the rows on screen are drawn (Textual's line API, as toolong does), and
conversations are fetched a page at a time as the cursor or the scroll nears
the end of what is loaded, so 2,000 conversations cost what 20 do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from mmsua.api.shapes import Conversation
from mmsua.tui import actions
from mmsua.tui.contacts import Contacts
from mmsua.tui.display import safe_line, short_time
from mmsua.tui.failures import ApiFailed
from mmsua.tui.requested import ConversationRequested

ROW_HEIGHT = 3  # name and time, preview and badge, a blank line
PAGE_SIZE = 100
PREFETCH_ROWS = 30  # fetch the next page when the cursor or the view gets this close


@dataclass(frozen=True, slots=True)
class Page:
    generation: int
    offset: int
    rows: list[Conversation]
    complete: bool


def conversation_title(conversation: Conversation, contacts: Contacts) -> Text:
    """Names (or numbers) of the participants; groups list them all."""
    labels = contacts.labels(conversation) or ["(no participants)"]
    title = safe_line(", ".join(labels), limit=120)
    if len(labels) > 1:
        title = Text.assemble(Text(f"{len(labels)}· ", style="dim"), title)
    return title


class ConversationList(ScrollView, can_focus=True):
    """Conversations, most recent first. Enter (or a click) opens one."""

    BINDINGS = actions.bindings(actions.LIST)

    COMPONENT_CLASSES = {
        "conversation-list--cursor",
        "conversation-list--unread",
        "conversation-list--time",
        "conversation-list--preview",
        "conversation-list--badge",
        "conversation-list--loading",
    }

    DEFAULT_CSS = """
    ConversationList { background: $surface; scrollbar-size-vertical: 1; overflow-x: hidden; }
    ConversationList > .conversation-list--cursor { background: $boost; }
    ConversationList:focus > .conversation-list--cursor { background: $primary 35%; }
    ConversationList > .conversation-list--unread { text-style: bold; }
    ConversationList > .conversation-list--time { color: $text-muted; }
    ConversationList > .conversation-list--preview { color: $text-muted; }
    ConversationList > .conversation-list--badge { background: $accent; color: $text; text-style: bold; }
    ConversationList > .conversation-list--loading { color: $text-muted; text-style: italic; }
    """

    cursor: reactive[int] = reactive(0, always_update=True)

    class Opened(Message):
        def __init__(self, conversation: Conversation) -> None:
            super().__init__()
            self.conversation = conversation

    class Highlighted(Message):
        def __init__(self, conversation: Conversation) -> None:
            super().__init__()
            self.conversation = conversation

    def __init__(
        self,
        fetch: Callable[[str | None, int, int], list[Conversation]],
        contacts: Contacts,
        now: Callable[[], datetime],
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._fetch = fetch
        self._contacts = contacts
        self._now = now
        self.rows: list[Conversation] = []
        self.query: str | None = None  # type: ignore[assignment]  # the search text; DOMNode.query is not used on this widget
        self.complete = False
        self._loading = False
        self.stalled = False  # a page failed to load (the daemon went away)
        self._generation = 0
        self._cache: dict[tuple[int, int, bool], tuple[Strip, Strip]] = {}

    # ---- data -------------------------------------------------------------
    def on_mount(self) -> None:
        self.reload()

    def reload(self, query: str | None = None) -> None:
        """Start over (a new search, or the first load)."""
        self._generation += 1
        self.stalled = False
        self.query = query or None
        self.rows = []
        self.complete = False
        self._loading = False
        self._cache.clear()
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self._update_size()
        self._request_page()

    def _request_next_page(self) -> None:
        if self._loading or self.complete:
            return
        self._loading = True
        generation, query, offset = self._generation, self.query, len(self.rows)
        self.run_worker(lambda: self._load(generation, query, offset), thread=True, group="conversation-pages")

    def _load(self, generation: int, query: str | None, offset: int) -> None:
        try:
            rows = self._fetch(query, PAGE_SIZE, offset)
        except Exception as error:  # the app says why; the page is asked for again on reconnect
            self.post_message(ApiFailed(error, "listing conversations"))
            self.app.call_from_thread(self._page_failed, generation)
            return
        page = Page(generation, offset, rows, complete=len(rows) < PAGE_SIZE)
        self.app.call_from_thread(self._add_page, page)

    def _page_failed(self, generation: int) -> None:
        if generation == self._generation:
            self._loading = False
            self.stalled = True  # no more requests from drawing "loading…" until resume()
            self.refresh()

    def resume(self) -> None:
        """The daemon answers again: ask for the page that failed."""
        if self.stalled:
            self.stalled = False
            self._request_page()
            self.refresh()

    def _request_page(self) -> None:
        if not self.stalled:
            self._request_next_page()

    def _add_page(self, page: Page) -> None:
        if page.generation != self._generation:
            return  # an older search
        # Taken even when merge_top changed the row count meanwhile (a new conversation on
        # top shifts the offsets by one): dropping it would leave _loading set and end the
        # paging; an overlap with the rows already here is skipped below.
        self._loading = False
        known = {row.id for row in self.rows}
        self.rows.extend(r for r in page.rows if r.id not in known)
        self.complete = page.complete
        self._update_size()
        self.refresh()
        if page.offset == 0 and self.rows:
            self.post_message(self.Highlighted(self.rows[min(self.cursor, len(self.rows) - 1)]))
        self._maybe_prefetch()

    def merge_top(self, rows: list[Conversation]) -> None:
        """Put freshly fetched most-recent conversations first, keeping the cursor on its row."""
        current = self.highlighted
        fresh = {r.id for r in rows}
        self.rows = list(rows) + [r for r in self.rows if r.id not in fresh]
        self._cache.clear()
        if current is not None:
            self.cursor = next((i for i, r in enumerate(self.rows) if r.id == current.id), self.cursor)
        self._update_size()
        self.refresh()

    def replace(self, conversation: Conversation) -> None:
        for i, row in enumerate(self.rows):
            if row.id == conversation.id:
                self.rows[i] = conversation
                self._cache.clear()
                self.refresh()
                return

    def _update_size(self) -> None:
        extra = 0 if self.complete else 1  # the "loading…" row
        self.virtual_size = Size(0, (len(self.rows) + extra) * ROW_HEIGHT)

    def _maybe_prefetch(self) -> None:
        bottom_row = (self.scroll_offset.y + self.size.height) // ROW_HEIGHT
        if not self.complete and max(self.cursor, bottom_row) + PREFETCH_ROWS >= len(self.rows):
            self._request_page()

    @property
    def highlighted(self) -> Conversation | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    # ---- drawing ----------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()

    def on_resize(self) -> None:
        self._cache.clear()
        self._update_size()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = self.scroll_offset.y + y
        row, within = divmod(line, ROW_HEIGHT)
        base = self.rich_style
        if row >= len(self.rows):
            if row == len(self.rows) and not self.complete and within == 0:
                if self.stalled:
                    return self._note("not loaded: daemon not answering", width)
                self.call_later(self._request_page)
                return self._note("loading…", width)
            if row == 0 and self.complete and within in (1, 2):
                # An empty state says what to do next.
                if self.query:
                    return self._note("No conversations match." if within == 1 else "Esc clears the search.", width)
                return self._note("No conversations yet." if within == 1 else "Press c to write a message.", width)
            return Strip.blank(width, base)
        if within == 2:
            return Strip.blank(width, base)
        selected = row == self.cursor
        key = (row, width, selected)
        if key not in self._cache:
            self._cache[key] = self._render_row(self.rows[row], width, selected)
            if len(self._cache) > 600:
                self._cache.pop(next(iter(self._cache)))
        return self._cache[key][within]

    def _fg(self, component: str) -> Style:
        """A component's colour and text style without its background (the row's shows through)."""
        full = self.get_component_rich_style(component)
        return Style(color=full.color, bold=full.bold, italic=full.italic)

    def _note(self, note: str, width: int) -> Strip:
        return self._strip(Text(note, style=self._fg("conversation-list--loading")), width, 3, self.rich_style)

    def _render_row(self, conversation: Conversation, width: int, selected: bool) -> tuple[Strip, Strip]:
        style = self.rich_style
        if selected:
            style = style + self.get_component_rich_style("conversation-list--cursor")
        unread = conversation.unread > 0
        pad = 1
        inner = max(width - 2 * pad, 1)
        # Line 1: marker, title ... time
        time_text = Text(short_time(conversation.last_date, self._now()), style=self._fg("conversation-list--time"))
        title = conversation_title(conversation, self._contacts)
        if unread:
            title.stylize(self._fg("conversation-list--unread"))
        marker = Text("● " if unread else "  ", style=Style(color="bright_blue") if unread else Style())
        line1 = self._fit(marker, title, time_text, inner)
        # Line 2: preview ... unread badge
        preview = safe_line(conversation.last_preview, limit=300, style=self._fg("conversation-list--preview"))
        badge = Text(f" {conversation.unread} " if unread else "", style=self.get_component_rich_style("conversation-list--badge"))
        line2 = self._fit(Text("  "), preview, badge, inner)
        return tuple(self._strip(text, width, pad, style) for text in (line1, line2))  # type: ignore[return-value]

    @staticmethod
    def _fit(lead: Text, body: Text, tail: Text, width: int) -> Text:
        room = max(width - lead.cell_len - tail.cell_len - (1 if tail.cell_len else 0), 1)
        body = body.copy()
        body.truncate(room, overflow="ellipsis", pad=True)
        return Text.assemble(lead, body, " " if tail.cell_len else "", tail)

    def _strip(self, text: Text, width: int, pad: int, style: Style) -> Strip:
        text = Text.assemble(" " * pad, text, " " * pad)
        text.truncate(width, pad=True)
        segments = [Segment(s.text, style + s.style if s.style else style) for s in text.render(self.app.console) if s.text != "\n"]
        return Strip(segments).crop_extend(0, width, style)

    # ---- moving -----------------------------------------------------------
    def watch_cursor(self, old: int, new: int) -> None:
        if not self.rows:
            return
        clamped = max(0, min(new, len(self.rows) - 1))
        if clamped != new:
            self.cursor = clamped
            return
        self._cache = {k: v for k, v in self._cache.items() if k[0] not in (old, new)}
        self.refresh()
        top, bottom = new * ROW_HEIGHT, new * ROW_HEIGHT + ROW_HEIGHT
        if top < self.scroll_offset.y:
            self.scroll_to(y=top, animate=False)
        elif bottom > self.scroll_offset.y + self.size.height:
            self.scroll_to(y=bottom - self.size.height, animate=False)
        self._maybe_prefetch()
        if old != new:
            self.post_message(self.Highlighted(self.rows[new]))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._maybe_prefetch()

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self.rows) - 1

    def action_page_down(self) -> None:
        self.cursor += max(self.size.height // ROW_HEIGHT, 1)

    def action_page_up(self) -> None:
        self.cursor -= max(self.size.height // ROW_HEIGHT, 1)

    def action_open(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Opened(self.highlighted))

    def _request(self, action: str, conversation: Conversation | None) -> None:
        self.post_message(ConversationRequested(action, conversation))

    def action_mark_read(self) -> None:
        self._request("mark_read", self.highlighted)

    def action_mark_all_read(self) -> None:
        self._request("mark_all_read", None)

    def action_delete_conversation(self) -> None:
        self._request("delete_conversation", self.highlighted)

    def action_block(self) -> None:
        self._request("block", self.highlighted)

    def action_unblock(self) -> None:
        self._request("unblock", self.highlighted)

    def action_toggle_mute(self) -> None:
        self._request("toggle_mute", self.highlighted)

    def action_toggle_blocked(self) -> None:
        self._request("toggle_blocked", None)

    def mark_read(self, conversation_id: int | None) -> None:
        """Its messages (or every conversation's, with None) were marked read: no badge,
        also on rows past the top that a refresh of the top does not reach."""
        self.rows = [replace(r, unread=0) if conversation_id in (None, r.id) else r for r in self.rows]
        self._cache.clear()
        self.refresh()

    def drop(self, conversation_id: int) -> None:
        """A conversation left this list (deleted, or blocked or unblocked elsewhere)."""
        kept = [r for r in self.rows if r.id != conversation_id]
        if len(kept) == len(self.rows):
            return
        self.rows = kept
        self._cache.clear()
        self.cursor = min(self.cursor, max(len(self.rows) - 1, 0))
        self._update_size()
        self.refresh()

    def on_click(self, event: events.Click) -> None:
        row = int(event.y + self.scroll_offset.y) // ROW_HEIGHT
        if 0 <= row < len(self.rows):
            self.cursor = row
            self.focus()
            self.action_open()
