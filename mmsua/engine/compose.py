"""Composing M-Send.req: content types from the bytes, a SMIL start part, and
attachments fitted to the carrier's size limit (images scaled with Pillow)."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from mmsua.codec.mms import Address, ContentType, Expiry, MessageType, MmsPdu, Part, encode_mms
from mmsua.codec.smil import make_smil
from mmsua.engine.pictures import FIT_MEMO, Bounds, Fitted, PictureRefused, UnreadablePicture, fit_picture
from mmsua.engine.settings import AgentSettings
from mmsua.engine.transactions import MMS_VERSION, UTF8_MIBENUM, mms_address
from mmsua.store.records import PartData
from mmsua.textsafe import safe_filename

# (picture, byte budget, bounds) -> the fitted picture: pictures.fit_picture or picture_child.fit_in_child
PictureFitter = Callable[[bytes, int, Bounds], Fitted | None]

# Room kept for what differs between the size check and the real send (its
# transaction id and date) and for the HTTP framing some MMSCs count.
HEADER_MARGIN = 4 * 1024
# AOSP CarrierConfigManager defaults: KEY_MMS_MAX_IMAGE_WIDTH_INT 640, KEY_MMS_MAX_IMAGE_HEIGHT_INT 480
# (mms_config's maxImageWidth / maxImageHeight); a carrier's own rules may raise them.
DEFAULT_BOUNDS = Bounds(640, 480)
MIN_PICTURE_BYTES = 2048  # less than this per picture: the other parts take the room
SMIL_CONTENT_ID = "<smil>"
_SCALABLE = ("image/jpeg", "image/png", "image/webp", "image/bmp", "image/gif", "image/tiff")

# Magic numbers: the bytes say what a file is; a name only breaks ties.
_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"BM", "image/bmp"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"#!AMR-WB\n", "audio/amr-wb"),
    (0, b"#!AMR\n", "audio/amr"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"OggS", "audio/ogg"),
    (0, b"fLaC", "audio/flac"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"BEGIN:VCARD", "text/x-vcard"),
    (0, b"BEGIN:VCALENDAR", "text/x-vcalendar"),
    (0, b"<smil", "application/smil"),
    (4, b"ftyp3g", "video/3gpp"),
    (4, b"ftyp", "video/mp4"),
)


class TooLarge(ValueError):
    """Nothing we can do makes the message fit the carrier's limit."""


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the user attaches: bytes plus the name it had (a hint only)."""

    data: bytes
    name: str | None = None
    content_type: str | None = None  # what the caller claims; checked against the bytes


def sniff_type(data: bytes, name: str | None = None, claimed: str | None = None) -> str:
    """The media type of ``data``: from its magic number, else the claim or the
    file name for text-like content, else application/octet-stream."""
    for offset, magic, media in _MAGIC:
        if data[offset:offset + len(magic)] == magic:
            return media
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "audio/wav"
    if data[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "audio/mpeg"
    guessed = claimed or (mimetypes.guess_type(name)[0] if name else None)
    try:
        data.decode("utf-8")
        is_text = b"\x00" not in data
    except UnicodeDecodeError:
        is_text = False
    if is_text:
        return guessed if guessed and guessed.startswith("text/") else "text/plain"
    if guessed and not guessed.startswith(("text/", "image/", "audio/", "video/")):
        return guessed  # e.g. an application/* type the magic table does not know
    return "application/octet-stream"


def build_parts(text: str | None, attachments: Sequence[Attachment]) -> list[PartData]:
    """The parts of an outgoing MMS in order: SMIL, text, attachments.

    Names are made safe and unique; content ids follow them.
    """
    body: list[PartData] = []
    used: set[str] = set()

    def unique(name: str) -> str:
        stem, dot, ext = name.rpartition(".")
        candidate, n = name, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{stem}-{n}.{ext}" if dot else f"{name}-{n}"
        used.add(candidate.lower())
        return candidate

    if text:
        name = unique("text.txt")
        body.append(PartData("text/plain", text.encode("utf-8"), name=name, content_id=f"<{name}>",
                             charset="utf-8", content_location=name))
    for number, attachment in enumerate(attachments, 1):
        media = sniff_type(attachment.data, attachment.name, attachment.content_type)
        ext = mimetypes.guess_extension(media) or ".bin"
        name = unique(safe_filename(attachment.name, fallback=f"attachment{number}{ext}"))
        body.append(PartData(media, attachment.data, name=name, content_id=f"<{name}>", content_location=name,
                             charset="utf-8" if media.startswith("text/") else None))
    smil = make_smil([_codec_part(p) for p in body])
    return [PartData("application/smil", smil, name="smil.xml", content_id=SMIL_CONTENT_ID, charset="utf-8",
                     content_location="smil.xml"), *body]


def _codec_part(part: PartData) -> Part:
    return Part.make(part.data, part.content_type, name=part.name, charset=part.charset,
                     content_id=part.content_id, content_location=part.content_location)


@dataclass(frozen=True, slots=True)
class SendRequest:
    """What an M-Send.req carries besides its parts."""

    transaction_id: str
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    subject: str | None = None
    delivery_report: bool = False
    read_report: bool = False
    expiry_seconds: int | None = None
    priority: str | None = None
    date: float | None = None


def send_req(request: SendRequest, parts: Sequence[PartData]) -> MmsPdu:
    """M-Send.req: From insert-address-token, multipart/related with the SMIL as start."""
    codec_parts = tuple(_codec_part(p) for p in parts)
    has_smil = any(p.content_type == "application/smil" for p in parts)
    if has_smil:
        ctype = ContentType.of("application/vnd.wap.multipart.related", start=SMIL_CONTENT_ID, type="application/smil")
    else:
        ctype = ContentType.of("application/vnd.wap.multipart.mixed")
    return MmsPdu(
        MessageType.M_SEND_REQ,
        transaction_id=request.transaction_id,
        mms_version=MMS_VERSION,
        date=datetime.fromtimestamp(request.date, timezone.utc) if request.date else None,
        sender=Address.insert_token(),
        to=tuple(mms_address(a) for a in request.to),
        cc=tuple(mms_address(a) for a in request.cc),
        bcc=tuple(mms_address(a) for a in request.bcc),
        subject=request.subject or None,
        subject_charset=UTF8_MIBENUM if request.subject else None,
        message_class="personal",
        priority=request.priority,
        expiry=Expiry.after(request.expiry_seconds) if request.expiry_seconds else None,
        delivery_report=request.delivery_report,
        read_report=request.read_report,
        content_type=ctype,
        parts=codec_parts,
    )


def encoded_size(request: SendRequest, parts: Sequence[PartData]) -> int:
    return len(encode_mms(send_req(request, parts)))


def fit_to_limit(request: SendRequest, parts: list[PartData], limit: int, *,
                 bounds: Bounds = DEFAULT_BOUNDS, fit: PictureFitter = fit_picture) -> list[PartData]:
    """The parts with every picture within ``bounds`` and the whole M-Send.req (headers,
    SMIL, text, attachments) at most ``limit`` less HEADER_MARGIN; pictures are scaled and
    re-encoded (mmsua/engine/pictures.py), nothing else can be. Raises :class:`TooLarge`
    saying why when nothing makes it fit. ``fit``: the daemon's fits in a child process
    (mmsua/engine/picture_child.py)."""
    budget = limit - HEADER_MARGIN
    pictures = [i for i, p in enumerate(parts) if p.content_type in _SCALABLE]
    fitted = list(parts)
    for i in pictures:  # within the carrier's width x height, whatever the size
        fitted[i] = _fit_picture(parts[i], len(parts[i].data), bounds, fit, keep_unreadable=True)
    fitted = _with_smil(fitted)
    size = encoded_size(request, fitted)
    for _round in range(4):  # the framing of a renamed part shifts the sums a little
        if size <= budget:
            return fitted
        fixed = size - sum(len(fitted[i].data) for i in pictures)
        room = budget - fixed
        if not pictures or room <= len(pictures) * MIN_PICTURE_BYTES:
            break  # the other parts alone leave no room for a picture
        for i, share in _shares({i: len(fitted[i].data) for i in pictures}, room).items():
            if len(fitted[i].data) > share:
                fitted[i] = _fit_picture(parts[i], share, bounds, fit)  # from the original: one generation of loss
        fitted = _with_smil(fitted)
        size = encoded_size(request, fitted)
    if size <= budget:
        return fitted
    raise TooLarge(_too_large_reason(fitted, pictures, size, limit))


def picture_bounds(settings: AgentSettings) -> Bounds:
    """The largest picture the settings allow (mms.max_image_width x mms.max_image_height)."""
    return Bounds(settings.max_image_width, settings.max_image_height)


def fitted_size(request: SendRequest, parts: list[PartData], limit: int, *, bounds: Bounds = DEFAULT_BOUNDS) -> int:
    """The encoded size of the M-Send.req once fitted, without sending (the send plan
    asks); raises :class:`TooLarge` as ``fit_to_limit`` does."""
    return encoded_size(request, fit_to_limit(request, parts, limit, bounds=bounds))


def _fit_picture(part: PartData, budget: int, bounds: Bounds, fit: PictureFitter, *,
                 keep_unreadable: bool = False) -> PartData:
    try:
        fitted = FIT_MEMO.fit(part.data, budget, bounds, fit)
    except UnreadablePicture:
        if keep_unreadable:
            return part  # sent as it is while it fits, as any file
        raise TooLarge(f"{part.name or 'a picture'} cannot be read, so it cannot be made smaller") from None
    except PictureRefused as exc:
        raise TooLarge(f"{part.name or 'a picture'}: {exc}") from None
    if fitted is None:
        raise TooLarge(f"{part.name or 'a picture'} cannot be made smaller than {budget} bytes")
    if fitted.data is part.data:
        return part
    return _renamed(replace(part, data=fitted.data, content_type=fitted.content_type), fitted.content_type)


def _renamed(part: PartData, content_type: str) -> PartData:
    ext = ".gif" if content_type == "image/gif" else ".jpg"
    name = part.name or f"image{ext}"
    if not name.lower().endswith((ext, ".jpeg") if ext == ".jpg" else (ext,)):
        name = name.rsplit(".", 1)[0] + ext
    return replace(part, name=name, content_id=f"<{name}>", content_location=name)


def _with_smil(parts: list[PartData]) -> list[PartData]:
    """The SMIL written again when a part was renamed (it names each part it shows)."""
    body = [p for p in parts if p.content_id != SMIL_CONTENT_ID]
    if len(body) == len(parts):
        return parts
    smil = make_smil([_codec_part(p) for p in body])
    return [replace(p, data=smil) if p.content_id == SMIL_CONTENT_ID else p for p in parts]


def _shares(sizes: dict[int, int], room: int) -> dict[int, int]:
    """Bytes for each picture: the small ones keep their size, the rest share what is left."""
    shares: dict[int, int] = {}
    left = dict(sizes)
    while left:
        each = room // len(left)
        small = {i: s for i, s in left.items() if s <= each}
        if not small:
            shares.update({i: each for i in left})
            break
        for i, s in small.items():
            shares[i] = s
            room -= s
            del left[i]
    return shares


def _too_large_reason(parts: list[PartData], pictures: list[int], size: int, limit: int) -> str:
    head = f"the message is {size} bytes and the carrier accepts {limit} (with {HEADER_MARGIN} kept for headers)"
    fixed = [p for i, p in enumerate(parts) if i not in pictures and p.content_id != SMIL_CONTENT_ID]
    media = sorted((p for p in fixed if p.content_type.startswith(("audio/", "video/"))), key=lambda p: -len(p.data))
    if media:
        named = ", ".join(f"{p.name or p.content_type} ({len(p.data)} bytes)" for p in media)
        return f"{head}; audio and video cannot be re-encoded here, and {named} leave(s) no room"
    if not pictures or sum(len(p.data) for p in fixed) > (limit - HEADER_MARGIN) // 2:
        return f"{head}; its parts that cannot be scaled already take {sum(len(p.data) for p in fixed)} bytes"
    return f"{head}; pictures could not be made small enough"
