"""The carrier quirks that change where mmsua fetches and answers (AOSP's enabledTransID and
enabledNotifyWapMMSC), as pure rules: what they do, and that a stranger gains nothing by them."""

from __future__ import annotations

from mmsua.engine.locations import answer_url, retrieval_url
from mmsua.engine.settings import AgentSettings

MMSC = "http://mms.example.net/servlets/mms"
QUIRKS = AgentSettings(mmsc_url=MMSC, append_transaction_id=True, notify_to_location=True)
PLAIN = AgentSettings(mmsc_url=MMSC)


def test_the_transaction_id_is_appended_only_when_asked_and_the_location_ends_in_equals() -> None:
    location = "http://mms.example.net/get?id="
    assert retrieval_url(location, "T1a2b", QUIRKS) == "http://mms.example.net/get?id=T1a2b"
    assert retrieval_url(location, "T1a2b", PLAIN) == location
    assert retrieval_url("http://mms.example.net/m/T1a2b", "T1a2b", QUIRKS) == "http://mms.example.net/m/T1a2b"
    assert retrieval_url("http://mms.example.net/get?id=T1a2b=", "T1a2b", QUIRKS).count("T1a2b") == 1  # already there
    assert retrieval_url(location, None, QUIRKS) == location


def test_an_appended_id_from_the_network_cannot_change_the_host_or_path() -> None:
    url = retrieval_url("http://mms.example.net/get?id=", "x@evil.example/#?a b", QUIRKS)
    assert url == "http://mms.example.net/get?id=x%40evil.example%2F%23%3Fa%20b"


def test_answers_go_to_the_location_only_when_asked_and_only_if_it_is_on_the_mmscs_host() -> None:
    assert answer_url("http://mms.example.net/get?id=T1", QUIRKS) == "http://mms.example.net/get?id=T1"
    assert answer_url("http://mms.example.net/get?id=T1", PLAIN) is None  # the MMSC
    assert answer_url("http://127.0.0.1:18080/x", QUIRKS) is None  # a spoofed push's location: never
    assert answer_url(None, QUIRKS) is None
