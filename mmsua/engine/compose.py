"""Composing M-Send.req: content types from the bytes, a SMIL start part, and
attachments fitted to the carrier's size limit (images scaled with Pillow)."""

from __future__ import annotations

import io
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from mmsua.codec.mms import Address, ContentType, Expiry, MessageType, MmsPdu, Part, encode_mms
from mmsua.codec.smil import make_smil
from mmsua.engine.transactions import MMS_VERSION, UTF8_MIBENUM, mms_address
from mmsua.store.records import PartData
from mmsua.textsafe import safe_filename

# Room kept for the M-Send.req headers and multipart framing around the parts.
HEADER_MARGIN = 4 * 1024
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


def fit_to_limit(request: SendRequest, parts: list[PartData], limit: int) -> list[PartData]:
    """Scale and re-encode images until the whole M-Send.req fits in ``limit``
    (less a margin for the headers). Raises :class:`TooLarge` when nothing can fit."""
    budget = limit - HEADER_MARGIN
    size = encoded_size(request, parts)
    if size <= budget:
        return parts
    fitted = list(parts)
    for _round in range(12):
        images = [i for i, p in enumerate(fitted) if p.content_type in _SCALABLE]
        if not images:
            break
        fixed = size - sum(len(fitted[i].data) for i in images)
        room = budget - fixed
        if room <= len(images) * 2048:
            break  # the other parts alone leave no room for a picture
        per_image = room // len(images)
        changed = False
        for i in images:
            if len(fitted[i].data) > per_image:
                smaller = shrink_image(fitted[i].data, per_image)
                if smaller is not None and len(smaller) < len(fitted[i].data):
                    fitted[i] = _as_jpeg(fitted[i], smaller)
                    changed = True
        size = encoded_size(request, fitted)
        if size <= budget:
            return fitted
        if not changed:
            break
    fixed_parts = [p for p in fitted if p.content_type not in _SCALABLE]
    fixed_size = sum(len(p.data) for p in fixed_parts)
    raise TooLarge(
        f"the message is {size} bytes and the carrier accepts {limit} (with {HEADER_MARGIN} kept for headers); "
        + (
            f"its parts that cannot be scaled already take {fixed_size} bytes"
            if fixed_size > budget // 2
            else "pictures could not be made small enough"
        )
    )


def _as_jpeg(part: PartData, data: bytes) -> PartData:
    name = part.name or "image.jpg"
    if not name.lower().endswith((".jpg", ".jpeg")):
        name = name.rsplit(".", 1)[0] + ".jpg"
    return replace(part, data=data, content_type="image/jpeg", name=name)


def shrink_image(data: bytes, target: int) -> bytes | None:
    """Re-encode an image as JPEG of at most ``target`` bytes, scaling it down as
    needed; None when Pillow cannot read it or it cannot get that small."""
    from PIL import Image, ImageOps  # Pillow is only needed when a picture is too large

    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.seek(0)  # the first frame of an animation
            image = ImageOps.exif_transpose(opened).convert("RGB")
    except Exception:  # Pillow raises many kinds for bad files
        return None
    width, height = image.size
    scale = min(1.0, (target * 8 / max(width * height * 3, 1)) ** 0.5 * 1.5)
    for _ in range(16):
        w, h = max(int(width * scale), 16), max(int(height * scale), 16)
        candidate = image.resize((w, h), Image.Resampling.LANCZOS) if (w, h) != image.size else image
        for quality in (85, 70, 55, 40):
            out = io.BytesIO()
            candidate.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() <= target:
                return out.getvalue()
        if w == 16 and h == 16:
            return None
        scale *= 0.75
    return None
