"""The composer's size meter: how big the MMS will be against the carrier's limit.

An estimate, not the encoder's exact figure: the parts' bytes plus the M-Send.req
headers, the generated SMIL and each part's headers. Pictures can be scaled
down by the engine to fit; anything else that does not fit cannot be sent.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from dataclasses import dataclass
from pathlib import Path

HEADER_BYTES = 300  # M-Send.req headers with a few recipients
SMIL_BYTES = 400  # generated SMIL start part
PART_HEADER_BYTES = 60  # per part: content type, name, content-id
SCALABLE = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp")
# A picture may be larger than the carrier's limit (the engine scales it), up to this:
# its base64 must fit the API's 32 MiB request line.
MAX_PICTURE_FILE = 16 * 1024 * 1024


class AttachmentError(ValueError):
    """The chosen file cannot be attached (not a regular file, too large, unreadable)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    path: Path
    content_type: str
    size: int

    @classmethod
    def from_path(cls, path: Path) -> Attachment:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return cls(path, content_type, path.stat().st_size)

    @property
    def scalable(self) -> bool:
        return self.content_type in SCALABLE

    def bound(self, limit: int) -> int:
        """The most bytes read for this file: the carrier's limit, or more for a picture the engine scales."""
        return max(limit, MAX_PICTURE_FILE) if self.scalable else limit

    def read(self, limit: int) -> bytes:
        """The file's bytes, read by the user's own process (the daemon may run as
        another user): a regular file only, never more than ``bound(limit)``."""
        return read_file(self.path, self.bound(limit))


def check_file(path: Path, limit: int) -> Attachment:
    """The attachment for ``path``, or AttachmentError saying why it cannot be one."""
    try:
        info = path.stat()
    except OSError as error:
        raise AttachmentError(f"cannot read {path.name}: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        raise AttachmentError(f"{path.name} is not a regular file")
    attachment = Attachment.from_path(path)
    if attachment.size > attachment.bound(limit):
        raise AttachmentError(f"{path.name} is larger than the {attachment.bound(limit)} bytes that can be sent")
    return attachment


def read_file(path: Path, bound: int) -> bytes:
    """At most ``bound`` bytes of the regular file ``path``; a FIFO or device is refused
    before a read can block on it, a file that grew past ``bound`` is refused too."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise AttachmentError(f"cannot read {path.name}: {error.strerror or error}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise AttachmentError(f"{path.name} is not a regular file")
        data = handle.read(bound + 1)
    if len(data) > bound:
        raise AttachmentError(f"{path.name} is larger than the {bound} bytes that can be sent")
    return data


@dataclass(frozen=True, slots=True)
class SizeEstimate:
    total: int
    limit: int
    scaled: tuple[Attachment, ...]  # pictures the engine will shrink to fit
    fits: bool  # after scaling

    @property
    def ratio(self) -> float:
        return self.total / self.limit if self.limit else 0.0


def estimate(text: str, subject: str, attachments: list[Attachment], limit: int) -> SizeEstimate:
    fixed = HEADER_BYTES + len(subject.encode("utf-8"))
    parts = 0
    if text:
        fixed += PART_HEADER_BYTES + len(text.encode("utf-8"))
        parts += 1
    if attachments:
        fixed += SMIL_BYTES
    unscalable = sum(a.size + PART_HEADER_BYTES for a in attachments if not a.scalable)
    scalable = sum(a.size + PART_HEADER_BYTES for a in attachments if a.scalable)
    total = fixed + unscalable + scalable
    if total <= limit:
        return SizeEstimate(total, limit, (), True)
    pictures = tuple(a for a in attachments if a.scalable)
    # Scaling can shrink pictures a long way, but not to nothing: ~8 KB each is a floor.
    floor = fixed + unscalable + len(pictures) * 8 * 1024
    return SizeEstimate(total, limit, pictures, floor <= limit)
