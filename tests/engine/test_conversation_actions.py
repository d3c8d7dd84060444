"""forward, mark_all_read and delete_conversation on the simulated carrier."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from simagent import FRIEND, ME, only_message, start_agent, wait_for

from mmsua.api.errors import BadRequest, NotFound
from mmsua.api.events import MessageDeleted, MessageUpdated
from mmsua.codec.mms import MessageType
from mmsua.codec.multipart import Part
from mmsua.sim.carrier import SimulatedCarrier

OTHER = "+15550100002"


def client_pdus(carrier: SimulatedCarrier, kind: MessageType) -> list[Any]:
    return [pdu for pdu in list(carrier.mmsc.received) if pdu.message_type == kind]


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((48, 32), 40).convert("RGB").save(out, "PNG")
    return out.getvalue()


def test_forward_sends_the_text_and_the_picture_to_new_recipients(carrier, me) -> None:
    carrier.add_handset(OTHER)
    picture = _png()
    smil = b'<smil><body><par><img src="cat.png"/><text src="text.txt"/></par></body></smil>'
    carrier.send_mms(FRIEND, [ME], subject="Cat", parts=(Part.make(smil, "application/smil", name="smil.xml"),
                                                          Part.from_text("look at him", name="text.txt"),
                                                          Part.make(picture, "image/png", name="cat.png")))
    original = wait_for("retrieved", lambda: only_message(me, "received"))
    forwarded = me.forward(original.id, (OTHER,))
    assert not isinstance(forwarded, list) and forwarded.to == (OTHER,) and forwarded.subject == "Fwd: Cat"
    wait_for("sent", lambda: me.show_message(forwarded.id).state == "sent")
    send_req = client_pdus(carrier, MessageType.M_SEND_REQ)[0]
    assert [a.value for a in send_req.to] == [OTHER]
    by_type = {p.content_type.media_type: p for p in send_req.parts}
    assert by_type["image/png"].data == picture  # the very picture, as stored
    assert by_type["text/plain"].data.decode() == "look at him"
    # Three parts: one SMIL, written for the new message (the stored one is not attached), text, picture.
    assert sorted(p.content_type.media_type for p in send_req.parts) == ["application/smil", "image/png", "text/plain"]


def test_forward_refuses_what_it_cannot_send(carrier, tmp_path: Path) -> None:
    agent = start_agent(carrier, ME, tmp_path / "f.sqlite", retrieval_policy="manual")
    try:
        carrier.send_mms(FRIEND, [ME], text="not fetched yet")
        deferred = wait_for("deferred", lambda: only_message(agent, "deferred"))
        with pytest.raises(BadRequest, match="has not been fetched"):
            agent.forward(deferred.id, (OTHER,))
        with pytest.raises(BadRequest, match="recipients"):
            agent.forward(deferred.id, ())
        with pytest.raises(NotFound):
            agent.forward(999, (OTHER,))
    finally:
        agent.stop()


def test_mark_all_read_in_one_conversation_then_everywhere_with_the_read_report_asked(carrier, tmp_path) -> None:
    me = start_agent(carrier, ME, tmp_path / "me.sqlite", send_read_reports=True)  # read reports are off by default
    try:
        _mark_all_read_then_everywhere(carrier, me)
    finally:
        me.stop()


def _mark_all_read_then_everywhere(carrier: SimulatedCarrier, me: Any) -> None:
    updated: list[int] = []
    me.subscribe(lambda e: updated.append(e.data.id) if isinstance(e, MessageUpdated) and e.data.read else None)
    carrier.send_sms(ME, "one", originator=FRIEND)
    carrier.send_mms(FRIEND, [ME], text="two", read_report=True)
    carrier.send_sms(ME, "elsewhere", originator=OTHER)
    wait_for("the MMS retrieved", lambda: only_message(me, "received") and any(
        m.kind == "mms" and m.state == "received" for c in me.list_conversations() for m in me.list_messages(c.id)))
    wait_for("three unread", lambda: sum(c.unread for c in me.list_conversations()) == 3)
    friend = next(c for c in me.list_conversations() if c.participants == (FRIEND,))
    assert me.mark_all_read(friend.id) == 2
    assert {c.participants: c.unread for c in me.list_conversations()} == {(FRIEND,): 0, (OTHER,): 1}
    assert sorted(updated) == sorted(m.id for m in me.list_messages(friend.id))
    # The MMS asked for a read report: it goes, as mark_read would send it.
    wait_for("M-Read-Rec.ind", lambda: client_pdus(carrier, MessageType.M_READ_REC_IND))
    assert me.mark_all_read() == 1 and me.mark_all_read() == 0
    assert all(c.unread == 0 for c in me.list_conversations())
    with pytest.raises(NotFound):
        me.mark_all_read(999)


def test_delete_conversation_deletes_each_message_and_publishes_each(carrier, me) -> None:
    deleted: list[Any] = []
    me.subscribe(lambda e: deleted.append(e.data) if isinstance(e, MessageDeleted) else None)
    carrier.send_sms(ME, "one", originator=FRIEND)
    carrier.send_sms(ME, "two", originator=FRIEND)
    carrier.send_sms(ME, "keep", originator=OTHER)
    wait_for("three", lambda: sum(c.message_count for c in me.list_conversations()) == 3)
    friend = next(c for c in me.list_conversations() if c.participants == (FRIEND,))
    ids = [m.id for m in me.list_messages(friend.id)]
    me.delete_conversation(friend.id)
    assert [c.participants for c in me.list_conversations()] == [(OTHER,)]
    assert [d.id for d in deleted] == ids and all(d.conversation_id == friend.id for d in deleted)
    assert deleted[-1].conversation.message_count == 0
    for message_id in ids:
        with pytest.raises(NotFound):
            me.show_message(message_id)
    with pytest.raises(NotFound):
        me.delete_conversation(999)
