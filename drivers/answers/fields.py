"""Splitting an answer line into its fields: what every answer parser starts with."""

from __future__ import annotations


def split_fields(text: str) -> list[str]:
    """Split a comma list, keeping quoted strings (with commas) whole.

    Quotes are removed; unquoted fields are stripped of all whitespace (Gobi
    1000 prints ``  0 5`` for LAC 05). Quoted fields keep their inside.
    """
    fields: list[str] = []
    current: list[str] = []
    quoted = False
    was_quoted = False
    for ch in text:
        if ch == '"':
            if not quoted and not was_quoted:
                current = []  # blanks before the opening quote are not part of the value
            quoted = not quoted
            was_quoted = True
        elif was_quoted and not quoted and ch != ",":
            continue  # blanks after the closing quote
        elif ch == "," and not quoted:
            fields.append("".join(current) if was_quoted else "".join(current).replace(" ", "").strip())
            current, was_quoted = [], False
        else:
            current.append(ch)
    fields.append("".join(current) if was_quoted else "".join(current).replace(" ", "").strip())
    return fields


def after_prefix(line: str, prefix: str) -> str:
    """The text after ``prefix`` and its colon, tolerating a missing space."""
    body = line.strip()
    if body.upper().startswith(prefix.upper()):
        body = body[len(prefix) :]
    return body.lstrip(":").strip()


def to_int(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text, 10)
    except ValueError:
        return None


def to_hex(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None

