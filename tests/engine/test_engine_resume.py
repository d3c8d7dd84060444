"""Crash safety of the runner: a process killed with SIGKILL mid-step leaves a store
from which a new engine finishes the work exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timezone
from pathlib import Path

from simagent import ME, start_agent, wait_for

from mmsua.codec.mms import Address, ContentType, Expiry, MessageType, MmsPdu, Part, decode_mms, encode_mms
from mmsua.codec.push import encode_push
from mmsua.engine.runner import DirectDataPath, Engine
from mmsua.engine.settings import AgentSettings
from mmsua.engine.states import Event
from mmsua.sim.carrier import SimulatedCarrier
from mmsua.store import PartData, Store

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import sys, time
    from mmsua.engine.runner import DirectDataPath, Engine
    from mmsua.engine.settings import AgentSettings
    from mmsua.store import Store
    store_path, mmsc, proxy, push_hex = sys.argv[1:5]
    engine = Engine(Store(store_path), AgentSettings(mmsc_url=mmsc, proxy=proxy, http_timeout=60),
                    data_path=DirectDataPath())
    engine.receive_push(bytes.fromhex(push_hex))
    print("stored", flush=True)
    engine.run_due()          # hangs in the GET: the MMSC is slow; the parent kills us here
    print("not killed", flush=True)
    """
)


def _notification(tid: str, location: str) -> bytes:
    pdu = MmsPdu(MessageType.M_NOTIFICATION_IND, transaction_id=tid, mms_version="1.2",
                 sender=Address.phone("+15550107777"), message_class="personal", message_size=200,
                 expiry=Expiry.after(3600), content_location=location)
    return encode_push("application/vnd.wap.mms-message", encode_mms(pdu), transaction_id=7)


def _retrieve_conf() -> bytes:
    return encode_mms(MmsPdu(
        MessageType.M_RETRIEVE_CONF, transaction_id="r1", mms_version="1.2", message_id="crash-1",
        sender=Address.phone("+15550107777"), to=(Address.phone("+15550100001"),),
        date=datetime(2025, 1, 1, tzinfo=timezone.utc),
        content_type=ContentType.of("application/vnd.wap.multipart.mixed"),
        parts=(Part.from_text("survived"),),
    ))


def test_killed_during_retrieval_resumes_and_answers_once(tmp_path: Path) -> None:
    store_path = tmp_path / "store.sqlite"
    with SimulatedCarrier(proxy=True) as carrier:
        delivery = carrier.mmsc.deliver_raw("+15550100001", _retrieve_conf())
        location = f"{carrier.mmsc_url.rsplit('/mms', 1)[0]}{delivery.location}"
        push = _notification(delivery.transaction_id, location)
        carrier.faults.hold(method="GET")  # no answer before the kill, however slow the child
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(store_path), carrier.mmsc_url, carrier.proxy, push.hex()],
            cwd=ROOT, stdout=subprocess.PIPE, text=True,
        )
        try:
            assert child.stdout.readline().strip() == "stored"
            deadline = time.monotonic() + 20
            while not any(r.method == "GET" for r in carrier.mmsc.requests):
                assert time.monotonic() < deadline, "the child never reached the MMSC"
                time.sleep(0.02)
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(10)
        assert child.returncode == -signal.SIGKILL

        carrier.faults.clear()
        with Store(store_path) as store:
            # What the crash left: the notification, owed a retrieval.
            [pending] = store.messages_in_state("retrieving")
            assert store.get_task("retrieve", pending.id) is not None
            engine = Engine(store, AgentSettings(mmsc_url=carrier.mmsc_url, proxy=carrier.proxy),
                            data_path=DirectDataPath())
            engine.resume()
            while engine.run_due():
                pass
            message = store.get_message(pending.id)
            assert message.state == "received" and message.text == "survived"
            # The same push again (the carrier re-sends): still one message.
            engine.receive_push(push)
            while engine.run_due():
                pass
            assert store.list_conversations()[0].message_count == 1
        notify = [p for p in carrier.mmsc.received if p.message_type == MessageType.M_NOTIFYRESP_IND]
        assert [p.transaction_id for p in notify][:1] == [delivery.transaction_id]
        assert delivery.notify_status == 0x81


def test_a_send_interrupted_before_the_post_is_still_queued(tmp_path: Path) -> None:
    with Store(tmp_path / "s.sqlite") as store:
        engine = Engine(store, AgentSettings(mmsc_url="http://127.0.0.1:9/mms"))  # no data path: nothing runs
        mid = engine.queue_mms(to=["+15550100002"], cc=[], bcc=[], subject=None, parts=[], text="hi",
                               delivery_report=False, read_report=False)
        assert engine.run_due() is False
        store.change_state(mid, Event.SEND_STARTED)  # as if killed after marking, before the answer
    with Store(tmp_path / "s.sqlite") as store:
        engine = Engine(store, AgentSettings())
        engine.resume()
        assert store.get_message(mid).state == "queued" and store.get_task("send", mid) is not None


def test_the_engine_prunes_old_handled_sms_at_start(tmp_path: Path) -> None:
    with Store(tmp_path / "p.sqlite") as store:
        old, _ = store.add_sms("SM", 1, "0791AA", 3)
        store.consume_sms([old])
        store.mark_sms_deleted(old)
        kept, _ = store.add_sms("SM", 2, "0791BB", 3)  # still on the modem: stays whatever its age
        engine = Engine(store, AgentSettings(kept_sms_retention=0), clock=lambda: time.time() + 10)
        engine.resume()
        assert [s.id for s in store.undeleted_sms()] == [kept]
        assert store.prune_sms(older_than=time.time() + 10) == 0  # the handled one is gone


SEND_CHILD = textwrap.dedent(
    """
    import sys, time
    from mmsua.engine.agent import UserAgent
    from mmsua.engine.settings import AgentSettings
    store_path, port, apn, mmsc, proxy = sys.argv[1:6]
    agent = UserAgent(AgentSettings(port=port, apn=apn, mmsc_url=mmsc, proxy=proxy, store_path=store_path,
                                    country_code="US", http_timeout=60))
    agent.start()             # sends the queued message; the MMSC takes it, then is slow to answer
    time.sleep(60)            # killed before the M-Send.conf comes
    """
)


def test_a_send_killed_after_the_post_is_posted_again_with_the_same_transaction_id(tmp_path: Path) -> None:
    # At-least-once: the crash loses the M-Send.conf, so the engine cannot know the MMSC
    # took the message. The re-POST is the same PDU byte for byte (same Transaction-ID),
    # so an MMSC that drops retransmissions by Transaction-ID sends it once.
    store_path = tmp_path / "send.sqlite"
    with SimulatedCarrier(proxy=True) as carrier:
        phone = carrier.add_handset(ME)
        carrier.add_handset("+15550100002")
        with Store(store_path) as store:
            engine = Engine(store, AgentSettings(mmsc_url=carrier.mmsc_url))  # no data path: queued only
            mid = engine.queue_mms(to=["+15550100002"], cc=[], bcc=[], subject="twice?",
                                   parts=[PartData("text/plain", b"hello", name="t.txt")], text="hello",
                                   delivery_report=False, read_report=False)
        carrier.faults.hold(method="POST")  # no answer before the kill, however slow the child
        child = subprocess.Popen(
            [sys.executable, "-c", SEND_CHILD, str(store_path), phone.pty_path, carrier.apn, carrier.mmsc_url,
             carrier.proxy], cwd=ROOT)
        try:
            wait_for("the child's POST", lambda: any(r.method == "POST" for r in carrier.mmsc.requests))
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait(10)
        carrier.faults.clear()
        with Store(store_path) as store:
            assert store.get_message(mid).state == "sending"
        agent = start_agent(carrier, ME, store_path, expiry_seconds=3600)  # settings changed meanwhile
        try:
            sent = wait_for("sent", lambda: agent.store.get_message(mid).state == "sent" and agent.store.get_message(mid))
            [first_raw] = [r for r in agent.store.raw_pdus(mid) if r["direction"] == "out"]
        finally:
            agent.stop()
        posts = [r for r in carrier.mmsc.requests if r.method == "POST"]
        assert len(posts) == 2
        assert [decode_mms(p.body).transaction_id for p in posts] == [sent.transaction_id] * 2
        assert posts[0].body == posts[1].body == first_raw["data"]
        assert sent.message_id and len(carrier.mmsc.messages) == 2  # the MMSC here does not drop retransmissions


def test_without_a_data_path_a_notification_waits_owing_nothing_until_it_expires(tmp_path: Path) -> None:
    now = [1_700_000_000.0]
    with Store(tmp_path / "w.sqlite") as store:
        engine = Engine(store, AgentSettings(mmsc_url="http://127.0.0.1:9/mms"), clock=lambda: now[0])
        mid = engine.receive_push(_notification("T-wait", "http://127.0.0.1:9/mms/x"))
        assert store.get_message(mid).state == "notified"  # not deferred: no data path is no choice of the user's
        assert [t.kind for t in store.tasks_for(mid)] == ["retrieve"]  # no NotifyResp (Deferred) owed
        assert engine.run_due() is False
        now[0] += 3601  # past the notification's expiry, still without a data path
        assert engine.run_due() is True
        assert store.get_message(mid).state == "expired" and store.tasks_for(mid) == []


def test_a_notification_that_waited_for_the_data_path_is_retrieved_when_it_comes(tmp_path: Path) -> None:
    with SimulatedCarrier(proxy=True) as carrier, Store(tmp_path / "d.sqlite") as store:
        delivery = carrier.mmsc.deliver_raw(ME, _retrieve_conf())
        location = f"{carrier.mmsc_url.rsplit('/mms', 1)[0]}{delivery.location}"
        engine = Engine(store, AgentSettings(mmsc_url=carrier.mmsc_url, proxy=carrier.proxy))
        engine.start()
        try:
            mid = engine.receive_push(_notification(delivery.transaction_id, location))
            assert store.get_message(mid).state == "notified"
            engine.set_data_path(DirectDataPath())  # wakes the worker: no polling
            wait_for("retrieved", lambda: store.get_message(mid).state == "received")
            wait_for("answered Retrieved", lambda: delivery.notify_status == 0x81)
        finally:
            engine.stop()
