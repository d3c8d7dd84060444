"""The daemon fits pictures in a child process (mmsua/engine/picture_child.py): the
result is what Pillow in-process gives, and the daemon's process never imports Pillow."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from mmsua.engine import picture_child
from mmsua.engine.picture_child import fit_in_child
from mmsua.engine.pictures import Bounds, PictureRefused, UnreadablePicture, fit_picture

BOUNDS = Bounds(640, 480)


def photo(size: tuple[int, int]) -> bytes:
    noise = Image.effect_noise(size, 40).convert("RGB")
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    Image.blend(noise, gradient, 0.5).save(out, "JPEG", quality=92)
    return out.getvalue()


def test_a_large_photo_is_fitted_like_in_process() -> None:
    data = photo((1600, 1200))
    budget = 100_000
    child, here = fit_in_child(data, budget, BOUNDS), fit_picture(data, budget, BOUNDS)
    assert child is not None and here is not None
    assert (child.content_type, child.width, child.height) == (here.content_type, here.width, here.height)
    assert len(child.data) <= budget
    with Image.open(io.BytesIO(child.data)) as fitted:
        assert fitted.size == (child.width, child.height) and max(fitted.size) <= 640


def test_a_picture_that_fits_comes_back_as_the_same_bytes() -> None:
    data = photo((320, 240))
    fitted = fit_in_child(data, len(data), BOUNDS)
    assert fitted is not None and fitted.data is data and (fitted.width, fitted.height) == (320, 240)


def test_unreadable_and_impossible_pictures_say_so() -> None:
    with pytest.raises(UnreadablePicture):
        fit_in_child(b"not a picture at all", 10_000, BOUNDS)
    assert fit_in_child(photo((1600, 1200)), 100, BOUNDS) is None  # cannot get that small


def test_a_child_that_answers_nonsense_is_a_refusal(monkeypatch) -> None:
    def nonsense(*args, **kwargs) -> subprocess.CompletedProcess[bytes]:
        return subprocess.CompletedProcess(args, -9, b"", b"")  # killed before answering

    monkeypatch.setattr(picture_child.subprocess, "run", nonsense)
    with pytest.raises(PictureRefused, match="ended with -9"):
        fit_in_child(photo((64, 64)), 10_000, BOUNDS)


def test_the_caller_never_imports_pillow(tmp_path: Path) -> None:
    """What the daemon does when a send carries a photo, in a fresh interpreter."""
    source = tmp_path / "photo.jpg"
    source.write_bytes(photo((1600, 1200)))
    script = f"""
import json, sys
from pathlib import Path
from mmsua.engine.compose import Attachment, SendRequest, build_parts, fit_to_limit
from mmsua.engine.picture_child import fit_in_child
parts = build_parts("hi", [Attachment(Path({str(source)!r}).read_bytes(), "photo.jpg")])
fitted = fit_to_limit(SendRequest("t", ("+15550100002",)), parts, 300 * 1024, fit=fit_in_child)
picture = next(p for p in fitted if p.content_type == "image/jpeg")
Path({str(tmp_path / "out.jpg")!r}).write_bytes(picture.data)
print(json.dumps({{"pillow": any(m == "PIL" or m.startswith("PIL.") for m in sys.modules)}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    assert json.loads(done.stdout) == {"pillow": False}
    with Image.open(tmp_path / "out.jpg") as fitted:
        assert max(fitted.size) <= 640  # it was fitted, by the child
