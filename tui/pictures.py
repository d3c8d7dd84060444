"""Pictures on a terminal: decoding, and which textual-image renderer draws them.

``--images auto`` uses what textual-image found when it asked the terminal (it
sends the Sixel device-attributes and Kitty graphics queries once, at import,
before Textual owns the terminal): Sixel, the Kitty graphics protocol (TGP),
Unicode half-cells on any other terminal, or plain Unicode when not on a
terminal at all. Any other mode forces that renderer, and then the terminal is
never asked (:func:`prepare`): each query waits 0.1 s on a terminal that does
not answer it. ``none`` does not load textual-image at all.
"""

from __future__ import annotations

import io
import logging
import sys
import threading
from typing import Any

from mmsua.safefiles import MAX_DECODE_PIXELS  # the budget the engine's fitting shares
from mmsua.tui.protocol import ImageMode

MAX_PICTURE_PIXELS = 800  # pictures are scaled down to this before the terminal sees them
# One picture decodes at a time (a page load and live updates run workers side by side):
# the decoding peak (about 100 MB at the budget, twice that with transparency, which
# Pillow premultiplies in a copy; bench/tui_pictures.py) is then the TUI's whole.
_DECODING = threading.Lock()
PICTURE_COLUMNS = 40
MAX_PICTURE_ROWS = 30

# Renderer names as textual-image's modules call them, and the mode naming each.
_MODE_RENDERER = {"kitty": "tgp", "sixel": "sixel", "halfcell": "halfcell", "unicode": "unicode"}


def prepare(mode: ImageMode) -> None:
    """Load textual-image for ``mode`` before Textual owns the terminal.

    Only ``auto`` asks the terminal what it draws. textual-image logs a warning with a
    traceback when the terminal does not answer its cell-size query: its records go
    nowhere (a record on the terminal would tear the screen; the size has a default).
    """
    if mode == "none" or "textual_image.widget" in sys.modules:
        return
    quiet = logging.getLogger("textual_image")
    quiet.addHandler(logging.NullHandler())  # not Python's last-resort handler on stderr
    quiet.propagate = False
    if mode != "auto":
        _load_without_asking()
    import textual_image.widget  # noqa: F401  # auto: the queries go out here


def _load_without_asking() -> None:
    """Import textual-image's renderers with no query to the terminal (a forced mode).

    Its package asks the terminal at import when standard output is a terminal, so
    standard output is hidden from it for that import; the cell size comes from the
    kernel (TIOCGWINSZ) or the usual 10×20 pixels, never from an escape sequence.
    """
    real = sys.__stdout__
    sys.__stdout__ = None  # type: ignore[misc]  # textual-image reads "not a terminal" and asks nothing
    try:
        import textual_image.renderable  # noqa: F401
    finally:
        sys.__stdout__ = real  # type: ignore[misc]
    from textual_image import _terminal

    if not hasattr(_terminal.get_cell_size, "_result"):
        _terminal.get_cell_size._result = _terminal.CellSize(*_cell_pixels())  # type: ignore[attr-defined]  # its cache


def _cell_pixels() -> tuple[int, int]:
    """A cell's width and height in pixels from the kernel's window size, else 10×20."""
    try:
        import fcntl
        import struct
        import termios

        rows, columns, width, height = struct.unpack("HHHH", fcntl.ioctl(sys.__stdout__, termios.TIOCGWINSZ, bytes(8)))  # type: ignore[arg-type]
    except (OSError, ValueError, TypeError, ImportError):
        return 10, 20
    if rows and columns and width and height:
        return width // columns, height // rows
    return 10, 20


def detected_renderer() -> str:
    """What the terminal supports, as textual-image detected it: sixel, tgp, halfcell or unicode."""
    from textual_image import renderable

    return renderable.Image.__module__.rsplit(".", 1)[-1]


def renderer_for(mode: ImageMode, detected: str | None = None) -> str | None:
    """The renderer that draws pictures in ``mode`` (None: pictures are not drawn)."""
    if mode == "none":
        return None
    if mode == "auto":
        return detected or detected_renderer()
    return _MODE_RENDERER[mode]


def renderable_class(renderer: str) -> type[Any]:
    """textual-image's Rich renderable for ``renderer``. Sixel is drawn as half-cells:
    its bytes cannot travel in the conversation's lines (textual-image draws Sixel only
    in a widget of its own)."""
    prepare("unicode")  # a forced mode: Textual owns the terminal by now, so it is never asked
    from textual_image.renderable import halfcell, tgp, unicode

    classes: dict[str, type[Any]] = {"tgp": tgp.Image, "sixel": halfcell.Image, "halfcell": halfcell.Image, "unicode": unicode.Image}
    return classes[renderer]


class PictureTooLarge(ValueError):
    """The picture declares more pixels than the TUI decodes."""


def decode_picture(data: bytes) -> Any:
    """A Pillow image from part bytes, shrunk for the terminal (runs in a worker).

    The size is read from the header first (``open`` decodes nothing) and a picture over
    MAX_DECODE_PIXELS is refused; the rest is shrunk before it is converted, so only the
    decoded original and a small copy are ever in memory.
    """
    from PIL import Image as PILImage

    image = PILImage.open(io.BytesIO(data))
    width, height = image.size
    if width * height > MAX_DECODE_PIXELS:
        raise PictureTooLarge(f"{width}×{height} pixels, more than the {MAX_DECODE_PIXELS // 1_000_000} million shown")
    with _DECODING:
        image.draft("RGB", (MAX_PICTURE_PIXELS, MAX_PICTURE_PIXELS))  # fast JPEG shrink-on-load
        image.thumbnail((MAX_PICTURE_PIXELS, MAX_PICTURE_PIXELS))
        return image.convert("RGB")


def picture_bytes(image: Any) -> int:
    """What a decoded picture holds in memory (RGB: three bytes a pixel)."""
    width, height = image.size
    return int(width * height * 3)


def picture_rows(width: int, height: int, columns: int = PICTURE_COLUMNS) -> int:
    """Rows for a picture ``columns`` wide that keep its aspect (a cell is about twice as tall as wide)."""
    return max(3, min(MAX_PICTURE_ROWS, round(columns * height / max(width, 1) / 2)))


def picture_size(image: Any) -> tuple[int, int]:
    """Columns and rows a picture is drawn in, keeping its aspect."""
    width, height = image.size
    columns = PICTURE_COLUMNS
    rows = picture_rows(width, height, columns)
    if rows == MAX_PICTURE_ROWS:  # a tall picture: narrower, so it is not squashed
        columns = max(8, round(MAX_PICTURE_ROWS * 2 * width / max(height, 1)))
    return columns, rows


def picture_renderable(image: Any, renderer: str, columns: int, rows: int) -> Any:
    """A Rich renderable that draws the picture in ``columns`` × ``rows`` cells."""
    return renderable_class(renderer)(image, width=columns, height=rows)
