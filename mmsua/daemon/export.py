"""Writing a message's parts to a directory: safe names, never overwriting, private files."""

from __future__ import annotations

import base64
import binascii
import mimetypes
import os
import re
from pathlib import Path
from typing import Any

from mmsua.textsafe import safe_filename


class ExportError(OSError):
    pass


def part_filename(part: dict[str, Any]) -> str:
    """A safe name for a part: its own name cleaned, else part-N with an extension from its type."""
    index = part.get("index", 0)
    name = safe_filename(part.get("name"), fallback="")
    if not name:
        ext = mimetypes.guess_extension(str(part.get("content_type") or "").split(";")[0].strip()) or ".bin"
        name = f"part-{index}{ext}"
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
    raise ExportError(f"no free file name for {name!r} in {directory}")


def export_parts(client: Any, message_id: int, directory: Path) -> list[Path]:
    message = client.show_message(message_id)
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise ExportError(f"cannot create {directory}: {error.strerror or error}") from None
    written = []
    for part in message.get("parts") or []:
        content = client.get_part(message_id, part["index"])
        try:
            data = base64.b64decode(content.get("data_b64") or "", validate=True)
        except (binascii.Error, ValueError):
            raise ExportError(f"part {part['index']} came back with broken base64") from None
        try:
            written.append(create_exclusive(directory, part_filename({**part, **content}), data))
        except OSError as error:
            raise ExportError(f"cannot write into {directory}: {error.strerror or error}") from None
    return written
