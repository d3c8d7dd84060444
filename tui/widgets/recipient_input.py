"""The recipients field: completes the last recipient from the contacts (the composer's
To, the forward dialog's)."""

from __future__ import annotations

from textual.suggester import Suggester
from textual.widgets import Input

from mmsua.tui.contacts import Contacts


class RecipientSuggester(Suggester):
    """Completes the last recipient in the field from the contacts.

    Textual draws a suggestion as the typed text followed by the rest of the
    suggestion, so one must extend what was typed: an address typed from its
    start is completed as is; a name (or any word of it) is shown as
    ``typed → Name address``, and accepting it puts the address in its place.
    """

    def __init__(self, contacts: Contacts) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.contacts = contacts

    def complete(self, value: str) -> tuple[str, str] | None:
        """(what to show, what the field holds once accepted) for ``value``, or None."""
        head, sep, last = value.rpartition(",")
        token = last.strip()
        if not token:
            return None
        for name, address in self.contacts.complete(token, limit=1):
            accepted = head + sep + (" " if sep else "") + address
            if address.lower().startswith(token.lower()):
                return accepted, accepted
            return f"{value} → {name} {address}", accepted
        return None

    async def get_suggestion(self, value: str) -> str | None:
        found = self.complete(value)
        return found[0] if found else None


class RecipientInput(Input):
    """The To field: → at the end accepts the contact's address, not the text shown."""

    def action_cursor_right(self, select: bool = False) -> None:
        found = self.suggester.complete(self.value) if isinstance(self.suggester, RecipientSuggester) else None
        if found and not select and self.cursor_at_end:
            self.value = found[1]
            self.cursor_position = len(self.value)
            return
        super().action_cursor_right(select)
