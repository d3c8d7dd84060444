"""Blocked numbers on the simulated carrier: their SMS and MMS are kept apart, never
announced, and their MMS never fetched; policy auto_fetch = contacts defers strangers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from simagent import FRIEND, ME, only_message, start_agent, wait_for

from mmsua.api.errors import BadRequest, NotFound
from mmsua.api.events import Log, MessageReceived
from mmsua.codec.mms import MessageType
from mmsua.sim.carrier import SimulatedCarrier

STRANGER = "+15550108888"


def client_pdus(carrier: SimulatedCarrier, kind: MessageType) -> list[Any]:
    return [pdu for pdu in list(carrier.mmsc.received) if pdu.message_type == kind]


def blocked_message(agent, state: str):
    for conversation in agent.list_conversations(blocked=True):
        for message in agent.list_messages(conversation.id):
            if message.state == state:
                return message
    return None


def test_a_blocked_numbers_sms_and_mms_are_kept_apart_unannounced_and_the_mms_not_fetched(carrier, me, caplog) -> None:
    caplog.set_level(logging.INFO, logger="mmsua")  # the log events carry INFO and above
    events: list[Any] = []
    me.subscribe(events.append)
    me.block("+1 555 010 7777")  # any written form of FRIEND's number
    assert me.list_blocked() == [FRIEND]
    carrier.send_sms(ME, "secret words", originator=FRIEND)
    carrier.send_mms(FRIEND, [ME], text="let me in", subject="hello?")
    sms = wait_for("the SMS kept", lambda: blocked_message(me, "received"))
    mms = wait_for("the notification kept", lambda: blocked_message(me, "deferred"))
    assert sms.blocked and sms.text == "secret words" and mms.blocked and mms.text == ""
    # The MMSC hears "Deferred": it stops pushing, keeps the message, and tells the sender nothing new.
    resp = wait_for("NotifyResp", lambda: client_pdus(carrier, MessageType.M_NOTIFYRESP_IND))
    assert [r.status for r in resp] == [0x83]
    assert [r for r in carrier.mmsc.requests if r.method == "GET"] == []
    # Apart: not in the list, not unread, not pending; never announced, no content logged.
    assert me.list_conversations() == [] and only_message(me, "received") is None
    apart = me.list_conversations(blocked=True)
    assert len(apart) == 1 and apart[0].blocked and apart[0].unread == 0 and apart[0].message_count == 2
    assert me.status().pending_notifications == 0
    assert [e for e in events if isinstance(e, MessageReceived)] == []
    logged = " ".join(e.data.text for e in events if isinstance(e, Log))
    assert "secret words" not in logged and FRIEND not in logged and "blocked number" in logged
    assert "secret words" not in caplog.text and "let me in" not in caplog.text
    # Unblocked, the deferred MMS is still on the MMSC and the user may fetch it.
    me.unblock(FRIEND)
    assert me.list_blocked() == [] and len(me.list_conversations()) == 1
    me.fetch(mms.id)
    assert wait_for("fetched", lambda: me.show_message(mms.id).state == "received" and me.show_message(mms.id)).text == "let me in"
    ack = wait_for("M-Acknowledge.ind", lambda: client_pdus(carrier, MessageType.M_ACKNOWLEDGE_IND))
    assert ack[0].transaction_id == resp[0].transaction_id


def test_blocking_checks_the_number(me) -> None:
    with pytest.raises(BadRequest, match="not a phone number"):
        me.block("nobody at all")
    with pytest.raises(BadRequest, match="at most 254"):
        me.block("a" * 300 + "@example.com")
    with pytest.raises(NotFound, match="not blocked"):
        me.unblock(STRANGER)


def test_auto_fetch_contacts_defers_mms_from_numbers_not_in_the_contacts(carrier, tmp_path: Path) -> None:
    cards = tmp_path / "contacts"
    cards.mkdir()
    (cards / "friend.vcf").write_text(f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann Example\r\nTEL:{FRIEND}\r\nEND:VCARD\r\n")
    agent = start_agent(carrier, ME, tmp_path / "c.sqlite", auto_fetch="contacts", contacts_path=str(cards))
    try:
        carrier.send_mms(STRANGER, [ME], text="buy now")
        stranger = wait_for("stranger deferred", lambda: only_message(agent, "deferred"))
        assert stranger.sender == STRANGER and not stranger.blocked
        carrier.send_mms(FRIEND, [ME], text="from a friend")
        friend = wait_for("friend fetched", lambda: only_message(agent, "received"))
        assert friend.text == "from a friend" and friend.sender_name == "Ann Example"
        assert agent.show_message(stranger.id).state == "deferred"  # still waiting for the user
        assert agent.status().pending_notifications == 1
    finally:
        agent.stop()
