"""A rule as the config file writes it ([[rules]], docs/rules.md), checked once at load.

Every problem is a :class:`RuleError` naming the rule and the key, one line, so the
daemon and doctor refuse a broken rule at start instead of at the first message.
Patterns are compiled here, by the ``regex`` module (Python's ``re`` syntax), and
matched later with a time limit (see :mod:`mmsua.rules.match`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import regex

from mmsua import addresses, targets

MAX_PATTERN = 500  # characters of a pattern
MAX_KEYWORD = 100
MAX_SENDERS = 1000
MAX_ARGS = 100
MAX_TIMEOUT = 300
DEFAULT_TIMEOUT = 10
DEFAULT_OUTPUT_LIMIT = 4096  # bytes of a command's stdout: about 27 SMS, or one MMS's text
MAX_OUTPUT_LIMIT = 64 * 1024
DEFAULT_ATTACH_LIMIT = 2 * 1024 * 1024  # a picture a command names; the engine fits it to the carrier's limit
MAX_ATTACH_LIMIT = 20 * 1024 * 1024
ANYONE = "*"
Via = Literal["auto", "sms", "mms"]
KNOWN = frozenset({"name", "from", "keyword", "pattern", "run", "input", "reply", "forward_to", "via", "hook",
                   "timeout", "output_limit", "attach_limit", "short_codes", "own_number", "modem"})


class RuleError(ValueError):
    """A rule in the config file that cannot work; the text says which and why."""


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    senders: tuple[str, ...] = ()  # normalised numbers; empty: anyone
    keywords: tuple[str, ...] = ()  # case-folded; the text's first word must be one
    pattern: regex.Pattern[str] | None = None  # searched in the text's first MATCH_TEXT characters
    run: tuple[str, ...] = ()  # the command, an argument list
    input: Literal["json", "text"] = "json"  # what the command reads on stdin
    reply: bool = False  # send the command's output (text, pictures) back to the sender
    forward_to: tuple[str, ...] = ()
    via: Via = "auto"
    hook: str = ""  # a registered target (mmsua.targets)
    timeout: float = DEFAULT_TIMEOUT
    output_limit: int = DEFAULT_OUTPUT_LIMIT
    attach_limit: int = DEFAULT_ATTACH_LIMIT
    short_codes: bool = False  # may answer short codes and alphanumeric senders
    own_number: bool = False  # may act on a message from our own number
    # Only messages that came in on these modems (the daemon's modem names); empty: any. The
    # first modem's name also takes a message stored before modems had names (None).
    modems: frozenset[str | None] = frozenset()

    def describe(self) -> str:
        """One line for the log and doctor: "status: from +15550100002, keyword STATUS -> run, reply"."""
        who = f"from {', '.join(self.senders)}" if self.senders else "from anyone"
        what = [f"keyword {'/'.join(k.upper() for k in self.keywords)}"] if self.keywords else []
        if self.modems:
            what.insert(0, f"on {'/'.join(sorted(m for m in self.modems if m))}")
        if self.pattern is not None:
            what.append(f"pattern {self.pattern.pattern!r}")
        actions = ["run " + os.path.basename(self.run[0])] if self.run else []
        if self.reply:
            actions.append("reply")
        if self.forward_to:
            actions.append(f"forward to {', '.join(self.forward_to)}")
        if self.hook:
            actions.append(f"hook {self.hook}")
        return f"{self.name}: {', '.join([who, *what])} -> {', '.join(actions)}"


def parse_rules(tables: tuple[Mapping[str, Any], ...], country: str = "", modems: tuple[str, ...] = ("modem",)) -> tuple[Rule, ...]:
    """The config file's [[rules]] tables as rules; RuleError for the first that cannot work.
    ``modems``: the daemon's modem names, the first first (what a rule's ``modem`` may name)."""
    where = addresses.country_for(country or None)
    rules: list[Rule] = []
    names: set[str] = set()
    for number, table in enumerate(tables, 1):
        rule = _parse(number, table, where, modems)
        if rule.name in names:
            raise RuleError(f"rule {number}: the name {rule.name!r} is used twice")
        names.add(rule.name)
        rules.append(rule)
    return tuple(rules)


def _parse(number: int, table: Mapping[str, Any], country: addresses.Country | None, modems: tuple[str, ...]) -> Rule:
    name = table.get("name", f"rule {number}")
    label = f"rule {number}" + (f" ({name!r})" if "name" in table else "")
    if not isinstance(name, str) or not name.strip() or len(name) > 60:
        raise RuleError(f"{label}: name: a short text")

    def fail(key: str, why: str) -> RuleError:
        return RuleError(f"{label}: {key}: {why}")

    unknown = sorted(set(table) - KNOWN)
    if unknown:
        raise fail(unknown[0], f"not a rule setting; the known ones: {', '.join(sorted(KNOWN))}")
    senders = _senders(table.get("from", ANYONE), country, fail)
    keywords = _keywords(table.get("keyword"), fail)
    pattern = _pattern(table.get("pattern"), fail)
    run = _strings(table.get("run", []), "run", fail, "a command as a list of arguments, e.g. [\"/usr/local/bin/status\"]; "
                   "it is never run through a shell")
    if len(run) > MAX_ARGS:
        raise fail("run", f"at most {MAX_ARGS} arguments")
    if run:
        program = shutil.which(os.path.expanduser(run[0]))
        if program is None:
            raise fail("run", f"no program {run[0]!r} (not an executable file, nor found on the daemon's PATH)")
        run = (program, *run[1:])
    forward_to = tuple(_recipient(a, country, fail) for a in _strings(table.get("forward_to", []), "forward_to", fail, "a list of numbers"))
    hook = _text(table.get("hook", ""), "hook", fail)
    if hook and not targets.NAME.fullmatch(hook):
        raise fail("hook", f"{hook!r} is not a target's name (lower-case letters, digits, '_', '.', '-')")
    reply = table.get("reply", bool(run))
    if not isinstance(reply, bool):
        raise fail("reply", "true or false")
    if reply and not run:
        raise fail("reply", "a reply is the output of a command: give run")
    if not (run or forward_to or hook):
        raise fail("run", "the rule does nothing: give run, forward_to or hook")
    via = _choice(table.get("via", "auto"), "via", ("auto", "sms", "mms"), fail)
    stdin = _choice(table.get("input", "json"), "input", ("json", "text"), fail)
    return Rule(
        name=name.strip(), senders=senders, keywords=keywords, pattern=pattern, run=run,
        input="text" if stdin == "text" else "json", reply=reply, forward_to=forward_to,
        via="sms" if via == "sms" else "mms" if via == "mms" else "auto", hook=hook,
        timeout=_number(table.get("timeout", DEFAULT_TIMEOUT), "timeout", 1, MAX_TIMEOUT, fail),
        output_limit=int(_number(table.get("output_limit", DEFAULT_OUTPUT_LIMIT), "output_limit", 1, MAX_OUTPUT_LIMIT, fail)),
        attach_limit=int(_number(table.get("attach_limit", DEFAULT_ATTACH_LIMIT), "attach_limit", 1, MAX_ATTACH_LIMIT, fail)),
        short_codes=_flag(table, "short_codes", fail), own_number=_flag(table, "own_number", fail),
        modems=_modems(table.get("modem"), modems, fail),
    )


def _modems(value: Any, known: tuple[str, ...], fail: Any) -> frozenset[str | None]:
    if value is None:
        return frozenset()
    items = _strings([value] if isinstance(value, str) else value, "modem", fail, "a modem's name or a list of them")
    for item in items:
        if item not in known:
            raise fail("modem", f"no modem {item!r}; the daemon's modems are {', '.join(known)}")
    if not items:
        raise fail("modem", "a modem's name or a list of them")
    return frozenset({*items, *([None] if known and known[0] in items else [])})


def _senders(value: Any, country: addresses.Country | None, fail: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    items = _strings(items, "from", fail, "a number, a list of numbers, or \"*\" for anyone")
    if ANYONE in items:
        return ()
    if not items or len(items) > MAX_SENDERS:
        raise fail("from", f"1 to {MAX_SENDERS} numbers, or \"*\" for anyone")
    return tuple(dict.fromkeys(addresses.normalize(item, country) for item in items))


def _keywords(value: Any, fail: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    items = _strings([value] if isinstance(value, str) else value, "keyword", fail, "a word or a list of words")
    for item in items:
        if not item.strip() or len(item) > MAX_KEYWORD or any(c.isspace() for c in item.strip()):
            raise fail("keyword", f"one word of at most {MAX_KEYWORD} characters each, got {item!r}")
    return tuple(item.strip().casefold() for item in items)


def _pattern(value: Any, fail: Any) -> regex.Pattern[str] | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_PATTERN:
        raise fail("pattern", f"a regular expression of at most {MAX_PATTERN} characters")
    try:
        return regex.compile(value, regex.VERSION0)
    except regex.error as error:
        raise fail("pattern", f"not a regular expression: {error}") from None


def _recipient(value: str, country: addresses.Country | None, fail: Any) -> str:
    try:
        return addresses.recipient_address(value, country)
    except addresses.AddressError as error:
        raise fail("forward_to", str(error)) from None


def _strings(value: Any, key: str, fail: Any, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and "\0" not in item for item in value):
        raise fail(key, what)
    return tuple(value)


def _text(value: Any, key: str, fail: Any) -> str:
    if not isinstance(value, str):
        raise fail(key, "a text")
    return value


def _choice(value: Any, key: str, choices: tuple[str, ...], fail: Any) -> str:
    if value not in choices:
        raise fail(key, f"one of {', '.join(choices)}, got {value!r}")
    return str(value)


def _number(value: Any, key: str, low: float, high: float, fail: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise fail(key, f"a number from {low:g} to {high:g}, got {value!r}")
    return float(value)


def _flag(table: Mapping[str, Any], key: str, fail: Any) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise fail(key, "true or false")
    return value
