"""No stored SMS is lost to an interleaving of the SMS service's own threads.

Seen once under load (tests/daemon/test_service_run.py[system-service]): a WAP push
announced with +CMTI while the start-up collection was listing the other storages
was read by the SMS worker in the wrong storage (the collection had switched AT+CPMS
<mem1> to "SM" between two of its commands) and given up as "empty there or
elsewhere". Each interleaving is driven step by step on the emulated EG25 through the
real AtChannel: the test decides which thread runs when, nothing waits on a clock.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from hwreplay import Inbox, no_sleep

from mmsua.drivers.at.channel import AtChannel
from mmsua.drivers.errors import AtTimeout
from mmsua.drivers.sms import SmsService
from mmsua.drivers.vendors import get_profile
from mmsua.sim import registry
from mmsua.sim.modem.core import EmulatedModem
from mmsua.sim.modem.line import ModemLine
from mmsua.sim.modem.profiles import get_profile as sim_profile

QUECTEL = get_profile("quectel")
_names = itertools.count()


def deliver_pdu(text: bytes) -> bytes:
    """An SMS-DELIVER (no SMSC address, 8-bit data) from +15551000041 carrying ``text``."""
    return (bytes.fromhex("00" "04" "0B915155010014F1" "00" "04" "62115212000000") + bytes([len(text)]) + text)


def wait_until(what: str, condition: Callable[[], bool], limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {limit} s"
        time.sleep(0.005)


@pytest.fixture
def eg25() -> Any:
    """An emulated EG25, booted, on simmodem:// with a real AtChannel open on it."""
    modem = EmulatedModem(sim_profile("quectel-eg25g"), msisdn="+15550100041", imsi="001010000000041",
                          imei="861234050000041")
    name = f"lostpush{next(_names)}"
    url = registry.register(name, ModemLine(modem))
    modem.power_on()
    wait_until("the emulated modem's SMS part is ready", lambda: modem.sim_ready and modem.registered)
    channel = AtChannel(url).open()
    try:
        yield modem, channel
    finally:
        channel.close()
        modem.close()
        registry.unregister(name)


class WatchedLock:
    """The service's storage lock, telling the test when a thread has to wait for it."""

    def __init__(self, waiting: threading.Event) -> None:
        self._lock = threading.RLock()
        self._waiting = waiting

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if self._lock.acquire(blocking=False):
            return True
        self._waiting.set()
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


class SteppedChannel:
    """The real channel; ``after(cmd)`` runs on the calling thread after each command,
    so a test can hold one thread at a chosen point while another goes on."""

    def __init__(self, channel: AtChannel, after: Callable[[str], None]) -> None:
        self._channel = channel
        self._after = after

    def command(self, cmd: str, **kwargs: Any) -> Any:
        answer = self._channel.command(cmd, **kwargs)
        self._after(cmd)
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._channel, name)


def test_a_push_announced_while_the_start_up_collection_lists_another_storage_is_not_lost(eg25) -> None:
    # The interleaving of the lost push: the collection lists ME, switches <mem1> to SM;
    # the push lands in ME (<mem3>) and is announced; the +CMTI reader's AT+CMGR runs
    # while SM is selected; the collection lists SM and SR; the reader tries the other
    # storages; both end with nothing.
    modem, channel = eg25
    push = deliver_pdu(b"notification while collecting")
    inbox = Inbox()
    collector = threading.current_thread()
    went_on = threading.Event()  # the reader finished, or waits for the collection to end
    reader_read = threading.Event()  # the reader's first AT+CMGR is done
    collector_listed_sr = threading.Event()
    reader = threading.Thread(target=lambda: (sms.drain(timeout=30), went_on.set()), name="sms-reader")
    seen: list[str] = []

    def after(cmd: str) -> None:
        if threading.current_thread() is collector:
            previous = seen[-1] if seen else ""
            seen.append(cmd)
            if cmd.startswith('AT+CPMS="SM"') and not reader.is_alive() and not went_on.is_set():
                modem.deliver_sms(push)  # stored in ME, +CMTI: "ME",0
                reader.start()
                wait_either(reader_read, went_on, "the reader neither read nor waited for the collection")
            elif cmd == "AT+CMGL=4" and previous.startswith('AT+CPMS="SR"'):
                collector_listed_sr.set()
                assert went_on.wait(30), "the reader neither finished nor waited for the collection"
        elif cmd.startswith("AT+CMGR") and not reader_read.is_set():
            reader_read.set()
            assert collector_listed_sr.wait(30), "the collection did not reach SR"

    sms = SmsService(SteppedChannel(channel, after), QUECTEL, on_sms=inbox, sleep=no_sleep)
    sms._storage_lock = WatchedLock(went_on)  # the test's view of who waits for the storage
    sms.start(collect=False, worker=False)
    collected = sms.collect_stored(everywhere=True)
    reader.join(30)
    assert not reader.is_alive() and collector_listed_sr.is_set()

    # The collection listed ME before the push came: it has nothing (and above all
    # nothing under another storage's name); the +CMTI reader has it, from ME 0.
    assert collected == []
    assert [(m.source, m.storage, m.index, bytes.fromhex(m.pdu_hex)) for m in inbox] == [("cmti", "ME", 0, push)]
    assert modem.storages["ME"].get(0) is not None  # nothing deleted before the layer above keeps it
    assert modem.cpms[0] == "ME" and sms._state.storages == ("ME", "ME", "ME")  # selected as the service thinks
    sms.stop()


def wait_either(first: threading.Event, second: threading.Event, what: str, limit: float = 30.0) -> None:
    wait_until(what, lambda: first.is_set() or second.is_set(), limit)


def test_an_announced_slot_found_empty_is_looked_for_again_with_a_listing(eg25) -> None:
    # A +CMTI naming a slot that holds nothing while the storages are not empty (the
    # firmware named the wrong slot, or another reader moved things): list them all
    # rather than give the SMS up.
    modem, channel = eg25
    push = deliver_pdu(b"stored quietly")
    inbox = Inbox()
    sms = SmsService(channel, QUECTEL, on_sms=inbox, sleep=no_sleep)
    sms.start(collect=False, worker=False)
    with modem.lock:  # stored without an announcement (a +CMTI lost on the wire)...
        modem.storages["ME"].put(modem_sms(push))
    modem.urc('+CMTI: "ME",7', sms=True)  # ...and an announcement naming the wrong slot
    assert sms.drain(timeout=30) == 1
    assert [(m.source, m.storage, m.index, bytes.fromhex(m.pdu_hex)) for m in inbox] == [("cmgl", "ME", 0, push)]
    sms.stop()


def test_a_listing_after_an_empty_slot_leaves_out_what_the_layer_above_keeps(eg25) -> None:
    modem, channel = eg25
    kept = deliver_pdu(b"kept, not yet deleted")
    inbox = Inbox()
    sms = SmsService(channel, QUECTEL, on_sms=inbox, keep_handled=True, sleep=no_sleep)
    sms.start(collect=False, worker=False)
    modem.deliver_sms(kept)
    assert sms.drain(timeout=30) == 1
    (first,) = inbox
    assert sms.acknowledge_stored(first.storage, first.index, pdu_hex=first.pdu_hex) is False  # kept on the modem
    modem.urc('+CMTI: "ME",9', sms=True)
    assert sms.drain(timeout=30) == 1
    assert inbox == [first]  # listed again, but already kept above: not handed up twice
    sms.stop()


def test_acknowledging_deletes_only_the_same_sms_when_the_index_was_reused(eg25) -> None:
    # 27.005: once index 0 is free the next SMS may be stored at 0 again. An
    # acknowledgement that comes late (a second reader deleted the slot first, or a
    # record from before a kill) must not delete the newcomer.
    modem, channel = eg25
    old, new = deliver_pdu(b"old"), deliver_pdu(b"new one at the same index")
    inbox = Inbox()
    sms = SmsService(channel, QUECTEL, on_sms=inbox, sleep=no_sleep)
    sms.start(collect=False, worker=False)
    modem.deliver_sms(old)
    assert sms.drain(timeout=30) == 1
    (first,) = inbox
    channel.command("AT+CMGD=0")  # another reader deleted it already
    modem.deliver_sms(new)  # stored at ME 0 again, announced
    assert sms.acknowledge_stored(first.storage, first.index, pdu_hex=first.pdu_hex) is True  # ours is gone
    held = modem.storages["ME"].get(0)
    assert held is not None and held.pdu == new
    assert sms.drain(timeout=30) == 1
    assert [bytes.fromhex(m.pdu_hex) for m in inbox] == [old, new]
    assert sms.acknowledge_stored("ME", 0, pdu_hex=inbox[1].pdu_hex) is True
    assert modem.storages["ME"].get(0) is None
    sms.stop()


def test_memory_full_frees_a_handled_index_only_if_it_still_holds_that_sms(eg25) -> None:
    modem, channel = eg25
    old, new = deliver_pdu(b"old"), deliver_pdu(b"new")
    sms = SmsService(channel, QUECTEL, sleep=no_sleep)
    sms.start(collect=False, worker=False)
    sms.mark_handled("ME", 0, pdu_hex=old.hex())  # kept earlier; since gone and reused
    with modem.lock:
        modem.storages["ME"].put(modem_sms(new))
    assert sms.free_handled(reason="test") == 0
    assert modem.storages["ME"].get(0) is not None and sms.handled == frozenset()
    sms.stop()


def modem_sms(pdu: bytes) -> Any:
    from mmsua.sim.modem.storage import REC_UNREAD, StoredSms

    return StoredSms(REC_UNREAD, pdu)



def test_an_announced_sms_whose_read_times_out_is_read_again(eg25) -> None:
    modem, channel = eg25
    push = deliver_pdu(b"read after a timeout")
    inbox = Inbox()
    lost_answers = ["AT+CMGR=0"]

    def fail_first_read(cmd: str) -> None:
        if cmd in lost_answers:
            lost_answers.remove(cmd)
            raise AtTimeout(cmd, 5.0)  # the answer never came (a busy module)

    sms = SmsService(FailingChannel(channel, fail_first_read), QUECTEL, on_sms=inbox, sleep=no_sleep)
    sms.start(collect=False, worker=False)
    modem.deliver_sms(push)
    assert sms.drain(timeout=30) == 2  # the read that timed out, and the read again
    assert lost_answers == [] and [(m.source, m.storage, m.index) for m in inbox] == [("cmti", "ME", 0)]
    sms.stop()


class FailingChannel:
    """The real channel; ``before(cmd)`` may raise what the channel raises for a command."""

    def __init__(self, channel: AtChannel, before: Callable[[str], None]) -> None:
        self._channel = channel
        self._before = before

    def command(self, cmd: str, **kwargs: Any) -> Any:
        self._before(cmd)
        return self._channel.command(cmd, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._channel, name)


def test_a_push_announced_before_the_storages_were_chosen_is_read_once_they_are(eg25) -> None:
    # Listening starts before AT+CPMS (the SMS-ready wait subscribes): the +CMTI waits
    # in the queue and is read in the storage it names after the set-up.
    modem, channel = eg25
    push = deliver_pdu(b"before AT+CPMS")
    inbox = Inbox()
    sms = SmsService(channel, QUECTEL, on_sms=inbox, sleep=no_sleep)
    sms.subscribe()
    modem.deliver_sms(push)  # the power-on CNMI announces it: +CMTI: "ME",0
    sms.start(collect=False, worker=False)
    assert sms.drain(timeout=30) == 1
    assert [(m.source, m.storage, m.index, bytes.fromhex(m.pdu_hex)) for m in inbox] == [("cmti", "ME", 0, push)]
    assert sms.acknowledge_stored("ME", 0, pdu_hex=inbox[0].pdu_hex) is True and modem.storages["ME"].items() == []
    sms.stop()
