"""The messages D-Bus clients deleted while ``dbus.delete = "hide"``: kept in mmsua's store
for its other clients, gone from org.ofono.mms (docs/dbus.md, "One store").

A file of message ids, one a line, beside the attachment files; rewritten whole under a
temporary name and renamed, so a crash leaves the old list or the new one. Message ids
are never reused, so an id stays meaningful; one deleted from the store is dropped.
"""

from __future__ import annotations

import os
from pathlib import Path

from mmsua import paths

MAX_IDS = 1_000_000  # a bound on what is read back (one line per hidden MMS)


class Hidden:
    def __init__(self, directory: Path) -> None:
        self.path = Path(directory) / "hidden"
        self._ids: set[int] = set()

    def load(self) -> None:
        try:
            with self.path.open("rb") as file:
                lines = file.read(MAX_IDS * 20).split(b"\n")
        except FileNotFoundError:
            return
        self._ids = {int(line) for line in lines[:MAX_IDS] if line.strip().isdigit()}

    def __contains__(self, message_id: int) -> bool:
        return message_id in self._ids

    def add(self, message_id: int) -> None:
        if message_id not in self._ids:
            self._ids.add(message_id)
            self._save()

    def discard(self, message_id: int) -> None:
        if message_id in self._ids:
            self._ids.discard(message_id)
            self._save()

    def _save(self) -> None:
        paths.ensure_private_dir(self.path.parent)
        temporary = self.path.with_name(f".hidden.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write("".join(f"{i}\n" for i in sorted(self._ids)))
        os.replace(temporary, self.path)
