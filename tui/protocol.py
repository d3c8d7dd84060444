"""What the TUI needs from a daemon client, and the settings it runs with.

``mmsua.daemon.client.Client`` (over the socket) and ``LocalClient`` (an
in-process engine) both satisfy :class:`ApiClient`; the app is built with any
object that does, so tests hand it a ``LocalClient`` on a real store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, Protocol

from mmsua.tui.contacts import Contacts

ImageMode = Literal["auto", "kitty", "sixel", "halfcell", "unicode", "none"]

# 300 KB is the usual carrier limit for MMS (OMA MMS conformance class "Rich").
DEFAULT_MAX_MESSAGE_SIZE = 300 * 1024


class ApiClient(Protocol):
    """The methods of docs/api.md that the TUI calls (blocking; run in workers)."""

    def status(self) -> Any: ...

    def list_conversations(self, query: str | None = None, limit: int = 50, offset: int = 0) -> list[Any]: ...

    def list_messages(self, conversation_id: int, before_id: int | None = None, limit: int = 50) -> list[Any]: ...

    def show_message(self, id: int) -> Any: ...

    def get_part(self, message_id: int, index: int) -> Any: ...

    def send(
        self,
        to: list[str],
        cc: list[str] | None = None,
        subject: str | None = None,
        text: str | None = None,
        attachments: list[dict[str, Any]] | None = None,
        delivery_report: bool | None = None,
        read_report: bool | None = None,
        separately: bool = False,
        as_sms: bool = False,
    ) -> Any: ...

    def fetch(self, id: int) -> Any: ...

    def retry(self, id: int) -> Any: ...

    def mark_read(self, id: int) -> Any: ...

    def delete(self, id: int) -> Any: ...

    def on_event(self, callback: Callable[[str, Any], None]) -> None:
        """Call ``callback(name, data)`` from a background thread for each event."""


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True, slots=True)
class Settings:
    contacts: Contacts = field(default_factory=Contacts)
    theme: str = "textual-dark"
    images: ImageMode = "auto"
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    save_dir: Path = field(default_factory=lambda: Path.home() / "Downloads")
    bell: bool = True
    page_size: int = 50  # older messages, loaded as the reader scrolls up
    first_page: int = 15  # what opening a conversation loads: enough to fill the pane
    # Injected so snapshots do not drift with the wall clock.
    clock: Callable[[], datetime] = _utc_now
    # Shown in the status bar: "socket /run/...", "embedded", "demo".
    connection_label: str = "daemon"
