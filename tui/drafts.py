"""Unsent drafts, one per conversation, kept across restarts.

Esc in the composer keeps what was written (text from $EDITOR too) instead of
throwing it away; the composer opened again on the same conversation (or a new
message, for a draft that had none) brings it back. The file is small JSON in
the user's state directory (``$XDG_STATE_HOME/mmsua/drafts.json``), private
(0600 in a 0700 directory) and replaced atomically, so a crash mid-write leaves
the old drafts, never half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NEW_MESSAGE = "new"  # the key of a draft begun with "c", not in a conversation
MAX_DRAFTS = 200  # the oldest go first: a drafts file must not grow without end
MAX_FILE_BYTES = 4 * 1024 * 1024  # a larger file is not ours to parse


@dataclass(frozen=True, slots=True)
class Draft:
    to: tuple[str, ...] = ()
    subject: str = ""
    text: str = ""
    attachments: tuple[str, ...] = ()  # paths, read again when sent

    @property
    def empty(self) -> bool:
        return not (self.subject or self.text.strip() or self.attachments)


def conversation_key(conversation_id: int | None) -> str:
    return NEW_MESSAGE if conversation_id is None else f"conversation:{conversation_id}"


def default_path() -> Path:
    value = os.environ.get("XDG_STATE_HOME", "")
    base = Path(value) if value and os.path.isabs(value) else Path.home() / ".local" / "state"
    return base / "mmsua" / "drafts.json"


class Drafts:
    """The drafts file. Every method is quick and local; errors are the caller's to say."""

    def __init__(self, path: Path | None) -> None:
        self.path = path  # None: drafts live as long as the app, in memory
        self._memory: dict[str, Any] = {}

    def _read(self) -> dict[str, Any]:
        if self.path is None:
            return dict(self._memory)
        if not self.path.is_file():
            return {}
        if self.path.stat().st_size > MAX_FILE_BYTES:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            return {}  # a damaged file is replaced by the next save
        drafts = data.get("drafts") if isinstance(data, dict) else None
        return drafts if isinstance(drafts, dict) else {}

    def get(self, key: str) -> Draft | None:
        found = self._read().get(key)
        if not isinstance(found, dict):
            return None

        def strings(value: Any) -> tuple[str, ...]:
            return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()

        subject, text = found.get("subject"), found.get("text")
        return Draft(strings(found.get("to")), subject if isinstance(subject, str) else "",
                     text if isinstance(text, str) else "", strings(found.get("attachments")))

    def put(self, key: str, draft: Draft) -> None:
        """Keep ``draft`` under ``key``; an empty one removes what was kept."""
        drafts = self._read()
        if drafts.pop(key, None) is None and draft.empty:
            return  # nothing kept, nothing to keep: no file written
        if not draft.empty:
            drafts[key] = {"to": list(draft.to), "subject": draft.subject, "text": draft.text,
                           "attachments": list(draft.attachments)}
        while len(drafts) > MAX_DRAFTS:
            drafts.pop(next(iter(drafts)))
        self._write({"version": 1, "drafts": drafts})

    def discard(self, key: str) -> None:
        self.put(key, Draft())

    def _write(self, data: dict[str, Any]) -> None:
        if self.path is None:
            self._memory = data["drafts"]
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temporary = tempfile.mkstemp(prefix=".drafts-", dir=self.path.parent)  # 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, ensure_ascii=False)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
