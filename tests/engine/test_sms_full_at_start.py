"""End to end (issue #11): a modem whose SMS store is full when the daemon starts.

The network holds the MMS notification while the store is full. Before the fix the
start-up raised StorageFull before the stored SMS were collected, and retried that
every 30 s forever; now the stored SMS are collected and deleted first, the network
delivers the notification into the freed slot, and the MMS is retrieved.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from simagent import FRIEND, ME, start_agent, wait_for

from mmsua.sim.carrier import SimulatedCarrier

# SMS-DELIVERs from +15551000041, GSM 7-bit "hi": what filled the store before the daemon ran.
OLD_PDUS = [f"00040B915155010014F10000621152120000{n:02d}02E834" for n in range(3)]


def received_texts(agent) -> list[str]:
    return [m.text for c in agent.list_conversations() for m in agent.list_messages(c.id) if m.state == "received"]


@pytest.fixture
def carrier() -> Iterator[SimulatedCarrier]:
    with SimulatedCarrier(profile="quectel-eg25g") as sim:
        yield sim


def test_an_mms_notification_waiting_behind_a_full_store_is_received_after_start(carrier, tmp_path: Path) -> None:
    handset = carrier.add_handset(ME, capacity={"ME": 3})
    modem = handset.modem
    for pdu in OLD_PDUS:
        assert modem.store_sms("ME", bytes.fromhex(pdu)) is not None
    carrier.send_mms(FRIEND, [ME], text="waited behind a full store")
    wait_for("the network holding the notification", lambda: modem.pending_deliveries > 0)
    agent = start_agent(carrier, ME, tmp_path / "store.sqlite")
    try:
        wait_for("the MMS retrieved", lambda: "waited behind a full store" in received_texts(agent))
        assert received_texts(agent).count("hi") == 3  # the SMS that filled the store, kept as texts
        wait_for("the network holds nothing", lambda: modem.pending_deliveries == 0)
        wait_for("every SMS deleted once kept", lambda: agent.store.undeleted_sms() == [])
        with modem.lock:
            assert modem.storages["ME"].items() == []
    finally:
        agent.stop()
