"""Writing the composer's text in the user's own editor.

The text goes to a file in a fresh private directory (0700, the file 0600), the
editor runs on it with an argument list (``$VISUAL``/``$EDITOR`` split like a
shell word list, never run by a shell), and the file is read back and removed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path

FALLBACK_EDITORS = ("sensible-editor", "editor", "nano", "vi")


class EditorError(Exception):
    """No editor could be run, or it failed; the draft is unchanged."""


def editor_command(environ: dict[str, str] | None = None) -> list[str]:
    """The editor's argument list: $VISUAL, then $EDITOR, then a common one on PATH."""
    env = os.environ if environ is None else environ
    for name in ("VISUAL", "EDITOR"):
        value = env.get(name, "").strip()
        if value:
            try:
                words = shlex.split(value)
            except ValueError as error:
                raise EditorError(f"${name} cannot be read as a command: {error}") from None
            if words:
                return words
    for candidate in FALLBACK_EDITORS:
        path = shutil.which(candidate)
        if path:
            return [path]
    raise EditorError("no editor found: set $EDITOR (for example EDITOR=nano)")


def edit_text(text: str, command: list[str] | None = None) -> str:
    """Run the editor on ``text`` and return what it saved (blocking)."""
    argv = command or editor_command()
    private = Path(tempfile.mkdtemp(prefix="mmsua-edit-"))  # mode 0700
    path = private / "message.txt"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        try:
            finished = subprocess.run([*argv, str(path)], check=False)
        except OSError as error:
            raise EditorError(f"cannot run {argv[0]}: {error.strerror or error}") from None
        if finished.returncode != 0:
            raise EditorError(f"{Path(argv[0]).name} exited with status {finished.returncode}; the text is unchanged")
        return path.read_text(encoding="utf-8", errors="replace")
    finally:
        shutil.rmtree(private, ignore_errors=True)
