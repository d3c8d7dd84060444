"""The API's shapes: the wire JSON round-trips, and whatever a hostile client sends is
refused with BadRequest (never a KeyError or TypeError reaching the log as a bug)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmsua.api import events, shapes
from mmsua.api.errors import ApiError, BadRequest
from mmsua.api.methods import METHODS
from mmsua.api.reference import DOCUMENTED

MESSAGE = {
    "id": 42, "conversation_id": 3, "direction": "out", "kind": "mms", "state": "sent", "from": "+15550100001",
    "to": ["+15550100002"], "cc": [], "bcc": ["+15550100003"], "subject": "Hi", "date": "2026-01-01T10:00:00Z", "text": "hello",
    "parts": [{"index": 0, "content_type": "text/plain", "name": "text.txt", "size": 5, "content_id": "<t>"}],
    "size": None, "expiry": None, "recipients": [{"address": "+15550100002", "status": "delivered", "updated": "2026-01-01T10:01:00Z"}],
    "read": True, "read_report_requested": False, "delivery_report_requested": True, "priority": "high", "error": None,
    "message_id": "abc@mmsc", "attempts": 1, "sender_name": "Ann", "blocked": False, "modem": "home",
}

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=16,
)


def test_a_message_round_trips_exactly_as_the_wire_carries_it() -> None:
    message = shapes.Message.from_json(MESSAGE)
    assert message.sender == "+15550100001" and message.recipients[0].status == "delivered"
    assert message.to_json() == MESSAGE
    assert list(message.to_json()) == list(MESSAGE)  # the wire order too
    event = events.event_from_json({"event": "message.updated", "data": MESSAGE})
    assert isinstance(event, events.MessageUpdated) and event.to_json() == {"event": "message.updated", "data": MESSAGE}


def test_a_send_request_carries_only_what_was_chosen() -> None:
    request = shapes.SendRequest(to=("+15550100002",), text="hi", delivery_report=False)
    assert request.to_json() == {"to": ["+15550100002"], "text": "hi", "delivery_report": False}
    assert shapes.SendRequest.from_json(request.to_json()) == request


@pytest.mark.parametrize("params, fragment", [
    ({"to": "+1555"}, "send.to must be a list"),
    ({"to": [1]}, "send.to[0] must be text"),
    ({"to": ["+1555"], "priority": "urgent"}, "send.priority must be one of low, normal, high"),
    ({"to": ["+1555"], "separately": "yes"}, "send.separately must be true or false"),
    ({"to": ["+1555"], "attachments": [{"path": "/x", "mode": 7}]}, "unknown field(s) mode"),
    ({"to": ["+1555"], "conversation_id": True}, "send.conversation_id must be a whole number"),
])
def test_malformed_send_params_are_bad_requests(params: dict, fragment: str) -> None:
    with pytest.raises(BadRequest) as caught:
        METHODS["send"].decode_params(params)
    assert fragment in caught.value.message


@given(st.sampled_from(sorted(METHODS)), st.dictionaries(st.text(max_size=16), _json, max_size=6))
def test_any_params_decode_or_give_bad_request(name: str, params: dict) -> None:
    try:
        METHODS[name].decode_params(json.loads(json.dumps(params)))
    except ApiError as error:
        assert error.code == "bad_request"


@given(st.sampled_from(DOCUMENTED), _json)
def test_any_json_is_a_shape_or_a_bad_request(shape: type, value: object) -> None:
    try:
        shape.from_json(value)
    except ApiError as error:
        assert error.code == "bad_request"


def test_a_stored_message_has_the_api_shape(tmp_path) -> None:
    # Moved from tests/store: the store keeps records; the agent makes them the API's shapes.
    from mmsua.engine.agent import conversation_shape, message_shape
    from mmsua.store import Store

    with Store(tmp_path / "store.sqlite") as store:
        mid = store.add_message(participants=["+447700900123"], direction="in", kind="mms", state="received", sender="+447700900123",
                                subject="Hi", text="there", to=["+1"], date=0, read_report_requested=True, message_id="mmsc-42@example")
        d = message_shape(store.get_message(mid)).to_json()
        for key in ("id", "conversation_id", "direction", "kind", "state", "from", "to", "cc", "bcc", "subject", "date",
                    "text", "parts", "size", "expiry", "recipients", "read", "read_report_requested", "error",
                    "message_id"):
            assert key in d
        assert d["message_id"] == "mmsc-42@example"  # the MMS Message-ID ("sent, Message-ID X")
        assert d["date"] == "1970-01-01T00:00:00Z" and d["from"] == "+447700900123"
        assert d["read_report_requested"] is True and d["read"] is False
        c = conversation_shape(store.list_conversations()[0]).to_json()
        assert set(c) == {"id", "participants", "last_date", "last_preview", "unread", "message_count", "names", "blocked", "muted"}
