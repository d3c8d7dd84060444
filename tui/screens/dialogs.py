"""Small dialogs: choose a part, choose a directory to save into, pick a file."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DirectoryTree, Input, Label, OptionList
from textual.widgets.option_list import Option

from mmsua.api.shapes import Part
from mmsua.tui.widgets.bubble import part_label

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{ width: 80; max-width: 95%; height: auto; max-height: 90%; border: round $primary; background: $surface; padding: 1 2; }}
{name} .title {{ text-style: bold; margin-bottom: 1; }}
{name} OptionList {{ height: auto; max-height: 12; margin-bottom: 1; }}
{name} .buttons {{ height: auto; align-horizontal: right; margin-top: 1; }}
{name} .buttons Button {{ margin-left: 2; }}
{name} .error {{ color: $error; }}
"""


MAX_PARTS_LISTED = 500  # past this the list is slow to build; `mmsua export ID DIR` saves every part


class PartChooser(ModalScreen[Part | None]):
    """Pick one part of a message (for open or save)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="PartChooser")

    def __init__(self, parts: tuple[Part, ...], title: str, directory: Path | None = None) -> None:
        super().__init__()
        self.parts = parts
        self.title_text = title
        self.directory = directory

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.title_text, classes="title")
            if len(self.parts) > MAX_PARTS_LISTED:
                yield Label(f"The first {MAX_PARTS_LISTED} of {len(self.parts)} parts (mmsua export saves them all).", markup=False)
            yield OptionList(*[Option(part_label(p), id=str(i)) for i, p in enumerate(self.parts[:MAX_PARTS_LISTED])])
            if self.directory is not None:
                yield Label("Into directory")
                yield Input(str(self.directory), id="directory")
            yield Label("", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Save" if self.directory is not None else "Open", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one(OptionList).highlighted = 0
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self._finish()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._finish()

    def _finish(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is None:
            return
        if self.directory is not None:
            path = Path(self.query_one("#directory", Input).value).expanduser()
            if path.exists() and not path.is_dir():
                self.query_one(".error", Label).update(Text(f"{path} is not a directory"))
                return
            self.directory = path
        self.dismiss(self.parts[index])


class FilePicker(ModalScreen[Path | None]):
    """Choose a file to attach: browse the tree or type a path."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="FilePicker") + """
    FilePicker DirectoryTree { height: 16; margin-bottom: 1; }
    """

    def __init__(self, start: Path) -> None:
        super().__init__()
        self.start = start

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Attach a file", classes="title")
            yield DirectoryTree(self.start)
            yield Input(placeholder="or type a path and press Enter", id="path")
            yield Label("", classes="error", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Attach", id="ok", variant="primary")

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        self.query_one("#path", Input).value = str(event.path)
        self._finish()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._finish()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self._finish()

    def _finish(self) -> None:
        value = self.query_one("#path", Input).value.strip()
        path = Path(value).expanduser() if value else None
        if path is None or not path.is_file():
            self.query_one(".error", Label).update(Text(f"not a file: {value}" if value else "choose a file"))
            return
        self.dismiss(path)


class Confirm(ModalScreen[bool]):
    """Ask before doing something that cannot be undone; y or Enter confirms, n or Esc cancels."""

    BINDINGS = [Binding("y", "answer(True)", "Yes", show=False), Binding("n,escape", "answer(False)", "No")]
    DEFAULT_CSS = DIALOG_CSS.format(name="Confirm") + """
    Confirm .what { color: $text-muted; margin-bottom: 1; }
    """

    def __init__(self, question: str, what: Text, action: str = "Delete") -> None:
        super().__init__()
        self.question = question
        self.what = what  # already sanitised (tui.display)
        self.action = action

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question, classes="title", markup=False)
            yield Label(self.what, classes="what", markup=False)
            with Horizontal(classes="buttons"):
                yield Button("Cancel  n", id="no")
                yield Button(f"{self.action}  y", id="yes", variant="error")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # Enter on the default does nothing harmful

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
