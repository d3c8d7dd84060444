"""Joining concatenated SMS into datagrams (WAP Push over SMS, WAP-259 WDP; TS 23.040 §9.2.3.24.1).

Sans-I/O: there is no clock and no logging here. The caller passes ``now``
(seconds on any monotonic clock) to :meth:`PushReassembler.feed` and calls
:meth:`PushReassembler.expire` from its own timer; incomplete sets come back as
:class:`Expired` items, each with the segments it held (so the caller can keep
the raw messages: nothing is lost silently) and a ``description`` line for the
caller's log.

Every SMS-DELIVER fed in comes out in a :class:`Datagram` once complete,
whatever its port: a single SMS (with or without ports) at once, a concatenated
one when its last missing segment arrives. The caller dispatches on
``destination_port`` (2948 is the WAP Push port); a push for another port is
passed on, not dropped.

Segments are keyed by (originator, reference, total, reference width);
duplicates of a segment already held are ignored, and so is a repeat of a
segment of a message completed less than ``timeout`` seconds ago (same key,
same bytes) rather than starting a set that could only expire. A set expires ``timeout``
seconds after its most recent segment arrived. At most ``max_pending`` sets are
held: a new set beyond that evicts the set that has waited longest for a
segment, which comes back from the next :meth:`expire` call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mmsua.codec.frozen import filling
from mmsua.codec.sms import SmsDeliver


@dataclass(frozen=True, slots=True)
class Datagram:
    originator: str
    destination_port: int | None  # None: the SMS carried no application port header
    source_port: int | None
    data: bytes  # the segments' user data joined in sequence order
    segments: tuple[SmsDeliver, ...]  # in sequence order
    first_arrival: float
    last_arrival: float
    reference: int | None = None  # concatenation reference; None for a single SMS

    @property
    def text(self) -> str | None:
        """The joined text when every segment is a text message (7-bit or UCS-2)."""
        texts = [s.text for s in self.segments]
        return None if any(t is None for t in texts) else "".join(t for t in texts if t is not None)


_DatagramFilling = filling(Datagram)


def _new_datagram(*values: object) -> Datagram:
    """Datagram(*values) without the frozen __init__'s cost (mmsua.codec.frozen)."""
    d: Any = object.__new__(_DatagramFilling)
    (d.originator, d.destination_port, d.source_port, d.data, d.segments, d.first_arrival, d.last_arrival,
     d.reference) = values
    d.__class__ = Datagram
    return d  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Expired:
    originator: str
    reference: int
    total: int
    received: tuple[int, ...]  # sequence numbers held
    segments: tuple[SmsDeliver, ...]
    first_arrival: float
    last_arrival: float
    reason: str  # "timeout" or "evicted" (too many incomplete sets)

    @property
    def missing(self) -> tuple[int, ...]:
        return tuple(n for n in range(1, self.total + 1) if n not in self.received)

    @property
    def description(self) -> str:
        cause = "timed out" if self.reason == "timeout" else "evicted (too many incomplete messages pending)"
        return (f"incomplete concatenated SMS from {self.originator} (reference {self.reference}) {cause}: "
                f"received segments {_ranges(self.received)} of {self.total}, missing {_ranges(self.missing)}; "
                f"first segment at {self.first_arrival:.1f}, last at {self.last_arrival:.1f}")


def _ranges(numbers: tuple[int, ...]) -> str:
    if not numbers:
        return "none"
    runs: list[list[int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ",".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)


_Key = tuple[str, int, int, int]


@dataclass(slots=True)
class _Pending:
    segments: dict[int, SmsDeliver] = field(default_factory=dict)
    first_arrival: float = 0.0
    last_arrival: float = 0.0


class PushReassembler:
    """Collects concatenated SMS-DELIVER segments until each message is whole."""

    def __init__(self, timeout: float = 300.0, max_pending: int = 64) -> None:
        if timeout <= 0 or max_pending < 1:
            raise ValueError("timeout must be positive and max_pending at least 1")
        self.timeout = timeout
        self.max_pending = max_pending
        self._pending: dict[_Key, _Pending] = {}
        self._evicted: list[Expired] = []
        # Recently completed sets: key -> (completion time, user data by sequence), to spot late repeats.
        self._completed: dict[_Key, tuple[float, dict[int, bytes]]] = {}

    @property
    def pending(self) -> int:
        """How many incomplete sets are held."""
        return len(self._pending)

    def feed(self, sms: SmsDeliver, now: float) -> Datagram | None:
        """Take one SMS; return the datagram it completes, or None while segments are missing."""
        concat = sms.concat
        if concat is None or concat.total == 1:
            ports = sms.ports  # (a segment's ports are read once its message is whole)
            return _new_datagram(sms.originator, ports.destination if ports else None, ports.source if ports else None,
                            sms.user_data, (sms,), now, now, concat.reference if concat else None)
        key = (sms.originator, concat.reference, concat.total, concat.bits)
        done = self._completed.get(key)
        if done is not None and now - done[0] < self.timeout and done[1].get(concat.sequence) == sms.user_data:
            return None  # a repeat of a segment of a message already delivered
        entry = self._pending.get(key)
        if entry is None:
            if len(self._pending) >= self.max_pending:
                self._evict_oldest()
            entry = self._pending[key] = _Pending({}, now, now)
        if concat.sequence in entry.segments:
            return None  # a duplicate: the network or the modem repeated it
        entry.segments[concat.sequence] = sms
        entry.last_arrival = now
        if len(entry.segments) < concat.total:
            return None
        del self._pending[key]
        self._remember(key, now, entry)
        ordered = tuple(map(entry.segments.__getitem__, range(1, concat.total + 1)))
        port_of = None
        for segment in ordered:
            port_of = segment.ports
            if port_of is not None:
                break
        return _new_datagram(sms.originator, port_of.destination if port_of else None,
                             port_of.source if port_of else None, b"".join([s.user_data for s in ordered]),
                             ordered, entry.first_arrival, entry.last_arrival, concat.reference)

    def expire(self, now: float) -> list[Expired]:
        """Drop and return the sets that waited ``timeout`` seconds since their last segment,
        and any evicted since the last call."""
        out, self._evicted = self._evicted, []
        for key in [k for k, (t, _) in self._completed.items() if now - t >= self.timeout]:
            del self._completed[key]
        for key in [k for k, e in self._pending.items() if now - e.last_arrival >= self.timeout]:
            out.append(self._expired(key, self._pending.pop(key), "timeout"))
        return out

    def _remember(self, key: _Key, now: float, entry: _Pending) -> None:
        if len(self._completed) >= 4 * self.max_pending:
            self._completed.pop(next(iter(self._completed)))  # oldest first: dicts keep insertion order
        self._completed.pop(key, None)
        self._completed[key] = (now, {n: s.user_data for n, s in entry.segments.items()})

    def _evict_oldest(self) -> None:
        key = min(self._pending, key=lambda k: self._pending[k].last_arrival)
        self._evicted.append(self._expired(key, self._pending.pop(key), "evicted"))

    @staticmethod
    def _expired(key: _Key, entry: _Pending, reason: str) -> Expired:
        received = tuple(sorted(entry.segments))
        return Expired(key[0], key[1], key[2], received, tuple(entry.segments[n] for n in received),
                       entry.first_arrival, entry.last_arrival, reason)
