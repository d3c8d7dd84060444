"""Splitting one AT command line into commands (V.250 basic and extended syntax).

`AT+CMGF=0;+CNMI=2,1,0,0,0` and `ATE0V1` are several commands on one line.
Pure functions, no state.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # upper-case: "E", "I", "+CMGF", "+QIOPEN", "&F", "D"
    op: str  # "" (action), "=" (set), "?" (read), "=?" (test)
    args: str  # raw text after "=", quotes kept


def split_line(body: str) -> list[Command]:
    """Commands of a line whose leading "AT" was already removed."""
    out: list[Command] = []
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch in " ;":
            i += 1
            continue
        if ch in "+^$#!":
            j = i + 1
            while j < n and (body[j].isalnum() or body[j] in "_-."):
                j += 1
            name = body[i:j].upper()
            op, args, i = _extended_tail(body, j)
            out.append(Command(name, op, args))
            continue
        if ch.upper() == "D":  # dial takes the rest of the line
            out.append(Command("D", "", body[i + 1 :]))
            break
        if ch == "&" and i + 1 < n:
            j = i + 2
            while j < n and body[j].isdigit():
                j += 1
            out.append(Command("&" + body[i + 1].upper(), "", body[i + 2 : j]))
            i = j
            continue
        if ch.upper() == "S" and i + 1 < n and body[i + 1].isdigit():
            j = i + 1
            while j < n and body[j].isdigit():
                j += 1
            reg = body[i:j].upper()
            if body[j : j + 1] == "?":
                out.append(Command(reg, "?", ""))
                i = j + 1
            elif body[j : j + 1] == "=":
                k = j + 1
                while k < n and body[k].isdigit():
                    k += 1
                out.append(Command(reg, "=", body[j + 1 : k]))
                i = k
            else:
                out.append(Command(reg, "", ""))
                i = j
            continue
        if ch.isalpha():
            j = i + 1
            while j < n and body[j].isdigit():
                j += 1
            out.append(Command(ch.upper(), "", body[i + 1 : j]))
            i = j
            continue
        out.append(Command("?" + ch, "", ""))  # unknown character: an error
        i += 1
    return out


def _extended_tail(body: str, j: int) -> tuple[str, str, int]:
    n = len(body)
    if body.startswith("=?", j):
        return "=?", "", _skip_to_semicolon(body, j + 2)
    if body.startswith("?", j):
        return "?", "", _skip_to_semicolon(body, j + 1)
    if body.startswith("=", j):
        k, quoted = j + 1, False
        while k < n and (quoted or body[k] != ";"):
            if body[k] == '"':
                quoted = not quoted
            k += 1
        return "=", body[j + 1 : k], k
    return "", "", _skip_to_semicolon(body, j)


def _skip_to_semicolon(body: str, k: int) -> int:
    while k < len(body) and body[k] != ";":
        k += 1
    return k


def parse_args(args: str) -> list[str]:
    """Comma-separated parameters; quotes removed; empty parameters kept as ""."""
    out: list[str] = []
    cur: list[str] = []
    quoted = False
    for ch in args:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if args:
        out.append("".join(cur).strip())
    return out
