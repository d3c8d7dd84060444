"""What one message's bubble says.

Incoming messages sit on the left, outgoing on the right. A bubble shows the
sender (in groups), subject, text, pictures inline, other parts with their type
and size, per-recipient status of sent messages, and, for a notification still
at the carrier, its size and how to download it. All network text goes through
``tui.display`` and is shown as ``Text``, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from rich.style import Style
from rich.text import Text

from mmsua.api.shapes import Message, Part
from mmsua.tui.contacts import Contacts
from mmsua.tui.display import BAD, MUTED, STATUS_LOOK, human_size, long_time, recipient_status, safe_block, safe_line

PART_ICONS = {"image": "▣", "audio": "♪", "video": "▶", "text": "≡"}
# A message may have any number of parts (one of 20,000 took 15 s and 285 MB to draw):
# the bubble lists the first of them and says how many more; s and o reach them all.
MAX_PARTS_SHOWN = 30
MAX_PICTURES_SHOWN = 8


def shown_parts(message: Message) -> tuple[tuple[Part, ...], int]:
    """The attachments a bubble draws, and how many more it leaves out."""
    parts = message.attachments[:MAX_PARTS_SHOWN]
    pictures = [p for p in parts if p.is_image][MAX_PICTURES_SHOWN:]  # past the first few, listed instead
    shown = tuple(p for p in parts if p not in pictures)
    return shown, len(message.attachments) - len(shown)


def part_label(part: Part) -> Text:
    content_type = part.content_type.lower()  # MIME types are case-insensitive (RFC 2045 5.1)
    kind = content_type.split("/")[0]
    icon = PART_ICONS.get(kind, "◆")
    if "vcard" in content_type:
        icon = "☺"
    return Text.assemble(
        (f"{icon} ", "bold"),
        safe_line(part.name or "(unnamed)", limit=60),
        ("  ", ""),
        safe_line(content_type, limit=50, style="dim"),
        ("  ", ""),
        (human_size(part.size), "dim"),
    )


@dataclass(frozen=True, slots=True)
class Look:
    """What a bubble's words depend on besides the message."""

    contacts: Contacts
    now: Callable[[], datetime]
    group: bool
    pictures: bool = True  # False: pictures are listed like any other part
    names: dict[str, str] = field(default_factory=dict)  # the daemon's names of the participants
    modems: bool = False  # the daemon has several modems: each bubble says which it came in on or went out of


def status_line(state: str, resolve: Callable[[str], Style]) -> Text:
    """A state's glyph and words; ``resolve`` turns a STATUS_LOOK style (theme variables) into a Rich style."""
    label, style = STATUS_LOOK.get(state, (state, ""))
    return Text(label, style=resolve(style))


def meta(m: Message, look: Look) -> Text:
    """Sender (in groups), time and kind, dimmed."""
    bits: list[Text] = []
    if not m.outgoing and (look.group or m.pending):
        who = look.contacts.label(m.sender, m.sender_name or look.names.get(m.sender)) if m.sender else "unknown sender"
        bits.append(safe_line(who, limit=60, style="bold"))
    if m.outgoing:
        bits.append(Text("You", style="bold"))
    bits.append(Text(long_time(m.date, look.now())))
    if m.kind == "sms":
        bits.append(Text("SMS"))
    if look.modems and m.modem:
        bits.append(safe_line(f"via {m.modem}", limit=40))
    line = Text(" · ").join(bits)
    line.stylize("dim")
    return line


def pending_lines(m: Message, look: Look) -> Text:
    waiting = "Downloading…" if m.state == "retrieving" else "Multimedia message waiting at the carrier"
    lines = Text.assemble((f"⇣ {waiting}", "bold"), "\n", (f"{human_size(m.size)}" if m.size else "size not given", ""))
    if m.subject:
        lines.append("\n")
        lines.append_text(safe_line(m.subject, limit=200, style="italic"))
    if m.expiry is not None:
        lines.append(f"\nexpires {long_time(m.expiry, look.now())}", style="dim")
    if m.state != "retrieving":
        lines.append("\npress f to download", style="dim")
    return lines


def delivery(m: Message, look: Look, resolve: Callable[[str], Style]) -> Text:
    """Per-recipient status of a sent message; failed with the reason."""
    if m.state in ("queued", "sending", "failed", "cancelled") or not m.recipients:
        line = status_line(m.state, resolve)
        if m.state == "failed":
            if m.error:
                line.append(": ", style=resolve(BAD))
                line.append_text(safe_line(m.error, limit=160))
            line.append("\npress t to retry", style=resolve(MUTED))
        return line
    lines = []
    many = len(m.recipients) > 1
    for r in m.recipients:
        line = status_line(recipient_status(r.status, m.state, m.delivery_report_requested), resolve)
        if many:
            line = Text.assemble(safe_line(look.contacts.label(r.address, look.names.get(r.address)), limit=40), "  ", line)
        lines.append(line)
    return Text("\n").join(lines)


def bubble_parts(m: Message, look: Look, resolve: Callable[[str], Style]) -> tuple[list[Text], list[Part], Text | None]:
    """A bubble's words above its pictures (one Text a line or a block: the subject
    stays one line, cut), the pictures to draw, and the words below them."""
    if m.pending:
        return [meta(m, look), pending_lines(m, look)], [], None
    head = [meta(m, look)]
    if m.subject:
        head.append(safe_line(m.subject, limit=200, style="bold"))
    if m.text:
        head.append(safe_block(m.text))
    shown, more = shown_parts(m)
    pictures = [p for p in shown if p.is_image] if look.pictures else []
    tail = [part_label(p) for p in shown if p not in pictures]
    if more:
        tail.append(Text(f"… and {more} more part{'s' if more > 1 else ''}: s saves, o opens any of them", style=resolve(MUTED)))
    if m.outgoing:
        tail.append(delivery(m, look, resolve))
    if not pictures:
        return [*head, *tail], [], None
    return head, pictures, Text("\n").join(tail) if tail else None
