"""Whether a received message is a rule's: its sender, its keyword, its pattern.

Bounded: a pattern sees only the text's first :data:`MATCH_TEXT` characters and
is given :data:`PATTERN_TIMEOUT` seconds (the ``regex`` module's timeout); a pattern
that runs out of time is no match, logged. A keyword is the text's first word,
compared without case ("status", "Status please" are STATUS; "statuses" is not).
"""

from __future__ import annotations

import logging

from mmsua import addresses
from mmsua.api.shapes import Message
from mmsua.rules.model import Rule
from mmsua.textsafe import clean_line

log = logging.getLogger("mmsua.rules")
MATCH_TEXT = 2000  # characters of a text a pattern or keyword looks at
PATTERN_TIMEOUT = 0.1  # seconds one pattern may take on one text


def first_word(text: str) -> str:
    words = text[:MATCH_TEXT].split(maxsplit=1)
    return words[0].strip(".,;:!?()[]{}\"'").casefold() if words else ""


def text_of(message: Message) -> str:
    """What keywords and patterns see: the text (an MMS's text parts as the API joins them),
    else the subject."""
    return (message.text or message.subject or "")[:MATCH_TEXT]


def matches(rule: Rule, message: Message, country: addresses.Country | None = None) -> bool:
    if rule.modems and message.modem not in rule.modems:
        return False
    sender = message.sender or ""
    if rule.senders and not any(addresses.same_person(sender, wanted, country) for wanted in rule.senders):
        return False
    text = text_of(message)
    if rule.keywords and first_word(text) not in rule.keywords:
        return False
    if rule.pattern is not None:
        try:
            return rule.pattern.search(text, timeout=PATTERN_TIMEOUT) is not None
        except TimeoutError:
            log.warning("rule %s: its pattern took over %g s on message %s; taken as no match", clean_line(rule.name, limit=60),
                        PATTERN_TIMEOUT, message.id)
            return False
    return True


def is_short_code(sender: str) -> bool:
    """A short code or an alphanumeric sender (a bank, the carrier): no person reads a reply."""
    bare = addresses.strip_type(sender)
    if "@" in bare:
        return False
    if any(c.isalpha() for c in bare):
        return True
    digits = "".join(c for c in bare if c.isdigit())
    return not bare.startswith("+") and len(digits) <= 8
