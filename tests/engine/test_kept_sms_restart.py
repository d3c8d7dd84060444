"""A restart after a kill: the SMS an earlier run kept but did not get deleted on the
modem are deleted now, and only they: 27.005 lets the network store a new SMS at a
freed index, so the slot an earlier run remembers may hold someone else's SMS."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from simagent import FRIEND, ME, start_agent, wait_for

from mmsua.sim.carrier import SimulatedCarrier
from mmsua.sim.modem.storage import REC_READ, StoredSms
from mmsua.store import Store

# An SMS-DELIVER from +15551000041, GSM 7-bit "hi": what the earlier run kept.
OLD_PDU = "00040B915155010014F100006211521200000002E834"


@pytest.fixture
def carrier() -> Iterator[SimulatedCarrier]:
    with SimulatedCarrier(profile="quectel-eg25g") as sim:
        yield sim


def kept_by_an_earlier_run(path: Path) -> None:
    store = Store(path)
    try:
        sms_id, new = store.add_sms("ME", 0, OLD_PDU, len(OLD_PDU) // 2 - 1)
        assert new
        store.consume_sms([sms_id])  # its message was stored; the kill came before AT+CMGD or its mark
    finally:
        store.close()


def texts(agent) -> list[str]:
    return sorted(m.text for c in agent.list_conversations() for m in agent.list_messages(c.id))


def assert_received_alone_and_modem_emptied(agent, modem, text: str) -> None:
    wait_for(f"{text!r} received", lambda: texts(agent) == [text])
    wait_for("nothing left to delete", lambda: agent.store.undeleted_sms() == [])
    with modem.lock:
        assert modem.storages["ME"].items() == []  # deleted once kept, not before
    assert texts(agent) == [text]  # the kept one was not made a message again


def test_a_new_sms_at_the_index_an_earlier_run_kept_is_received_not_deleted(carrier, tmp_path: Path) -> None:
    handset = carrier.add_handset(ME)
    modem = handset.modem
    database = tmp_path / "store.sqlite"
    kept_by_an_earlier_run(database)
    # The earlier run's AT+CMGD went through; while no daemon ran, a new SMS took ME 0.
    carrier.send_sms(ME, "arrived while nobody listened", originator=FRIEND)
    wait_for("the new SMS stored at ME 0", lambda: modem.storages["ME"].get(0) is not None)
    agent = start_agent(carrier, ME, database)
    try:
        assert_received_alone_and_modem_emptied(agent, modem, "arrived while nobody listened")
    finally:
        agent.stop()


def test_the_sms_an_earlier_run_kept_is_deleted_once_and_not_received_again(carrier, tmp_path: Path) -> None:
    handset = carrier.add_handset(ME)
    modem = handset.modem
    database = tmp_path / "store.sqlite"
    kept_by_an_earlier_run(database)
    with modem.lock:  # the kill came before AT+CMGD: the modem still holds it at ME 0
        assert modem.storages["ME"].put(StoredSms(REC_READ, bytes.fromhex(OLD_PDU))) == 0
    carrier.send_sms(ME, "the next one", originator=FRIEND)  # at ME 1
    wait_for("the next SMS stored at ME 1", lambda: modem.storages["ME"].get(1) is not None)
    agent = start_agent(carrier, ME, database)
    try:
        assert_received_alone_and_modem_emptied(agent, modem, "the next one")
    finally:
        agent.stop()
