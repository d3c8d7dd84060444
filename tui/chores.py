"""The app's actions on whole conversations and on a message's content: mark read,
delete a conversation, block and unblock its numbers, the blocked conversations, mute,
forward a message, copy from it.

A mixin of :class:`mmsua.tui.app.MmsuaApp`: every daemon call runs in a thread
worker and comes back with ``call_from_thread``; what cannot be undone is confirmed
first; what the daemon sent is shown through ``tui.display``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import App
from textual.screen import Screen
from textual.widgets import Static

from mmsua.addresses import same_person
from mmsua.api.methods import Api
from mmsua.api.shapes import Conversation, Message
from mmsua.tui.display import long_time, safe_line
from mmsua.tui.extract import copyables
from mmsua.tui.failures import ApiFailed, maybe_gone
from mmsua.tui.model import Status
from mmsua.tui.protocol import Settings
from mmsua.tui.requested import ConversationRequested
from mmsua.tui.screens.dialogs import Confirm
from mmsua.tui.screens.pickers import Choose, CopyDialog, ForwardDialog, ForwardTo
from mmsua.tui.widgets.conversation_list import ConversationList, conversation_title
from mmsua.tui.widgets.conversation_view import ConversationView

BLOCK_NOTE = "Their SMS and MMS are kept apart (b on the list shows them) and never announced; their MMS are not fetched."


class ConversationChores(App[None]):
    client: Api
    settings: Settings
    status: Status | None
    showing_blocked: bool = False  # the list shows the blocked conversations instead of the inbox

    # ---- where things are -----------------------------------------------------
    @property
    def main_screen(self) -> Screen[Any]:
        """The inbox screen, wherever the user is (a dialog or the composer may be on top)."""
        return self.screen_stack[0]

    @property
    def conversation_list(self) -> ConversationList:
        return self.main_screen.query_one(ConversationList)

    @property
    def conversation_view(self) -> ConversationView:
        return self.main_screen.query_one(ConversationView)

    def _refresh_list_top(self) -> None:
        raise NotImplementedError  # the app's

    def _report_if_gone(self, error: Exception) -> None:
        """From a worker whose failure is already said: also mark a daemon that went away."""
        if maybe_gone(error):
            self.post_message(ApiFailed(error, "talking to the daemon"))

    def _failed(self, doing: str, error: Exception) -> None:
        """From a worker: say what failed (and mark a daemon that went away)."""
        self._report_if_gone(error)
        self.call_from_thread(self.notify, f"{doing}: {safe_line(str(error), 200).plain}", severity="error", markup=False)

    def _others(self, conversation: Conversation) -> list[str]:
        """Its participants less the own number (a conversation stored before it was known may hold it)."""
        own = self.status.own_number if self.status else ""
        return [p for p in conversation.participants if not (own and same_person(p, own))] or list(conversation.participants)

    def _label(self, conversation: Conversation, address: str) -> Text:
        names = dict(zip(conversation.participants, conversation.names, strict=False))
        label = self.settings.contacts.label(address, names.get(address))
        return safe_line(label if label == address else f"{label} ({address})", limit=70)

    @on(ConversationRequested)
    def _conversation_action(self, event: ConversationRequested) -> None:
        if event.conversation is None and event.action not in ("mark_all_read", "toggle_blocked"):
            self.notify("Choose a conversation first (↑↓).", severity="warning", markup=False)
            return
        getattr(self, f"_conversation_{event.action}")(event.conversation)

    # ---- read -----------------------------------------------------------------
    def _conversation_mark_read(self, conversation: Conversation) -> None:
        self._mark_all_read(conversation.id)

    def _conversation_mark_all_read(self, _: None) -> None:
        self._mark_all_read(None)

    @work(thread=True, group="conversation-actions")
    def _mark_all_read(self, conversation_id: int | None) -> None:
        try:
            count = self.client.mark_all_read(conversation_id)
        except Exception as error:
            self._failed("Not marked read", error)
            return
        self.call_from_thread(self._marked_read, conversation_id, count)

    def _marked_read(self, conversation_id: int | None, count: int) -> None:
        self.notify(f"{count} message{'s' if count != 1 else ''} marked read." if count else "Nothing was unread.", markup=False)
        self.conversation_list.mark_read(conversation_id)
        self._refresh_list_top()

    # ---- delete ---------------------------------------------------------------
    def _conversation_delete_conversation(self, conversation: Conversation) -> None:
        count = conversation.message_count
        what = Text.assemble(conversation_title(conversation, self.settings.contacts), "\n",
                             (f"{count} message{'s' if count != 1 else ''}, last {long_time(conversation.last_date, self.settings.clock())}", "dim"))

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete_conversation(conversation.id)

        self.push_screen(Confirm("Delete this conversation and all its messages? It cannot be undone.", what), answered)

    @work(thread=True, group="conversation-actions")
    def _delete_conversation(self, conversation_id: int) -> None:
        try:
            self.client.delete_conversation(conversation_id)
        except Exception as error:
            self._failed("Not deleted", error)
            return
        self.call_from_thread(self._conversation_gone, conversation_id, "Conversation deleted.")

    def _conversation_gone(self, conversation_id: int, note: str) -> None:
        """It left the list shown (deleted, blocked, unblocked): off the list, and closed if open."""
        self.notify(note, markup=False)
        listing = self.conversation_list
        listing.drop(conversation_id)
        view = self.conversation_view
        if view.conversation is not None and view.conversation.id == conversation_id:
            view.close()
            self.main_screen.remove_class("-reading")
            listing.focus()
            self.refresh_bindings()
        self._refresh_list_top()

    # ---- block ----------------------------------------------------------------
    def _conversation_block(self, conversation: Conversation) -> None:
        others = self._others(conversation)
        if len(others) == 1:
            self._confirm_block(conversation, others[0])
            return
        choices = [(p, self._label(conversation, p)) for p in others]
        def chosen(address: str | None) -> None:
            if address:
                self._confirm_block(conversation, address)

        self.push_screen(Choose("Block which number?", choices), chosen)

    def _confirm_block(self, conversation: Conversation, address: str) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._block(conversation, address, block=True)

        question = Text.assemble("Block ", self._label(conversation, address), "?")
        self.push_screen(Confirm(question.plain, Text(BLOCK_NOTE), action="Block"), answered)

    def _conversation_unblock(self, conversation: Conversation) -> None:
        self._find_blocked(conversation)

    @work(thread=True, group="conversation-actions")
    def _find_blocked(self, conversation: Conversation) -> None:
        try:
            blocked = self.client.list_blocked()
        except Exception as error:
            self._failed("Cannot list the blocked numbers", error)
            return
        found = [b for b in blocked if any(same_person(b, p) for p in conversation.participants)]
        self.call_from_thread(self._choose_unblock, conversation, found)

    def _choose_unblock(self, conversation: Conversation, blocked: list[str]) -> None:
        if not blocked:
            self.notify("No number of this conversation is blocked.", severity="warning", markup=False)
        elif len(blocked) == 1:
            self._block(conversation, blocked[0], block=False)
        else:
            choices = [(b, self._label(conversation, b)) for b in blocked]
            def chosen(address: str | None) -> None:
                if address:
                    self._block(conversation, address, block=False)

            self.push_screen(Choose("Unblock which number?", choices), chosen)

    @work(thread=True, group="conversation-actions")
    def _block(self, conversation: Conversation, address: str, block: bool) -> None:
        try:
            (self.client.block if block else self.client.unblock)(address)
        except Exception as error:
            self._failed("Not blocked" if block else "Not unblocked", error)
            return
        label = safe_line(address, limit=40).plain
        note = f"{label} blocked." if block else f"{label} unblocked."
        if len(self._others(conversation)) == 1:  # the conversation moves between the inbox and the blocked
            self.call_from_thread(self._conversation_gone, conversation.id, note)
        else:
            self.call_from_thread(self.notify, note, markup=False)
            self.call_from_thread(self._reload_list)

    # ---- mute -----------------------------------------------------------------
    @work(thread=True, group="conversation-actions")
    def _conversation_toggle_mute(self, conversation: Conversation) -> None:
        mute = not conversation.muted
        try:
            (self.client.mute_conversation if mute else self.client.unmute_conversation)(conversation.id)
        except Exception as error:
            self._failed("Not muted" if mute else "Not unmuted", error)
            return
        self.call_from_thread(self._muted, conversation.id, mute)

    def _muted(self, conversation_id: int, muted: bool) -> None:
        """The list's row and the open conversation take the new flag (the next N undoes it)."""
        row = next((r for r in self.conversation_list.rows if r.id == conversation_id), None)
        if row is not None:
            self.conversation_list.replace(replace(row, muted=muted))
        view = self.conversation_view
        if view.conversation is not None and view.conversation.id == conversation_id:
            view.conversation = replace(view.conversation, muted=muted)
        self.notify("Muted: its new messages are not announced (N again to unmute)." if muted
                    else "Unmuted: its new messages are announced again.", markup=False)

    def _conversation_toggle_blocked(self, _: None) -> None:
        self.showing_blocked = not self.showing_blocked
        self.main_screen.query_one("#list-mode", Static).set_class(self.showing_blocked, "-visible")
        view = self.conversation_view
        if view.conversation is not None:
            view.close()
            self.main_screen.remove_class("-reading")
        self.conversation_list.reload(self.conversation_list.query)
        self.conversation_list.focus()
        self.refresh_bindings()

    def _reload_list(self) -> None:
        listing = self.conversation_list
        if listing.query or self.showing_blocked:
            listing.reload(listing.query)
        else:
            self._refresh_list_top()

    # ---- a message's content ----------------------------------------------------
    def _do_forward(self, message: Message | None) -> None:
        if message is None or message.pending:
            self.notify("Choose a message with its content here (↑↓): one waiting at the carrier is downloaded first (f).",
                        severity="warning", markup=False)
            return
        what = message.subject or message.text or ", ".join(p.name or p.content_type for p in message.attachments) or "(no text)"
        summary = safe_line(what, limit=70, style="italic")
        def chosen(answer: ForwardTo | None) -> None:
            if answer:
                self._forward(message.id, answer)

        self.push_screen(ForwardDialog(summary, self.settings.contacts), chosen)

    @work(thread=True, group="message-actions")
    def _forward(self, message_id: int, answer: ForwardTo) -> None:
        try:
            self.client.forward(message_id, answer.to, separately=answer.separately)
        except Exception as error:
            self._failed("Not forwarded", error)
            return
        whom = ", ".join(self.settings.contacts.label(a) for a in answer.to)
        self.call_from_thread(self.notify, f"Forwarded to {safe_line(whom, limit=80).plain}.", markup=False)
        self.call_from_thread(self._refresh_list_top)

    def _do_copy(self, message: Message | None) -> None:
        items = copyables(message.text) if message is not None else []
        if not items:
            self.notify("This message has no text to copy (s saves an attachment).", severity="warning", markup=False)
            return
        self.push_screen(CopyDialog(items))
