"""Fitting an M-Send.req to the carrier's limit: pictures scaled to the carrier's width x
height and to its byte limit (near it, not far under), animations kept animated, audio
and video refused with a reason, and nothing decoded over the pixel budget."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from mmsua.engine.compose import (
    DEFAULT_BOUNDS,
    HEADER_MARGIN,
    Attachment,
    SendRequest,
    TooLarge,
    build_parts,
    encoded_size,
    fit_to_limit,
    fitted_size,
    picture_bounds,
)
from mmsua.engine.pictures import Bounds
from mmsua.engine.settings import AgentSettings
from mmsua.safefiles import MAX_DECODE_PIXELS

MB = 1024 * 1024
REQ = SendRequest("mmsua-size-check-0000000000", ("+15550100002",), subject="trip")
ATT_BOUNDS = Bounds(2592, 1944)  # AT&T's maxImageWidth x maxImageHeight (AOSP CarrierConfig, carrier id 1187)


def photo(size: tuple[int, int], fmt: str = "PNG") -> bytes:
    """A photo-like picture: a gradient under noise (pure noise would not compress at all)."""
    noise = Image.effect_noise(size, 40).convert("RGB")
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    Image.blend(noise, gradient, 0.5).save(out, fmt)
    return out.getvalue()


def animation(size: tuple[int, int], frames: int) -> bytes:
    pictures = [Image.effect_noise(size, 30 + 10 * i).convert("P") for i in range(frames)]
    out = io.BytesIO()
    pictures[0].save(out, "GIF", save_all=True, append_images=pictures[1:], duration=80, loop=0)
    return out.getvalue()


def picture_of(parts) -> tuple[object, Image.Image]:
    part = next(p for p in parts if p.content_type.startswith("image/"))
    return part, Image.open(io.BytesIO(part.data))


def test_a_one_megabyte_carrier_gets_a_picture_near_one_megabyte() -> None:
    parts = build_parts("from the top", [Attachment(photo((3000, 2250)), "summit.png")])
    fitted = fit_to_limit(REQ, parts, MB, bounds=ATT_BOUNDS)
    size = encoded_size(REQ, fitted)
    assert 0.85 * MB < size <= MB - HEADER_MARGIN  # the whole M-Send.req, headers and SMIL and text
    part, image = picture_of(fitted)
    assert part.content_type == "image/jpeg" and part.name == "summit.jpg" and image.format == "JPEG"
    assert image.width <= 2592 and image.height <= 1944
    smil = fitted[0].data.decode()
    assert 'src="summit.jpg"' in smil or "summit.jpg" in smil  # the SMIL names the renamed part
    assert fitted_size(REQ, parts, MB, bounds=ATT_BOUNDS) == size


def test_the_same_picture_at_the_default_carrier_fits_three_hundred_kilobytes_and_androids_bounds() -> None:
    parts = build_parts(None, [Attachment(photo((3000, 2250)), "summit.png")])
    fitted = fit_to_limit(REQ, parts, 300 * 1024)
    assert encoded_size(REQ, fitted) <= 300 * 1024 - HEADER_MARGIN
    _, image = picture_of(fitted)
    assert image.size == (640, 480)  # AOSP's default maxImageWidth x maxImageHeight


def test_a_picture_that_fits_in_bytes_is_still_scaled_to_the_carriers_width_and_height() -> None:
    small_portrait = photo((800, 1000), "JPEG")
    assert len(small_portrait) < 300 * 1024
    fitted = fit_to_limit(REQ, build_parts(None, [Attachment(small_portrait, "tall.jpg")]), 300 * 1024)
    _, image = picture_of(fitted)
    assert image.size == (480, 600)  # a portrait picture: its long side within 640, its short within 480
    within = photo((320, 200), "JPEG")
    kept = fit_to_limit(REQ, build_parts(None, [Attachment(within, "tiny.jpg")]), 300 * 1024)
    assert picture_of(kept)[0].data == within  # within bounds and limit: the bytes unchanged


def test_the_bounds_come_from_the_settings() -> None:
    assert picture_bounds(AgentSettings()) == DEFAULT_BOUNDS == Bounds(640, 480)
    assert picture_bounds(AgentSettings(max_image_width=2592, max_image_height=1944)) == ATT_BOUNDS
    with pytest.raises(ValueError, match="too small for a picture"):
        AgentSettings(max_image_width=8)


def test_several_pictures_and_long_text_share_the_limit() -> None:
    text = "words " * 4000  # 24 KB of text that cannot shrink
    parts = build_parts(text, [Attachment(photo((2000, 1500)), "a.png"), Attachment(photo((1500, 2000)), "b.png"),
                               Attachment(photo((100, 80), "JPEG"), "c.jpg")])
    fitted = fit_to_limit(REQ, parts, 300 * 1024)
    assert 250 * 1024 < encoded_size(REQ, fitted) <= 300 * 1024 - HEADER_MARGIN
    assert [p.name for p in fitted[1:]] == ["text.txt", "a.jpg", "b.jpg", "c.jpg"]
    assert fitted[1].data == text.encode()


def test_an_animation_that_fits_stays_as_it_is() -> None:
    gif = animation((200, 150), 6)
    fitted = fit_to_limit(REQ, build_parts(None, [Attachment(gif, "wave.gif")]), 300 * 1024)
    assert picture_of(fitted)[0].data == gif


def test_an_animation_too_large_is_written_again_frame_by_frame_still_animated() -> None:
    gif = animation((600, 450), 12)
    assert len(gif) > 1.5 * 300 * 1024
    fitted = fit_to_limit(REQ, build_parts(None, [Attachment(gif, "wave.gif")]), 300 * 1024)
    part, image = picture_of(fitted)
    assert encoded_size(REQ, fitted) <= 300 * 1024 - HEADER_MARGIN
    assert part.content_type == "image/gif" and image.format == "GIF" and image.n_frames >= 6
    assert image.info.get("loop") == 0


@pytest.mark.parametrize(("name", "data"), [("clip.mp4", b"\x00\x00\x00\x18ftypmp42" + bytes(400 * 1024)),
                                            ("song.amr", b"#!AMR\n" + bytes(400 * 1024))])
def test_audio_and_video_too_large_are_refused_with_the_reason(name: str, data: bytes) -> None:
    parts = build_parts("listen", [Attachment(data, name), Attachment(photo((800, 600)), "p.png")])
    with pytest.raises(TooLarge, match=rf"audio and video cannot be re-encoded here, and {name} \(\d+ bytes\)"):
        fit_to_limit(REQ, parts, 300 * 1024)


def _png_declaring(width: int, height: int) -> bytes:
    """A small real PNG whose header is rewritten to declare width x height (no pixels for it)."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


@pytest.mark.parametrize(("side", "says"), [(6_000, r"6000×6000 pixels, more than the 24 million mmsua decodes"),
                                           (20_000, r"more than \d+ million pixels, more than the 24 million")])
def test_a_picture_over_the_pixel_budget_is_refused_from_its_header(side: int, says: str) -> None:
    huge = _png_declaring(side, side)  # a few hundred bytes declaring 36 MP or 400 MP (1.6 GB to decode)
    assert side * side > MAX_DECODE_PIXELS
    with pytest.raises(TooLarge, match=says):
        fit_to_limit(REQ, build_parts(None, [Attachment(huge, "bomb.png")]), 300 * 1024)


def test_a_turned_camera_picture_is_scaled_the_way_it_is_seen() -> None:
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # EXIF Orientation: shown turned a quarter (a phone held upright)
    Image.effect_noise((1600, 1200), 40).convert("RGB").save(out, "JPEG", quality=95, exif=exif)
    fitted = fit_to_limit(REQ, build_parts(None, [Attachment(out.getvalue(), "upright.jpg")]), 300 * 1024)
    assert picture_of(fitted)[1].size == (480, 640)  # upright, not squashed into 640 x 480


def test_a_damaged_picture_is_sent_as_it_is_when_it_fits_and_refused_with_a_reason_when_not() -> None:
    damaged = photo((1200, 900))[:60_000]  # the header reads, the pixels do not
    kept = fit_to_limit(REQ, build_parts(None, [Attachment(damaged, "cut.png")]), 300 * 1024)
    assert picture_of_bytes(kept) == damaged
    with pytest.raises(TooLarge, match="cut.png cannot be read"):
        fit_to_limit(REQ, build_parts(None, [Attachment(damaged, "cut.png")]), 40 * 1024)


def picture_of_bytes(parts) -> bytes:
    return next(p for p in parts if p.content_type.startswith("image/")).data


def test_the_plan_and_then_the_send_fit_a_picture_once() -> None:
    """The composer asks for a plan at each pause and the send fits again: the same
    picture, budget and bounds go to the fitter (Pillow here, a child process in the
    daemon) once; a 10 MB photo costs seconds each time."""
    from mmsua.engine.pictures import FIT_MEMO, fit_picture

    FIT_MEMO.clear()
    asked: list[int] = []

    def fitter(data: bytes, budget: int, bounds: Bounds):
        asked.append(budget)
        return fit_picture(data, budget, bounds)

    parts = build_parts("hi", [Attachment(photo((1600, 1200)), "desk.png")])
    planned = fit_to_limit(REQ, parts, 300 * 1024, fit=fitter)
    after_plan = len(asked)
    assert after_plan >= 1
    sent = fit_to_limit(REQ, parts, 300 * 1024, fit=fitter)
    assert len(asked) == after_plan  # answered from the memo
    assert [p.data for p in sent] == [p.data for p in planned]
    fit_to_limit(REQ, parts, 60 * 1024, fit=fitter)  # a smaller budget is fitted anew
    assert len(asked) > after_plan
    FIT_MEMO.clear()


def test_the_fitting_memo_is_bounded_by_count_and_bytes() -> None:
    from mmsua.engine.pictures import FIT_MEMO, Fitted

    FIT_MEMO.clear()
    for i in range(FIT_MEMO.MAX_ENTRIES + 5):
        FIT_MEMO.put(FIT_MEMO.key(b"%d" % i, 1000, DEFAULT_BOUNDS), Fitted(b"x" * 10, "image/jpeg", 1, 1))
    assert FIT_MEMO.get(FIT_MEMO.key(b"0", 1000, DEFAULT_BOUNDS)) == (False, None)  # the oldest went first
    assert FIT_MEMO.get(FIT_MEMO.key(b"%d" % (FIT_MEMO.MAX_ENTRIES + 4), 1000, DEFAULT_BOUNDS))[0]
    big = Fitted(b"x" * (FIT_MEMO.MAX_BYTES // 2 + 1), "image/jpeg", 1, 1)
    FIT_MEMO.put(FIT_MEMO.key(b"a", 1, DEFAULT_BOUNDS), big)
    FIT_MEMO.put(FIT_MEMO.key(b"b", 1, DEFAULT_BOUNDS), big)
    assert FIT_MEMO.held_bytes() <= FIT_MEMO.MAX_BYTES
    FIT_MEMO.clear()
