"""Feeding a transcript's host lines to the emulated modem and comparing the answers.

Both sides are cut into *tokens* the same way, then normalised by the rules
below (each one names the field that legitimately differs and why); nothing
else is ignored.

Tokens: the modem's bytes are split at LF; CRs at the ends of a line are
dropped and empty lines skipped (a fixture writes `< OK` for "OK CR LF" while a
V.250 modem frames it as CR LF OK CR LF: the same line, different framing).
A trailing "> " is the prompt token. After "+QIRD: N" or "+CIPRXGET: 2,id,N,rest"
the next N bytes are one data token (they may hold CR LF).

Normalisation rules (NORMALISE, applied to both sides):
* IMEI: the answer line of AT+CGSN / AT+GSN and an "IMEI: ..." ATI line: 14-17 digits -> <IMEI>
  (each module has its own; fixtures are redacted to zeros).
* IMSI: the answer line of AT+CIMI: 6-15 digits -> <IMSI> (each SIM has its own).
* PDP addresses the network hands out, in +QIACT:, +CGPADDR:, +IPADDR: lines -> <IP>
  (dotted IPv4, or 27.007 dotted IPv6 with 16 numbers).
* Socket data tokens: compared by length only; the bytes are the far end's, not the modem's.
* Module identity: in answers to ATI, AT+CGMM/GMM and AT+CGMR/GMR, the model within the family
  (Quectel EC21/EC25/EG25 with suffixes, "Model: ..." lines, the bare AT+CGMM answer) -> <MODEL>
  and the firmware revision ("Revision: ...", "+CGMR: ...", the bare AT+CGMR answer) -> <REV>:
  one profile stands for a family of modules, each with its own firmware.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import serial

ADDRESS = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?:(?:\.\d{1,3}){12})?(?![\d.])")
DATA_HEADS = (re.compile(r"\+QIRD: (\d+)"), re.compile(r"\+CIPRXGET: 2,\d+,(\d+),\d+"))


def tokens(data: bytes, *, complete_only: bool = False) -> list[str]:
    """Tokens of modem output; with complete_only, a partial last line is left out."""
    out: list[str] = []
    i = 0
    while i < len(data):
        j = data.find(b"\n", i)
        if j < 0:
            rest = data[i:].strip(b"\r")
            if rest in (b"> ", b">"):
                out.append("> ")
            elif rest and not complete_only:
                out.append(rest.decode("latin-1"))
            break
        line = data[i:j].strip(b"\r")
        i = j + 1
        if not line:
            continue
        text = line.decode("latin-1")
        out.append(text)
        for head in DATA_HEADS:
            m = head.fullmatch(text)
            if m and int(m.group(1)) > 0:
                n = int(m.group(1))
                if complete_only and len(data) < i + n:
                    return out[:-1]
                out.append(f"<{n} data bytes>")
                i += n
    return out


IDENTITY = ("ATI", "AT+CGMM", "AT+GMM", "AT+CGMR", "AT+GMR")
QUECTEL_MODEL = re.compile(r"E[CG]2[015][A-Z0-9-]*")


def _identity(t: str, cmd: str) -> str:
    if t == "OK" or t.startswith(("+CME", "ERROR")):
        return t
    for label, tag in (("Revision: ", "<REV>"), ("+CGMR: ", "<REV>"), ("Model: ", "<MODEL>")):
        if t.startswith(label):
            return label + tag
    if t.startswith("IMEI: ") and re.fullmatch(r"\d{14,17}", t[6:]):
        return "IMEI: <IMEI>"
    if cmd in ("AT+CGMM", "AT+GMM") or QUECTEL_MODEL.fullmatch(t):
        return "<MODEL>"
    if cmd in ("AT+CGMR", "AT+GMR"):
        return "<REV>"
    return t


def normalise(toks: list[str], command: str) -> list[str]:
    cmd = command.strip().upper()
    out = []
    for t in toks:
        if cmd in IDENTITY:
            t = _identity(t, cmd)
        elif cmd in ("AT+CGSN", "AT+GSN") and re.fullmatch(r"\d{14,17}", t):
            t = "<IMEI>"
        elif t.startswith("IMEI: ") and re.fullmatch(r"\d{14,17}", t[6:]):
            t = "IMEI: <IMEI>"
        elif cmd == "AT+CIMI" and re.fullmatch(r"\d{6,15}", t):
            t = "<IMSI>"
        elif t.startswith(("+QIACT:", "+CGPADDR:", "+IPADDR:")):
            t = ADDRESS.sub("<IP>", t)
        out.append(t)
    return out


@dataclass(frozen=True, slots=True)
class Exchange:
    host: bytes  # what the host writes (b"" for the boot burst before any host line)
    expected: bytes  # the modem's bytes up to the next host line
    line_no: int


def exchanges(transcript) -> list[Exchange]:
    out: list[Exchange] = []
    host, line_no, modem = b"", 0, bytearray()
    for st in transcript.steps:
        if st.kind == "host":
            if host or modem:
                out.append(Exchange(host, bytes(modem), line_no))
            host, line_no, modem = st.data, st.line_no, bytearray()
        elif st.kind == "modem":
            modem += st.data
    out.append(Exchange(host, bytes(modem), line_no))
    return [e for e in out if e.host or e.expected]


@dataclass(slots=True)
class Events:
    """Network-side happenings the fixture shows, keyed by where they show.

    before_host: (host line text, occurrence from 1) -> action, run before that line is written;
    before_line: (expected modem token, occurrence from 1) -> action, run once the tokens before it arrived.
    """

    before_host: dict[tuple[str, int], Callable[[], None]] = field(default_factory=dict)
    before_line: dict[tuple[str, int], Callable[[], None]] = field(default_factory=dict)


@dataclass(slots=True)
class Mismatch:
    line_no: int
    command: str
    expected: list[str]
    got: list[str]

    def __str__(self) -> str:
        return f"fixture line {self.line_no} ({self.command!r}):\n  fixture : {self.expected}\n  emulator: {self.got}"


def compare(port: serial.SerialBase, transcript, events: Events, *, wait: float = 15.0) -> list[Mismatch]:  # per exchange; ends as soon as all came
    """Play the transcript's host side into `port`; the first exchanges that differ (empty = same)."""
    host_seen: dict[str, int] = {}
    line_seen: dict[str, int] = {}
    for ex in exchanges(transcript):
        command = ex.host.decode("latin-1").rstrip("\r")
        if ex.host:
            host_seen[command] = host_seen.get(command, 0) + 1
            action = events.before_host.get((command, host_seen[command]))
            if action is not None:
                action()
            port.write(ex.host)
        expected = tokens(ex.expected)
        got = bytearray()
        deadline = time.monotonic() + wait
        for k, want in enumerate(expected + [None]):
            if want is not None:
                line_seen[want] = line_seen.get(want, 0) + 1
                action = events.before_line.get((want, line_seen[want]))
            else:
                action = None
            need = k if action is not None else (len(expected) if want is None else -1)
            while need >= 0 and len(tokens(bytes(got), complete_only=True)) < need and time.monotonic() < deadline:
                got += port.read(max(1, port.in_waiting))
            if action is not None:
                action()
        got_tokens = tokens(bytes(got))
        if normalise(got_tokens, command) != normalise(expected, command):
            return [Mismatch(ex.line_no, command, expected, got_tokens)]
    # nothing more may come that the fixture does not show
    rest = port.read(4096)
    if tokens(rest):
        return [Mismatch(0, "<end of fixture>", [], tokens(rest))]
    return []
