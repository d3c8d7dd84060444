"""Writing a message's part to a file safely: a name made safe, created exclusively.

Shared by the CLI's ``mmsua export`` and the TUI's save and open actions, which are
both clients of the API: a name reduced by ``safe_filename``, created with O_EXCL
and O_NOFOLLOW so nothing outside the chosen directory is written and nothing is
overwritten. Its own module because both clients need it and neither owns it.
Also reading a file the user attaches (``read_attachment_file``): bounded, regular
files only, for whoever reads it (a client, or the daemon for ``{path}``).
"""

from __future__ import annotations

import mimetypes
import os
import re
import stat
from pathlib import Path

from mmsua.api.errors import BadRequest, TooLarge
from mmsua.api.shapes import Part
from mmsua.textsafe import safe_filename

# An attachment given as {path} is read by whoever sends it; past this it is refused.
MAX_ATTACHMENT_FILE = 50 * 1024 * 1024

# Decoding a picture needs width × height × 4 bytes at once: a 493 KB PNG can declare
# 13000 × 13000 (676 MB to decode; Pillow only warns below 179 MP). A picture whose
# header declares more is refused before a pixel is decoded, by the TUI showing it and
# by the engine fitting it to the carrier's limit: about what a phone camera takes.
MAX_DECODE_PIXELS = 24_000_000

# The extension a part handed to a viewer gets, by what its first bytes are (each
# format's signature, from its specification). A part matching none gets ".txt" when
# it is UTF-8 text, else ".bin", which no desktop runs or installs (a ".desktop",
# ".sh" or ".html" could). The clients may not import the engine, whose sniff_type
# (mmsua/engine/compose.py) checks the types of what is sent.
VIEWER_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", ".jpg"),
    (0, b"\x89PNG\r\n\x1a\n", ".png"),
    (0, b"GIF87a", ".gif"),
    (0, b"GIF89a", ".gif"),
    (8, b"WEBP", ".webp"),
    (0, b"BM", ".bmp"),
    (0, b"#!AMR-WB\n", ".awb"),
    (0, b"#!AMR\n", ".amr"),
    (0, b"ID3", ".mp3"),
    (0, b"OggS", ".ogg"),
    (8, b"WAVE", ".wav"),
    (4, b"ftyp3g", ".3gp"),
    (4, b"ftyp", ".mp4"),
    (0, b"%PDF-", ".pdf"),
    (0, b"BEGIN:VCARD", ".vcf"),
    (0, b"BEGIN:VCALENDAR", ".ics"),
)


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
    signed = (ext for offset, magic, ext in VIEWER_SIGNATURES if data[offset:offset + len(magic)] == magic)
    extension = next(signed, None) or (".txt" if _is_text(data) else ".bin")
    stem = safe_filename(part.name, fallback="").rpartition(".")
    name = (stem[0] or stem[2]) if stem[1] else stem[2]
    return f"{name or f'part-{part.index}'}{extension}"


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


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


def read_attachment_file(path: Path, limit: int = MAX_ATTACHMENT_FILE) -> bytes:
    """The bytes of an attachment given as ``{path}``: a regular file of at most ``limit`` bytes.

    Opened without blocking and checked on the open descriptor, so a FIFO, a device
    (``/dev/zero`` has size 0) or a file swapped in after a check is refused instead of
    hanging the daemon or filling its memory; the read stops one byte past the limit."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        raise BadRequest(f"cannot read attachment {path}: {exc.strerror or exc}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # before fdopen, which refuses a directory with its own error
        os.close(fd)
        raise BadRequest(f"attachment {path} is not a regular file")
    with os.fdopen(fd, "rb") as file:
        try:
            data = file.read(limit + 1)
        except OSError as exc:
            raise BadRequest(f"cannot read attachment {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise TooLarge(f"{path} is larger than {limit} bytes")
    return data
