"""``mmsua compose``: write an M-Send.req (multipart/related with a generated SMIL) to a file.

Each attachment's content type is recognised from its bytes (magic numbers,
then Pillow for other image formats), not from its file name; text that is
valid UTF-8 becomes text/plain; charset=utf-8. The result decodes with
``mmsua decode`` and with other MMS implementations (python-messaging is tested).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import uuid
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mmsua import exit_codes


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "compose",
        help="write an M-Send.req with text, attachments and a generated SMIL to a file",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    p.add_argument("--to", action="append", required=True, metavar="N",
                   help="a recipient: phone number (+E.164 or national digits) or e-mail address; repeat for more")
    p.add_argument("--cc", action="append", default=[], metavar="N", help="a copy recipient; repeat for more")
    p.add_argument("--subject", help="the subject line")
    p.add_argument("--text", help="a text part")
    p.add_argument("--attach", nargs="+", action="extend", default=[], metavar="FILE",
                   help="files to attach (image, audio, video, vCard, any); their type is read from their bytes")
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the PDU (- for standard output)")
    p.set_defaults(func=run)


# ----------------------------------------------------------------------------- content types

_MAGIC: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"#!AMR-WB\n", "audio/amr-wb"),
    (0, b"#!AMR\n", "audio/amr"),
    (0, b"OggS", "audio/ogg"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"BEGIN:VCARD", "text/x-vcard"),
    (0, b"BEGIN:VCALENDAR", "text/x-vcalendar"),
    (0, b"<smil", "application/smil"),
)


def sniff_content_type(data: bytes) -> str:
    """The media type of ``data``, from its bytes."""
    for offset, magic, media in _MAGIC:
        if data[offset : offset + len(magic)] == magic:
            return media
    if data[:4] == b"RIFF" and data[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/x-msvideo"}[data[8:12]]
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand.startswith(b"3gp"):
            return "video/3gpp"
        if brand.startswith(b"3g2"):
            return "video/3gpp2"
        return "audio/mp4" if brand == b"M4A " else "video/mp4"
    if len(data) >= 2 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and data[1] & 0x06:
        return "audio/mpeg"  # an MPEG audio frame sync without an ID3 tag
    image = _pillow_type(data)
    if image:
        return image
    if b"\x00" not in data:
        try:
            data.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError:
            pass
    return "application/octet-stream"


def _pillow_type(data: bytes) -> str | None:
    try:
        import io

        from PIL import Image

        with Image.open(io.BytesIO(data)) as img:
            return Image.MIME.get(img.format or "")
    except Exception:  # noqa: BLE001 - Pillow raises many types for "not an image"
        return None


# ----------------------------------------------------------------------------- building

_PHONE = re.compile(r"\+?[0-9*#]{1,32}")


def recipient(text: str) -> Any:
    """An MMS address from what a person types; ValueError when it is neither a number nor an e-mail."""
    from mmsua.codec.mms import Address

    value = text.strip()
    if "/TYPE=" in value.upper():
        return Address.parse(value)
    compact = re.sub(r"[\s().-]", "", value)
    if _PHONE.fullmatch(compact):
        return Address.phone(compact)
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        return Address.email(value)
    raise ValueError(f"{text!r} is neither a phone number nor an e-mail address")


def build_send_req(to: Sequence[str], *, cc: Sequence[str] = (), subject: str | None = None,
                   text: str | None = None, attachments: Sequence[tuple[str, bytes]] = (),
                   transaction_id: str | None = None, date: datetime | None = None) -> Any:
    """An M-Send.req MmsPdu: SMIL first (the multipart/related start), then the text, then attachments."""
    from mmsua.codec.mms import Address, ContentType, MessageType, MmsPdu, Part
    from mmsua.codec.smil import make_smil
    from mmsua.textsafe import safe_filename

    parts: list[Any] = []
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
        parts.append(Part.make(text.encode("utf-8"), "text/plain", charset="utf-8", content_id=f"<{name}>",
                               content_location=name))
    for filename, data in attachments:
        media = sniff_content_type(data)
        name = unique(safe_filename(os.path.basename(filename), fallback="attachment"))
        charset = "utf-8" if media.startswith("text/") else None
        parts.append(Part.make(data, media, name=name, charset=charset, content_id=f"<{name}>", content_location=name))
    smil = Part.make(make_smil(parts), "application/smil", content_id="<smil>", content_location="smil.smil")
    return MmsPdu(
        message_type=MessageType.M_SEND_REQ,
        transaction_id=transaction_id or uuid.uuid4().hex[:16],
        mms_version="1.2",
        date=(date or datetime.now(timezone.utc)).replace(microsecond=0),
        sender=Address.insert_token(),
        to=tuple(recipient(n) for n in to),
        cc=tuple(recipient(n) for n in cc),
        subject=subject,
        content_type=ContentType.of("application/vnd.wap.multipart.related", start="<smil>", type="application/smil"),
        parts=(smil, *parts),
    )


def run(args: argparse.Namespace) -> int:
    from mmsua.codec.errors import PduError
    from mmsua.codec.mms import encode_mms

    attachments: list[tuple[str, bytes]] = []
    for path in args.attach:
        try:
            attachments.append((path, Path(path).read_bytes()))
        except OSError as exc:
            print(f"mmsua compose: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
            return exit_codes.USAGE
    if not args.text and not attachments and not args.subject:
        print("mmsua compose: nothing to send: give --text, --attach or --subject", file=sys.stderr)
        return exit_codes.USAGE
    try:
        pdu = build_send_req(args.to, cc=args.cc, subject=args.subject, text=args.text, attachments=attachments)
        data = encode_mms(pdu)
    except ValueError as exc:  # a bad recipient; PduError is a ValueError too
        kind = "cannot encode" if isinstance(exc, PduError) else "bad recipient"
        print(f"mmsua compose: {kind}: {exc}", file=sys.stderr)
        return exit_codes.FAILURE if isinstance(exc, PduError) else exit_codes.USAGE
    try:
        if args.out == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            Path(args.out).write_bytes(data)
    except OSError as exc:
        print(f"mmsua compose: cannot write {args.out}: {exc.strerror or exc}", file=sys.stderr)
        return exit_codes.IOERR
    if args.out != "-":
        kinds = ", ".join(p.content_type.media_type for p in pdu.parts)
        print(f"wrote {args.out}: m-send-req, {len(data)} octets, parts: {kinds}")
    return exit_codes.OK
