"""The SMS answers of TS 27.005, read: storages, indications, headers, PDU lines.

Pure functions over answer lines (sans-I/O) with the real shapes each accepts;
:class:`~mmsua.drivers.sms.SmsService` runs the commands. PDUs stay hex text: the
only peek is TP-MTI, to tell a status report from a delivery.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from ..errors import AnswerError, ModemError
from .fields import after_prefix, split_fields

log = logging.getLogger(__name__)


def _list_groups(text: str) -> list[str]:
    """Top-level parenthesised groups of ``text`` (nested groups kept whole)."""
    groups: list[str] = []
    depth = 0
    start = 0
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch == "(":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                groups.append(text[start:i])
    return groups


def parse_cpms_test(line: str) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """``AT+CPMS=?`` in all its real shapes → the three storage lists.

    ``("SM","ME"),("SM","ME"),("SM","ME")``; nested ``(("SM","BM","SR"),("SM"))``
    (Wavecom: two lists, the third repeats the second); bare ``"ME","MT","SM"``
    (Huawei MU609: the same list for all three); ``(),(),()`` or nothing (no
    storage over AT: empty lists).
    """
    body = after_prefix(line, "+CPMS")
    groups = _list_groups(body)
    if len(groups) == 1 and "(" in groups[0]:
        groups = _list_groups(groups[0])  # the nested form
    if not groups:
        names = tuple(x for x in split_fields(body) if x)
        return names, names, names
    lists = [tuple(x for x in split_fields(g) if x) for g in groups]
    while len(lists) < 3:
        lists.append(lists[-1])
    return lists[0], lists[1], lists[2]


def choose_storages(
    lists: tuple[Sequence[str], Sequence[str], Sequence[str]], preference: Sequence[str]
) -> tuple[str, str, str]:
    """Three storages: mem1 (read/delete) = mem3 (receive) so +CMTI indexes are readable."""
    mem1, mem2, mem3 = (tuple(x.upper() for x in lst) for lst in lists)
    if not mem1 or not mem3:
        raise ModemError("the modem offers no SMS storage over AT (AT+CPMS=? lists are empty)")
    both = [s for s in preference if s in mem1 and s in mem3]
    both += [s for s in mem3 if s in mem1 and s not in both]
    if not both:
        raise ModemError(f"no SMS storage is both readable {mem1} and receivable {mem3}")
    receive = both[0]
    write = receive if receive in mem2 else (next((s for s in preference if s in mem2), mem2[0]) if mem2 else receive)
    return receive, write, receive


def parse_cpms_counts(line: str) -> list[tuple[int, int]]:
    """``+CPMS: <used1>,<total1>,...`` (set answer) or ``+CPMS: "SM",1,50,...`` (read answer)."""
    nums = [int(x) for x in split_fields(after_prefix(line, "+CPMS")) if x.strip().isdigit()]
    return [(nums[i], nums[i + 1]) for i in range(0, len(nums) - 1, 2)]


def _expand_range(text: str) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            low, high = part.split("-", 1)
            values.update(range(int(low), int(high) + 1))
        else:
            values.add(int(part))
    return values


def parse_cnmi_test(line: str) -> list[set[int]]:
    """``+CNMI: (0-3),(0-3),(0,2,3),(0-2),(0,1)`` → one set per parameter."""
    groups = _list_groups(after_prefix(line, "+CNMI"))
    try:
        return [_expand_range(g) for g in groups]
    except ValueError:
        raise AnswerError("CNMI ranges", line) from None


def choose_cnmi(options: Sequence[set[int]], modes: Sequence[int], *, direct: bool) -> tuple[int, ...]:
    """Pick <mode>,<mt>,<bm>,<ds>,<bfr> from what the modem offers.

    Stored delivery (mt=1, +CMTI) by default; mt=2 (+CMT) when ``direct``.
    Status reports: stored (ds=2, +CDSI) or direct (ds=1, +CDS) to match, else
    whichever is offered, else none (SIM800L offers ds 0/1 only).
    """

    def pick(i: int, wanted: Sequence[int], default: int) -> int | None:
        if i >= len(options):
            return None
        for value in wanted:
            if value in options[i]:
                return value
        return default if default in options[i] else min(options[i], default=None)

    mode = pick(0, modes, 0)
    mt = pick(1, (2, 1) if direct else (1,), 0)
    if mt is None or mt == 0:
        raise ModemError(f"the modem offers no new-message indication it can keep ({options!r})")
    bm = pick(2, (0,), 0)
    ds = pick(3, (1, 2, 0) if direct else (2, 1, 0), 0)
    bfr = pick(4, (0,), 0)
    chosen = [v for v in (mode, mt, bm, ds, bfr) if v is not None]
    return tuple(chosen)


def parse_csms_test(line: str) -> set[int]:
    groups = _list_groups(after_prefix(line, "+CSMS"))
    return _expand_range(groups[0]) if groups else set()


def parse_csms(line: str) -> int | None:
    fields = split_fields(after_prefix(line, "+CSMS"))
    return int(fields[0]) if fields and fields[0].isdigit() else None


def parse_cmti(line: str) -> tuple[str | None, int]:
    """``+CMTI: "SM",13``, ``+CDSI: "SR",0``; ``+CMTI: ,-1`` (SIM7000G: not stored)."""
    name = line.split(":", 1)[0].strip()
    fields = split_fields(after_prefix(line, name))
    if len(fields) < 2:
        raise AnswerError(name, line)
    try:
        index = int(fields[1])
    except ValueError:
        raise AnswerError(name, line) from None
    storage = fields[0].strip().upper() or None
    return storage, index


def _last_int(fields: Sequence[str]) -> int | None:
    for field_ in reversed(fields):
        if field_.strip().lstrip("-").isdigit():
            return int(field_)
    return None


def parse_cmt_header(line: str) -> int | None:
    """``+CMT: ,<len>``, ``+CMT: "",<len>``, ``+CMT:,<len>``, ``+CMT: <len>``, ``+CDS: <len>``, ``+CDS: ,<len>``."""
    name = line.split(":", 1)[0].strip()
    return _last_int(split_fields(after_prefix(line, name)))


def parse_cmgr_header(line: str) -> tuple[int | None, int | None]:
    """``+CMGR: <stat>,[<alpha>],<length>`` → (stat, length)."""
    fields = split_fields(after_prefix(line, "+CMGR"))
    stat = int(fields[0]) if fields and fields[0].isdigit() else None
    return stat, _last_int(fields[1:]) if len(fields) > 1 else None


def parse_cmgl_header(line: str) -> tuple[int, int | None, int | None]:
    """``+CMGL: <index>,<stat>,[<alpha>],<length>`` (Pantech: no alpha field) → (index, stat, length)."""
    fields = split_fields(after_prefix(line, "+CMGL"))
    if not fields or not fields[0].isdigit():
        raise AnswerError("CMGL entry", line)
    stat = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None
    return int(fields[0]), stat, _last_int(fields[2:]) if len(fields) > 2 else None


_HEX = re.compile(r"^[0-9A-Fa-f]+$")


def is_pdu_line(line: str) -> bool:
    text = line.strip()
    return bool(text) and len(text) % 2 == 0 and bool(_HEX.match(text))


def pdu_kind(pdu_hex: str) -> str:
    """TP-MTI of a received PDU (with SMSC prefix): deliver, status-report or submit."""
    try:
        raw = bytes.fromhex(pdu_hex[:64])
        first = raw[raw[0] + 1]
    except (ValueError, IndexError):
        return "deliver"
    return {0: "deliver", 1: "submit", 2: "status-report"}.get(first & 0x03, "deliver")


def tpdu_octets(pdu_hex: str) -> int | None:
    """Octets after the SMSC part (what the stated length should count)."""
    try:
        smsc = int(pdu_hex[:2], 16)
    except ValueError:
        return None
    return len(pdu_hex) // 2 - smsc - 1


def pair_pdus(lines: Sequence[str], prefix: str) -> list[tuple[str, str]]:
    """(header, pdu) pairs from an answer's lines; a header without PDU is dropped with a warning."""
    pairs: list[tuple[str, str]] = []
    pending: str | None = None
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if line.upper().startswith(prefix.upper()):
            if pending is not None:
                log.warning("%s without a PDU line: %r", prefix, pending)
            pending = line
        elif pending is not None and is_pdu_line(line):
            pairs.append((pending, line))
            pending = None
        else:
            # Garbage before a CMGL list (D-Link DWM222) or a stray URC.
            log.warning("ignoring line %r in a %s answer", line, prefix)
    if pending is not None:
        log.warning("%s without a PDU line: %r", prefix, pending)
    return pairs


def same_pdu(a: str, b: str) -> bool:
    """The same received SMS: equal TPDUs (the SMSC address part may be printed differently)."""
    return _tpdu_hex(a) == _tpdu_hex(b)


def _tpdu_hex(pdu_hex: str) -> str:
    text = pdu_hex.strip().upper()
    try:
        smsc = int(text[:2], 16)
    except ValueError:
        return text
    return text[2 + 2 * smsc :]


def check_length(pdu_hex: str, stated: int | None) -> None:
    actual = tpdu_octets(pdu_hex)
    if stated is not None and actual is not None and actual != stated:
        log.warning("stated TPDU length %s but the PDU line holds %s octets; using the line", stated, actual)

