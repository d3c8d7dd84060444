"""End to end on the simulated carrier: the real driver on an emulated modem, the real
HTTP path through the carrier's proxy to the simulated MMSC, the real store."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from simagent import FRIEND, ME, only_message, start_agent, wait_for

from mmsua.api.errors import TooLarge
from mmsua.api.events import MessageReceived, MessageUpdated
from mmsua.api.shapes import Attachment, SendRequest
from mmsua.codec.mms import MessageType
from mmsua.engine.agent import BadRequest
from mmsua.sim.carrier import SimulatedCarrier
from mmsua.sim.smsc import Plan


def client_pdus(carrier: SimulatedCarrier, kind: MessageType) -> list[Any]:
    return [pdu for pdu in list(carrier.mmsc.received) if pdu.message_type == kind]


def test_notification_retrieved_stored_and_answered(carrier, me) -> None:
    carrier.send_mms(FRIEND, [ME], text="hello from the network", subject="Hi")
    message = wait_for("message retrieved", lambda: only_message(me, "received"))
    assert message.sender == FRIEND and message.subject == "Hi" and message.text == "hello from the network"
    resp = wait_for("M-NotifyResp.ind", lambda: client_pdus(carrier, MessageType.M_NOTIFYRESP_IND))
    assert resp[0].status == 0x81  # Retrieved
    assert resp[0].report_allowed is True
    # The SMS that carried the push is gone from the modem once kept (deleted by the SMS
    # worker, not in step with the retrieval).
    wait_for("the push's SMS deleted from the modem", lambda: me.store.undeleted_sms() == [])
    assert me.store.raw_pdus(message.id)  # push and M-Retrieve.conf kept byte for byte


def test_concatenated_notification_out_of_order_with_duplicates(tmp_path) -> None:
    # Segments arrive 2, 1, then 1 again: one message, stored once.
    with SimulatedCarrier(profile="simcom-sim7600", push_plan=Plan(order=(1, 0), duplicates=(0,))) as sim:
        agent = start_agent(sim, ME, tmp_path / "s.sqlite")
        try:
            sim.send_mms(FRIEND, [ME], text="long one", subject="S" * 120)
            message = wait_for("message retrieved", lambda: only_message(agent, "received"))
            assert message.subject == "S" * 120
            assert len([p for p in sim.smsc.log.sent if p[0] == ME]) >= 3  # it really was split
            # A late duplicate must have been read and handled before "stored once" is
            # judged: the network has handed every segment over, the modem holds none,
            # and every SMS the store kept is deleted from the modem.
            sent = len([p for p in sim.smsc.log.sent if p[0] == ME])
            modem = sim.handsets[ME].modem
            assert sim.settle(30)
            wait_for("every SMS to the handset handled", lambda: (
                len(modem.delivered) >= sent and modem.pending_deliveries == 0
                and all(store.used == 0 for store in modem.storages.values())
                and agent.store.undeleted_sms() == []))
            conversations = agent.list_conversations()
            assert len(conversations) == 1 and conversations[0].message_count == 1
        finally:
            agent.stop()


def test_own_number_learnt_from_a_retrieved_message_when_nothing_else_gives_it(carrier, tmp_path) -> None:
    handset = carrier.add_handset(ME)
    handset.modem.msisdn = ""  # a SIM without its number: AT+CNUM answers nothing
    agent = start_agent(carrier, ME, tmp_path / "n.sqlite")  # and no own_number setting
    try:
        assert agent.status().own_number is None
        carrier.send_mms(FRIEND, [ME, "+15550100009"], text="to two of us")  # a group: which one is us?
        wait_for("group message", lambda: only_message(agent, "received"))
        assert agent.status().own_number is None
        carrier.send_mms(FRIEND, [ME], text="just you")
        wait_for("second message", lambda: len([m for c in agent.list_conversations()
                                                 for m in agent.list_messages(c.id) if m.state == "received"]) == 2)
        assert agent.status().own_number == ME
        mine = [c for c in agent.list_conversations() if c.last_preview.startswith("just you")]
        assert mine and mine[0].participants == (FRIEND,)  # we are not a participant of our own chat
    finally:
        agent.stop()


def _context_commands(modem: Any) -> tuple[list[int], list[int]]:
    seen = [c.upper() for c in list(modem.commands_seen)]
    return ([i for i, c in enumerate(seen) if c.startswith("AT+QIACT=")],
            [i for i, c in enumerate(seen) if c.startswith("AT+QIDEACT=")])


def test_the_mms_context_is_released_when_idle(carrier, tmp_path) -> None:
    agent = start_agent(carrier, ME, tmp_path / "c.sqlite", context_idle_grace=0.5)
    try:
        modem = carrier.handsets[ME].modem
        carrier.send_mms(FRIEND, [ME], text="bring the context up")
        wait_for("retrieved", lambda: only_message(agent, "received"))
        wait_for("M-NotifyResp.ind", lambda: client_pdus(carrier, MessageType.M_NOTIFYRESP_IND))

        def released() -> bool:
            ups, downs = _context_commands(modem)
            return bool(ups and downs and downs[-1] > ups[-1])

        wait_for("AT+QIDEACT after the last activation", released)  # by the task timer: nothing else happens
        # The emulator logs a command line as it arrives, before it carries it out: the
        # network sees the context down a moment later.
        wait_for("the context down at the network", lambda: not any(ctx.active for ctx in modem.contexts.values()))
    finally:
        agent.stop()


def test_messages_within_the_idle_grace_share_one_activation(carrier, tmp_path) -> None:
    agent = start_agent(carrier, ME, tmp_path / "g.sqlite", context_idle_grace=60)
    try:
        modem = carrier.handsets[ME].modem
        for n in range(3):
            carrier.send_mms(FRIEND, [ME], text=f"burst {n}")
            wait_for(f"message {n}", lambda n=n: len(client_pdus(carrier, MessageType.M_NOTIFYRESP_IND)) == n + 1)
        ups, downs = _context_commands(modem)
        assert len(ups) == 1 and downs == []  # three retrievals and answers, one AT+QIACT
        assert any(ctx.active for ctx in modem.contexts.values())
    finally:
        agent.stop()
    ups, downs = _context_commands(modem)
    assert downs and downs[-1] > ups[-1]  # stopping gives it back


def test_deferred_then_fetched_with_acknowledge(carrier, tmp_path) -> None:
    agent = start_agent(carrier, ME, tmp_path / "m.sqlite", retrieval_policy="manual")
    try:
        carrier.send_mms(FRIEND, [ME], text="later please")
        deferred = wait_for("notification deferred", lambda: only_message(agent, "deferred"))
        assert deferred.size and deferred.text == ""
        resp = wait_for("NotifyResp Deferred", lambda: client_pdus(carrier, MessageType.M_NOTIFYRESP_IND))
        assert resp[0].status == 0x83
        assert agent.status().pending_notifications == 1
        agent.fetch(deferred.id)
        received = wait_for("fetched", lambda: only_message(agent, "received"))
        assert received.id == deferred.id and received.text == "later please"
        ack = wait_for("M-Acknowledge.ind", lambda: client_pdus(carrier, MessageType.M_ACKNOWLEDGE_IND))
        assert ack[0].transaction_id == resp[0].transaction_id
        assert len(client_pdus(carrier, MessageType.M_NOTIFYRESP_IND)) == 1  # no second NotifyResp
    finally:
        agent.stop()


def _png(size: tuple[int, int], seed: int) -> bytes:
    from PIL import Image

    image = Image.effect_noise(size, 60 + seed).convert("RGB")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_group_send_with_three_attachments_through_the_proxy(carrier, me, tmp_path) -> None:
    group = ["+15550100002", "+15550100003", "+15550100004"]
    for number in group:
        carrier.add_handset(number)
    photo = tmp_path / "photo.dat"  # the name says nothing; the bytes say PNG
    photo.write_bytes(_png((1600, 1200), 1))
    card = b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ann\r\nEND:VCARD\r\n"
    sent = me.send(SendRequest(
        to=group, subject="Trip", text="pictures from the trip",
        attachments=(Attachment(path=str(photo)), Attachment(name="ann.vcf", data_b64=_b64(card)),
                     Attachment(name="small.png", data_b64=_b64(_png((64, 64), 2)))),
    ))
    assert sent.state == "queued"
    done = wait_for("sent", lambda: me.show_message(sent.id).state == "sent" and me.show_message(sent.id))
    send_req = client_pdus(carrier, MessageType.M_SEND_REQ)[0]
    assert sorted(a.value for a in send_req.to) == group and send_req.sender.is_insert_token
    assert send_req.subject == "Trip" and send_req.content_type.get("start") == "<smil>"
    types = [p.content_type.media_type for p in send_req.parts]
    assert types[0] == "application/smil" and types.count("image/jpeg") + types.count("image/png") == 2
    assert "text/x-vcard" in types and "text/plain" in types and len(types) == 5
    stored = next(iter(m for m in carrier.mmsc.messages.values() if m.sender == ME))
    assert len(stored.deliveries) == 3  # one MMS, three recipients
    assert sorted(r.address for r in done.recipients) == group
    # One conversation with the three of them; a reply goes to all.
    conversation = me.list_conversations()[0]
    assert sorted(conversation.participants) == group
    reply = me.send(SendRequest(conversation_id=conversation.id, text="and one more"))
    assert sorted(reply.to) == group
    proxied = next(r for r in carrier.proxy_server.requests if r.method == "POST")
    assert proxied.target == carrier.mmsc_url  # absolute form through the proxy
    post = next(r for r in carrier.mmsc.requests if r.method == "POST")
    assert post.via_proxy
    assert post.headers["user-agent"] == "mmsua-sim/1.0"  # SimulatedCarrier.agent_settings
    assert post.headers["x-wap-profile"] == "http://uaprof.example/mmsua.xml"
    assert post.headers["content-type"] == "application/vnd.wap.mms-message"
    assert int(post.headers["content-length"]) == len(post.body)
    assert "transfer-encoding" not in post.headers
    assert "application/vnd.wap.mms-message" in post.headers["accept"]
    assert len(post.body) <= 300 * 1024


def test_priority_chosen_when_sending_is_the_m_send_reqs_x_mms_priority(carrier, me) -> None:
    carrier.add_handset("+15550100002")
    with pytest.raises(BadRequest, match="priority 'urgent'"):
        me.send(SendRequest(to=["+15550100002"], text="now!", priority="urgent"))
    with pytest.raises(BadRequest, match="SMS"):
        me.send(SendRequest(to=["+15550100002"], text="now!", priority="high", as_sms=True))
    assert me.list_conversations() == []  # refused before anything was stored
    sent = me.send(SendRequest(to=["+15550100002"], text="now!", priority="high"))
    wait_for("sent", lambda: me.show_message(sent.id).state == "sent")
    plain = me.send(SendRequest(to=["+15550100002"], text="whenever", via="mms"))
    wait_for("sent", lambda: me.show_message(plain.id).state == "sent")
    first, second = client_pdus(carrier, MessageType.M_SEND_REQ)
    assert first.priority == "high"
    assert second.priority is None  # not chosen: no header, the MMSC assumes normal
    assert me.show_message(sent.id).priority == "high" and me.show_message(plain.id).priority is None


def test_separately_sends_one_message_each(carrier, me) -> None:
    for number in ("+15550100002", "+15550100003"):
        carrier.add_handset(number)
    sent = me.send(SendRequest(to=["+15550100002", "+15550100003"], text="each their own", separately=True, via="mms"))
    assert isinstance(sent, list) and [m.to for m in sent] == [("+15550100002",), ("+15550100003",)]
    wait_for("both sent", lambda: all(me.show_message(m.id).state == "sent" for m in sent))
    assert len(me.list_conversations()) == 2


def test_delivery_and_read_reports_update_the_senders_status(carrier, me, tmp_path) -> None:
    friend = start_agent(carrier, "+15550100002", tmp_path / "friend.sqlite", send_read_reports=True)
    try:
        sent = me.send(SendRequest(to=["+15550100002"], text="did you get this?", delivery_report=True, read_report=True,
                                   via="mms"))
        got = wait_for("friend retrieved", lambda: only_message(friend, "received"))
        assert got.read_report_requested is True
        wait_for("delivered", lambda: me.show_message(sent.id).recipients[0].status == "delivered")
        friend.mark_read(got.id)
        rec = wait_for("M-Read-Rec.ind", lambda: client_pdus(carrier, MessageType.M_READ_REC_IND))
        assert rec[0].message_id == (me.show_message(sent.id).message_id or rec[0].message_id)
        wait_for("read", lambda: me.show_message(sent.id).recipients[0].status == "read")
    finally:
        friend.stop()


@pytest.mark.parametrize(
    "inject",
    [
        lambda f: f.http_status(503, method="GET"),
        lambda f: f.http_status(500, method="GET", times=2),
        lambda f: f.reset_mid_body(method="GET"),
        lambda f: f.truncate_body(method="GET"),
        lambda f: f.wrong_content_type(method="GET"),
        lambda f: f.slow(4.0, method="GET"),
    ],
    ids=["503", "500x2", "reset", "truncated", "content-type", "slow"],
)
def test_retrieve_recovers_from_transient_mmsc_faults(carrier, me, inject) -> None:
    inject(carrier.faults)
    carrier.send_mms(FRIEND, [ME], text="despite it all")
    message = wait_for("retrieved after retries", lambda: only_message(me, "received"), timeout=30)
    assert message.text == "despite it all"
    retries = [r for r in carrier.mmsc.requests if r.method == "GET"]
    assert len(retries) >= 2


def test_a_vanished_message_fails_with_a_clear_reason(carrier, me) -> None:
    stored = carrier.send_mms(FRIEND, [ME], text="gone")
    carrier.mmsc.forget(stored.message_id)
    message = wait_for("gave up", lambda: only_message(me, "expired") or only_message(me, "failed"))
    assert "404" in message.error


def test_send_faults_transient_recovers_permanent_fails_with_the_specs_meaning(carrier, me) -> None:
    carrier.add_handset("+15550100002")
    carrier.faults.http_status(503, method="POST")
    ok = me.send(SendRequest(to=["+15550100002"], text="first", via="mms"))
    wait_for("sent after a 503", lambda: me.show_message(ok.id).state == "sent")
    carrier.faults.send_conf_status(0xE5)  # error-permanent-content-not-accepted
    bad = me.send(SendRequest(to=["+15550100002"], text="second", via="mms"))
    failed = wait_for("failed", lambda: me.show_message(bad.id).state == "failed" and me.show_message(bad.id))
    assert "content-not-accepted" in failed.error and "not accepted" in failed.error
    # The user retries; now the MMSC accepts it.
    me.retry(bad.id)
    wait_for("sent on retry", lambda: me.show_message(bad.id).state == "sent")


def test_resend_a_failed_mms_as_sms(carrier, me) -> None:
    carrier.add_handset("+15550100002")
    carrier.faults.send_conf_status(0xE1)
    bad = me.send(SendRequest(to=["+15550100002"], text="plain words", via="mms"))
    wait_for("failed", lambda: me.show_message(bad.id).state == "failed")
    sms = me.resend_as_sms(bad.id)
    assert sms.kind == "sms"
    wait_for("SMS sent", lambda: me.show_message(sms.id).state == "sent")
    submitted = [s for s in carrier.smsc.log.submitted if s.sender == ME]
    assert submitted and submitted[0].decoded.text == "plain words"


def _submitted_sms(carrier: SimulatedCarrier) -> list[str]:
    return [s.decoded.text for s in list(carrier.smsc.log.submitted) if s.sender == ME]


def test_sms_fallback_setting_resends_the_text_after_a_permanent_mms_failure(carrier, tmp_path) -> None:
    carrier.add_handset("+15550100002")
    agent = start_agent(carrier, ME, tmp_path / "f.sqlite", sms_fallback=True)
    try:
        carrier.faults.send_conf_status(0xE1)  # error-permanent-service-denied
        bad = agent.send(SendRequest(to=["+15550100002"], text="fall back to me", via="mms"))
        wait_for("failed", lambda: agent.show_message(bad.id).state == "failed")
        sms = wait_for("an SMS queued by the fallback", lambda: [
            m for m in agent.list_messages(bad.conversation_id) if m.kind == "sms"])
        assert sms[0].to == ("+15550100002",) and sms[0].text == "fall back to me"
        wait_for("SMS sent", lambda: agent.show_message(sms[0].id).state == "sent")
        assert _submitted_sms(carrier) == ["fall back to me"]
    finally:
        agent.stop()


def test_no_sms_fallback_without_the_setting(carrier, me) -> None:
    carrier.add_handset("+15550100002")
    carrier.faults.send_conf_status(0xE1)
    bad = me.send(SendRequest(to=["+15550100002"], text="stay an mms", via="mms"))
    wait_for("failed", lambda: me.show_message(bad.id).state == "failed")
    # One worker runs tasks in order: once a later SMS is sent, a fallback would have been queued.
    marker = me.send(SendRequest(to=["+15550100002"], text="marker", as_sms=True))
    wait_for("marker sent", lambda: me.show_message(marker.id).state == "sent")
    assert _submitted_sms(carrier) == ["marker"]
    assert [m.kind for m in me.list_messages(bad.conversation_id)].count("sms") == 1


def test_a_message_too_large_to_fit_is_refused_before_anything_is_sent(carrier, me) -> None:
    noise = os.urandom(400 * 1024)  # cannot be scaled or compressed
    with pytest.raises(TooLarge, match="carrier accepts"):
        me.send(SendRequest(to=["+15550100002"], text="big", attachments=(Attachment(name="blob.bin", data_b64=_b64(noise)),)))
    assert me.list_conversations() == [] and client_pdus(carrier, MessageType.M_SEND_REQ) == []
    with pytest.raises(BadRequest):
        me.send(SendRequest(to=["not a number"], text="x"))


def test_plain_sms_received_in_the_same_conversation(carrier, me) -> None:
    carrier.send_sms(ME, "short one", originator=FRIEND)
    carrier.send_sms(ME, "ünïcode and long " * 12, originator=FRIEND)  # UCS-2, concatenated
    wait_for("two SMS", lambda: me.list_conversations() and me.list_conversations()[0].message_count == 2)
    carrier.send_mms(FRIEND, [ME], text="an MMS too")
    wait_for("mms", lambda: only_message(me, "received") and me.list_conversations()[0].message_count == 3)
    conversation = me.list_conversations()
    assert len(conversation) == 1
    texts = [m.text for m in me.list_messages(conversation[0].id)]
    assert texts[0] == "short one" and texts[1] == "ünïcode and long " * 12


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def test_sms_send_and_its_status_report(carrier, me) -> None:
    carrier.add_handset("+15550100002")
    sent = me.send(SendRequest(to=["+15550100002"], text="text only", as_sms=True, delivery_report=True))
    assert sent.kind == "sms" and sent.state == "queued"
    wait_for("SMS sent", lambda: me.show_message(sent.id).state == "sent")
    wait_for("status report", lambda: me.show_message(sent.id).recipients[0].status == "delivered")
    with pytest.raises(BadRequest, match="attachments"):
        me.send(SendRequest(to=["+15550100002"], text="x", as_sms=True, attachments=(Attachment(name="a", data_b64=_b64(b"a")),)))


def test_an_undecodable_push_is_kept_raw_and_answered_unrecognised(carrier, me) -> None:
    broken = bytes.fromhex("8c8298") + b"BAD-TID-7\x00" + b"\x8d\x92\x89\xff\xff\xff"
    carrier.mmsc.push(ME, broken)
    resp = wait_for("NotifyResp Unrecognised", lambda: client_pdus(carrier, MessageType.M_NOTIFYRESP_IND))
    assert resp[0].transaction_id == "BAD-TID-7" and resp[0].status == 0x84
    kept = me.store.raw_pdus(undecoded=True)
    assert kept and broken in kept[0]["data"]
    assert me.list_conversations() == []


def test_an_expired_notification_is_marked_not_fetched(carrier, me) -> None:
    from datetime import datetime, timedelta, timezone

    carrier.send_mms(FRIEND, [ME], text="too late", expires=datetime.now(timezone.utc) - timedelta(seconds=5))
    message = wait_for("expired", lambda: only_message(me, "expired"))
    assert "expired" in message.error
    assert [r for r in carrier.mmsc.requests if r.method == "GET"] == []


def test_notifications_that_arrived_while_nobody_listened_are_retrieved_at_start(carrier, tmp_path) -> None:
    carrier.add_handset(ME)
    carrier.send_mms(FRIEND, [ME], text="while you were away")
    assert carrier.settle(30)
    agent = start_agent(carrier, ME, tmp_path / "late.sqlite")
    try:
        message = wait_for("retrieved", lambda: only_message(agent, "received"))
        assert message.text == "while you were away"
        wait_for("deleted from the modem", lambda: agent.store.undeleted_sms() == [])
    finally:
        agent.stop()


def test_events_say_received_once_the_content_is_in(carrier, me) -> None:
    events: list[tuple[str, str]] = []
    me.subscribe(lambda event: events.append((event.name, event.data.state)) if isinstance(event, (MessageReceived, MessageUpdated)) else None)
    carrier.send_mms(FRIEND, [ME], text="news")
    wait_for("received", lambda: ("message.received", "received") in events)
    assert [e for e in events if e[0] == "message.received"] == [("message.received", "received")]
    assert ("message.updated", "retrieving") in events


def test_a_hook_acting_on_received_state_runs_once_for_a_deferred_then_fetched_message(carrier, tmp_path) -> None:
    # message.received also announces a notification that waits for the user; its data
    # carries the state, so the on-message hook can act on state "received" only.
    agent = start_agent(carrier, ME, tmp_path / "hook.sqlite", retrieval_policy="manual")
    try:
        events: list[tuple[int, str]] = []
        agent.subscribe(lambda event: events.append((event.data.id, event.data.state)) if isinstance(event, MessageReceived) else None)
        carrier.send_mms(FRIEND, [ME], text="for the hook")
        deferred = wait_for("deferred", lambda: only_message(agent, "deferred"))
        # The store commits before the event is published, so wait for the event itself.
        wait_for("the deferred event", lambda: events)
        assert events == [(deferred.id, "deferred")]
        agent.fetch(deferred.id)
        wait_for("fetched", lambda: (deferred.id, "received") in events)
        assert [e for e in events if e[1] == "received"] == [(deferred.id, "received")]
    finally:
        agent.stop()
