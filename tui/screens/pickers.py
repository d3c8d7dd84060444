"""Dialogs of the conversation actions: choose a number, copy from a message, forward it."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Label, OptionList, TextArea
from textual.widgets.option_list import Option

from mmsua.tui import recipients
from mmsua.tui.contacts import Contacts
from mmsua.tui.display import safe_line
from mmsua.tui.extract import Copyable
from mmsua.tui.screens.dialogs import DIALOG_CSS
from mmsua.tui.widgets.recipient_input import RecipientInput, RecipientSuggester

COPY_KINDS = {"text": "Text", "code": "Code", "link": "Link"}


class Choose(ModalScreen[str | None]):
    """Pick one of a few values (a number of a group conversation), each with its label."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="Choose")

    def __init__(self, title: str, choices: list[tuple[str, Text]]) -> None:
        super().__init__()
        self.title_text = title
        self.choices = choices  # (value, label already sanitised)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title", markup=False)
            yield OptionList(*[Option(label, id=str(i)) for i, (_, label) in enumerate(self.choices)])

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[event.option_index][0])


class CopyDialog(ModalScreen[None]):
    """The message's text, codes and links: Enter copies one to the terminal's clipboard
    (OSC 52, where the terminal takes it) and shows it below to copy by hand as well."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]
    DEFAULT_CSS = DIALOG_CSS.format(name="CopyDialog") + """
    CopyDialog TextArea { height: auto; max-height: 8; margin-top: 1; }
    CopyDialog .-empty { display: none; }
    CopyDialog .note { color: $text-muted; }
    """

    def __init__(self, items: list[Copyable]) -> None:
        super().__init__()
        self.items = items  # cleaned by tui.extract
        self.copied: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Copy from this message", classes="title")
            options = []
            for i, item in enumerate(self.items):
                label = Text.assemble((f"{COPY_KINDS[item.kind]:<5} ", "bold"), safe_line(item.value, limit=70))
                options.append(Option(label, id=str(i)))
            yield OptionList(*options)
            yield Label("Enter copies; Esc closes.", classes="note", id="note")
            yield TextArea("", id="copied", read_only=True, soft_wrap=True, classes="-empty")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        item = self.items[event.option_index]
        self.copied = item.value
        self.app.copy_to_clipboard(item.value)
        self.query_one("#note", Label).update(f"{COPY_KINDS[item.kind]} copied to the clipboard, where your terminal allows it (OSC 52). "
                                              "It is also here to select and copy by hand:")
        shown = self.query_one("#copied", TextArea)
        shown.load_text(item.value)
        shown.remove_class("-empty")


@dataclass(frozen=True, slots=True)
class ForwardTo:
    to: tuple[str, ...]
    separately: bool


class ForwardDialog(ModalScreen[ForwardTo | None]):
    """Whom to forward a message to (completed from the contacts), and whether as one group message."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="ForwardDialog") + """
    ForwardDialog .what { color: $text-muted; margin-bottom: 1; }
    ForwardDialog Checkbox { border: none; background: $surface; }
    """

    def __init__(self, what: Text, contacts: Contacts) -> None:
        super().__init__()
        self.what = what  # already sanitised
        self.contacts = contacts

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Forward to (numbers or e-mail, separated by commas)", classes="title")
            yield Label(self.what, classes="what", markup=False)
            yield RecipientInput(id="forward-to", placeholder="+447700900123, Alice…", suggester=RecipientSuggester(self.contacts))
            yield Checkbox("One message each", id="forward-separately")
            yield Label("", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Forward", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#forward-to").focus()

    def on_input_submitted(self) -> None:
        self._finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self._finish()

    def _finish(self) -> None:
        good, bad = recipients.resolve(self.query_one("#forward-to", RecipientInput).value, self.contacts)
        if bad or not good:
            problem = Text.assemble("not a number or e-mail: ", safe_line(", ".join(bad), limit=80)) if bad else Text("add a recipient")
            self.query_one(".error", Label).update(problem)
            return
        self.dismiss(ForwardTo(tuple(good), len(good) > 1 and self.query_one("#forward-separately", Checkbox).value))
