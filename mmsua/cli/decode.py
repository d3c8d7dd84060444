"""``mmsua decode FILE|-``: show every field of an MMS PDU, SMS PDUs or a WSP push.

Input is recognised by its content: binary starting with X-Mms-Message-Type
(0x8C then a message type) is an MMS PDU; printable text is SMS PDUs in hex,
one segment a line as a modem prints them (``+CMT:``/``+CMGR:`` header lines,
``OK``, ``AT`` commands, ``#`` comments and the ``< ``/``> `` marks of a
transcript are skipped; a header's length tells whether the PDU line carries
the SMSC address); anything else is a connectionless WSP push. Segments are
joined into datagrams; a datagram to port 2948 is decoded as a WSP push, and a
push of application/vnd.wap.mms-message as an MMS PDU.

Exit status: 0 decoded, 1 a PduError (printed with its offset; what decoded
before it is still shown), 2 usage (including a file that cannot be read).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from typing import Any

from mmsua import exit_codes

KINDS = ("auto", "mms", "sms", "push")


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "decode",
        help="decode an MMS PDU, SMS PDUs (hex, as a modem prints them) or a WSP push",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("file", metavar="FILE", help="the input file, or - for standard input")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the readable dump")
    p.add_argument("--as", dest="kind", choices=KINDS, default="auto",
                   help="what the input is (default: recognise it from its content)")
    p.set_defaults(func=run, logs=False)  # pure decoding: nothing logs (and logging costs start-up time)


# ----------------------------------------------------------------------------- analysis (pure)


@dataclass(slots=True)
class Segment:
    line: int  # 1-based line in the input
    hex: str
    stated_length: int | None  # from a +CMT/+CMGR header, when there was one


@dataclass(slots=True)
class Analysis:
    """Everything decoded from one input, in layers, plus the error that stopped it."""

    kind: str  # "mms", "sms" or "push"
    mms: list[Any] = field(default_factory=list)  # one MmsPdu per datagram (or the input itself)
    pushes: list[Any] = field(default_factory=list)
    sms: list[tuple[Segment, Any]] = field(default_factory=list)
    datagrams: list[Any] = field(default_factory=list)
    incomplete: list[Any] = field(default_factory=list)
    error: Exception | None = None  # a PduError
    error_where: str = ""


_HEADER = re.compile(r"^\+(CMT|CMGR|CMGL|CDS|CBM|CMGS)\s*:\s*(.*)$", re.IGNORECASE)
_HEX_LINE = re.compile(r"^[0-9A-Fa-f\s]+$")
_SKIP = re.compile(r"^(OK|ERROR|AT.*|#.*|>.*|)$", re.IGNORECASE)


def modem_lines(text: str) -> list[Segment]:
    """PDU lines from text as a modem (or a transcript of one) prints them."""
    from mmsua.codec.errors import PduError

    segments: list[Segment] = []
    stated: int | None = None
    offset = 0
    for number, raw in enumerate(text.splitlines(keepends=True), 1):
        line = raw.strip()
        if line.startswith("< "):
            line = line[2:].strip()
        header = _HEADER.match(line)
        if header:
            last = header.group(2).rsplit(",", 1)[-1].strip()
            stated = int(last) if last.isdigit() else None
        elif _HEX_LINE.match(line) and not _SKIP.match(line):
            segments.append(Segment(number, line, stated))
            stated = None
        elif not _SKIP.match(line):
            raise PduError(f"line {number} is neither PDU hex nor a +CMT/+CMGR header: {line[:40]!r}", offset)
        offset += len(raw.encode("utf-8", "replace"))
    if not segments:
        raise PduError("no PDU line found in the text", 0)
    return segments


def _looks_like_text(data: bytes) -> bool:
    return bool(data) and all(b in b"\t\r\n" or 0x20 <= b < 0x7F for b in data)


def detect(data: bytes) -> str:
    if len(data) >= 2 and data[0] == 0x8C and 0x80 <= data[1] <= 0x97:
        return "mms"
    if _looks_like_text(data):
        return "sms"
    return "push"


def analyse(data: bytes, kind: str = "auto") -> Analysis:
    """Decode ``data`` layer by layer; a PduError stops it and is kept in ``error``."""
    from mmsua.codec.errors import PduError

    kind = detect(data) if kind == "auto" else kind
    result = Analysis(kind)
    try:
        if kind == "mms":
            result.error_where = "MMS PDU"
            result.mms.append(_decode_mms(data))
        elif kind == "push":
            _push_layer(result, data, "WSP push")
        else:
            _sms_layer(result, data)
    except PduError as exc:
        result.error = exc
    return result


def _decode_mms(data: bytes) -> Any:
    from mmsua.codec.mms import decode_mms

    return decode_mms(data)


def _push_layer(result: Analysis, data: bytes, where: str) -> None:
    from mmsua.codec.push import decode_push

    result.error_where = where
    push = decode_push(data)
    result.pushes.append(push)
    if push.is_mms:
        result.error_where = f"MMS PDU in the body of the {where}"
        result.mms.append(_decode_mms(push.body))


def _sms_layer(result: Analysis, data: bytes) -> None:
    from mmsua.codec.reassembly import PushReassembler
    from mmsua.codec.sms import SmsDeliver, decode_sms
    from mmsua.codec.udh import WAP_PUSH_PORT

    result.error_where = "SMS input"
    segments = modem_lines(data.decode("ascii"))
    reassembler = PushReassembler(max_pending=256)
    for index, seg in enumerate(segments):
        result.error_where = f"SMS PDU on line {seg.line}"
        sms = decode_sms(seg.hex, tpdu_length=seg.stated_length)
        result.sms.append((seg, sms))
        if isinstance(sms, SmsDeliver):
            datagram = reassembler.feed(sms, now=float(index))
            if datagram is not None:
                result.datagrams.append(datagram)
    result.incomplete = reassembler.expire(now=float("inf"))
    for n, datagram in enumerate(result.datagrams, 1):
        if datagram.destination_port == WAP_PUSH_PORT:
            _push_layer(result, datagram.data, f"WAP push of datagram {n}")


# ----------------------------------------------------------------------------- output


def as_json(result: Analysis) -> dict[str, Any]:
    from mmsua import dump

    if result.kind == "mms":
        out: dict[str, Any] = dump.mms_json(result.mms[0]) if result.mms else {}
    else:
        out = {}
        if result.kind == "sms":
            out["sms"] = [dict(dump.sms_json(sms), line=seg.line) for seg, sms in result.sms]
            out["datagrams"] = [
                {"originator": d.originator, "destination_port": d.destination_port, "source_port": d.source_port,
                 "segments": len(d.segments), "size": len(d.data), "text": d.text}
                for d in result.datagrams
            ]
            out["incomplete"] = [dump.expired_json(e) for e in result.incomplete]
        if result.pushes:
            out["push"] = dump.push_json(result.pushes[0])
        if result.mms:
            out["mms"] = dump.mms_json(result.mms[0])
        if len(result.mms) > 1:
            out["more_mms"] = [dump.mms_json(m) for m in result.mms[1:]]
    if result.error is not None:
        out["error"] = {"where": result.error_where, "reason": getattr(result.error, "reason", str(result.error)),
                        "offset": getattr(result.error, "offset", None)}
    return out


def as_lines(result: Analysis) -> list[str]:
    from mmsua import dump

    lines: list[str] = []
    if result.kind == "sms":
        total = len(result.sms)
        for i, (seg, sms) in enumerate(result.sms, 1):
            stated = "" if seg.stated_length is None else f", header says {seg.stated_length} TPDU octets"
            octets = len("".join(seg.hex.split())) // 2
            lines += dump.sms_lines(sms, f"SMS {i} of {total} (line {seg.line}, {octets} octets{stated})")
            lines.append("")
        for e in result.incomplete:
            lines += dump.expired_lines(e) + [""]
        pushes = iter(result.pushes)
        mms = iter(result.mms)
        for d in result.datagrams:
            lines += dump.datagram_lines(d)
            if d.destination_port == 2948:
                push = next(pushes, None)
                if push is not None:
                    lines += dump.push_lines(push)
                    if push.is_mms:
                        pdu = next(mms, None)
                        if pdu is not None:
                            lines += dump.mms_lines(pdu)
            elif d.text is None:
                lines += dump.hexdump(d.data, "    ")
            lines.append("")
    else:
        for push in result.pushes:
            lines += dump.push_lines(push) + [""]
        for pdu in result.mms:
            lines += dump.mms_lines(pdu) + [""]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def error_line(result: Analysis) -> str | None:
    if result.error is None:
        return None
    reason = getattr(result.error, "reason", str(result.error))
    offset = getattr(result.error, "offset", None)
    where = f" at offset {offset}" if offset is not None else ""
    from mmsua.textsafe import clean_line

    return f"mmsua decode: error in the {result.error_where}{where}: {clean_line(reason)}"


def run(args: argparse.Namespace) -> int:
    from mmsua import dump

    try:
        data = sys.stdin.buffer.read() if args.file == "-" else open(args.file, "rb").read()
    except OSError as exc:
        print(f"mmsua decode: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return exit_codes.USAGE
    result = analyse(data, args.kind)
    if args.json:
        print(dump.to_json(as_json(result)))
    else:
        lines = as_lines(result)
        if lines:
            print("\n".join(lines))
    message = error_line(result)
    if message:
        print(message, file=sys.stderr)
        return exit_codes.FAILURE
    return exit_codes.OK
