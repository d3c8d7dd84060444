"""The open conversation: a page of bubbles pinned to the bottom.

Opening loads only a first short page (enough to fill the pane: mounting
widgets is what costs, about 6 ms a bubble); older pages load when the selection
or the scroll nears the top, keeping what is on screen in place. Pictures are
fetched and decoded in thread workers, so the UI never waits on the daemon or
on Pillow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.text import Text
from textual.containers import VerticalScroll
from textual.message import Message as TextualMessage
from textual.reactive import reactive
from textual.widgets import Static

from mmsua.api.methods import Api
from mmsua.api.shapes import Conversation, Message, Part
from mmsua.tui import actions
from mmsua.tui.contacts import Contacts, name_map
from mmsua.tui.display import safe_line
from mmsua.tui.failures import ApiFailed
from mmsua.tui.pictures import decode_picture, picture_bytes, picture_widget, renderer_for
from mmsua.tui.protocol import ImageMode
from mmsua.tui.requested import ConversationRequested
from mmsua.tui.widgets.bubble import Bubble, BubbleRow, PictureSlot, part_label, shown_parts

# Decoded pictures kept for redraws and reopening, by their bytes: 800 × 800 RGB is
# 1.9 MB, so about sixteen of the largest.
PICTURE_CACHE_BYTES = 32 * 1024 * 1024


class ConversationView(VerticalScroll, can_focus=True):
    BINDINGS = actions.bindings(actions.CONVERSATION)

    DEFAULT_CSS = """
    ConversationView { background: $background; padding: 0 1; scrollbar-size-vertical: 1; }
    ConversationView > .header { dock: top; width: 1fr; padding: 0 1; background: $panel; color: $text; text-style: bold; }
    ConversationView > .older { width: 1fr; content-align: center middle; color: $text-muted; }
    ConversationView > .empty { width: 1fr; height: 1fr; content-align: center middle; color: $text-muted; }
    ConversationView .picture { margin: 1 0 0 0; }
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
        # A page arriving and a live event both rebuild rows across awaits; one at a
        # time, or a message that lands in both is drawn twice.
        self._rows_lock = asyncio.Lock()

    def on_mount(self) -> None:
        self.anchor()
        self._show_empty()

    def _show_empty(self) -> None:
        self.remove_children()
        self.mount(Static("Pick a conversation on the left (↑↓ and Enter),\nor press c to write a new message.", classes="empty"))

    # ---- loading ------------------------------------------------------------
    def show(self, conversation: Conversation) -> None:
        self._generation += 1
        self.conversation = conversation
        self.messages = []
        self.complete = False
        self.selected = -1
        self.remove_children()
        title = Text(", ").join(safe_line(label, limit=60) for label in self._contacts.labels(conversation))
        if len(conversation.participants) > 1:
            title = Text.assemble(("Group · ", "dim"), title)
        if conversation.blocked:
            title = Text.assemble(("Blocked · ", "bold"), title, ("  (U unblocks)", "dim"))
        self.mount(Static(title, classes="header", markup=False))
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
            self.mount(Static("Not loaded: the daemon is not answering. It is shown again once it does.", classes="empty"))
        else:
            self.complete = False  # older messages can be asked for again

    async def _add_page(self, generation: int, before_id: int | None, page: list[Message], limit: int) -> None:
        async with self._rows_lock:
            await self._add_page_locked(generation, before_id, page, limit)

    async def _add_page_locked(self, generation: int, before_id: int | None, page: list[Message], limit: int) -> None:
        if generation != self._generation:
            return
        self.complete = len(page) < limit
        for old in self.query(".older"):
            await old.remove()
        rows = [BubbleRow(self._bubble(m)) for m in page]
        if before_id is None:
            # Messages that arrived live while the page was on its way are kept after it, once.
            in_page = {m.id for m in page}
            later = [m for m in self.messages if m.id not in in_page]
            for row in self.query(BubbleRow):
                await row.remove()
            self.messages = page + later
            rows += [BubbleRow(self._bubble(m)) for m in later]
            if rows:
                await self.mount_all(rows)
            else:
                await self.mount(Static("No messages here yet: press r to write one.", classes="empty"))
            self.selected = len(self.messages) - 1
            self.scroll_end(animate=False)
        else:
            # Older messages go above: keep what the reader is looking at in place.
            height, y = self.virtual_size.height, self.scroll_y
            self.messages = page + self.messages
            first = self.query(BubbleRow).first() if self.query(BubbleRow) else None
            if rows:
                await self.mount_all(rows, before=first)
            self._selected_quietly(self.selected + len(page))
            self.call_after_refresh(lambda: self.scroll_to(y=y + self.virtual_size.height - height, animate=False))
        if not self.complete:
            header = self.query_one(".header")
            await self.mount(Static("↑ older messages", classes="older"), after=header)
        self._fetch_pictures(page)
        self._mark_read(page)
        self.post_message(self.Loaded(self.conversation.id if self.conversation else 0, len(self.messages)))
        self.call_after_refresh(self._fill)

    def _fill(self) -> None:
        """Load older pages while the pane is not yet full (a tall terminal, short bubbles)."""
        if not self.complete and self.messages and self.max_scroll_y == 0:
            self.load_older()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if new < old and new <= 3:  # scrolling up, near the top
            self.load_older()

    def _selected_quietly(self, index: int) -> None:
        """Move the selection without scrolling to it."""
        self.set_reactive(ConversationView.selected, index)
        self._apply_selection(-1, index)

    def _bubble(self, message: Message) -> Bubble:
        return Bubble(message, self._contacts, self._now, self.group, pictures=self.renderer is not None, names=name_map(self.conversation))

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
        wanted = [(m.id, p) for m in messages for p in shown_parts(m)[0] if p.is_image]
        if not wanted:
            return
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

    def _slot(self, message_id: int, part: Part) -> tuple[Bubble, PictureSlot] | None:
        for slot in self.query(PictureSlot):
            if slot.message_id == message_id and slot.part.index == part.index:
                return slot.parent, slot  # type: ignore[return-value]
        return None

    def _place_picture(self, generation: int, message_id: int, part: Part, image: Any) -> None:
        # The cache changes here, on the UI thread only: two picture workers evicting at
        # once would iterate it while the other inserts ("dictionary changed size").
        self._pictures[(message_id, part.index)] = image
        while len(self._pictures) > 1 and sum(picture_bytes(i) for i in self._pictures.values()) > PICTURE_CACHE_BYTES:
            self._pictures.pop(next(iter(self._pictures)))
        if generation != self._generation or self.renderer is None or (found := self._slot(message_id, part)) is None:
            return
        bubble, slot = found
        bubble.set_picture(slot, picture_widget(image, self.renderer))

    def _picture_failed(self, generation: int, message_id: int, part: Part, reason: str) -> None:
        if generation != self._generation or (found := self._slot(message_id, part)) is None:
            return
        found[1].update(Text.assemble(part_label(part), ("  cannot show: ", "dim"), safe_line(reason, limit=80, style="dim")))

    # ---- live updates -------------------------------------------------------
    async def upsert(self, message: Message) -> None:
        """A message arrived or changed: update its bubble, or add one at the end."""
        async with self._rows_lock:
            await self._upsert_locked(message)

    async def _upsert_locked(self, message: Message) -> None:
        if self.conversation is None or message.conversation_id != self.conversation.id:
            return
        index = next((i for i, m in enumerate(self.messages) if m.id == message.id), None)
        if index is not None:
            self.messages[index] = message
            for row in self.query(BubbleRow):
                if row.bubble.message.id == message.id:
                    await row.bubble.show_message(message)
            self._apply_selection(-1, self.selected)
            self._fetch_pictures([message])
            return
        was_last = self.selected == len(self.messages) - 1
        for note in self.query(".empty"):
            await note.remove()
        self.messages.append(message)
        await self.mount(BubbleRow(self._bubble(message)))
        if was_last:
            self.selected = len(self.messages) - 1
        self._fetch_pictures([message])
        self._mark_read([message])

    async def remove_message(self, message_id: int) -> None:
        """A message was deleted: take its bubble away, keep the selection near it."""
        async with self._rows_lock:
            await self._remove_locked(message_id)

    async def _remove_locked(self, message_id: int) -> None:
        index = next((i for i, m in enumerate(self.messages) if m.id == message_id), None)
        if index is None:
            return
        del self.messages[index]
        for row in [row for row in self.query(BubbleRow) if row.bubble.message.id == message_id]:
            await row.remove()
        if not self.messages and self.complete:
            await self.mount(Static("No messages left in this conversation.", classes="empty"))
        self.selected = min(index, len(self.messages) - 1)

    # ---- selection ----------------------------------------------------------
    @property
    def selected_message(self) -> Message | None:
        return self.messages[self.selected] if 0 <= self.selected < len(self.messages) else None

    def _apply_selection(self, old: int, new: int) -> None:
        rows = list(self.query(BubbleRow))
        for i, row in enumerate(rows):
            row.bubble.set_class(i == new, "-selected")

    def watch_selected(self, old: int, new: int) -> None:
        if not self.messages:
            return
        if new < 0 or new >= len(self.messages):
            self.selected = max(0, min(new, len(self.messages) - 1))
            return
        self._apply_selection(old, new)
        rows = list(self.query(BubbleRow))
        if 0 <= new < len(rows):
            self.scroll_to_widget(rows[new], animate=False, top=False)

    def action_page_up(self) -> None:
        # Never animated: each frame of an animation lays out and draws the pane again.
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_next_message(self) -> None:
        if self.selected >= len(self.messages) - 1:
            self.scroll_end(animate=False)
        self.selected += 1

    def action_previous_message(self) -> None:
        if self.selected <= 0:
            self.load_older()
            self.scroll_home(animate=False)
        self.selected -= 1

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

    def close(self) -> None:
        """The conversation is gone (deleted, or moved between the inbox and the blocked)."""
        self._generation += 1
        self.conversation = None
        self.messages = []
        self.selected = -1
        self._show_empty()

    def on_click(self, event: Any) -> None:
        widget = event.widget
        while widget is not None and not isinstance(widget, Bubble):
            widget = widget.parent
        if isinstance(widget, Bubble) and widget.message in self.messages:
            self.selected = self.messages.index(widget.message)
        self.focus()
