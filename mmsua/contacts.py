"""Names for numbers, parsed from vCards (2.1, 3.0 or 4.0): a pure leaf, no other mmsua layer.

Only what a message list needs: a formatted name and the phone numbers and e-mail
addresses of each card. Numbers are matched on their digits, falling back to the
last nine digits so "+44 7700 900123" finds "07700900123". The daemon reads the
configured file or folder (mmsua.engine.contact_book) and hands names out through
the API; the TUI's copy (mmsua.tui.contacts) re-exports this until it reads them there.
"""

from __future__ import annotations

import quopri
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Self

_MATCH_TAIL = 9


@dataclass(frozen=True, slots=True)
class Contact:
    name: str
    addresses: tuple[str, ...]


def normalise(address: str) -> str:
    """A comparable form: e-mail lowercased, numbers as "+digits" or "digits"."""
    address = address.strip()
    if "@" in address:
        return address.lower()
    address = address.split("/TYPE=")[0]
    digits = re.sub(r"\D", "", address)
    if address.startswith("+"):
        return "+" + digits
    if address.startswith("00") and len(digits) > 2:
        return "+" + digits[2:]
    return digits


def _unfold(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif lines and lines[-1].endswith("=") and "QUOTED-PRINTABLE" in lines[-1].split(":", 1)[0].upper():
            lines[-1] = lines[-1][:-1] + raw  # vCard 2.1 soft line break
        else:
            lines.append(raw)
    return lines


def _value(params: list[str], value: str) -> str:
    upper = [p.upper() for p in params]
    if "ENCODING=QUOTED-PRINTABLE" in upper or "QUOTED-PRINTABLE" in upper:
        charset = next((p.split("=", 1)[1] for p in params if p.upper().startswith("CHARSET=")), "utf-8")
        try:
            return quopri.decodestring(value.encode("latin-1", "replace")).decode(charset, "replace")
        except LookupError:
            return quopri.decodestring(value.encode("latin-1", "replace")).decode("utf-8", "replace")
    return value.replace("\\,", ",").replace("\\;", ";").replace("\\n", " ").replace("\\\\", "\\")


def parse_vcards(text: str, limit: int | None = None) -> list[Contact]:
    """Every card in ``text`` that has a name and at least one address (the first ``limit``)."""
    cards: list[Contact] = []
    name, n_name = "", ""
    addresses: list[str] = []
    inside = False
    for line in _unfold(text):
        if ":" not in line:
            continue
        head, value = line.split(":", 1)
        params = head.split(";")
        prop = params[0].split(".")[-1].upper()  # drop "item1." group prefixes
        if prop == "BEGIN" and value.strip().upper() == "VCARD":
            inside, name, n_name, addresses = True, "", "", []
        elif prop == "END" and value.strip().upper() == "VCARD" and inside:
            inside = False
            display = name or n_name
            if display and addresses:
                cards.append(Contact(display, tuple(addresses)))
                if limit is not None and len(cards) >= limit:
                    break
        elif not inside:
            continue
        elif prop == "FN":
            name = _value(params[1:], value).strip()
        elif prop == "N":
            family, _, rest = _value(params[1:], value).partition(";")
            given = rest.split(";")[0]
            n_name = " ".join(x for x in (given.strip(), family.strip()) if x)
        elif prop in ("TEL", "EMAIL"):
            address = _value(params[1:], value).strip()
            if address.lower().startswith("tel:"):
                address = address[4:]
            if address:
                addresses.append(address)
    return cards


class Contacts:
    """Look-ups in both directions: address → name, and prefix → completions."""

    def __init__(self, cards: list[Contact] | None = None) -> None:
        self.cards = list(cards or [])
        self._exact: dict[str, str] = {}
        self._tail: dict[str, str] = {}
        for card in self.cards:
            for address in card.addresses:
                key = normalise(address)
                if not key or key == "+":
                    continue  # "TEL:ask me" would otherwise name every alphanumeric sender
                self._exact.setdefault(key, card.name)
                if "@" not in key and len(key.lstrip("+")) >= _MATCH_TAIL:
                    self._tail.setdefault(key[-_MATCH_TAIL:], card.name)

    @classmethod
    def load(cls, path: Path | None) -> Self:
        if path is None:
            return cls()
        return cls(parse_vcards(Path(path).read_text(encoding="utf-8", errors="replace")))

    def name_for(self, address: str) -> str | None:
        key = normalise(address)
        if not key or key == "+":
            return None
        found = self._exact.get(key)
        if found is None and "@" not in key and len(key.lstrip("+")) >= _MATCH_TAIL:
            found = self._tail.get(key[-_MATCH_TAIL:])
        return found

    def addresses_named(self, text: str, limit: int = 20) -> list[str]:
        """The addresses of cards whose name contains ``text`` (any case): a search by name."""
        text = text.strip().lower()
        if not text:
            return []
        found = [a for card in self.cards if text in card.name.lower() for a in card.addresses]
        return found[:limit]

    def label(self, address: str) -> str:
        """The name when known, else the address itself."""
        return self.name_for(address) or address

    def complete(self, prefix: str, limit: int = 8) -> list[tuple[str, str]]:
        """(name, address) pairs whose name or address starts with ``prefix``."""
        prefix = prefix.strip().lower()
        if not prefix:
            return []
        found: list[tuple[str, str]] = []
        for card in self.cards:
            words = card.name.lower().split()
            for address in card.addresses:
                if card.name.lower().startswith(prefix) or any(w.startswith(prefix) for w in words) or address.lower().startswith(prefix):
                    found.append((card.name, address))
            if len(found) >= limit:
                break
        return found[:limit]
