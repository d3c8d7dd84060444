"""Names looked up with a bearer's own DNS servers (RFC 1035 over UDP), not the system's.

An MMSC's or MMS proxy's name often resolves only on the carrier's DNS, which the
bearer's IP configuration names; the system resolver asks the Pi's LAN. The query
leaves by the bearer (pinned to its interface and address) like the HTTP after it.
Answers are bounded: one datagram, the answer count, and name compression that
may not loop.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import struct
from collections.abc import Sequence

from .base import BearerError

TYPE_A, TYPE_AAAA, CLASS_IN = 1, 28, 1
MAX_ANSWERS = 32
MAX_DATAGRAM = 4096
MAX_POINTERS = 16  # compression pointers followed in one name


class DnsError(BearerError):
    """No server gave an address for the name."""


def is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%")[0])
        return True
    except ValueError:
        return False


def query(name: str, qtype: int, ident: int) -> bytes:
    labels = name.rstrip(".").split(".")
    if not name or len(name) > 253 or any(not 0 < len(label) <= 63 for label in labels):
        raise DnsError(f"{name[:80]!r} is not a host name")
    encoded = b"".join(bytes([len(label)]) + label.encode("idna") for label in labels) + b"\0"
    # Header: id, flags (RD: the carrier's resolver recurses), one question.
    return struct.pack("!HHHHHH", ident, 0x0100, 1, 0, 0, 0) + encoded + struct.pack("!HH", qtype, CLASS_IN)


def _skip_name(packet: bytes, offset: int) -> int:
    for _ in range(128):  # labels in one name
        if offset >= len(packet):
            raise DnsError("a DNS answer ends inside a name")
        length = packet[offset]
        if length == 0:
            return offset + 1
        if length & 0xC0 == 0xC0:
            return offset + 2  # a pointer ends the name here
        offset += 1 + length
    raise DnsError("a DNS answer has a name of too many labels")


def parse_answer(packet: bytes, ident: int, qtype: int) -> list[str]:
    """The addresses of type ``qtype`` in a response to query ``ident``."""
    if len(packet) < 12:
        raise DnsError("a DNS answer shorter than its header")
    rid, flags, questions, answers = struct.unpack("!HHHH", packet[:8])
    if rid != ident or not flags & 0x8000:
        raise DnsError("a DNS datagram that answers another query")
    if flags & 0x000F:
        raise DnsError(f"the DNS server answered with error code {flags & 0x000F}")
    offset = 12
    for _ in range(min(questions, 4)):
        offset = _skip_name(packet, offset) + 4
    found: list[str] = []
    for _ in range(min(answers, MAX_ANSWERS)):
        offset = _skip_name(packet, offset)
        if offset + 10 > len(packet):
            raise DnsError("a DNS answer cut short")
        rtype, rclass, _ttl, length = struct.unpack("!HHIH", packet[offset:offset + 10])
        offset += 10
        data = packet[offset:offset + length]
        offset += length
        if len(data) != length:
            raise DnsError("a DNS record cut short")
        if rclass == CLASS_IN and rtype == qtype == TYPE_A and length == 4:
            found.append(socket.inet_ntop(socket.AF_INET, data))
        elif rclass == CLASS_IN and rtype == qtype == TYPE_AAAA and length == 16:
            found.append(socket.inet_ntop(socket.AF_INET6, data))
    return found


def resolve(name: str, servers: Sequence[str], *, ipv6: bool = False, interface: str | None = None,
            source_address: str | None = None, timeout: float = 5.0, port: int = 53) -> list[str]:
    """The addresses of ``name`` from the first of ``servers`` that gives any."""
    qtype = TYPE_AAAA if ipv6 else TYPE_A
    reasons: list[str] = []
    for server in list(servers)[:4]:
        family = socket.AF_INET6 if ":" in server else socket.AF_INET
        ident = secrets.randbelow(0x10000)
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as sock:
                sock.settimeout(timeout)
                if interface:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
                if source_address and (":" in source_address) == (family == socket.AF_INET6):
                    sock.bind((source_address, 0))
                sock.connect((server, port))
                sock.send(query(name, qtype, ident))
                while True:  # a stray datagram (another id) is skipped until the timeout
                    try:
                        found = parse_answer(sock.recv(MAX_DATAGRAM), ident, qtype)
                    except DnsError as error:
                        if "another query" in str(error):
                            continue
                        raise
                    break
        except (OSError, DnsError) as error:
            reasons.append(f"{server}: {error}")
            continue
        if found:
            return found
        reasons.append(f"{server}: no address")
    raise DnsError(f"cannot resolve {name} with the bearer's DNS servers ({'; '.join(reasons) or 'none known'})")
