"""Every user action, defined once.

Each entry names the action, its keys, what it does, where it applies and the
CLI command that does the same. From this table come the key bindings (and so
the footer), the command palette, the help screen and the CLI parity list, so
the four never drift apart. The handler is the Textual action ``action_<id>``
on the class that owns the context (the app, the conversation list, the
conversation view or the composer).
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType

# Contexts, in the order the help screen lists them.
APP = "app"
LIST = "list"
CONVERSATION = "conversation"
COMPOSER = "composer"
CONTEXT_TITLES = {
    APP: "Everywhere",
    LIST: "Conversations",
    CONVERSATION: "Conversation",
    COMPOSER: "Composer",
}


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    keys: str  # Textual key names, comma-separated; the first is shown
    description: str
    context: str
    footer: bool = True  # shown in the footer (vim keys are bound but hidden)
    palette: bool = True  # offered in the command palette
    cli: str | None = None  # the CLI command doing the same, where one makes sense
    priority: bool = False
    label: str = ""  # a shorter name for the footer, when the description is long

    @property
    def key_label(self) -> str:
        first = self.keys.split(",")[0]
        return {"question_mark": "?", "slash": "/", "escape": "esc"}.get(first, first)


ACTIONS: tuple[Action, ...] = (
    # Everywhere
    Action("compose", "c", "Compose", APP, cli="mmsua send --to N [--subject S] [--text T] [--attach FILE…]"),
    Action("search", "slash", "Search", APP, cli="mmsua ls --query TEXT"),
    Action("next_unread", "n", "Next unread", APP, footer=False),
    Action("show_log", "L", "Daemon log", APP, label="Log"),
    # f1 first: the footer shows it, and it works in a text field, where ? is text.
    Action("help", "f1,question_mark", "Help", APP),
    Action("toggle_theme", "ctrl+t", "Light/dark theme", APP, footer=False),
    Action("screenshot", "f8", "Save a screenshot", APP, footer=False),
    # One key, two meanings, each shown only where it applies (MmsuaApp.check_action).
    Action("clear_search", "escape", "Clear the search", APP, label="Clear search"),
    Action("back", "q", "Back: close the search or the conversation", APP, label="Back"),
    Action("close", "q", "Quit (on the conversation list)", APP, label="Quit"),
    Action("quit", "ctrl+q", "Quit", APP, footer=False, priority=True),
    # Conversation list
    Action("open", "enter", "Open", LIST, cli="mmsua ls CONVERSATION"),
    Action("cursor_down", "j,down", "Next conversation", LIST, footer=False, palette=False),
    Action("cursor_up", "k,up", "Previous conversation", LIST, footer=False, palette=False),
    Action("first", "g,home", "First conversation", LIST, footer=False, palette=False),
    Action("last", "G,end", "Last conversation", LIST, footer=False, palette=False),
    Action("page_down", "pagedown,ctrl+f", "Page down", LIST, footer=False, palette=False),
    Action("page_up", "pageup,ctrl+b", "Page up", LIST, footer=False, palette=False),
    Action("mark_read", "M", "Mark the conversation read", LIST, footer=False),
    Action("mark_all_read", "A", "Mark every conversation read", LIST, footer=False),
    Action("delete_conversation", "D", "Delete the conversation", LIST, footer=False),
    Action("block", "B", "Block a number of the conversation", LIST, footer=False),
    Action("unblock", "U", "Unblock a number of the conversation", LIST, footer=False),
    Action("toggle_blocked", "b", "Blocked conversations or the inbox", LIST, footer=False),
    Action("toggle_mute", "N", "Mute or unmute the conversation", LIST, footer=False, cli="mmsua mute CONVERSATION"),
    # Conversation view
    Action("reply", "r", "Reply", CONVERSATION, cli="mmsua send --to N"),
    Action("reply_all", "R", "Reply all", CONVERSATION, cli="mmsua send --to N --to N…"),
    Action("next_message", "j,down", "Next message", CONVERSATION, footer=False, palette=False),
    Action("previous_message", "k,up", "Previous message", CONVERSATION, footer=False, palette=False),
    Action("download", "f", "Download a waiting message", CONVERSATION, label="Download", cli="mmsua fetch ID"),
    Action("save_part", "s", "Save an attachment", CONVERSATION, label="Save", cli="mmsua export ID DIR"),
    Action("open_part", "o", "Open an attachment with the system viewer", CONVERSATION, label="Open"),
    Action("retry", "t", "Retry a failed message", CONVERSATION, label="Retry", cli="mmsua retry ID"),
    Action("cancel_send", "x", "Cancel a message not yet sent", CONVERSATION, footer=False, cli="mmsua cancel ID"),
    Action("delete", "d,delete", "Delete a message", CONVERSATION, label="Delete", cli="mmsua delete ID"),
    Action("forward", "F", "Forward a message", CONVERSATION, footer=False),
    Action("copy", "y", "Copy a message's text, codes or links", CONVERSATION, footer=False),
    Action("mark_read", "M", "Mark the conversation read", CONVERSATION, footer=False),
    Action("delete_conversation", "D", "Delete the conversation", CONVERSATION, footer=False),
    Action("block", "B", "Block a number of the conversation", CONVERSATION, footer=False),
    Action("unblock", "U", "Unblock a number of the conversation", CONVERSATION, footer=False),
    Action("toggle_mute", "N", "Mute or unmute the conversation", CONVERSATION, footer=False,
           cli="mmsua mute CONVERSATION"),
    # Composer
    Action("send", "ctrl+s", "Send", COMPOSER, cli="mmsua send", priority=True),
    Action("attach", "ctrl+a", "Attach file", COMPOSER, priority=True),
    Action("edit_in_editor", "ctrl+o", "Write the text in $EDITOR", COMPOSER, label="$EDITOR", priority=True),
    Action("switch_kind", "ctrl+r", "Switch between SMS and MMS", COMPOSER, label="SMS/MMS", priority=True),
    Action("toggle_separately", "ctrl+g", "One group message or one each", COMPOSER, label="Group/each", priority=True),
    Action("switch_modem", "ctrl+n", "Send from another of the daemon's modems", COMPOSER, label="Modem", priority=True,
           footer=False, cli="mmsua send --modem NAME"),
    Action("cancel", "escape", "Cancel", COMPOSER),
)

# Keys bound to two actions of one context, of which check_action enables one at a time.
SHARED_KEYS: dict[tuple[str, str], tuple[str, str]] = {(APP, "q"): ("back", "close")}

BY_ID: dict[tuple[str, str], Action] = {(a.context, a.id): a for a in ACTIONS}


def in_context(context: str) -> tuple[Action, ...]:
    return tuple(a for a in ACTIONS if a.context == context)


def bindings(context: str) -> list[BindingType]:
    """The Textual bindings of one context, for a class's ``BINDINGS``."""
    return [
        Binding(
            a.keys,
            a.id,
            a.label or a.description,
            show=a.footer,
            key_display=a.key_label if a.footer else None,
            priority=a.priority,
            id=f"{a.context}.{a.id}",
        )
        for a in in_context(context)
    ]
