"""SMS first, MMS when it must: the one decision ``plan_send`` answers and ``send`` follows.

Pure (no I/O): the agent hands in the normalised request (:class:`Draft`), the settings
in force, and a way to measure the M-Send.req once MMS is chosen. The rules are Android's
and Spacebar's (docs/api.md "SMS or MMS"):

- a request's ``via`` ("sms", "mms"; the older ``as_sms``) decides; SMS that cannot carry
  the message is :class:`Refused`;
- else the ``send_via`` setting: "mms" always MMS, "sms" SMS wherever SMS can carry it;
- else (``auto``) text to one person goes as SMS; MMS when it has an attachment, a
  subject, cc/bcc, a priority or an e-mail recipient, when it goes to several people and
  group MMS is on (``group_mms``: auto follows the carrier's rule), or when the text needs
  more SMS than ``sms_to_mms_threshold`` (Android's smsToMmsTextThreshold; 0 never).
  A group text as SMS goes to each person on their own; ``separately`` always does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from mmsua.api.shapes import SendPlan
from mmsua.codec import gsm7
from mmsua.codec.sms import TextSegments, text_segments
from mmsua.engine.settings import AgentSettings

MAX_SMS_PARTS = 255  # a concatenated SMS has at most 255 segments (TS 23.040 9.2.3.24.1)
# Characters per segment of a concatenated SMS at best: 7-bit, and UCS-2.
_PER_PART = {"gsm7": 153, "ucs2": 67}


class Refused(ValueError):
    """The request asks for SMS where SMS cannot carry it (the API's BadRequest)."""


@dataclass(frozen=True, slots=True)
class Draft:
    """A send request after its addresses were normalised and its attachments read."""

    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()
    text: str = ""
    subject: str | None = None
    attachments: int = 0
    priority: str | None = None
    separately: bool = False
    via: str = "auto"  # the request's; ``as_sms`` already folded in

    @property
    def recipients(self) -> tuple[str, ...]:
        return (*self.to, *self.cc, *self.bcc)


# The M-Send.req's size after fitting, or why it cannot fit (called only when MMS is chosen).
Measure = Callable[[], "tuple[int, str | None]"]


def why_not_sms(draft: Draft, parts: int) -> str | None:
    """What keeps this message from going as SMS, or None when SMS can carry it."""
    if draft.attachments:
        return "has an attachment"
    if draft.subject:
        return "has a subject"
    if not draft.text:
        return "has no text"
    if draft.cc or draft.bcc:
        return "has cc or bcc recipients"
    if draft.priority:
        return "has a priority"
    if any("@" in a for a in draft.to):
        return "goes to an e-mail address"
    if parts > MAX_SMS_PARTS:
        return f"needs {parts} SMS; a long SMS has at most {MAX_SMS_PARTS}"
    return None


def group_mms_on(settings: AgentSettings) -> bool:
    if settings.group_mms == "auto":
        return settings.carrier_group_mms
    return settings.group_mms == "on"


def choose(draft: Draft, settings: AgentSettings, parts: int) -> tuple[str, str]:
    """(kind, reason) for the draft; Refused when the request forces SMS where it cannot go."""
    blocker = why_not_sms(draft, parts)
    if draft.via == "sms":
        if blocker is not None:
            raise Refused(f"cannot send as SMS: the message {blocker}; an SMS carries only text to phone numbers "
                          "(no attachments, subject, cc, bcc or priority): send it as MMS")
        return "sms", "asked for SMS"
    if draft.via == "mms":
        return "mms", "asked for MMS"
    if blocker is not None:
        return "mms", blocker
    if settings.send_via == "mms":
        return "mms", "MMS chosen in the settings (messaging.send_via)"
    if settings.send_via == "sms":
        return "sms", "SMS chosen in the settings (messaging.send_via)"
    several = len(draft.to) > 1
    if several and not draft.separately and group_mms_on(settings):
        return "mms", f"a group message to {len(draft.to)} people (group MMS is on)"
    threshold = settings.sms_to_mms_threshold
    if threshold > 0 and parts > threshold:
        return "mms", f"longer than {threshold} SMS"
    if draft.separately and several:
        return "sms", "text, one SMS to each person"
    if several:
        return "sms", "a group text, one SMS to each person (group MMS is off)"
    return "sms", "text to one person"


def plan(draft: Draft, settings: AgentSettings, measure: Measure) -> SendPlan:
    """What ``send`` does with the draft. Refused for an impossible ``via``."""
    if draft.via not in ("auto", "sms", "mms"):
        raise Refused(f"via {draft.via!r} is not one of auto, sms, mms")
    segments = _segments(draft.text)
    parts = segments.parts if segments is not None else 0
    kind, reason = choose(draft, settings, parts)
    sms_possible = why_not_sms(draft, parts) is None
    # The SMS counts whenever there is text: a composer shows them for either kind.
    left = segments.units_left if segments is not None else 0
    encoding: Literal["gsm7", "ucs2"] = "ucs2" if segments is not None and segments.alphabet == "ucs2" else "gsm7"
    if kind == "sms":
        people = len(draft.to)
        return SendPlan(kind="sms", reason=reason, switchable=True, messages=people, sms_parts=parts,
                        sms_chars_left=left, sms_encoding=encoding, mms_limit=settings.max_message_size,
                        confirm=_confirm(parts, people, settings))
    size, problem = measure()
    messages = len(draft.recipients) if draft.separately else 1
    problems = [] if problem is None else [problem]
    # The carrier's recipientLimit (carrier rules): an MMS to more is refused by its MMSC.
    most, people = settings.recipient_limit, len(draft.recipients)
    if most and not draft.separately and people > most:
        problems.append(f"the carrier takes at most {most} recipients in one MMS and this has {people}: "
                        "send one each, or to fewer")
    return SendPlan(kind="mms", reason=reason, switchable=sms_possible, messages=messages, sms_parts=parts,
                    sms_chars_left=left, sms_encoding=encoding, mms_size=size, mms_limit=settings.max_message_size,
                    problems=tuple(problems))


def _segments(text: str) -> TextSegments | None:
    """The text's SMS segments. A text too long for 255 of them is only estimated: counting
    a huge one segment by segment (national tables tried in turn) would hold the daemon."""
    if not text:
        return None
    if len(text) <= MAX_SMS_PARTS * _PER_PART["gsm7"]:
        return text_segments(text)
    alphabet = "gsm7" if gsm7.can_encode(text) else "ucs2"
    return TextSegments(-(-len(text) // _PER_PART[alphabet]), alphabet, 0)


def _confirm(parts: int, people: int, settings: AgentSettings) -> str | None:
    """A long SMS is confirmed first: each segment is charged as one SMS."""
    limit = settings.long_sms_confirm_parts
    if limit <= 0 or parts <= limit:
        return None
    each = f" to each of {people} people" if people > 1 else ""
    return f"this goes as {parts} SMS{each}, each charged as one"
