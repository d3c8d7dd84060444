"""Fitting one picture to a byte budget and to the carrier's largest width x height.

Android's MMS composer (AOSP packages/apps/Mms, UriImage.getResizedImageData with
MessageUtils' constants) scales a picture to the carrier's maxImageWidth x
maxImageHeight, compresses it as JPEG at quality 95, and while it is too large
lowers the quality in proportion to the overshoot (never below 50), then scales by
0.75 and tries again. mmsua steps the same way, then searches between the last size
that did not fit and the first that did, so a 1 MB carrier gets a picture near 1 MB.

Animated GIFs stay animated when they fit; otherwise every frame is scaled and the
GIF written again, frame by frame; when even a small one is too large, every other
frame is dropped (its time given to the one kept); only then does the first frame
go as a still JPEG. Nothing is decoded whose header declares more pixels than
``MAX_DECODE_PIXELS`` (shared with the TUI): Pillow decodes width x height x 4 bytes.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mmsua.safefiles import MAX_DECODE_PIXELS

if TYPE_CHECKING:
    from PIL.Image import Image

MAX_QUALITY = 95  # AOSP MessageUtils.IMAGE_COMPRESSION_QUALITY
MIN_QUALITY = 50  # AOSP MessageUtils.MINIMUM_IMAGE_COMPRESSION_QUALITY
SCALE_STEP = 0.75  # AOSP UriImage: each attempt that does not fit scales by 0.75
MIN_SIDE = 16  # pixels: below this a picture says nothing
MAX_GIF_FRAMES = 300  # an animation with more is sent as its first frame
_SEARCH_ROUNDS = 5  # bisection steps between a size that fits and one that does not


class PictureRefused(ValueError):
    """The picture cannot be scaled: more pixels than mmsua decodes, or unreadable."""


class UnreadablePicture(PictureRefused):
    """Pillow cannot read it (a damaged file, or a format it lacks)."""


@dataclass(frozen=True, slots=True)
class Bounds:
    """The largest picture the carrier takes, landscape; a portrait picture turns them
    (AOSP does the same: the limits are for the picture's long and short sides)."""

    width: int
    height: int

    def scale_for(self, width: int, height: int) -> float:
        """The scale (at most 1) that brings width x height within these bounds."""
        long_limit, short_limit = max(self.width, self.height), min(self.width, self.height)
        long_side, short_side = max(width, height), min(width, height)
        return min(1.0, long_limit / max(long_side, 1), short_limit / max(short_side, 1))


@dataclass(frozen=True, slots=True)
class Fitted:
    data: bytes
    content_type: str  # image/jpeg, or image/gif for an animation kept animated
    width: int
    height: int


class _FitMemo:
    """The last few fittings, by the picture's digest, budget and bounds. The composer
    asks for a send plan at each pause in typing, and the send then fits the same
    picture again: a 10 MB photo costs seconds each time (more in the daemon, which fits
    in a child process). Bounded by count and bytes: the daemon's memory matters too."""

    MAX_ENTRIES = 4
    MAX_BYTES = 2 * 1024 * 1024  # of fitted pictures kept: a 1 MB carrier's picture, twice

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[bytes, int, Bounds], Fitted | None] = OrderedDict()

    @staticmethod
    def key(data: bytes, budget: int, bounds: Bounds) -> tuple[bytes, int, Bounds]:
        return hashlib.blake2b(data, digest_size=20).digest(), budget, bounds

    def get(self, key: tuple[bytes, int, Bounds]) -> tuple[bool, Fitted | None]:
        with self._lock:
            if key not in self._entries:
                return False, None
            self._entries.move_to_end(key)
            return True, self._entries[key]

    def put(self, key: tuple[bytes, int, Bounds], fitted: Fitted | None) -> None:
        with self._lock:
            self._entries[key] = fitted
            self._entries.move_to_end(key)
            while len(self._entries) > self.MAX_ENTRIES or self.held_bytes() > self.MAX_BYTES:
                self._entries.popitem(last=False)

    def held_bytes(self) -> int:
        return sum(len(f.data) for f in self._entries.values() if f is not None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def fit(self, data: bytes, budget: int, bounds: Bounds,
            fitter: Callable[[bytes, int, Bounds], Fitted | None]) -> Fitted | None:
        """``fitter``'s answer (in this process or a child's), from memory when known;
        refusals are not kept: they are quick, and an unchanged picture costs nothing."""
        key = self.key(data, budget, bounds)
        known, fitted = self.get(key)
        if known:
            return fitted
        fitted = fitter(data, budget, bounds)
        if fitted is None or fitted.data is not data:
            self.put(key, fitted)
        return fitted


FIT_MEMO = _FitMemo()


def fit_picture(data: bytes, budget: int, bounds: Bounds) -> Fitted | None:
    """The picture within ``bounds`` and at most ``budget`` bytes; the bytes unchanged
    when they already are. None when it cannot get that small; PictureRefused when it
    cannot be read or is too large to decode."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as probe:  # reads the header only
            width, height, kind = probe.width, probe.height, probe.format
            frames = getattr(probe, "n_frames", 1) if kind == "GIF" else 1
    except Image.DecompressionBombError:  # Pillow's own bound (twice its 89 MP warning), far over ours
        raise PictureRefused(f"the picture declares more than {2 * (Image.MAX_IMAGE_PIXELS or 0) // 1_000_000} million "
                             f"pixels, more than the {MAX_DECODE_PIXELS // 1_000_000} million mmsua decodes") from None
    except Exception as exc:  # Pillow raises many kinds for a bad file
        raise UnreadablePicture(f"the picture cannot be read ({type(exc).__name__})") from None
    if width * height > MAX_DECODE_PIXELS:
        raise PictureRefused(f"the picture is {width}×{height} pixels, more than the "
                             f"{MAX_DECODE_PIXELS // 1_000_000} million mmsua decodes")
    scale = bounds.scale_for(width, height)
    if scale >= 1.0 and len(data) <= budget:
        return Fitted(data, f"image/{(kind or 'jpeg').lower()}", width, height)
    try:
        if frames > 1 and frames <= MAX_GIF_FRAMES:
            animated = _fit_animation(data, budget, scale)
            if animated is not None:
                return animated
        return _fit_still(data, budget, scale)
    except Exception as exc:  # a header that reads and a body that does not (truncated, damaged)
        raise UnreadablePicture(f"the picture cannot be decoded ({type(exc).__name__})") from None


def _fit_still(data: bytes, budget: int, scale: float) -> Fitted | None:
    base = _decode_still(data, scale)

    def encode(s: float, quality: int) -> bytes:
        return _jpeg(_resized(base, s), quality)

    found = _search(encode, budget, min_scale=MIN_SIDE / max(min(base.size), 1))
    if found is None:
        return None
    out, s = found
    w, h = _resized_size(base, s)
    return Fitted(out, "image/jpeg", w, h)


def _search(encode: Callable[[float, int], bytes], budget: int, *, min_scale: float) -> tuple[bytes, float] | None:
    """Android's steps (quality in proportion to the overshoot, then x0.75), then a
    bisection towards the budget; (bytes, scale relative to the base) or None."""
    scale, quality, last_miss = 1.0, MAX_QUALITY, None
    out = b""
    while True:
        out = encode(scale, quality)
        if len(out) > budget and quality > MIN_QUALITY:
            tried = quality
            quality = max(MIN_QUALITY, quality * budget // len(out))
            if quality == tried:
                quality = max(MIN_QUALITY, tried - 5)
            out = encode(scale, quality)
            if len(out) <= budget:
                return _closer(encode, budget, out, scale, quality, low=quality, high=tried, on="quality")
        if len(out) <= budget:
            break
        last_miss = scale
        scale *= SCALE_STEP
        if scale < min_scale:
            return None
    if last_miss is None:
        return out, scale
    return _closer(encode, budget, out, scale, quality, low=scale, high=last_miss, on="scale")


def _closer(encode: Callable[[float, int], bytes], budget: int, best: bytes, scale: float, quality: int, *,
            low: float, high: float, on: str) -> tuple[bytes, float]:
    """Bisect ``on`` (scale or quality) between ``low``, which fits, and ``high``, which does not."""
    for _ in range(_SEARCH_ROUNDS):
        mid = (low + high) / 2
        if on == "quality":
            mid = int(mid)
            if mid in (int(low), int(high)):
                break
            out = encode(scale, mid)
        else:
            out = encode(mid, quality)
        if len(out) <= budget:
            low, best = mid, out
            if on == "scale":
                scale = mid
        else:
            high = mid
    return best, scale


def _decode_still(data: bytes, scale: float) -> Image:
    from PIL import Image, ImageOps

    with Image.open(io.BytesIO(data)) as opened:
        stored = (max(int(opened.width * scale), 1), max(int(opened.height * scale), 1))
        turned = opened.getexif().get(0x0112, 1) in (5, 6, 7, 8)  # EXIF Orientation: a quarter turn
        size = (stored[1], stored[0]) if turned else stored
        if opened.format == "JPEG":
            opened.draft("RGB", stored)  # decodes at 1/2, 1/4 or 1/8 when that is enough
        opened.seek(0)  # the first frame of an animation
        image = _flatten(ImageOps.exif_transpose(opened))
        if image.width > size[0] or image.height > size[1]:
            image = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
        return image


def _flatten(image: Image) -> Image:
    """RGB, a transparent background made white (JPEG has no alpha)."""
    from PIL import Image as PilImage

    if image.mode in ("RGBA", "LA", "P", "PA") and ("transparency" in image.info or image.mode in ("RGBA", "LA", "PA")):
        rgba = image.convert("RGBA")
        white = PilImage.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def _resized_size(base: Image, scale: float) -> tuple[int, int]:
    return max(int(base.width * scale), MIN_SIDE), max(int(base.height * scale), MIN_SIDE)


def _resized(base: Image, scale: float) -> Image:
    from PIL import Image

    size = _resized_size(base, scale)
    return base if size == base.size or scale >= 1.0 else base.resize(size, Image.Resampling.LANCZOS)


def _jpeg(image: Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


# -- animations ------------------------------------------------------------------------

def _fit_animation(data: bytes, budget: int, scale: float) -> Fitted | None:
    """Frame by frame at smaller sizes; then every other frame dropped; None if nothing fits."""
    frames, durations, loop = _decode_frames(data, scale)
    if not frames:
        return None
    for _halving in range(3):
        found = _scaled_animation(frames, durations, loop, budget)
        if found is not None:
            return found
        if len(frames) < 4:
            break
        durations = [durations[i] + (durations[i + 1] if i + 1 < len(durations) else 0) for i in range(0, len(frames), 2)]
        frames = frames[::2]
    return None


def _scaled_animation(frames: list[Image], durations: list[int], loop: int, budget: int) -> Fitted | None:
    scale = 1.0
    first = frames[0]
    while min(first.width, first.height) * scale >= MIN_SIDE * 3:
        out = _gif([_resized(f, scale) for f in frames], durations, loop)
        if len(out) <= budget:
            w, h = _resized_size(first, scale)
            return Fitted(out, "image/gif", w, h)
        scale *= SCALE_STEP
    return None


def _decode_frames(data: bytes, scale: float) -> tuple[list[Image], list[int], int]:
    """Every frame as RGBA at ``scale``, kept only while their pixels stay within the budget."""
    from PIL import Image, ImageSequence

    frames: list[Image.Image] = []
    durations: list[int] = []
    kept_pixels = 0
    with Image.open(io.BytesIO(data)) as opened:
        loop = int(opened.info.get("loop", 0))
        size = (max(int(opened.width * scale), 1), max(int(opened.height * scale), 1))
        for frame in ImageSequence.Iterator(opened):
            rgba = frame.convert("RGBA")
            if rgba.size != size:
                rgba = rgba.resize(size, Image.Resampling.LANCZOS)
            kept_pixels += size[0] * size[1]
            if kept_pixels > MAX_DECODE_PIXELS or len(frames) >= MAX_GIF_FRAMES:
                return [], [], 0
            frames.append(rgba)
            durations.append(int(frame.info.get("duration", 100)))
    return frames, durations, loop


def _gif(frames: list[Image], durations: list[int], loop: int) -> bytes:
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=durations, loop=loop,
                   disposal=2, optimize=True)
    return out.getvalue()
