"""The pure client transactions: decisions, backoff, answers, push classification. No I/O."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from mmsua.codec.mms import Address, Expiry, MessageType, MmsPdu, decode_mms, encode_mms
from mmsua.codec.push import encode_push
from mmsua.engine import transactions as tx
from mmsua.engine.settings import AgentSettings

NOW = 1_700_000_000.0
AUTO = AgentSettings()
SHARED = Path(__file__).resolve().parents[2] / ".." / "shared"


def _notification(tid: str = "T1") -> MmsPdu:
    return MmsPdu(
        MessageType.M_NOTIFICATION_IND, transaction_id=tid, mms_version="1.2",
        sender=Address.phone("+447700900123"), message_class="personal", message_size=30000,
        expiry=Expiry.after(3600), content_location="http://mmsc.example/m/1",
    )


def _push(mms: bytes) -> bytes:
    return encode_push("application/vnd.wap.mms-message", mms, transaction_id=1)


@pytest.mark.parametrize(
    ("settings", "conditions", "size", "expected"),
    [
        (AUTO, tx.Conditions(NOW), 1000, tx.Decision.RETRIEVE),
        (AgentSettings(retrieval_policy="manual"), tx.Conditions(NOW), 1000, tx.Decision.DEFER),
        (AgentSettings(retrieval_policy="reject"), tx.Conditions(NOW), 1000, tx.Decision.REJECT),
        (AUTO, tx.Conditions(NOW, roaming=True), 1000, tx.Decision.DEFER),
        (AgentSettings(roaming_policy="auto"), tx.Conditions(NOW, roaming=True), 1000, tx.Decision.RETRIEVE),
        (AgentSettings(max_auto_retrieve_size=500), tx.Conditions(NOW), 1000, tx.Decision.DEFER),
        (AUTO, tx.Conditions(NOW, sender_blocked=True), 1000, tx.Decision.DEFER),  # deferred, never rejected
        (AgentSettings(roaming_policy="auto"), tx.Conditions(NOW, sender_blocked=True), 10, tx.Decision.DEFER),
        (AgentSettings(auto_fetch="contacts"), tx.Conditions(NOW, sender_known=False), 1000, tx.Decision.DEFER),
        (AgentSettings(auto_fetch="contacts"), tx.Conditions(NOW), 1000, tx.Decision.RETRIEVE),
        (AUTO, tx.Conditions(NOW, sender_known=False), 1000, tx.Decision.RETRIEVE),  # auto_fetch = anyone
    ],
)
def test_retrieval_policy(settings, conditions, size, expected) -> None:
    trusted = settings.with_changes(mmsc_url="http://mmsc.example/mms")
    assert tx.decide_retrieval(size, NOW + 100, trusted, conditions, "http://mmsc.example/m/1").decision is expected


def test_an_expired_notification_is_marked_whatever_the_policy() -> None:
    decision = tx.decide_retrieval(10, NOW - 1, AgentSettings(retrieval_policy="manual"), tx.Conditions(NOW),
                                   "http://mmsc.example/m/1")
    assert decision.decision is tx.Decision.EXPIRED and "expired" in decision.reason


def test_expiry_relative_counts_from_arrival_absolute_is_absolute() -> None:
    assert tx.expiry_time(Expiry.after(60), NOW) == NOW + 60
    when = datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert tx.expiry_time(Expiry.at(when), NOW) == when.timestamp()
    assert tx.expiry_time(None, NOW) is None


def test_backoff_grows_is_capped_and_stops_at_the_deadline() -> None:
    s = AgentSettings(retry_initial=10, retry_max=35, max_attempts=5)
    delays = [tx.next_attempt(n, NOW, None, s) - NOW for n in (1, 2, 3, 4)]
    assert delays == [10, 20, 35, 35]
    assert tx.next_attempt(5, NOW, None, s) is None
    assert tx.next_attempt(1, NOW, NOW + 5, s) is None  # would land past the expiry


@pytest.mark.parametrize(
    ("status", "outcome", "words"),
    [
        (0x80, tx.Outcome.OK, "ok"),
        (0xC0, tx.Outcome.TRANSIENT, "transient"),
        (0xC3, tx.Outcome.TRANSIENT, "network"),
        (0xE5, tx.Outcome.PERMANENT, "content was not accepted"),
        (0xE2, tx.Outcome.PERMANENT, "corrupt"),
        (0xEF, tx.Outcome.PERMANENT, "permanent"),
        (0x86, tx.Outcome.TRANSIENT, "network"),
        (0x84, tx.Outcome.PERMANENT, "address"),
    ],
)
def test_send_conf_status_classes_with_the_specs_meaning(status, outcome, words) -> None:
    conf = decode_mms(encode_mms(MmsPdu(MessageType.M_SEND_CONF, transaction_id="t", mms_version="1.2",
                                        response_status=status, message_id="mid-1" if status == 0x80 else None)))
    answer = tx.send_answer(conf)
    assert answer.outcome is outcome
    assert words in answer.reason.lower()
    if status == 0x80:
        assert answer.message_id == "mid-1"


def test_retrieve_status_error_is_recorded_with_its_meaning() -> None:
    conf = MmsPdu(MessageType.M_RETRIEVE_CONF, mms_version="1.2", retrieve_status=0xE2)
    answer = tx.retrieve_answer(conf)
    assert answer.outcome is tx.Outcome.PERMANENT and "not found" in answer.reason
    assert tx.retrieve_answer(MmsPdu(MessageType.M_RETRIEVE_CONF, retrieve_status=0xC1)).outcome is tx.Outcome.TRANSIENT
    assert tx.retrieve_answer(MmsPdu(MessageType.M_RETRIEVE_CONF)).outcome is tx.Outcome.OK


def test_a_retrieval_answered_with_another_pdu_is_tried_again_as_a_send_is() -> None:
    # A crossed or misrouted answer (an M-Send.conf to a GET): another try, not giving up at once.
    answer = tx.retrieve_answer(MmsPdu(MessageType.M_SEND_CONF, response_status=0x80))
    assert answer.outcome is tx.Outcome.TRANSIENT and "not m-retrieve-conf" in answer.reason
    assert tx.send_answer(MmsPdu(MessageType.M_RETRIEVE_CONF)).outcome is tx.Outcome.TRANSIENT


def test_delivery_and_read_statuses_map_to_recipient_statuses() -> None:
    assert tx.delivery_status(0x81) == "delivered"
    assert tx.delivery_status(0x80) == "expired"
    assert tx.delivery_status(0x82) == "rejected"
    assert tx.delivery_status(0x87) == "unreachable"
    assert tx.delivery_status(None) == "unknown"
    assert tx.read_status(0x80) == "read" and tx.read_status(0x81) == "deleted"


def test_the_handsets_pdus_decode_as_the_spec_says() -> None:
    resp = decode_mms(tx.notify_resp("T1", tx.STATUS_RETRIEVED, True))
    assert resp.message_type is MessageType.M_NOTIFYRESP_IND and resp.transaction_id == "T1"
    assert resp.status == 0x81 and resp.report_allowed is True
    ack = decode_mms(tx.acknowledge("T2", False))
    assert ack.message_type is MessageType.M_ACKNOWLEDGE_IND and ack.report_allowed is False
    rec = decode_mms(tx.read_rec("mid-9", "+447700900123", NOW))
    assert rec.message_type is MessageType.M_READ_REC_IND and rec.message_id == "mid-9"
    assert rec.sender.is_insert_token and rec.to[0].value == "+447700900123" and rec.read_status == 0x80


def test_push_classification() -> None:
    notification = tx.classify_push(_push(encode_mms(_notification())))
    assert notification.kind == "notification" and notification.transaction_id == "T1"
    delivery = MmsPdu(MessageType.M_DELIVERY_IND, mms_version="1.2", message_id="m", to=(Address.phone("+1555"),),
                      date=datetime(2024, 1, 1, tzinfo=timezone.utc), status=0x81)
    assert tx.classify_push(_push(encode_mms(delivery))).kind == "delivery"


def test_an_undecodable_mms_push_still_yields_its_transaction_id() -> None:
    broken = encode_mms(_notification("BROKEN-42"))[:16] + b"\xff\xff"  # cut in the middle of a header
    event = tx.classify_push(_push(broken))
    assert event.kind == "unrecognised" and event.transaction_id == "BROKEN-42" and event.error
    garbage = tx.classify_push(b"\x01")
    assert garbage.kind == "unrecognised" and garbage.transaction_id is None


def test_a_real_carrier_push_from_the_corpus() -> None:
    path = SHARED / "corpus" / "wsp" / "mmsd-push-1-mms-notification.wsp"
    if not path.exists():
        pytest.skip(f"corpus not present at {path}")
    event = tx.classify_push(path.read_bytes())
    assert event.kind == "notification" and event.transaction_id == "OgQKKB"
    assert event.pdu.content_location == "http://eps3.de/O/Z9IZO"
