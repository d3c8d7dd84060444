"""WAP Push reassembly: order, duplicates, expiry, other ports, bounded memory."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from mmsua.codec.reassembly import PushReassembler
from mmsua.codec.sms import Concat, Ports, Udh, decode_sms, encode_deliver, wap_push_sms

TS = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
PUSH = bytes(range(256)) * 2  # needs 4 segments


def _segments(originator: str = "+447785342749", push: bytes = PUSH, reference: int = 42):
    return [decode_sms(p) for p in wap_push_sms(originator, push, reference=reference, timestamp=TS)]


def test_in_order_segments_make_one_datagram() -> None:
    r = PushReassembler()
    segs = _segments()
    assert [r.feed(s, now=float(i)) for i, s in enumerate(segs[:-1])] == [None] * 3
    datagram = r.feed(segs[-1], now=9.0)
    assert datagram is not None
    assert (datagram.data, datagram.destination_port, datagram.source_port) == (PUSH, 2948, 9200)
    assert (datagram.originator, datagram.reference) == ("+447785342749", 42)
    assert (datagram.first_arrival, datagram.last_arrival) == (0.0, 9.0)
    assert r.pending == 0


@given(st.permutations(range(4)), st.lists(st.integers(0, 3), max_size=6))
def test_any_order_with_duplicates(order, duplicates) -> None:
    r = PushReassembler()
    segs = _segments()
    results = []
    for n, i in enumerate(list(order[:-1]) + duplicates):
        results.append(r.feed(segs[i], now=float(n)))
    if set(order[:-1]) | set(duplicates) == {0, 1, 2, 3}:
        done = [d for d in results if d is not None]
        assert len(done) == 1 and done[0].data == PUSH
    else:
        assert all(d is None for d in results)
        done = r.feed(segs[order[-1]], now=99.0)
        assert done is not None and done.data == PUSH
    assert r.pending == 0
    assert r.expire(now=1e6) == []


def test_late_repeat_after_completion_is_ignored_but_new_content_is_not() -> None:
    r = PushReassembler(timeout=300.0)
    segs = _segments()
    for i, seg in enumerate(segs):
        r.feed(seg, now=float(i))
    assert r.feed(segs[0], now=10.0) is None and r.pending == 0
    other = _segments(push=PUSH[::-1])  # same sender, reference and total, other bytes: a new message
    assert r.feed(other[0], now=11.0) is None and r.pending == 1
    assert r.expire(now=400.0)[0].received == (1,)
    assert r.feed(segs[0], now=401.0) is None and r.pending == 1  # long after: a new set again


def test_sets_are_kept_apart_by_sender_and_reference() -> None:
    r = PushReassembler()
    a = _segments("+441", PUSH, 1)
    b = _segments("+442", PUSH[::-1], 1)
    c = _segments("+441", PUSH[:300], 2)
    for seg in a[:-1] + b[:-1] + c[:-1]:
        assert r.feed(seg, now=0.0) is None
    assert r.pending == 3
    assert r.feed(b[-1], 1.0).data == PUSH[::-1]
    assert r.feed(c[-1], 1.0).data == PUSH[:300]
    assert r.feed(a[-1], 1.0).data == PUSH


def test_incomplete_set_expires_with_a_clear_description() -> None:
    r = PushReassembler(timeout=300.0)
    segs = _segments()
    r.feed(segs[0], now=100.0)
    r.feed(segs[2], now=150.0)
    assert r.expire(now=449.0) == []  # 300 s counts from the last segment
    (gone,) = r.expire(now=450.0)
    assert gone.reason == "timeout" and gone.received == (1, 3) and gone.missing == (2, 4)
    assert gone.segments == (segs[0], segs[2])
    assert "+447785342749" in gone.description and "reference 42" in gone.description
    assert "missing 2,4" in gone.description and "timed out" in gone.description
    assert r.pending == 0
    # A late segment starts a new set rather than resurrecting the old one.
    assert r.feed(segs[1], now=460.0) is None and r.pending == 1


def test_other_ports_and_plain_sms_pass_through() -> None:
    r = PushReassembler()
    vcard = decode_sms(encode_deliver("+1555", user_data=b"BEGIN:VCARD", udh=Udh.of(ports=Ports(9204, 9200)),
                                      timestamp=TS))
    d = r.feed(vcard, now=0.0)
    assert d is not None and d.destination_port == 9204 and d.data == b"BEGIN:VCARD"
    plain = decode_sms(encode_deliver("+1555", text="hello", dcs=0x00, timestamp=TS))
    d = r.feed(plain, now=0.0)
    assert d is not None and d.destination_port is None and d.text == "hello"
    parts = [decode_sms(encode_deliver("+1555", text=t, dcs=0x00, timestamp=TS,
                                       udh=Udh.of(concat=Concat(9, 2, n, 8)))) for n, t in ((2, "world"), (1, "hello "))]
    assert r.feed(parts[0], 0.0) is None
    d = r.feed(parts[1], 1.0)
    assert d is not None and d.text == "hello world" and d.destination_port is None


def test_pending_sets_are_bounded_and_evictions_are_reported() -> None:
    r = PushReassembler(max_pending=3)
    for i in range(5):
        r.feed(_segments(f"+44{i}", PUSH, i)[0], now=float(i))
    assert r.pending == 3
    gone = r.expire(now=5.0)
    assert [g.originator for g in gone] == ["+440", "+441"]
    assert all(g.reason == "evicted" and "evicted" in g.description for g in gone)


@st.composite
def _traffic(draw):
    """Several concatenated messages (distinct keys), some segments lost, some repeated, any order."""
    messages = []
    keys = set()
    for _ in range(draw(st.integers(1, 5))):
        originator = draw(st.sampled_from(["+15550001", "+15550002", "ALERTS"]))
        reference = draw(st.integers(0, 3))
        payload = draw(st.binary(min_size=1, max_size=600))
        pdus = wap_push_sms(originator, payload, reference=reference, timestamp=TS)
        key = (originator, reference, len(pdus))
        if key in keys:
            continue
        keys.add(key)
        segments = [decode_sms(p) for p in pdus]
        lost = draw(st.sets(st.integers(0, len(segments) - 1), max_size=1)) if len(segments) > 1 else set()
        messages.append((payload, segments, lost))
    fed = [s for _, segments, lost in messages for i, s in enumerate(segments) if i not in lost]
    # Repeats of concatenated segments (a single SMS has no reference to tell a repeat by).
    joined = [s for s in fed if s.concat is not None]
    fed += draw(st.lists(st.sampled_from(joined), max_size=4)) if joined else []
    return messages, draw(st.permutations(fed))


@given(_traffic())
def test_any_traffic_comes_out_whole_once_or_expires_with_what_it_held(traffic) -> None:
    messages, fed = traffic
    joiner = PushReassembler(timeout=1000.0, max_pending=64)
    datagrams = [d for t, s in enumerate(fed) if (d := joiner.feed(s, float(t))) is not None]
    expired = joiner.expire(float("inf"))
    whole = [payload for payload, _, lost in messages if not lost]
    assert sorted(d.data for d in datagrams) == sorted(whole)  # each exactly once, bytes intact
    assert all(d.destination_port == 2948 for d in datagrams)
    broken = {(segments[0].originator, segments[0].concat.reference): len(segments) - len(lost)
              for _, segments, lost in messages if lost}
    assert {(e.originator, e.reference): len(e.received) for e in expired} == broken
    assert all(e.missing and "missing" in e.description for e in expired)
    assert joiner.pending == 0
