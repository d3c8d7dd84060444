"""The one sanitiser for text that came from the network.

Subjects, message text, sender names and file names arrive from strangers. Before
any of it reaches a terminal (TUI, CLI dump, logs) it passes through here: no
C0/C1 control character, escape sequence or bidirectional override survives, and
nothing is left that Rich/Textual would read as markup once the caller escapes it
with ``rich.markup.escape`` (or renders it as ``Text``). File names get their own,
stricter function.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls except TAB and LF, DEL, C1 controls, and the bidi/invisible
# formatting characters that can reorder or hide text on screen.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\x80-\x9f"
    "\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufff9-\ufffb]"
)
# CSI; then the string sequences (OSC, DCS, SOS, PM, APC: ESC ] P X ^ _) up to BEL or
# ST, so a DCS or Kitty-graphics payload is dropped whole; then any other 2-byte escape.
_ESCAPE_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_FILE_UNSAFE = re.compile(r"[^\w.\- ()+,=@]", re.UNICODE)
_MAX_FILENAME = 120


def clean_text(text: str, *, keep_newlines: bool = True, limit: int | None = None) -> str:
    """Return ``text`` with escape sequences and control characters removed.

    Whole escape sequences are dropped first (so their parameters do not leak as
    visible junk), then any remaining control character becomes U+FFFD so that a
    reader can see something was there. ``limit`` truncates with an ellipsis.
    """
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _UNSAFE.sub("\ufffd", text)
    if not keep_newlines:
        text = " ".join(text.split())
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "\u2026"
    return text


def clean_line(text: str, limit: int | None = None) -> str:
    """One display line: like :func:`clean_text` with newlines folded to spaces."""
    return clean_text(text, keep_newlines=False, limit=limit)


def safe_filename(name: str | None, fallback: str = "part") -> str:
    """A file name that is safe to create in a directory the user chose.

    Path separators, parent references, control characters and leading dots are
    removed, the length is bounded, and an empty result becomes ``fallback``.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = clean_line(name).replace("\ufffd", "")
    name = name.replace("/", "_").replace("\\", "_")
    name = _FILE_UNSAFE.sub("_", name).strip(" .")
    if len(name) > _MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: _MAX_FILENAME - len(ext) - 1] + "." + ext
        else:
            name = name[:_MAX_FILENAME]
    return name or fallback
