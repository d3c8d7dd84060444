"""SMS first, MMS when it must, end to end on the simulated carrier: what leaves the handset
goes to the SMS centre or to the MMSC as the plan said, and an SMS to several people
gets every recipient's delivery report."""

from __future__ import annotations

import base64
import io

from simagent import FRIEND, ME, start_agent, wait_for

from mmsua.api.shapes import Attachment, SendRequest
from mmsua.codec.mms import MessageType
from mmsua.sim.carrier import SimulatedCarrier

GROUP = ("+15550100002", "+15550100003", "+15550100004")


def _submitted(carrier: SimulatedCarrier) -> list[tuple[str, str]]:
    """(destination, text) of each SMS-SUBMIT the handset sent, segment by segment."""
    return [(s.decoded.destination, s.decoded.text) for s in list(carrier.smsc.log.submitted)
            if s.sender == ME and s.decoded is not None]


def _send_reqs(carrier: SimulatedCarrier) -> list:
    return [pdu for pdu in list(carrier.mmsc.received) if pdu.message_type == MessageType.M_SEND_REQ]


def _png() -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def test_a_text_reply_to_one_person_goes_as_sms_and_nothing_reaches_the_mmsc(carrier, me) -> None:
    carrier.add_handset(FRIEND)
    carrier.send_sms(ME, "lunch?", originator=FRIEND)
    conversation = wait_for("the SMS", lambda: me.list_conversations() and me.list_conversations()[0])
    plan = me.plan_send(SendRequest(conversation_id=conversation.id, text="yes, at 1"))
    assert (plan.kind, plan.reason, plan.sms_parts, plan.switchable) == ("sms", "text to one person", 1, True)
    reply = me.send(SendRequest(conversation_id=conversation.id, text="yes, at 1"))
    assert reply.kind == "sms" and reply.conversation_id == conversation.id
    wait_for("SMS sent", lambda: me.show_message(reply.id).state == "sent")
    assert _submitted(carrier) == [(FRIEND, "yes, at 1")]
    assert list(carrier.mmsc.received) == [] and not [r for r in carrier.mmsc.requests if r.method == "POST"]


def test_a_picture_goes_as_mms(carrier, me) -> None:
    carrier.add_handset(FRIEND)
    request = SendRequest(to=(FRIEND,), text="look", attachments=(Attachment(name="dot.png", data_b64=_png()),))
    plan = me.plan_send(request)
    assert (plan.kind, plan.reason, plan.switchable) == ("mms", "has an attachment", False)
    assert 0 < plan.mms_size < plan.mms_limit == 300 * 1024
    sent = me.send(request)
    assert sent.kind == "mms"
    wait_for("MMS sent", lambda: me.show_message(sent.id).state == "sent")
    (send_req,) = _send_reqs(carrier)
    assert [a.value for a in send_req.to] == [FRIEND] and _submitted(carrier) == []


def _group_text(carrier: SimulatedCarrier, tmp_path, name: str, **settings) -> tuple[str, list, list]:
    agent = start_agent(carrier, ME, tmp_path / f"{name}.sqlite", **settings)
    try:
        before_sms, before_mms = len(_submitted(carrier)), len(_send_reqs(carrier))
        sent = agent.send(SendRequest(to=GROUP[:2], text=f"group {name}"))
        wait_for("sent", lambda: agent.show_message(sent.id).state == "sent")
        return sent.kind, _submitted(carrier)[before_sms:], _send_reqs(carrier)[before_mms:]
    finally:
        agent.stop()


def test_a_group_text_follows_the_group_mms_setting(carrier, tmp_path) -> None:
    for number in GROUP[:2]:
        carrier.add_handset(number)
    kind, sms, mms = _group_text(carrier, tmp_path, "off", group_mms="off")
    assert kind == "sms" and sorted(sms) == [(GROUP[0], "group off"), (GROUP[1], "group off")] and mms == []
    kind, sms, mms = _group_text(carrier, tmp_path, "on", group_mms="on")
    assert kind == "mms" and sms == [] and [sorted(a.value for a in mms[0].to)] == [list(GROUP[:2])]
    # auto follows the carrier's rule
    kind, sms, mms = _group_text(carrier, tmp_path, "nogroup", group_mms="auto", carrier_group_mms=False)
    assert kind == "sms" and len(sms) == 2 and mms == []
    kind, sms, mms = _group_text(carrier, tmp_path, "group", group_mms="auto", carrier_group_mms=True)
    assert kind == "mms" and sms == [] and len(mms) == 1


def test_a_two_segment_sms_to_three_people_is_delivered_to_each(carrier, me) -> None:
    for number in GROUP:
        carrier.add_handset(number)
    text = "a text long enough for two SMS segments, " * 5  # 210 characters, 7-bit
    plan = me.plan_send(SendRequest(to=GROUP, text=text, via="sms"))
    assert (plan.kind, plan.sms_parts, plan.messages, plan.sms_encoding) == ("sms", 2, 3, "gsm7")
    sent = me.send(SendRequest(to=GROUP, text=text, via="sms", delivery_report=True))
    assert sent.kind == "sms" and sorted(sent.to) == sorted(GROUP)
    wait_for("six segments submitted", lambda: len(_submitted(carrier)) == 6)
    delivered = wait_for("every recipient delivered", lambda: all(
        r.status == "delivered" for r in me.show_message(sent.id).recipients) and me.show_message(sent.id))
    assert sorted(r.address for r in delivered.recipients) == sorted(GROUP)


def test_a_segment_the_smsc_could_not_deliver_makes_that_recipient_unreachable(carrier, me) -> None:
    carrier.add_handset(GROUP[0])  # GROUP[1] has no handset: the SMSC reports each segment failed
    text = "two segments again, to one who gets them and one who does not. " * 3
    sent = me.send(SendRequest(to=GROUP[:2], text=text, via="sms", delivery_report=True))
    settled = wait_for("both settled", lambda: all(
        r.status != "pending" for r in me.show_message(sent.id).recipients) and me.show_message(sent.id))
    assert {r.address: r.status for r in settled.recipients} == {GROUP[0]: "delivered", GROUP[1]: "unreachable"}
