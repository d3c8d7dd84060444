"""Writing a message's part to a file safely: a name made safe, created exclusively.

Shared by the CLI's ``mmsua export`` and the TUI's save and open actions, which are
both clients of the API: a name reduced by ``safe_filename``, created with O_EXCL
and O_NOFOLLOW so nothing outside the chosen directory is written and nothing is
overwritten. Its own module because both clients need it and neither owns it.
"""

from __future__ import annotations

import mimetypes
import os
import re
from pathlib import Path

from mmsua.api.shapes import Part
from mmsua.textsafe import safe_filename


def part_filename(part: Part) -> str:
    """A safe name for a part: its own name cleaned, else part-N with an extension from its type."""
    name = safe_filename(part.name, fallback="")
    if not name:
        ext = mimetypes.guess_extension(part.content_type.split(";")[0].strip()) or ".bin"
        name = f"part-{part.index}{ext}"
    return name


def create_exclusive(directory: Path, name: str, data: bytes) -> Path:
    """Write ``data`` to ``name`` in ``directory``, or ``stem-1.ext``… when the name is taken."""
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not re.fullmatch(r"[A-Za-z0-9]{1,10}", ext):
        stem, ext = name, ""
    for attempt in range(10_000):
        candidate = name if attempt == 0 else f"{stem}-{attempt}{'.' + ext if ext else ''}"
        path = directory / candidate
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        return path
    raise FileExistsError(f"no free file name for {name!r} in {directory}")
