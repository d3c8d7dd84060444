"""The message a widget posts when the user asks for an action on a whole conversation
(from the list or the open conversation); the app carries it out."""

from __future__ import annotations

from textual.message import Message as TextualMessage

from mmsua.api.shapes import Conversation


class ConversationRequested(TextualMessage):
    def __init__(self, action: str, conversation: Conversation | None) -> None:
        super().__init__()
        self.action = action  # an action id of the registry (tui.actions)
        self.conversation = conversation  # None: every conversation (mark_all_read, toggle_blocked)
