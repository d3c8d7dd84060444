"""A stored message as a new SendRequest to other people (the API's ``forward``).

The text goes as text; every other part goes as an attachment with its name and
content type, except the SMIL, which the composer writes afresh for the new message.
"""

from __future__ import annotations

from collections.abc import Callable

from mmsua.api import shapes as api
from mmsua.api.errors import BadRequest
from mmsua.store import Message, PartInfo

_NOT_ATTACHED = ("application/smil", "text/plain")  # the SMIL is rebuilt; text parts are the text
_FWD = "Fwd: "


def forward_request(message: Message, read_part: Callable[[int], bytes], to: tuple[str, ...],
                    separately: bool, via: api.SendVia) -> api.SendRequest:
    """The request that sends ``message``'s content to ``to``; ``read_part(index)`` gives a part's bytes."""
    attachments = tuple(api.Attachment.of(read_part(p.index), p.name, p.content_type)
                        for p in message.parts if _base_type(p) not in _NOT_ATTACHED)
    if not message.text and not attachments:
        why = "its content has not been fetched" if message.kind == "mms" and message.direction == "in" else "it has no content"
        raise BadRequest(f"message {message.id} cannot be forwarded: {why}")
    subject = message.subject
    if subject and not subject.lower().startswith(("fwd:", "fw:")):
        subject = _FWD + subject
    return api.SendRequest(to=tuple(to), subject=subject, text=message.text or None, attachments=attachments,
                           separately=separately, via=via)


def _base_type(part: PartInfo) -> str:
    return part.content_type.split(";")[0].strip().lower()
