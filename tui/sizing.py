"""The composer's size meter: how big the MMS will be against the carrier's limit.

An estimate, not the encoder's exact figure: the parts' bytes plus the M-Send.req
headers, the generated SMIL and each part's headers. Pictures can be scaled
down by the engine to fit; anything else that does not fit cannot be sent.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import Path

HEADER_BYTES = 300  # M-Send.req headers with a few recipients
SMIL_BYTES = 400  # generated SMIL start part
PART_HEADER_BYTES = 60  # per part: content type, name, content-id
SCALABLE = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp")


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
