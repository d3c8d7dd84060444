"""A full SMS store never stops the SMS part, and one that fills is noticed (issue #11).

While the receive storage is full the network holds every new SMS, an MMS
notification among them. Each case runs on an emulated modem through the real
AtChannel and SmsService; the layer above is played by an inbox that keeps each SMS
and acknowledges it, as mmsua.engine.modem_link does.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mmsua.drivers.at.channel import AtChannel
from mmsua.drivers.at.framing import AtFramer, Unsolicited
from mmsua.drivers.sms import IncomingSms, SmsService
from mmsua.drivers.vendors import get_profile, known_urcs
from mmsua.sim import registry
from mmsua.sim.modem.core import EmulatedModem
from mmsua.sim.modem.line import ModemLine
from mmsua.sim.modem.profiles import get_profile as sim_profile

_names = itertools.count()
WAIT = 30.0  # a bound for a loaded machine; a healthy wait returns at once


def deliver_pdu(text: bytes) -> bytes:
    """An SMS-DELIVER (no SMSC address, 8-bit data) from +15551000041 carrying ``text``."""
    return bytes.fromhex("00" "04" "0B915155010014F1" "00" "04" "62115212000000") + bytes([len(text)]) + text


def wait_until(what: str, condition: Callable[[], bool], limit: float = WAIT) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.01)


class KeepingInbox:
    """The layer above: keeps each SMS, then lets the modem delete it."""

    def __init__(self) -> None:
        self.items: list[IncomingSms] = []
        self.sms: SmsService | None = None

    def __call__(self, incoming: IncomingSms) -> None:
        self.items.append(incoming)
        if self.sms is not None and incoming.storage is not None and incoming.index is not None:
            self.sms.acknowledge_stored(incoming.storage, incoming.index, pdu_hex=incoming.pdu_hex)

    def texts(self) -> set[bytes]:
        return {_user_data(sms.pdu_hex) for sms in self.items}


def _user_data(pdu_hex: str) -> bytes:
    """The user data of an 8-bit SMS-DELIVER as deliver_pdu writes it."""
    pdu = bytes.fromhex(pdu_hex)
    at = 1 + pdu[0] + 1  # SMSC length octet and address, first octet
    at += 2 + (pdu[at] + 1) // 2  # originator: digit count, type, semi-octets
    at += 2 + 7  # PID, DCS, SCTS
    return pdu[at + 1 : at + 1 + pdu[at]]


@pytest.fixture
def emulated() -> Iterator[Callable[..., tuple[EmulatedModem, Any]]]:
    """Build an emulated modem (optionally with SMS already stored before power-on), boot
    it, open a real AtChannel on it."""
    opened: list[tuple[EmulatedModem, Any, str]] = []

    def build(profile: str, *, capacity: dict[str, int], stored: dict[str, list[bytes]] | None = None) -> tuple[EmulatedModem, Any]:
        modem = EmulatedModem(sim_profile(profile), msisdn="+15550100042", imsi="001010000000042",
                              imei="861234050000042", capacity=capacity)
        for mem, pdus in (stored or {}).items():
            for pdu in pdus:
                assert modem.store_sms(mem, pdu) is not None
        name = f"smsfull{next(_names)}"
        url = registry.register(name, ModemLine(modem))
        modem.power_on()
        wait_until("the emulated modem's SMS part is ready", lambda: modem.sim_ready and modem.registered)
        channel = AtChannel(url).open()
        opened.append((modem, channel, name))
        return modem, channel

    yield build
    for modem, channel, name in opened:
        channel.close()
        modem.close()
        registry.unregister(name)


def service(channel: Any, profile: str, inbox: KeepingInbox, **kwargs: Any) -> SmsService:
    sms = SmsService(channel, get_profile(profile), on_sms=inbox, **kwargs)
    inbox.sms = sms
    return sms


def test_a_store_full_at_start_is_collected_then_freed_and_the_held_sms_arrives(emulated) -> None:
    old = [deliver_pdu(f"old {n}".encode()) for n in range(3)]
    modem, channel = emulated("quectel-eg25g", capacity={"ME": 3}, stored={"ME": old})
    modem.deliver_sms(deliver_pdu(b"the MMS notification"))
    assert modem.pending_deliveries == 1  # full: the network holds it
    inbox = KeepingInbox()
    sms = service(channel, "quectel", inbox)
    try:
        # As the engine starts it: no collection inside start(), the worker running.
        # Before issue #11 this raised StorageFull, every time, and nothing was collected.
        settings = sms.start(collect=False, worker=True)
        assert (settings.used, settings.total) == (3, 3)
        wait_until("the held SMS delivered and handed up",
                   lambda: b"the MMS notification" in inbox.texts() and modem.pending_deliveries == 0)
        assert {b"old 0", b"old 1", b"old 2"} <= inbox.texts()
        wait_until("every SMS deleted once kept", lambda: modem.storages["ME"].items() == [])
    finally:
        sms.stop()


def test_a_store_filled_by_another_program_is_noticed_by_the_quectel_smsfull_urc(emulated) -> None:
    modem, channel = emulated("quectel-eg25g", capacity={"ME": 3})
    inbox = KeepingInbox()
    sms = service(channel, "quectel", inbox, watch_full=True, recheck_every=3600.0)
    try:
        sms.start(worker=True)
        assert 'AT+QINDCFG="smsfull",1,0' in modem.commands_seen
        # ModemManager (or class-2 SMS) fills the store: no +CMTI for these, only the
        # +QIND: "smsfull" the driver turned on.
        for n in range(3):
            modem.store_sms("ME", deliver_pdu(f"someone else's {n}".encode()))
        wait_until("the store collected and freed", lambda: modem.storages["ME"].items() == [])
        assert {b"someone else's 0", b"someone else's 1", b"someone else's 2"} <= inbox.texts()
        modem.deliver_sms(deliver_pdu(b"the next notification"))
        wait_until("the next SMS received", lambda: b"the next notification" in inbox.texts())
    finally:
        sms.stop()


def test_without_a_full_urc_the_periodic_recheck_relieves_the_store(emulated) -> None:
    # No SMS-full URC of SIMCom's was found in its manuals: the bounded re-check is the net.
    modem, channel = emulated("simcom-sim7600", capacity={"ME": 2})
    inbox = KeepingInbox()
    sms = service(channel, "simcom", inbox, watch_full=True, recheck_every=0.2)
    try:
        sms.start(worker=True)
        for n in range(2):
            modem.store_sms("ME", deliver_pdu(f"filler {n}".encode()))
        modem.deliver_sms(deliver_pdu(b"held by the network"))
        wait_until("the held SMS received after the re-check freed the store",
                   lambda: b"held by the network" in inbox.texts() and modem.pending_deliveries == 0)
    finally:
        sms.stop()


@pytest.mark.parametrize(("profile", "line"), [
    ("quectel", '+QIND: "smsfull","SM"'),  # EC2x AT commands manual, AT+QINDCFG
    ("huawei", '^SMMEMFULL: "ME"'),  # MU509 AT spec §6.21
    ("generic", "+CIEV: smsfull,1"),  # 27.007 §8.9 indicator by name (Cinterion AT^SIND)
    ("generic", '+CIEV: "SMSFULL",2'),
])
def test_each_familys_full_indication_is_a_urc_the_service_reacts_to(profile: str, line: str) -> None:
    assert get_profile(profile).sms_full.matches(line)
    framer = AtFramer(known_urcs())
    framer.feed((line + "\r\n").encode())
    (event,) = framer.events()
    assert isinstance(event, Unsolicited) and event.line == line


def test_a_storage_with_room_again_is_not_full() -> None:
    assert not get_profile("generic").sms_full.matches("+CIEV: smsfull,0")
    assert not get_profile("quectel").sms_full.matches('+QIND: "csq",20,99')
