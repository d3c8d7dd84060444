"""Names for numbers in the TUI: the daemon's first (it owns the contacts and sends
``Conversation.names`` and ``Message.sender_name``), else the TUI's optional vCard file,
which also completes recipients in the composer. The vCard parser is mmsua.contacts."""

from __future__ import annotations

from mmsua import contacts as parsed
from mmsua.api.shapes import Conversation
from mmsua.contacts import Contact, normalise, parse_vcards

__all__ = ["Contact", "Contacts", "name_map", "names_of", "normalise", "parse_vcards"]


class Contacts(parsed.Contacts):
    def label(self, address: str, known: str | None = None) -> str:
        """The daemon's name for it (``known``), else the vCard's, else the address itself."""
        return (known or "").strip() or self.name_for(address) or address

    def labels(self, conversation: Conversation) -> list[str]:
        """Each participant's label, the daemon's names first."""
        return [self.label(p, known) for p, known in zip(conversation.participants, names_of(conversation), strict=True)]


def names_of(conversation: Conversation) -> tuple[str, ...]:
    """The daemon's names lined up with the participants ("" where it has none; a
    daemon that sends fewer, or an older one that sends none, leaves the rest "")."""
    names = conversation.names[: len(conversation.participants)]
    return names + ("",) * (len(conversation.participants) - len(names))


def name_map(conversation: Conversation | None) -> dict[str, str]:
    """address → the daemon's name, for the participants it named."""
    if conversation is None:
        return {}
    return {p: n for p, n in zip(conversation.participants, names_of(conversation), strict=True) if n}
