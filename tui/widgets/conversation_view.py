"""The open conversation: its header, and its bubbles pinned to the bottom.

The bubbles are one line-API widget (tui/widgets/bubble_lines.py) that draws only
the rows on screen. Opening loads a first short page; older pages load when the
selection or the scroll nears the top, keeping what is on screen in place.
Pictures are fetched and decoded in thread workers, so the UI never waits on the
daemon or on Pillow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.widgets import Static

from mmsua.api.methods import Api
from mmsua.api.shapes import Conversation, Message, Part
from mmsua.tui import actions
from mmsua.tui.contacts import Contacts, name_map
from mmsua.tui.display import safe_line
from mmsua.tui.failures import ApiFailed
from mmsua.tui.pictures import decode_picture, picture_bytes, renderer_for
from mmsua.tui.protocol import ImageMode
from mmsua.tui.requested import ConversationRequested
from mmsua.tui.widgets.bubble import Look, shown_parts
from mmsua.tui.widgets.bubble_lines import BubbleLines

# Decoded pictures kept for redraws and reopening, by their bytes: 800 × 800 RGB is
# 1.9 MB, so about sixteen of the largest.
PICTURE_CACHE_BYTES = 32 * 1024 * 1024


PICK = "Pick a conversation on the left (↑↓ and Enter),\nor press c to write a new message."


class ConversationView(Vertical, can_focus=True):
    BINDINGS = [
        *actions.bindings(actions.CONVERSATION),
        Binding("pageup", "page_up", show=False),
        Binding("pagedown", "page_down", show=False),
        Binding("home", "scroll_home", show=False),
        Binding("end", "scroll_end", show=False),
    ]

    DEFAULT_CSS = """
    ConversationView { background: $background; }
    ConversationView > .header { display: none; width: 1fr; padding: 0 2; background: $panel; color: $text; text-style: bold; }
    ConversationView > .header.-shown { display: block; }
    ConversationView > .empty { display: none; width: 1fr; height: 1fr; content-align: center middle; color: $text-muted; }
    ConversationView > .empty.-shown { display: block; }
    ConversationView > BubbleLines.-hidden { display: none; }
    """

    selected: reactive[int] = reactive(-1, always_update=True)

    class ActionRequested(TextualMessage):
        """The user asked for an action on a message (the app carries it out)."""

        def __init__(self, action: str, message: Message | None) -> None:
            super().__init__()
            self.action = action
            self.message = message

    class ReadChanged(TextualMessage):
        """Messages were marked read: unread counts elsewhere are stale."""

    class Loaded(TextualMessage):
        def __init__(self, conversation_id: int, count: int) -> None:
            super().__init__()
            self.conversation_id = conversation_id
            self.count = count

    def __init__(self, client: Api, contacts: Contacts, now: Callable[[], datetime], images: ImageMode, page_size: int = 50,
                 first_page: int = 15, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._first_page = max(1, min(first_page, page_size))
        self._client = client
        self._contacts = contacts
        self._now = now
        self._images = images
        self.renderer = renderer_for(images)  # None: pictures are listed, not drawn
        self._page_size = page_size
        self.conversation: Conversation | None = None
        self.messages: list[Message] = []
        self.complete = True
        self._generation = 0
        self._pictures: dict[tuple[int, int], Any] = {}
        self._fetching: set[tuple[int, int]] = set()  # pictures a worker is getting
        # A page arriving and a live event both rebuild rows across awaits; one at a
        # time, or a message that lands in both is drawn twice.
        self._rows_lock = asyncio.Lock()

    def compose(self) -> Any:
        yield Static("", classes="header", markup=False)
        yield Static(PICK, classes="empty -shown", markup=False)
        lines = BubbleLines()
        lines.renderer = self.renderer
        lines.pictures = self._pictures
        lines.near_top = self.load_older
        lines.clicked = self._clicked
        lines.wanted = self._want_pictures
        lines.add_class("-hidden")
        yield lines

    @property
    def lines(self) -> BubbleLines:
        return self.query_one(BubbleLines)

    def _note(self, text: str | None) -> None:
        """A line in the middle of the pane instead of bubbles (None: the bubbles)."""
        empty = self.query_one(".empty", Static)
        if text is not None:
            empty.update(text)
        empty.set_class(text is not None, "-shown")
        self.lines.set_class(text is not None, "-hidden")

    def _show_empty(self) -> None:
        self.query_one(".header", Static).remove_class("-shown")
        self._note(PICK)
        self.lines.show([], None, -1, older=False)

    def _look(self) -> Look:
        status = getattr(self.app, "status", None)  # the daemon's, as the status bar last had it
        return Look(self._contacts, self._now, self.group, pictures=self.renderer is not None, names=name_map(self.conversation),
                    modems=bool(status is not None and status.others))

    def _redraw(self, *changed: int, keep_bottom: bool = False) -> None:
        """The messages (or some of them) changed: lay the bubbles out again."""
        lines = self.lines
        at_bottom = keep_bottom or lines.scroll_y >= lines.max_scroll_y
        lines.forget(*changed)
        lines.show(self.messages, self._look(), self.selected, older=not self.complete and bool(self.messages))
        if at_bottom:
            self.call_after_refresh(lambda: lines.scroll_end(animate=False))

    # ---- loading ------------------------------------------------------------
    def show(self, conversation: Conversation) -> None:
        self._generation += 1
        self.conversation = conversation
        self.messages = []
        self.complete = False
        self.set_reactive(ConversationView.selected, -1)
        title = Text(", ").join(safe_line(label, limit=60) for label in self._contacts.labels(conversation))
        if len(conversation.participants) > 1:
            title = Text.assemble(("Group · ", "dim"), title)
        if conversation.blocked:
            title = Text.assemble(("Blocked · ", "bold"), title, ("  (U unblocks)", "dim"))
        header = self.query_one(".header", Static)
        header.update(title)
        header.add_class("-shown")
        self._note("")
        self.lines.show([], self._look(), -1, older=False)
        self._load(before_id=None)

    @property
    def group(self) -> bool:
        return self.conversation is not None and len(self.conversation.participants) > 1

    def _load(self, before_id: int | None) -> None:
        assert self.conversation is not None
        generation, conversation_id = self._generation, self.conversation.id

        limit = self._first_page if before_id is None else self._page_size

        def work() -> None:
            try:
                page = self._client.list_messages(conversation_id, before_id=before_id, limit=limit)
            except Exception as error:  # the app says why and shows the conversation again on reconnect
                self.post_message(ApiFailed(error, "loading the conversation"))
                self.app.call_from_thread(self._page_failed, generation, before_id)
                return
            # mypy cannot solve Textual's ``T | Awaitable[T]`` for a coroutine function (it picks Never).
            self.app.call_from_thread(self._add_page, generation, before_id, page, limit)  # type: ignore[arg-type]

        self.run_worker(work, thread=True, group="conversation-load")

    def _page_failed(self, generation: int, before_id: int | None) -> None:
        if generation != self._generation:
            return
        if before_id is None:
            self._note("Not loaded: the daemon is not answering. It is shown again once it does.")
        else:
            self.complete = False  # older messages can be asked for again

    async def _add_page(self, generation: int, before_id: int | None, page: list[Message], limit: int) -> None:
        async with self._rows_lock:
            self._add_page_locked(generation, before_id, page, limit)

    def _add_page_locked(self, generation: int, before_id: int | None, page: list[Message], limit: int) -> None:
        if generation != self._generation:
            return
        self.complete = len(page) < limit
        lines = self.lines
        if before_id is None:
            # Messages that arrived live while the page was on its way are kept after it, once.
            in_page = {m.id for m in page}
            later = [m for m in self.messages if m.id not in in_page]
            self.messages = page + later
            if not self.messages:
                self._note("No messages here yet: press r to write one.")
            else:
                self._note(None)
            self.set_reactive(ConversationView.selected, len(self.messages) - 1)
            self._redraw(keep_bottom=True)
        else:
            # Older messages go above: keep what the reader is looking at in place.
            height, y = lines.virtual_size.height, lines.scroll_y
            self.messages = page + self.messages
            self.set_reactive(ConversationView.selected, self.selected + len(page))
            self._redraw()
            lines.scroll_to(y=y + lines.virtual_size.height - height, animate=False)
        self._fetch_pictures(page)
        self._mark_read(page)
        self.post_message(self.Loaded(self.conversation.id if self.conversation else 0, len(self.messages)))
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        """Load older pages while the pane is not yet full (a tall terminal, short bubbles)."""
        if not self.complete and self.messages and self.lines.max_scroll_y == 0:
            self.load_older()

    def load_older(self) -> None:
        if not self.complete and self.messages:
            self.complete = True  # one request at a time; the page says if more remain
            self._load(before_id=self.messages[0].id)

    def _mark_read(self, page: list[Message]) -> None:
        unread = [m.id for m in page if not m.outgoing and not m.read and not m.pending]
        if not unread:
            return

        def work() -> None:
            try:
                for message_id in unread:
                    self._client.mark_read(message_id)
            except Exception as error:  # marked on the next showing
                self.post_message(ApiFailed(error, "marking messages read"))
                return
            self.post_message(self.ReadChanged())

        self.run_worker(work, thread=True, group="mark-read")

    # ---- pictures -----------------------------------------------------------
    def _fetch_pictures(self, messages: list[Message]) -> None:
        if self.renderer is None:
            return
        wanted = [(m.id, p) for m in messages for p in shown_parts(m)[0] if p.is_image and (m.id, p.index) not in self._fetching]
        if not wanted:
            return
        self._fetching.update((message_id, part.index) for message_id, part in wanted)
        generation = self._generation

        def work() -> None:
            for message_id, part in wanted:
                image = self._pictures.get((message_id, part.index))
                if image is None:
                    try:
                        image = decode_picture(self._client.get_part(message_id, part.index).data)
                    except Exception as error:  # a broken picture must not break the conversation
                        self.app.call_from_thread(self._picture_failed, generation, message_id, part, str(error))
                        continue
                self.app.call_from_thread(self._place_picture, generation, message_id, part, image)

        self.run_worker(work, thread=True, group="pictures")

    def _place_picture(self, generation: int, message_id: int, part: Part, image: Any) -> None:
        # The cache changes here, on the UI thread only: two picture workers evicting at
        # once would iterate it while the other inserts ("dictionary changed size").
        self._fetching.discard((message_id, part.index))
        self._pictures[(message_id, part.index)] = image
        while len(self._pictures) > 1 and sum(picture_bytes(i) for i in self._pictures.values()) > PICTURE_CACHE_BYTES:
            self._pictures.pop(next(iter(self._pictures)))
        if generation == self._generation and any(m.id == message_id for m in self.messages):
            self._redraw(message_id)

    def _picture_failed(self, generation: int, message_id: int, part: Part, reason: str) -> None:
        self._fetching.discard((message_id, part.index))
        self.lines.picture_errors[(message_id, part.index)] = reason
        if generation == self._generation and any(m.id == message_id for m in self.messages):
            self._redraw(message_id)

    def _want_pictures(self, message_id: int) -> None:
        """A bubble is drawn without its picture (one left the bounded cache): get it again."""
        self._fetch_pictures([m for m in self.messages if m.id == message_id])

    # ---- live updates -------------------------------------------------------
    async def upsert(self, message: Message) -> None:
        """A message arrived or changed: update its bubble, or add one at the end."""
        async with self._rows_lock:
            self._upsert_locked(message)

    def _upsert_locked(self, message: Message) -> None:
        if self.conversation is None or message.conversation_id != self.conversation.id:
            return
        index = next((i for i, m in enumerate(self.messages) if m.id == message.id), None)
        if index is not None:
            self.messages[index] = message
            self._redraw(message.id)
            self._fetch_pictures([message])
            return
        was_last = self.selected == len(self.messages) - 1
        self.messages.append(message)
        self._note(None)
        if was_last:
            self.set_reactive(ConversationView.selected, len(self.messages) - 1)
        self._redraw(keep_bottom=was_last)
        self._fetch_pictures([message])
        self._mark_read([message])

    async def remove_message(self, message_id: int) -> None:
        """A message was deleted: take its bubble away, keep the selection near it."""
        async with self._rows_lock:
            self._remove_locked(message_id)

    def _remove_locked(self, message_id: int) -> None:
        index = next((i for i, m in enumerate(self.messages) if m.id == message_id), None)
        if index is None:
            return
        del self.messages[index]
        if not self.messages and self.complete:
            self._note("No messages left in this conversation.")
        self.set_reactive(ConversationView.selected, min(index, len(self.messages) - 1))
        self._redraw()

    # ---- selection ----------------------------------------------------------
    @property
    def selected_message(self) -> Message | None:
        return self.messages[self.selected] if 0 <= self.selected < len(self.messages) else None

    def watch_selected(self, old: int, new: int) -> None:
        if not self.messages:
            return
        if new < 0 or new >= len(self.messages):
            self.selected = max(0, min(new, len(self.messages) - 1))
            return
        lines = self.lines
        lines.select(new)
        lines.scroll_to_bubble(new)

    def action_next_message(self) -> None:
        if self.selected >= len(self.messages) - 1:
            self.lines.scroll_end(animate=False)
        self.selected += 1

    def action_previous_message(self) -> None:
        if self.selected <= 0:
            self.load_older()
            self.lines.scroll_home(animate=False)
        self.selected -= 1

    def action_page_up(self) -> None:
        # Never animated: each frame of an animation draws the pane again.
        self.lines.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.lines.scroll_page_down(animate=False)

    def action_scroll_home(self) -> None:
        self.load_older()
        self.lines.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        self.lines.scroll_end(animate=False)

    def _request(self, action: str) -> None:
        if self.conversation is not None:
            self.post_message(self.ActionRequested(action, self.selected_message))

    def action_reply(self) -> None:
        self._request("reply")

    def action_reply_all(self) -> None:
        self._request("reply_all")

    def action_download(self) -> None:
        self._request("download")

    def action_save_part(self) -> None:
        self._request("save_part")

    def action_open_part(self) -> None:
        self._request("open_part")

    def action_retry(self) -> None:
        self._request("retry")

    def action_cancel_send(self) -> None:
        self._request("cancel_send")

    def action_delete(self) -> None:
        self._request("delete")

    def action_forward(self) -> None:
        self._request("forward")

    def action_copy(self) -> None:
        self._request("copy")

    def action_mark_read(self) -> None:
        self.post_message(ConversationRequested("mark_read", self.conversation))

    def action_delete_conversation(self) -> None:
        self.post_message(ConversationRequested("delete_conversation", self.conversation))

    def action_block(self) -> None:
        self.post_message(ConversationRequested("block", self.conversation))

    def action_unblock(self) -> None:
        self.post_message(ConversationRequested("unblock", self.conversation))

    def action_toggle_mute(self) -> None:
        self.post_message(ConversationRequested("toggle_mute", self.conversation))

    def close(self) -> None:
        """The conversation is gone (deleted, or moved between the inbox and the blocked)."""
        self._generation += 1
        self.conversation = None
        self.messages = []
        self.set_reactive(ConversationView.selected, -1)
        self._show_empty()

    def _clicked(self, index: int) -> None:
        if 0 <= index < len(self.messages):
            self.selected = index
        self.focus()

    def on_click(self, event: Any) -> None:
        self.focus()
