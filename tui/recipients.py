"""Recipient parsing and validation for the composer (pure functions)."""

from __future__ import annotations

import re

from mmsua.tui.contacts import Contacts

_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-.]{1,30}$")
_EMAIL = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")


def split(text: str) -> list[str]:
    return [t.strip() for t in re.split(r"[,;]", text) if t.strip()]


def normalise_phone(token: str) -> str:
    plus = token.strip().startswith("+")
    digits = re.sub(r"\D", "", token)
    return ("+" if plus else "") + digits


def validate(token: str) -> str | None:
    """The address to send to, or None when ``token`` is neither a number nor an e-mail."""
    if _EMAIL.match(token):
        return token
    if _PHONE.match(token):
        number = normalise_phone(token)
        if 3 <= len(number.lstrip("+")) <= 20:
            return number
    return None


def parse(text: str) -> tuple[list[str], list[str]]:
    """(valid addresses, tokens that are not addresses)."""
    good: list[str] = []
    bad: list[str] = []
    for token in split(text):
        address = validate(token)
        (good if address else bad).append(address or token)
    return good, bad


def resolve(text: str, contacts: Contacts) -> tuple[list[str], list[str]]:
    """``parse``, where a contact's whole name counts as that contact's first address."""
    resolved = []
    for token in split(text):
        named = [a for n, a in contacts.complete(token, limit=50) if n.lower() == token.lower()] if validate(token) is None else []
        resolved.append(named[0] if named else token)
    return parse(", ".join(resolved))
