"""Strangers' WAP pushes on the simulated carrier (issue 11, docs/security.md): anyone
can send a binary SMS to the number, so what a push says is not believed."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from simagent import FRIEND, ME, only_message, start_agent, wait_for

from mmsua.api.shapes import SendRequest
from mmsua.codec.mms import Address, Expiry, MessageType, MmsPdu, encode_mms
from mmsua.engine.agent import UserAgent
from mmsua.engine.retrieve_path import FetchRefused
from mmsua.sim.carrier import SimulatedCarrier

STRANGER = "+15550106666"
HUGE = 4294967295  # the largest Message-Size a push can claim


class Listener:
    """A TCP port on another loopback address that counts who connects to it."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.2", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self) -> None:
        # Shut down, join, then close: a thread about to accept() with a closed descriptor's
        # number would accept on whatever socket gets that number next (a later test's).
        self.sock.shutdown(socket.SHUT_RDWR)
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


def notification(location: str, *, size: int = 1000, tid: str = "SPOOF1") -> bytes:
    return encode_mms(MmsPdu(
        MessageType.M_NOTIFICATION_IND, transaction_id=tid, mms_version="1.2", sender=Address.phone(STRANGER),
        message_class="personal", message_size=size,
        expiry=Expiry.at(datetime.now(timezone.utc) + timedelta(days=1)), content_location=location))


def gets(carrier: SimulatedCarrier) -> list[object]:
    return [r for r in carrier.mmsc.requests if r.method == "GET"]


def test_a_push_pointing_at_another_host_is_held_untrusted_and_fetched_only_with_trust(
        carrier: SimulatedCarrier, me: UserAgent, listener: Listener) -> None:
    carrier.mmsc.push(ME, notification(f"http://127.0.0.2:{listener.port}/steal", size=HUGE))
    held = wait_for("the notification held as untrusted", lambda: only_message(me, "untrusted"))
    assert held.sender == STRANGER
    assert "127.0.0.2" in held.error and "MMSC" in held.error
    # Nothing went out for it: no connection to that host, nothing owed to the MMSC.
    carrier.send_mms(FRIEND, [ME], text="a real one after it")
    wait_for("the real message retrieved", lambda: only_message(me, "received"))
    assert listener.connections == 0
    assert not [p for p in carrier.mmsc.received if p.transaction_id == "SPOOF1"]
    assert me.show_message(held.id).state == "untrusted"
    # The user's fetch needs his explicit trust; with it, the host is asked.
    with pytest.raises(FetchRefused, match=re.escape(f"from {STRANGER} was held")):
        me.fetch(held.id)
    assert me.show_message(held.id).state == "untrusted"
    me.fetch(held.id, trust=True)
    wait_for("the trusted fetch connected to the sender's host", lambda: listener.connections > 0)


def test_a_trusted_host_setting_lets_its_locations_be_fetched(carrier: SimulatedCarrier, tmp_path: Path,
                                                             listener: Listener) -> None:
    agent = start_agent(carrier, ME, tmp_path / "me.sqlite", trusted_hosts=("127.0.0.2",))
    try:
        carrier.mmsc.push(ME, notification(f"http://127.0.0.2:{listener.port}/content"))
        wait_for("the listed host asked for the content", lambda: listener.connections > 0)
        assert only_message(agent, "untrusted") is None
    finally:
        agent.stop()


def test_with_no_mmsc_known_yet_the_location_is_checked_before_the_get(carrier: SimulatedCarrier, tmp_path: Path,
                                                                       listener: Listener) -> None:
    # The carrier's settings may come from the SIM after the first notifications are read.
    agent = start_agent(carrier, ME, tmp_path / "me.sqlite", mmsc_url="")
    try:
        carrier.mmsc.push(ME, notification(f"http://127.0.0.2:{listener.port}/steal"))
        held = wait_for("held as untrusted at the retrieval", lambda: only_message(agent, "untrusted"))
        assert held.sender == STRANGER and "127.0.0.2" in held.error
        assert listener.connections == 0
    finally:
        agent.stop()


def test_a_real_notification_read_before_the_carriers_settings_is_not_held(carrier: SimulatedCarrier,
                                                                            tmp_path: Path) -> None:
    agent = start_agent(carrier, ME, tmp_path / "me.sqlite", mmsc_url="", retrieval_policy="manual")
    try:
        carrier.send_mms(FRIEND, [ME], text="sent before provisioning")
        waiting = wait_for("the notification waiting", lambda: only_message(agent, "deferred"))
        agent.update_settings(agent.settings.with_changes(mmsc_url=carrier.mmsc_url))  # the SIM's carrier is known
        agent.fetch(waiting.id)
        wait_for("retrieved", lambda: only_message(agent, "received"))
    finally:
        agent.stop()


def test_automatic_retrieval_is_bounded_by_the_carriers_message_size(carrier: SimulatedCarrier,
                                                                     me: UserAgent) -> None:
    # On the MMSC's own host, but claiming 4 GB: deferred (policy.max_retrieve_size 0 means mms.max_size).
    carrier.mmsc.push(ME, notification(f"{carrier.mmsc_url}/m/huge", size=HUGE, tid="BIG1"))
    deferred = wait_for("the huge notification deferred", lambda: only_message(me, "deferred"))
    assert deferred.size == HUGE and me.settings.max_auto_retrieve_size == 0
    wait_for("the deferral answered", lambda: [p for p in carrier.mmsc.received if p.transaction_id == "BIG1"])
    assert gets(carrier) == []


def _report(kind: MessageType, message_id: str, who: str) -> bytes:
    if kind is MessageType.M_DELIVERY_IND:
        return encode_mms(MmsPdu(kind, mms_version="1.2", message_id=message_id, to=(Address.phone(who),),
                                 date=datetime.now(timezone.utc), status=0x81))
    return encode_mms(MmsPdu(kind, mms_version="1.2", message_id=message_id, to=(Address.phone(ME),),
                             sender=Address.phone(who), date=datetime.now(timezone.utc), read_status=0x80))


@pytest.mark.parametrize("kind", [MessageType.M_DELIVERY_IND, MessageType.M_READ_ORIG_IND], ids=["delivery", "read"])
def test_a_report_counts_only_from_a_recipient_of_the_message(carrier: SimulatedCarrier, me: UserAgent,
                                                              kind: MessageType) -> None:
    recipient = "+15550109999"
    sent = me.send(SendRequest(to=(recipient,), text="for one person", via="mms"))
    message = wait_for("sent", lambda: me.show_message(sent.id).state == "sent" and me.show_message(sent.id))
    carrier.mmsc.push(ME, _report(kind, message.message_id, STRANGER))
    wait_for("the stranger's report kept", lambda: [r for r in me.store.raw_pdus(sent.id) if r["kind"] == "push"])
    statuses = {r.address: r.status for r in me.show_message(sent.id).recipients}
    assert statuses == {recipient: "pending"}
    carrier.mmsc.push(ME, _report(kind, message.message_id, recipient))
    expected = "delivered" if kind is MessageType.M_DELIVERY_IND else "read"
    wait_for(f"the recipient's report: {expected}",
             lambda: me.show_message(sent.id).recipients[0].status == expected)
    assert len(me.show_message(sent.id).recipients) == 1
