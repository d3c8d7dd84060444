"""The notifier without a daemon: what a notice says, the hook target, muting, and a way that fails."""

from __future__ import annotations

import logging
import threading

import pytest

from mmsua import targets
from mmsua.api.events import MessageReceived, MessageUpdated
from mmsua.api.shapes import Message
from mmsua.notify.notice import notice_of
from mmsua.notify.notifier import Hook, Notifier
from mmsua.notify.ntfy import split_topic


def message(**changes: object) -> Message:
    base = {"id": 5, "conversation_id": 2, "kind": "sms", "state": "received", "from": "+15550100002", "text": "hi"}
    return Message.from_json({**base, **changes})


def test_a_notice_names_the_sender_and_says_what_came() -> None:
    assert notice_of(message(sender_name="Ann \x1b[31m")).title == "Ann (+15550100002)"
    mms = message(kind="mms", text="", subject="door", parts=[
        {"index": 0, "content_type": "image/jpeg", "size": 9}, {"index": 1, "content_type": "image/png", "size": 9},
        {"index": 2, "content_type": "text/plain", "size": 2}])
    assert notice_of(mms).title == "MMS from +15550100002" and notice_of(mms).body == "[2 pictures] door"
    assert notice_of(message(text="secret code 1234"), show_text=False).body == "a new message"
    assert notice_of(message(kind="mms", state="deferred", size=300_000)).body == "an MMS waits to be fetched (293 KB): mmsua fetch 5"
    assert len(notice_of(message(text="x" * 5000)).body) <= 300


def test_the_hook_hands_new_messages_to_a_registered_target_unless_muted() -> None:
    got: list[targets.Handoff] = []
    done = threading.Event()

    def bridge(handoff: targets.Handoff) -> None:
        got.append(handoff)
        done.set()

    unregister = targets.register("bridge-test", bridge)
    notifier = Notifier([Hook("bridge-test")], muted=lambda conversation: conversation == 9)
    try:
        notifier.on_event(MessageUpdated(message(id=1)))  # not new: nothing
        notifier.on_event(MessageReceived(message(id=2, conversation_id=9)))  # muted
        notifier.on_event(MessageReceived(message(id=3, blocked=True)))  # blocked: never
        notifier.on_event(MessageReceived(message(id=4, text="door open")))
        assert done.wait(30)
    finally:
        notifier.stop()
        unregister()
    assert [(h.purpose, h.message.id, h.title, h.body) for h in got] == [("notify", 4, "+15550100002", "door open")]
    assert "bridge-test" not in targets.registered()


class Broken:
    name = "broken"

    def __init__(self) -> None:
        self.calls = 0

    def send(self, notice: object, message: object) -> None:
        self.calls += 1
        raise OSError("the server is gone")


def test_a_failing_way_is_logged_once_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="mmsua.notify")
    broken = Broken()
    got: list[int] = []
    unregister = targets.register("after-broken", lambda handoff: got.append(handoff.message.id))
    notifier = Notifier([broken, Hook("after-broken")])
    try:
        for n in (1, 2):
            notifier.announce(message(id=n))
    finally:
        unregister()
    assert broken.calls == 2 and got == [1, 2]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "broken notification failed" in r.getMessage()]
    assert len(warnings) == 1


def test_an_unregistered_target_is_no_crash() -> None:
    assert targets.deliver("nobody-here", targets.Handoff("forward", "r", message())) is False
    with pytest.raises(ValueError):
        targets.register("Bad Name", lambda handoff: None)


def test_ntfy_urls_name_a_topic() -> None:
    assert split_topic("https://ntfy.sh/my-topic_1") == ("https://ntfy.sh/", "my-topic_1")
    assert split_topic("http://10.0.0.2:8080/ntfy/house/") == ("http://10.0.0.2:8080/ntfy/", "house")
    for bad in ("https://ntfy.sh/", "ftp://ntfy.sh/x", "https://ntfy.sh/a b", "https://ntfy.sh/t?x=1"):
        with pytest.raises(ValueError):
            split_topic(bad)
