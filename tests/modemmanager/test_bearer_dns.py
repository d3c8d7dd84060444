"""Names resolved with the bearer's DNS servers (drivers/bearers/dns.py): against a DNS
server on loopback, and with hostile answers."""

from __future__ import annotations

import struct

import pytest
from fakedns import FakeDns

from mmsua.drivers.bearers import dns


def test_a_name_is_resolved_by_the_given_server_only() -> None:
    with FakeDns({"mmsc.carrier.test": "10.9.8.7"}, port=0) as server:
        found = dns.resolve("mmsc.carrier.test", ["127.0.0.9"], port=server.address[1], timeout=5)
        assert found == ["10.9.8.7"] and server.asked == ["mmsc.carrier.test"]
        with pytest.raises(dns.DnsError, match="cannot resolve unknown.test"):
            dns.resolve("unknown.test", ["127.0.0.9"], port=server.address[1], timeout=5)


def test_no_server_answering_is_a_bearer_error_that_names_it() -> None:
    with pytest.raises(dns.DnsError, match="127.0.0.9"):
        dns.resolve("mmsc.carrier.test", ["127.0.0.9"], port=9, timeout=0.5)  # nothing listens on 9/udp


def _reply(ident: int, answers: bytes, count: int, flags: int = 0x8180) -> bytes:
    question = dns.query("a.test", dns.TYPE_A, ident)[12:]
    return struct.pack("!HHHHHH", ident, flags, 1, count, 0, 0) + question + answers


@pytest.mark.parametrize("packet, reason", [
    (b"\x00\x01", "shorter than its header"),
    (_reply(7, b"", 0)[:-4] + b"\xc0", "another query"),  # wrong id below
    (_reply(1, b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + b"\x01", 1), "cut short"),
    (_reply(1, b"", 0, flags=0x8182), "error code 2"),
    (_reply(1, b"\x3f" * 200, 1), "ends inside a name"),
])
def test_hostile_answers_are_refused(packet: bytes, reason: str) -> None:
    with pytest.raises(dns.DnsError, match=reason):
        dns.parse_answer(packet, 1, dns.TYPE_A)


def test_answer_counts_are_bounded_and_other_types_skipped() -> None:
    a = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + bytes([10, 0, 0, 1])
    cname = b"\xc0\x0c" + struct.pack("!HHIH", 5, 1, 60, 2) + b"\xc0\x0c"
    found = dns.parse_answer(_reply(1, cname + a * 40, 41), 1, dns.TYPE_A)
    assert found == ["10.0.0.1"] * (dns.MAX_ANSWERS - 1)
