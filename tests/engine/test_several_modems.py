"""One agent, two modems, one inbox (issue 15): each modem receives into the shared store,
every message says which modem it came in on or went out of, a reply leaves through the
modem its conversation uses unless another is asked for, and status shows each modem."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from simagent import wait_for

from mmsua.api.errors import BadRequest
from mmsua.api.shapes import Attachment, Message, SendRequest
from mmsua.engine.agent import UserAgent
from mmsua.sim.carrier import SimulatedCarrier

HOME, WORK, FRIEND, OTHER = "+15550100201", "+15550100202", "+15550107777", "+15550107778"


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[SimulatedCarrier, UserAgent]]:
    with SimulatedCarrier() as carrier:
        home, work = carrier.add_handset(HOME), carrier.add_handset(WORK)
        store = tmp_path / "store"
        agent = UserAgent(modems={"home": carrier.agent_settings(home, store), "work": carrier.agent_settings(work, store)})
        agent.start()
        try:
            for modem in agent.modems.values():
                assert modem.link is not None and modem.link.wait_ready(30), modem.link and modem.link.error
            yield carrier, agent
        finally:
            agent.stop()


def messages(agent: UserAgent) -> list[Message]:
    return [m for c in agent.list_conversations() for m in agent.list_messages(c.id)]


def received(agent: UserAgent, text: str) -> Message:
    return wait_for(f"{text!r} received", lambda: next((m for m in messages(agent)
                                                       if m.text == text and m.state == "received"), None))


def jpeg() -> str:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 40, 40)).save(out, "JPEG")
    return base64.b64encode(out.getvalue()).decode()


def test_each_modem_receives_into_one_inbox_and_each_message_says_which(two) -> None:
    carrier, agent = two
    carrier.send_sms(WORK, "to work", originator=FRIEND)
    carrier.send_mms(FRIEND, [HOME], text="to home")
    sms, mms = received(agent, "to work"), received(agent, "to home")
    assert (sms.kind, sms.modem, sms.to) == ("sms", "work", (WORK,))
    assert (mms.kind, mms.modem) == ("mms", "home")
    assert sms.conversation_id == mms.conversation_id  # one inbox: the friend is one conversation
    # home's engine fetched it, over home's modem: the MMSC saw the GET come from home's number
    gets = [r for r in carrier.mmsc.requests if r.method == "GET"]
    assert gets and {r.headers.get("x-msisdn") for r in gets} == {HOME}  # the proxy names who connected


def test_a_reply_leaves_through_the_modem_its_conversation_uses_unless_another_is_asked(two) -> None:
    carrier, agent = two
    carrier.send_sms(WORK, "hello work", originator=FRIEND)
    conversation = received(agent, "hello work").conversation_id
    reply = agent.send(SendRequest(conversation_id=conversation, text="from work"))
    assert isinstance(reply, Message) and reply.modem == "work"
    wait_for("the reply sent", lambda: agent.show_message(reply.id).state == "sent")
    assert [(s.sender, s.decoded.destination) for s in carrier.smsc.log.submitted if s.decoded] == [(WORK, FRIEND)]

    chosen = agent.send(SendRequest(conversation_id=conversation, text="from home", modem="home"))
    assert isinstance(chosen, Message) and chosen.modem == "home"
    wait_for("the chosen one sent", lambda: agent.show_message(chosen.id).state == "sent")
    assert [s.sender for s in carrier.smsc.log.submitted] == [WORK, HOME]

    # An MMS to the same person by number (no conversation id): still the conversation's modem,
    # which is now home's (its newest message went out of home).
    picture = Attachment(name="p.jpg", content_type="image/jpeg", data_b64=jpeg())
    plan = agent.plan_send(SendRequest(to=(FRIEND,), text="a picture", attachments=(picture,)))
    assert (plan.kind, plan.modem) == ("mms", "home")
    mms = agent.send(SendRequest(to=(FRIEND,), text="a picture", attachments=(picture,)))
    assert isinstance(mms, Message) and mms.modem == "home"
    wait_for("the MMS sent", lambda: agent.show_message(mms.id).state == "sent")
    assert [m.sender for m in carrier.mmsc.messages.values()] == [HOME]


def test_someone_new_is_written_from_the_first_modem(two) -> None:
    carrier, agent = two
    first = agent.send(SendRequest(to=(OTHER,), text="hello stranger"))
    assert isinstance(first, Message) and first.modem == "home"


def test_status_shows_each_modem_and_the_first_at_the_top(two) -> None:
    carrier, agent = two
    def both_up():
        status = agent.status()
        return status if all(m.registration == "home" and m.own_number for m in status.modems) else None

    status = wait_for("both registered with their numbers", both_up)
    assert [(m.name, m.own_number) for m in status.modems] == [("home", HOME), ("work", WORK)]
    assert all(m.modem is not None and m.modem.imei for m in status.modems)
    assert status.modems[0].modem != status.modems[1].modem  # two devices, each its own identity
    assert (status.own_number, status.registration, status.modem) == (HOME, "home", status.modems[0].modem)


def test_a_modem_that_is_not_there_is_a_bad_request(two) -> None:
    carrier, agent = two
    with pytest.raises(BadRequest, match="no modem 'office'.*home, work"):
        agent.send(SendRequest(to=(FRIEND,), text="x", modem="office"))
