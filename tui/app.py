"""The mmsua inbox: conversations on the left, the open one on the right.

Built with :func:`make_app` from any :class:`~mmsua.api.methods.Api` client; every
blocking call runs in a thread worker and comes back with ``call_from_thread``.
Daemon events arrive on another thread and are posted as Textual messages.
"""

from __future__ import annotations

import collections
import shutil
from pathlib import Path
from typing import Any, Literal

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.dom import DOMNode
from textual.message import Message as TextualMessage
from textual.screen import Screen
from textual.widgets import Footer, Input, Static, TextArea
from textual.worker import get_current_worker

from mmsua.addresses import same_person
from mmsua.api.events import ConnectionClosed, Event, Log, MessageDeleted, MessageReceived, MessageUpdated, ModemState
from mmsua.api.methods import Api
from mmsua.api.shapes import Conversation, Message, Part
from mmsua.tui import actions
from mmsua.tui.chores import ConversationChores
from mmsua.tui.commands import ActionCommands
from mmsua.tui.contacts import Contacts
from mmsua.tui.display import long_time, safe_line
from mmsua.tui.drafts import Drafts, conversation_key
from mmsua.tui.failures import ApiFailed, maybe_gone
from mmsua.tui.files import open_with_viewer, save_part
from mmsua.tui.model import Status
from mmsua.tui.protocol import Settings
from mmsua.tui.screens.compose import ComposeScreen, Draft
from mmsua.tui.screens.dialogs import Confirm, PartChooser
from mmsua.tui.screens.help import HelpScreen
from mmsua.tui.screens.log import LogScreen
from mmsua.tui.widgets.conversation_list import ConversationList, conversation_title
from mmsua.tui.widgets.conversation_view import ConversationView
from mmsua.tui.widgets.status_bar import StatusBar

STATUS_POLL_SECONDS = 15.0
# After a loss, ask the daemon again after these many seconds, then every last one:
# back within a second of a quick restart, and no busy loop while it stays away.
RECONNECT_DELAYS = (0.5, 1.0, 2.0, 4.0, 5.0)
LOG_LINES = 500
# A search runs this long after the last key typed: a word typed fast is one query, not one a key.
SEARCH_DEBOUNCE_SECONDS = 0.15


def contact_search_terms(contacts: Contacts, query: str, limit: int = 5) -> list[str]:
    """Number fragments of contacts whose name matches ``query`` (last nine digits, so
    national and international forms of a number both match what the store keeps)."""
    terms: list[str] = []
    for _name, address in contacts.complete(query, limit=limit):
        digits = "".join(ch for ch in address if ch.isdigit())
        term = address if "@" in address else digits[-9:]
        if term and term not in terms:
            terms.append(term)
    return terms


class DaemonEvent(TextualMessage):
    """A daemon event, posted to the app from the client's event thread."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class MmsuaApp(ConversationChores):
    TITLE = "mmsua"
    CSS_PATH = "app.tcss"
    BINDINGS = actions.bindings(actions.APP)
    COMMANDS = App.COMMANDS | {ActionCommands}
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (90, "-wide")]

    def __init__(self, client: Api, settings: Settings) -> None:
        super().__init__()
        self.client = client  # both clients take calls from several workers at once
        self.settings = settings
        self.status: Status | None = None
        self.log_lines: collections.deque[Text] = collections.deque(maxlen=LOG_LINES)
        self.received: list[int] = []  # ids of messages that arrived while open (tests read this)
        self._events_live = False  # subscribed to daemon events and the stream has not closed
        self._unsubscribe: Any = None  # stops the current event subscription
        self._reconnect_timer: Any = None  # the next attempt to reach a daemon that went away
        self._reconnect_attempts = 0
        self.viewer_copies: list[Path] = []  # private directories of parts opened with the viewer
        self.drafts = Drafts(settings.drafts_file)
        self._search_timer: Any = None  # the search waiting for typing to pause

    # ---- layout -------------------------------------------------------------
    def compose(self) -> ComposeResult:
        s = self.settings
        with Horizontal(id="panes"):
            with Vertical(id="sidebar"):
                yield Input(placeholder="search conversations…", id="search")
                yield Static("Blocked conversations · b: back to the inbox", id="list-mode")
                yield ConversationList(self._fetch_conversations, s.contacts, s.clock, id="conversations")
            yield ConversationView(self.client, s.contacts, s.clock, s.images, s.page_size, s.first_page, id="conversation")
        yield StatusBar(s.connection_label, id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.theme = self.settings.theme
        self.query_one(ConversationList).focus()
        self._poll_status()
        self.set_interval(STATUS_POLL_SECONDS, self._poll_status)
        self._subscribe()
        if not self._events_live:
            self._set_connected(False)
        else:
            # The list's first page was read before the subscription: a message that
            # landed in between has no event, so read the top again now.
            self._refresh_list_top()

    def _subscribe(self) -> None:
        """Subscribe to the daemon's events, ending the previous subscription first: the
        socket client ends its event connection silently when a call loses the daemon,
        and an old stream left running would deliver every later event twice."""
        if self._unsubscribe is not None:
            try:
                self._unsubscribe()
            except Exception as error:  # already gone with its connection
                self._log_line("INFO", f"old event subscription: {error}")
            self._unsubscribe = None
        try:
            self._unsubscribe = self.client.subscribe(self._post_event)
        except Exception as error:
            self._events_live = False
            self._log_line("ERROR", f"cannot subscribe to daemon events: {error}")
            return
        self._events_live = True

    def _post_event(self, event: Event) -> None:
        """The client's event callback (on its thread): the event goes through the app's queue."""
        self.post_message(DaemonEvent(event))

    def _fetch_conversations(self, query: str | None, limit: int, offset: int) -> list[Conversation]:
        """A page of conversations; a search also finds contacts by name (the store knows only numbers)."""
        blocked = self.showing_blocked
        fetch = self.client.list_conversations
        if not query:
            return fetch(limit=limit, offset=offset, blocked=blocked)
        numbers = contact_search_terms(self.settings.contacts, query)
        if not numbers:
            return fetch(query=query, limit=limit, offset=offset, blocked=blocked)
        found: dict[int, Conversation] = {}
        for term in (query, *numbers):
            for conversation in fetch(query=term, limit=offset + limit, offset=0, blocked=blocked):
                found.setdefault(conversation.id, conversation)
        # ISO 8601 UTC text in one form: its order is the time order.
        ordered = sorted(found.values(), key=lambda c: (c.last_date is not None, c.last_date or "", c.id), reverse=True)
        return ordered[offset : offset + limit]

    def action_target(self, context: str, screen: Screen[Any] | None = None) -> DOMNode | None:
        """The object whose ``action_<id>`` handles actions of ``context`` on ``screen``."""
        screen = screen or self.screen
        main = screen is self.screen_stack[0]
        if context == actions.APP:
            return self
        if context == actions.LIST and main:
            return self.conversation_list
        if context == actions.CONVERSATION and main and self.conversation_view.conversation:
            return self.conversation_view
        if context == actions.COMPOSER and isinstance(screen, ComposeScreen):
            return screen
        return None

    # ---- status and events --------------------------------------------------
    @work(thread=True, exclusive=True, group="status")
    def _poll_status(self) -> None:
        try:
            status = Status.from_api(self.client.status())
        except Exception as error:
            self.call_from_thread(self._set_connected, False, str(error))
            return
        self.call_from_thread(self._set_status, status)

    def _set_status(self, status: Status) -> None:
        if status.problem and (self.status is None or self.status.problem != status.problem):
            self._log_line("ERROR", status.problem)
        self.status = status
        bar = self.main_screen.query_one(StatusBar)
        bar.status = status
        self._reconnect_attempts = 0
        if not bar.connected:
            bar.connected = True
            self._reconnected()
        elif not self._events_live:
            self._subscribe()

    def _set_connected(self, connected: bool, reason: str = "") -> None:
        """Connected again goes through a status answer (``_set_status``); this marks a loss."""
        bar = self.main_screen.query_one(StatusBar)
        if bar.connected and not connected:
            self.notify("The daemon is not running (or not answering); reconnecting by itself.", severity="error", markup=False)
        bar.connected = connected
        if not connected:
            if reason:
                self._log_line("ERROR", reason)
            self._schedule_reconnect()

    def _schedule_reconnect(self) -> None:
        if self._reconnect_timer is not None:
            return
        delay = RECONNECT_DELAYS[min(self._reconnect_attempts, len(RECONNECT_DELAYS) - 1)]
        self._reconnect_attempts += 1
        self._reconnect_timer = self.set_timer(delay, self._try_reconnect)

    def _try_reconnect(self) -> None:
        self._reconnect_timer = None
        self._poll_status()  # its answer reconnects, its failure schedules the next attempt

    def _reconnected(self) -> None:
        """The daemon answers again: events from the old connection are lost, so
        subscribe anew and re-read what may have changed meanwhile."""
        self._log_line("INFO", "connected to the daemon again")
        self.notify("Connected to the daemon again.", markup=False)
        self._subscribe()
        listing = self.conversation_list
        if listing.stalled:
            listing.resume()
        if listing.query:
            listing.reload(listing.query)
        else:
            self._refresh_list_top()
        if self.conversation_view.conversation is not None:
            self.conversation_view.show(self.conversation_view.conversation)

    @on(ApiFailed)
    def _api_failed(self, failed: ApiFailed) -> None:
        """A worker's call failed: a daemon that went away is reconnected to, anything else said."""
        reason = safe_line(str(failed.error) or type(failed.error).__name__, limit=200).plain
        self._log_line("ERROR", f"{failed.doing}: {reason}")
        if maybe_gone(failed.error):
            self._poll_status()  # its failure marks the daemon gone and reconnects; an answer means it is there
        elif failed.doing != "talking to the daemon":
            self.notify(f"Failed {failed.doing}: {reason}", severity="error", markup=False)

    def _log_line(self, level: str, text: str) -> None:
        line = Text.assemble((self.settings.clock().strftime("%H:%M:%S "), "dim"), (f"{level:<7}", "bold red" if level in ("ERROR", "WARNING") else "bold"), safe_line(text, limit=1000))
        self.log_lines.append(line)
        screens = self.screen_stack  # empty while the app closes: self.screen would raise
        if screens and isinstance(screens[-1], LogScreen):
            screens[-1].add(line)

    async def on_daemon_event(self, posted: DaemonEvent) -> None:
        if not self.screen_stack:  # the app is closing: its screens are gone, nothing shows the event
            return
        event = posted.event
        if isinstance(event, (MessageReceived, MessageUpdated)):
            message = event.data
            if isinstance(event, MessageReceived):
                self.received.append(message.id)
                self._announce(message)
            await self.conversation_view.upsert(message)
            self._refresh_list_top()
        elif isinstance(event, MessageDeleted):  # by another client (the CLI, a second TUI) or by us
            await self.conversation_view.remove_message(event.data.id)
            self._refresh_list_top()
        elif isinstance(event, ConnectionClosed):
            self._events_live = False  # the next answer to a status poll subscribes again
            self._set_connected(False, f"event stream: {event.data.reason}")
        elif isinstance(event, ModemState):
            self._set_status(Status.from_api(event.data))
        elif isinstance(event, Log):
            self._log_line(event.data.level, event.data.text)

    def _announce(self, message: Message) -> None:
        if message.outgoing or message.blocked:  # a blocked number's message is never announced
            return
        who = self.settings.contacts.label(message.sender, message.sender_name) if message.sender else "someone"
        what = message.subject or message.text or ("a multimedia message to download" if message.pending else "a message")
        body = Text.assemble(safe_line(who, limit=40, style="bold"), ": ", safe_line(what, limit=80))
        self.notify(body.plain, title="New message", markup=False)
        if self.settings.bell:
            self.bell()

    def _refresh_list_top(self) -> None:
        listing = self.conversation_list  # looked up here: the worker may finish after the screen is gone
        if not listing.query:
            self._fetch_list_top(listing)

    @work(thread=True, exclusive=True, group="list-top")
    def _fetch_list_top(self, listing: ConversationList) -> None:
        try:
            rows = self._fetch_conversations(None, 20, 0)
        except Exception as error:
            self.post_message(ApiFailed(error, "listing conversations"))
            return
        if not get_current_worker().is_cancelled:  # a newer refresh is under way, or the app is closing
            self.call_from_thread(listing.merge_top, rows)

    # ---- list and search ----------------------------------------------------
    @on(ConversationList.Opened)
    def _open(self, event: ConversationList.Opened) -> None:
        self.conversation_view.show(event.conversation)
        self.screen.add_class("-reading")
        self.conversation_view.focus()
        self.refresh_bindings()

    @on(ConversationView.ReadChanged)
    def _read_changed(self, event: ConversationView.ReadChanged) -> None:
        self._refresh_list_top()

    def action_search(self) -> None:
        search = self.main_screen.query_one("#search", Input)
        self.screen.remove_class("-reading")
        search.add_class("-visible")
        search.focus()
        self.refresh_bindings()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE_SECONDS, self._run_search)

    @property
    def search_pending(self) -> bool:
        """Typed text waits to be searched for (tests wait for it)."""
        return self._search_timer is not None

    def _run_search(self) -> None:
        self._search_timer = None
        text = self.main_screen.query_one("#search", Input).value.strip() or None
        if text != self.conversation_list.query:
            self.conversation_list.reload(text)

    def _search_now(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._run_search()

    @on(Input.Submitted, "#search")
    def _search_done(self, event: Input.Submitted) -> None:
        self._search_now()  # Enter does not wait for the pause
        self.conversation_list.focus()

    def action_next_unread(self) -> None:
        rows = self.conversation_list.rows
        start = self.conversation_list.cursor + 1
        for i in list(range(start, len(rows))) + list(range(0, start)):
            if rows[i].unread:
                self.conversation_list.cursor = i
                self.conversation_list.focus()
                self.conversation_list.action_open()
                return
        self.notify("No unread conversations.")

    def _search_active(self) -> bool:
        search = self.main_screen.query_one("#search", Input)
        return self.focused is search or bool(search.value) or search.has_class("-visible")

    def action_clear_search(self) -> None:
        """Esc (and q outside the field): empty the search, show every conversation again."""
        search = self.main_screen.query_one("#search", Input)
        search.value = ""
        search.remove_class("-visible")
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        if self.conversation_list.query:
            self.conversation_list.reload(None)
        self.conversation_list.focus()
        self.refresh_bindings()

    def action_back(self) -> None:  # type: ignore[override]  # Textual runs a sync action as well; App's own is async
        """q: leave the search, then the open conversation.

        Decided on state that changes at once (focus moves asynchronously, and a
        fast "q q" must not be read as two "leave the conversation" presses).
        """
        if self._search_active():
            self.action_clear_search()
        elif self.screen.has_class("-reading"):
            self.screen.remove_class("-reading")
            self.conversation_list.focus()
        elif self.showing_blocked:
            self._conversation_toggle_blocked(None)  # back to the inbox
        self.refresh_bindings()

    def action_close(self) -> None:
        """q on the conversation list, with nothing to go back from: quit."""
        self.exit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        typing = isinstance(self.focused, (Input, TextArea))
        if action == "clear_search":
            return self.screen is self.main_screen and self._search_active()
        # Keys typed into a text field are text, not commands.
        if action in ("back", "close", "compose", "next_unread", "search", "show_log") and typing:
            return False
        if action in ("back", "close"):
            can_go_back = self.screen is self.main_screen and (self._search_active() or self.screen.has_class("-reading") or self.showing_blocked)
            return can_go_back if action == "back" else (self.screen is self.main_screen and not can_go_back)
        return True

    # ---- screens ------------------------------------------------------------
    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_show_log(self) -> None:
        self.push_screen(LogScreen(self.log_lines))

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        try:
            self.settings.save_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = self.save_screenshot(path=str(self.settings.save_dir))
        except OSError as error:  # a missing or read-only directory must not end the app
            self.notify(f"Screenshot not saved: {error}", severity="error", markup=False)
            return
        self.notify(f"Screenshot saved to {path}", markup=False)

    @property
    def max_message_size(self) -> int:
        """The carrier's limit as the daemon reports it, else the usual one."""
        reported = self.status.max_size if self.status else None
        return reported if reported and reported > 0 else self.settings.max_message_size

    async def action_quit(self) -> None:
        if isinstance(self.screen, ComposeScreen):
            self.screen.keep_draft()  # ^q with a draft open: it is there next time
        self.exit()

    def action_compose(self, draft: Draft | None = None, conversation_id: int | None = None) -> None:
        def sent(answer: Message | list[Message] | None) -> None:
            if answer is None:
                return
            self.notify("Message queued for sending.", markup=False)
            if isinstance(answer, list):
                if not answer:
                    return
                answer = answer[0]
            message = answer
            self._refresh_list_top()
            view = self.conversation_view
            if view.conversation is None or view.conversation.id != message.conversation_id:
                self.run_worker(self._open_by_id(message.conversation_id), group="open-after-send")
            else:
                self.run_worker(view.upsert(message))

        self.push_screen(
            ComposeScreen(self.client, self.settings.contacts, self.max_message_size, draft or Draft(), start_dir=self.settings.save_dir.parent,
                          drafts=self.drafts, draft_key=conversation_key(conversation_id)),
            sent,
        )

    async def _open_by_id(self, conversation_id: int) -> None:
        try:
            rows = await self._in_thread(lambda: self._fetch_conversations(None, 50, 0))
        except Exception as error:
            self.post_message(ApiFailed(error, "opening the conversation"))
            return
        for row in rows:
            if row.id == conversation_id:
                self.conversation_view.show(row)
                self.screen.add_class("-reading")
                return

    async def _in_thread(self, fn: Any) -> Any:
        import asyncio

        return await asyncio.get_running_loop().run_in_executor(None, fn)

    # ---- message actions (from the conversation view) -----------------------
    @on(ConversationView.ActionRequested)
    def _message_action(self, event: ConversationView.ActionRequested) -> None:
        handler = getattr(self, f"_do_{event.action}")
        handler(event.message)

    def _reply_draft(self, message: Message | None, everyone: bool) -> Draft:
        view = self.conversation_view
        participants = view.conversation.participants if view.conversation else ()
        if everyone or message is None or message.outgoing or not message.sender:
            # Less the own number: a conversation stored before it was known may hold it.
            own = self.status.own_number if self.status else ""
            others = tuple(p for p in participants if not (own and same_person(p, own)))
            to = others or participants  # a note to self stays one
        else:
            to = (message.sender,)
        subject = ""
        if message is not None and message.subject:
            subject = message.subject if message.subject.lower().startswith("re:") else f"Re: {message.subject}"
        return Draft(tuple(to), subject[:200])

    def _do_reply(self, message: Message | None) -> None:
        self.action_compose(self._reply_draft(message, everyone=False), self._open_conversation_id())

    def _do_reply_all(self, message: Message | None) -> None:
        self.action_compose(self._reply_draft(message, everyone=True), self._open_conversation_id())

    def _open_conversation_id(self) -> int | None:
        conversation = self.conversation_view.conversation
        return conversation.id if conversation else None

    def _do_download(self, message: Message | None) -> None:
        if message is None or not message.pending:
            self.notify("Nothing to download: choose a message that is waiting at the carrier.", severity="warning")
            return
        self._call_and_update("fetch", message.id, "Downloading…")

    def _do_retry(self, message: Message | None) -> None:
        if message is None or message.state != "failed":
            self.notify("Only a failed message can be sent again.", severity="warning")
            return
        self._call_and_update("retry", message.id, "Sending again…")

    def _do_cancel_send(self, message: Message | None) -> None:
        if message is None or message.state not in ("queued", "sending"):
            self.notify("Only a message that has not been sent can be cancelled.", severity="warning")
            return
        self._call_and_update("cancel", message.id, "Cancelling…")  # the daemon says when it is too late

    def _do_delete(self, message: Message | None) -> None:
        if message is None:
            self.notify("Choose a message to delete first (↑↓).", severity="warning")
            return
        who = "your message" if message.outgoing else f"the message from {self.settings.contacts.label(message.sender or '', message.sender_name) or 'an unknown sender'}"
        what = message.subject or message.text or ", ".join(p.name or p.content_type for p in message.attachments) or "(no text)"
        summary = Text.assemble(safe_line(f"{who}, {long_time(message.date, self.settings.clock())}", limit=70), "\n", safe_line(what, limit=70, style="italic"))

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(message.id)

        self.push_screen(Confirm("Delete this message? It cannot be undone.", summary), answered)

    @work(thread=True, group="message-actions")
    def _delete(self, message_id: int) -> None:
        try:
            self.client.delete(message_id)
        except Exception as error:
            self._report_if_gone(error)
            self.call_from_thread(self.notify, f"Not deleted: {safe_line(str(error), 200).plain}", severity="error", markup=False)
            return
        self.call_from_thread(self._deleted, message_id)

    def _deleted(self, message_id: int) -> None:
        self.notify("Message deleted.", markup=False)
        self.run_worker(self.conversation_view.remove_message(message_id))
        self._refresh_list_top()

    @work(thread=True, group="message-actions")
    def _call_and_update(self, method: Literal["fetch", "retry", "cancel"], message_id: int, note: str) -> None:
        self.call_from_thread(self.notify, note)
        call = {"fetch": self.client.fetch, "retry": self.client.retry, "cancel": self.client.cancel}[method]
        try:
            answer = call(message_id)
        except Exception as error:
            self._report_if_gone(error)
            self.call_from_thread(self.notify, f"{method} failed: {safe_line(str(error), 200).plain}", severity="error", markup=False)
            return
        self.call_from_thread(self._upsert_answer, answer)

    def _upsert_answer(self, message: Message) -> None:
        self.run_worker(self.conversation_view.upsert(message))

    def _choose_part(self, message: Message | None, title: str, directory: Path | None, then: Any) -> None:
        parts = message.attachments if message else ()
        if message is None or not parts:
            self.notify("This message has no attachments.", severity="warning")
            return
        if len(parts) == 1 and directory is None:
            then(message, parts[0], None)
            return
        chooser = PartChooser(parts, title, directory)
        self.push_screen(chooser, lambda part: part and then(message, part, chooser.directory))

    def _do_save_part(self, message: Message | None) -> None:
        self._choose_part(message, "Save attachment", self.settings.save_dir, self._save)

    def _do_open_part(self, message: Message | None) -> None:
        self._choose_part(message, "Open attachment", None, self._open_part)

    @work(thread=True, group="parts")
    def _save(self, message: Message, part: Part, directory: Path) -> None:
        try:
            data = self.client.get_part(message.id, part.index).data
            path = save_part(directory, part, data)
        except Exception as error:
            self._report_if_gone(error)
            self.call_from_thread(self.notify, f"Not saved: {error}", severity="error", markup=False)
            return
        self.call_from_thread(self.notify, f"Saved {path}", markup=False)

    @work(thread=True, group="parts")
    def _open_part(self, message: Message, part: Part, _directory: Path | None) -> None:
        try:
            data = self.client.get_part(message.id, part.index).data
            path = open_with_viewer(part, data)
        except Exception as error:
            self._report_if_gone(error)
            self.call_from_thread(self.notify, f"Cannot open: {error}", severity="error", markup=False)
            return
        self.viewer_copies.append(path.parent)

    def on_unmount(self) -> None:
        # The copies live as long as the app: a viewer started from it has opened its
        # file by then (xdg-open returns at once, so there is no end to wait for).
        for directory in self.viewer_copies:
            shutil.rmtree(directory, ignore_errors=True)


def make_app(client: Api, settings: Settings | None = None) -> MmsuaApp:
    """The app, ready to ``run()`` or ``run_test()``."""
    return MmsuaApp(client, settings or Settings())


__all__ = ["MmsuaApp", "make_app", "conversation_title"]
