"""What the copy dialog offers from a message: its text, the codes and the links in it.

Codes are what one-time passwords look like: 4 to 8 digits standing alone (not part
of a longer number, a phone number or a decimal). Links start with a scheme or
``www.``; trailing punctuation of the sentence is not part of them. The text is
cleaned by ``mmsua.textsafe`` first, so nothing copied carries a control sequence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mmsua.textsafe import clean_text

MAX_TEXT = 20_000  # as much of a message as the bubble shows
MAX_ITEMS = 20  # codes or links each: a hostile message may hold thousands
MAX_LINK = 2_000

_CODE = re.compile(r"(?<![\w.,+/])(\d{4,8})(?![\w]|[.,]\d)")
_LINK = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
_LINK_TAIL = ".,;:!?)]}'\""


@dataclass(frozen=True, slots=True)
class Copyable:
    kind: str  # "text", "code" or "link"
    value: str


def codes(text: str) -> list[str]:
    found: list[str] = []
    for match in _CODE.finditer(text):
        if match.group(1) not in found:
            found.append(match.group(1))
        if len(found) >= MAX_ITEMS:
            break
    return found


def links(text: str) -> list[str]:
    found: list[str] = []
    for match in _LINK.finditer(text):
        link = match.group(0)[:MAX_LINK].rstrip(_LINK_TAIL)
        if link and link not in found:
            found.append(link)
        if len(found) >= MAX_ITEMS:
            break
    return found


def copyables(raw: str) -> list[Copyable]:
    """The whole text first, then its codes, then its links."""
    text = clean_text(raw[:MAX_TEXT]).strip()
    if not text:
        return []
    return [Copyable("text", text), *(Copyable("code", c) for c in codes(text)), *(Copyable("link", u) for u in links(text))]
