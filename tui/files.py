"""Saving and opening message parts, safely.

A part's name comes from a stranger: it is reduced by ``safe_filename`` and the
file is created exclusively (O_EXCL), so nothing outside the chosen directory
is written and nothing existing is overwritten. Opening copies the part into a
private temporary directory and runs the system viewer with an argument list,
never a shell.
"""

from __future__ import annotations

import mimetypes
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from mmsua.textsafe import safe_filename

_EXTRA_TYPES = {"image/jpg": ".jpg", "audio/amr": ".amr", "text/x-vcard": ".vcf", "text/vcard": ".vcf", "audio/3gpp": ".3gp", "video/3gpp": ".3gp"}


def part_filename(name: str | None, content_type: str, index: int) -> str:
    """A safe file name for a part, with an extension that matches its type."""
    base = safe_filename(name, fallback=f"part-{index}")
    if "." not in base.strip("."):
        ext = _EXTRA_TYPES.get(content_type) or mimetypes.guess_extension(content_type.split(";")[0].strip()) or ""
        base += ext
    return base


def write_new(directory: Path, filename: str, data: bytes) -> Path:
    """Write ``data`` as ``filename`` in ``directory`` without overwriting: "a.jpg", "a-1.jpg", …"""
    directory.mkdir(parents=True, exist_ok=True)
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    for n in range(10_000):
        candidate = directory / (filename if n == 0 else f"{stem}-{n}{'.' + ext if ext else ''}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        return candidate
    raise FileExistsError(f"no free name for {filename} in {directory}")


def viewer_command() -> list[str] | None:
    for name in ("xdg-open", "open"):
        path = shutil.which(name)
        if path:
            return [path]
    return None


def open_with_viewer(filename: str, data: bytes) -> Path:
    """Copy the part to a private temporary directory and start the system viewer on it."""
    command = viewer_command()
    if command is None:
        raise FileNotFoundError("no system viewer found (install xdg-utils for xdg-open)")
    private = Path(tempfile.mkdtemp(prefix="mmsua-view-"))  # mode 0700
    path = write_new(private, filename, data)
    subprocess.Popen(
        [*command, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )
    return path
