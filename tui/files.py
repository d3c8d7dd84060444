"""Saving and opening message parts, safely.

Saving uses the helpers the CLI's export uses too (``mmsua.safefiles``): a name
reduced by ``safe_filename``, created exclusively (O_EXCL, O_NOFOLLOW) so
nothing outside the chosen directory is written and nothing is overwritten.
Opening copies the part into a private temporary directory, named with the
extension of the type its bytes have (never the sender's), and runs the system
viewer with an argument list, never a shell.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from mmsua.api.shapes import Part
from mmsua.safefiles import create_exclusive, part_filename, viewer_filename


def save_part(directory: Path, part: Part, data: bytes) -> Path:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    return create_exclusive(directory, part_filename(part), data)


def viewer_command() -> list[str] | None:
    for name in ("xdg-open", "open"):
        path = shutil.which(name)
        if path:
            return [path]
    return None


def open_with_viewer(part: Part, data: bytes) -> Path:
    """Copy the part to a private temporary directory and start the system viewer on it."""
    command = viewer_command()
    if command is None:
        raise FileNotFoundError("no system viewer found (install xdg-utils for xdg-open)")
    private = Path(tempfile.mkdtemp(prefix="mmsua-view-"))  # mode 0700
    # The extension from the checked type: a viewer picks its program by the name.
    path = create_exclusive(private, viewer_filename(part, data), data)
    subprocess.Popen(
        [*command, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        close_fds=True,
    )
    return path
