"""The send+receive round trip on every carrier personality (mmsua/sim/personalities.py),
and what makes each one different: the strict MMSC's 412, the 1 MB carrier's pictures,
and the acknowledgement under the M-Retrieve.conf's own transaction id."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from simagent import ME, only_message, start_agent, wait_for

from mmsua.api.shapes import Attachment, SendRequest
from mmsua.codec.mms import MessageType, decode_mms
from mmsua.engine.agent import UserAgent
from mmsua.engine.settings import DEFAULT_UAPROF, DEFAULT_USER_AGENT
from mmsua.sim.carrier import SimulatedCarrier
from mmsua.sim.personalities import PERSONALITIES

PEER = "+15550100002"
MB = 1024 * 1024


def photo(size: tuple[int, int]) -> bytes:
    noise = Image.effect_noise(size, 40).convert("RGB")
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    Image.blend(noise, gradient, 0.5).save(out, "PNG")
    return out.getvalue()


def settings_for(personality: str) -> dict[str, Any]:
    """mmsua's settings on each carrier beyond its defaults: what the SIM's carrier rules give
    the daemon (tests/daemon/test_carrier_personalities_e2e.py shows them coming from the SIM);
    the engine alone is given them here."""
    if personality == "1mb":
        return {"max_message_size": MB, "max_image_width": 2592, "max_image_height": 1944}
    if personality == "strict-ua":  # mmsua's own defaults (the simulated carrier's settings name the simulator)
        return {"user_agent": DEFAULT_USER_AGENT, "uaprof_url": DEFAULT_UAPROF}
    if personality == "verizon":  # AOSP's Verizon (311/480) rules: enabledTransID, enabledNotifyWapMMSC
        return {"append_transaction_id": True, "notify_to_location": True}
    return {}


@pytest.fixture(params=list(PERSONALITIES))
def network(request: pytest.FixtureRequest, tmp_path) -> Iterator[tuple[SimulatedCarrier, UserAgent, UserAgent]]:
    with SimulatedCarrier(profile="quectel-eg25g", personality=request.param) as sim:
        me = start_agent(sim, ME, tmp_path / "me.sqlite", **settings_for(request.param))
        peer = start_agent(sim, PEER, tmp_path / "peer.sqlite", **settings_for(request.param))
        try:
            yield sim, me, peer
        finally:
            peer.stop()
            me.stop()


def posted_send_reqs(carrier: SimulatedCarrier) -> list[Any]:
    with carrier.mmsc.held():
        return [r for r in carrier.mmsc.requests if r.method == "POST" and r.pdu is None
                and r.body and decode_mms(r.body).message_type == MessageType.M_SEND_REQ]


def test_a_picture_goes_there_and_arrives_on_every_personality(network) -> None:
    carrier, me, peer = network
    picture = photo((3000, 2250))
    sent = me.send(SendRequest(to=[PEER], text="the view", attachments=(
        Attachment(name="view.png", data_b64=base64.b64encode(picture).decode()),)))
    wait_for("sent", lambda: me.show_message(sent.id).state == "sent")
    got = wait_for("received by the peer", lambda: only_message(peer, "received"))
    assert got.sender == ME and got.text == "the view"
    [image_part] = [p for p in got.attachments if p.content_type == "image/jpeg"]
    arrived = peer.get_part(got.id, image_part.index).data
    [post] = posted_send_reqs(carrier)
    limit = carrier.mmsc.max_message_size
    assert len(post.body) <= limit
    if carrier.personality.name == "1mb":
        assert limit == MB and len(post.body) > 0.8 * MB  # near the 1 MB limit, not 300 KB-ish
        assert Image.open(io.BytesIO(arrived)).size[0] > 1600
    else:
        assert Image.open(io.BytesIO(arrived)).size == (640, 480)
    with carrier.mmsc.held():
        [delivery] = [d for m in carrier.mmsc.messages.values() for d in m.deliveries]
    wait_for("the peer's M-NotifyResp.ind Retrieved", lambda: delivery.notify_status == 0x81)


def test_the_1mb_carriers_sim_is_att(tmp_path) -> None:
    with SimulatedCarrier(personality="1mb") as sim:
        agent = start_agent(sim, ME, tmp_path / "me.sqlite")
        try:
            identity = agent.sim_identity()
            assert identity["imsi"].startswith("310410") and identity["spn"] == "AT&T"
        finally:
            agent.stop()


def test_the_strict_mmsc_refuses_a_user_agent_it_does_not_know(tmp_path) -> None:
    with SimulatedCarrier(personality="strict-ua") as sim:
        sim.add_handset(PEER)
        agent = start_agent(sim, ME, tmp_path / "me.sqlite", user_agent="mmsua-sim/1.0")
        try:
            sent = agent.send(SendRequest(to=[PEER], text="hello?", via="mms"))
            failed = wait_for("failed", lambda: (m := agent.show_message(sent.id)).state == "failed" and m)
            assert "HTTP 412" in (failed.error or "")
            assert sim.mmsc.messages == {}
        finally:
            agent.stop()


def test_a_delayed_retrieval_is_acknowledged_under_the_retrieve_confs_own_id(tmp_path) -> None:
    with SimulatedCarrier(personality="ack-quirks") as sim:
        agent = start_agent(sim, ME, tmp_path / "me.sqlite", retrieval_policy="manual")
        try:
            stored = sim.send_mms(PEER, [ME], text="when you like")
            deferred = wait_for("deferred", lambda: only_message(agent, "deferred"))
            [delivery] = stored.deliveries
            wait_for("NotifyResp Deferred", lambda: delivery.notify_status == 0x83)
            agent.fetch(deferred.id)
            wait_for("fetched", lambda: only_message(agent, "received"))
            wait_for("M-Acknowledge.ind under the M-Retrieve.conf's id", lambda: delivery.acknowledged)
            assert delivery.ack_transaction_id and delivery.ack_transaction_id != delivery.transaction_id
        finally:
            agent.stop()
