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
from mmsua.engine.compose import sniff_type
from mmsua.textsafe import safe_filename

# The extension a file handed to a viewer gets, by its checked type. A type not here
# gets ".bin", which no desktop runs or installs (a ".desktop", ".sh" or ".html" could).
VIEWER_EXTENSIONS = {
    "image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp", "image/bmp": ".bmp",
    "image/tiff": ".tiff", "audio/amr": ".amr", "audio/amr-wb": ".awb", "audio/mpeg": ".mp3", "audio/ogg": ".ogg",
    "audio/flac": ".flac", "audio/wav": ".wav", "video/3gpp": ".3gp", "video/mp4": ".mp4", "application/pdf": ".pdf",
    "text/plain": ".txt", "text/x-vcard": ".vcf", "text/vcard": ".vcf", "text/x-vcalendar": ".vcs", "text/calendar": ".ics",
}


def part_filename(part: Part) -> str:
    """A safe name for a part: its own name cleaned, else part-N with an extension from its type."""
    name = safe_filename(part.name, fallback="")
    if not name:
        ext = mimetypes.guess_extension(part.content_type.split(";")[0].strip()) or ".bin"
        name = f"part-{part.index}{ext}"
    return name


def viewer_filename(part: Part, data: bytes) -> str:
    """A name for a part handed to the system viewer: the sender's name without its
    extension, and the extension of the type the bytes really have (``x.desktop`` sent
    as image/png opens as ``x.png`` when it is a PNG, ``x.txt`` when it is text)."""
    checked = sniff_type(data, claimed=part.content_type.split(";")[0].strip().lower())
    extension = VIEWER_EXTENSIONS.get(checked, ".bin")
    stem = safe_filename(part.name, fallback="").rpartition(".")
    name = (stem[0] or stem[2]) if stem[1] else stem[2]
    return f"{name or f'part-{part.index}'}{extension}"


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
