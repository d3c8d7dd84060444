"""The UserAgent facade with no modem at all: the store browses, sends queue, errors are coded."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from mmsua.api.errors import ApiError, NotFound
from mmsua.api.events import Event, Log
from mmsua.api.shapes import Attachment, SendRequest
from mmsua.engine.agent import BadRequest, UserAgent
from mmsua.engine.settings import AgentSettings
from mmsua.store import PartData


@pytest.fixture
def agent(tmp_path: Path) -> UserAgent:
    ua = UserAgent(AgentSettings(store_path=str(tmp_path / "store"), country_code="GB", own_number="+447700900001"))
    ua.start()
    yield ua
    ua.stop()


def _received(agent: UserAgent, **kw) -> int:
    fields = dict(participants=["+447700900123"], direction="in", kind="mms", state="received",
                  sender="+447700900123", text="look", message_id="m-1", read_report_requested=True)
    fields.update(kw)
    mid = agent.store.add_message(**fields)
    agent.store.set_parts(mid, [PartData("image/png", b"\x89PNG....", name="../x.png")])
    return mid


def test_the_store_is_browsable_without_a_modem(agent: UserAgent, tmp_path: Path) -> None:
    assert (tmp_path / "store" / "store.sqlite").exists()
    mid = _received(agent)
    [conversation] = agent.list_conversations()
    assert conversation.participants == ("+447700900123",) and conversation.unread == 1
    [message] = agent.list_messages(conversation.id)
    assert message == agent.show_message(mid)
    part = agent.get_part(mid, 0)
    assert base64.b64decode(part.data_b64) == b"\x89PNG...." and part.name == "../x.png"
    status = agent.status()
    assert status.modem is None and status.data_path == "down" and status.own_number == "+447700900001"
    assert status.max_size == 300 * 1024  # the default carrier limit


def test_status_carries_the_configured_size_limit(tmp_path: Path) -> None:
    with UserAgent(AgentSettings(store_path=str(tmp_path / "s.sqlite"), max_message_size=614_400)) as ua:
        assert ua.status().max_size == 614_400


def test_status_names_the_carrier_rules_in_use(tmp_path: Path) -> None:
    with UserAgent(AgentSettings(store_path=str(tmp_path / "s.sqlite"))) as ua:
        assert ua.status().carrier is None  # no rules entry: Android's defaults
        ua.update_settings(ua.settings.with_changes(carrier="Verizon 311/480 (LineageOS/android_packages_apps_Messaging ...)"))
        assert ua.status().carrier == "Verizon 311/480 (LineageOS/android_packages_apps_Messaging ...)"


def test_opening_a_message_queues_its_read_report_once(tmp_path: Path) -> None:
    agent = UserAgent(AgentSettings(store_path=str(tmp_path / "s.sqlite"), send_read_reports=True))
    agent.start()
    try:
        _opening_queues_one_read_report(agent)
    finally:
        agent.stop()


def _opening_queues_one_read_report(agent: UserAgent) -> None:
    events = []
    agent.subscribe(lambda event: events.append((event.name, event.data.id, event.data.read)))
    mid = _received(agent)
    assert agent.mark_read(mid).read is True
    assert agent.store.get_task("read_report", mid) is not None
    agent.store.finish_task(agent.store.get_task("read_report", mid).id)
    agent.mark_read(mid)
    assert agent.store.get_task("read_report", mid) is None
    assert ("message.updated", mid, True) in events


def test_read_reports_are_not_sent_when_the_user_forbids_them(tmp_path: Path) -> None:
    with UserAgent(AgentSettings(store_path=str(tmp_path / "s.sqlite"), send_read_reports=False)) as ua:
        mid = _received(ua)
        ua.mark_read(mid)
        assert ua.store.get_task("read_report", mid) is None


def test_read_reports_are_private_by_default(agent: UserAgent) -> None:
    assert AgentSettings().send_read_reports is False
    mid = _received(agent)
    agent.mark_read(mid)
    assert agent.store.get_task("read_report", mid) is None


def test_send_without_a_modem_is_queued_and_stays_queued(agent: UserAgent) -> None:
    sent = agent.send(SendRequest(to=("07700 900123",), text="hi", subject="s"))
    assert not isinstance(sent, list)
    assert sent.state == "queued" and sent.to == ("+447700900123",) and sent.direction == "out"
    assert [p.content_type for p in sent.parts] == ["application/smil", "text/plain"]
    assert agent.status().queued == 1
    # Same person, national or international: one conversation with the earlier one.
    _received(agent, message_id="m-2")
    assert len(agent.list_conversations()) == 1


def test_plan_send_says_what_send_does_and_sends_nothing(agent: UserAgent) -> None:
    one = SendRequest(to=("07700 900123",), text="hi")
    plan = agent.plan_send(one)
    assert (plan.kind, plan.reason, plan.messages, plan.sms_parts) == ("sms", "text to one person", 1, 1)
    assert agent.list_conversations() == [] and agent.status().queued == 0  # nothing stored
    sent = agent.send(one)
    assert sent.kind == plan.kind and sent.to == ("+447700900123",) and sent.parts == ()
    assert agent.store.get_task("send_sms", sent.id) is not None and agent.store.get_task("send", sent.id) is None
    group = SendRequest(to=("+447700900123", "+447700900124"), text="hi all")
    assert agent.plan_send(group).kind == "mms" and agent.send(group).kind == "mms"  # group MMS: Android's default
    agent.update_settings(agent.settings.with_changes(group_mms="off"))
    plan = agent.plan_send(group)
    assert (plan.kind, plan.messages) == ("sms", 2)
    both = agent.send(group)
    assert both.kind == "sms" and both.to == ("+447700900123", "+447700900124")  # one message, SMS to each


def test_via_and_the_older_as_sms_force_the_kind(agent: UserAgent) -> None:
    assert agent.send(SendRequest(to=("+447700900123",), text="hi", via="mms")).kind == "mms"
    assert agent.send(SendRequest(to=("+447700900123", "+447700900124"), text="hi", via="sms")).kind == "sms"
    assert agent.send(SendRequest(to=("+447700900123",), text="hi", as_sms=True)).kind == "sms"
    with pytest.raises(BadRequest, match="contradict"):
        agent.send(SendRequest(to=("+447700900123",), text="hi", as_sms=True, via="mms"))
    picture = (Attachment.of(b"\x89PNG\r\n\x1a\nfake", "p.png", "image/png"),)
    for call in (agent.plan_send, agent.send):
        with pytest.raises(BadRequest, match="cannot send as SMS: the message has an attachment"):
            call(SendRequest(to=("+447700900123",), text="hi", attachments=picture, via="sms"))
    assert agent.status().queued == 3  # the refused ones stored nothing


def test_the_send_via_setting_is_the_policy_a_request_overrides(tmp_path: Path) -> None:
    settings = AgentSettings(store_path=str(tmp_path / "s.sqlite"), send_via="mms")
    with UserAgent(settings) as ua:
        assert ua.plan_send(SendRequest(to=("+447700900123",), text="hi")).reason == "MMS chosen in the settings (messaging.send_via)"
        assert ua.send(SendRequest(to=("+447700900123",), text="hi", via="sms")).kind == "sms"


def test_a_picture_too_large_is_a_problem_in_the_plan_and_too_large_for_send(agent: UserAgent) -> None:
    import os

    from mmsua.api.errors import TooLarge

    noise = (Attachment.of(os.urandom(400 * 1024), "noise.bin", "application/octet-stream"),)
    plan = agent.plan_send(SendRequest(to=("+447700900123",), attachments=noise))
    assert plan.kind == "mms" and plan.mms_size > plan.mms_limit and "carrier accepts" in plan.problems[0]
    with pytest.raises(TooLarge, match="carrier accepts"):
        agent.send(SendRequest(to=("+447700900123",), attachments=noise))


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda a: a.show_message(999), "not_found"),
        (lambda a: a.send(SendRequest(to=(), text="x")), "bad_request"),
        (lambda a: a.send(SendRequest(to=("+447700900123",))), "bad_request"),
        (lambda a: a.send(SendRequest(to=("+447700900123",), attachments=(Attachment(path="/nonexistent/file"),))), "bad_request"),
        (lambda a: a.fetch(_received(a, message_id="m-9")), "bad_request"),
        (lambda a: a.list_conversations(limit=0), "bad_request"),
    ],
)
def test_errors_map_to_api_codes(agent: UserAgent, call, code: str) -> None:
    with pytest.raises(ApiError) as caught:  # the engine raises the API's error where it knows the cause
        call(agent)
    assert caught.value.code == code


def test_delete_removes_the_message(agent: UserAgent) -> None:
    mid = _received(agent)
    assert agent.delete(mid) is None
    with pytest.raises(NotFound):
        agent.show_message(mid)
    with pytest.raises(BadRequest):
        agent.retry(_received(agent, message_id="m-3"))


@pytest.mark.timeout(30)  # a deadlock hangs: fail it in bounded time
def test_a_subscriber_that_logs_never_deadlocks_with_a_thread_that_logs(agent: UserAgent) -> None:
    # A message event is delivered under the publish lock; the subscriber here (as the
    # daemon's log subscriber does) logs, and waits for another thread's log line to be
    # delivered. That thread holds logging's handler lock while publishing its "log"
    # event: if "log" events took the publish lock, the two would wait for each other.
    import logging
    import threading

    other_logged = threading.Event()
    outcome: list[bool] = []

    def subscriber(event: Event) -> None:
        if isinstance(event, Log) and event.data.text == "from the other thread":
            other_logged.set()
        elif event.name == "message.updated" and not outcome:
            threading.Thread(target=lambda: logging.getLogger("mmsua.test").warning("from the other thread")).start()
            logging.getLogger("mmsua.test").warning("from the subscriber")
            outcome.append(other_logged.wait(10))

    agent.subscribe(subscriber)
    mid = _received(agent)
    agent.mark_read(mid)
    assert outcome == [True]
