"""The settings the TUI runs with.

What it needs from the daemon is the API itself (:class:`mmsua.api.methods.Api`):
``mmsua.daemon.client.Client`` over the socket or ``LocalClient`` on an
in-process engine, so tests hand it a ``LocalClient`` on a real store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from mmsua.tui.contacts import Contacts
from mmsua.tui.drafts import default_path as default_drafts_path

ImageMode = Literal["auto", "kitty", "sixel", "halfcell", "unicode", "none"]

# Until the daemon's status says the carrier's limit (its max_size):
# 300 KB is the usual carrier limit for MMS (OMA MMS conformance class "Rich").
DEFAULT_MAX_MESSAGE_SIZE = 300 * 1024


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
    # Drafts kept by Esc in the composer ($XDG_STATE_HOME/mmsua/drafts.json); None: in memory only.
    drafts_file: Path | None = field(default_factory=default_drafts_path)
