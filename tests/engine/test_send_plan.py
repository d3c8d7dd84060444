"""mmsua.engine.send_plan: SMS or MMS, case by case (docs/api.md "SMS or MMS")."""

from __future__ import annotations

import pytest

from mmsua.engine.send_plan import Draft, Refused, plan
from mmsua.engine.settings import AgentSettings

A, B, C = "+447700900001", "+447700900002", "+447700900003"
DEFAULT = AgentSettings()
LONG = "x" * 500  # four 7-bit segments of 153


def _measured() -> tuple[int, str | None]:
    return 12_345, None


# (draft, settings changes, kind, reason, messages)
CASES = [
    (Draft((A,), text="hi"), {}, "sms", "text to one person", 1),
    (Draft((A,), text="hi", attachments=1), {}, "mms", "has an attachment", 1),
    (Draft((A,), attachments=1), {}, "mms", "has an attachment", 1),
    (Draft((A,), text="hi", subject="s"), {}, "mms", "has a subject", 1),
    (Draft((A,), text="hi", cc=(B,)), {}, "mms", "has cc or bcc recipients", 1),
    (Draft((A,), text="hi", priority="high"), {}, "mms", "has a priority", 1),
    (Draft(("ann@example.org",), text="hi"), {}, "mms", "goes to an e-mail address", 1),
    (Draft((A, B), text="hi"), {}, "mms", "a group message to 2 people (group MMS is on)", 1),
    (Draft((A, B), text="hi"), {"group_mms": "off"}, "sms", "a group text, one SMS to each person (group MMS is off)", 2),
    (Draft((A, B), text="hi"), {"carrier_group_mms": False}, "sms", "a group text, one SMS to each person (group MMS is off)", 2),
    (Draft((A, B), text="hi"), {"group_mms": "on", "carrier_group_mms": False}, "mms", "a group message to 2 people (group MMS is on)", 1),
    (Draft((A, B, C), text="hi", separately=True), {}, "sms", "text, one SMS to each person", 3),
    (Draft((A, B), text="hi", attachments=1, separately=True), {}, "mms", "has an attachment", 2),
    (Draft((A,), text=LONG), {}, "sms", "text to one person", 1),  # AOSP's default: no threshold
    (Draft((A,), text=LONG), {"sms_to_mms_threshold": 3}, "mms", "longer than 3 SMS", 1),
    (Draft((A,), text=LONG), {"sms_to_mms_threshold": 4}, "sms", "text to one person", 1),
    (Draft((A,), text="x" * 153 * 256), {}, "mms", "needs 256 SMS; a long SMS has at most 255", 1),
    (Draft((A,), text="hi"), {"send_via": "mms"}, "mms", "MMS chosen in the settings (messaging.send_via)", 1),
    (Draft((A, B), text=LONG), {"send_via": "sms", "sms_to_mms_threshold": 2}, "sms",
     "SMS chosen in the settings (messaging.send_via)", 2),
    (Draft((A,), text="hi", attachments=1), {"send_via": "sms"}, "mms", "has an attachment", 1),
    (Draft((A, B), text="hi", via="sms"), {}, "sms", "asked for SMS", 2),
    (Draft((A,), text="hi", via="mms"), {}, "mms", "asked for MMS", 1),
    (Draft((A,), text=LONG, via="sms"), {"sms_to_mms_threshold": 1}, "sms", "asked for SMS", 1),
]


@pytest.mark.parametrize(("draft", "changes", "kind", "reason", "messages"), CASES)
def test_sms_or_mms(draft: Draft, changes: dict, kind: str, reason: str, messages: int) -> None:
    result = plan(draft, DEFAULT.with_changes(**changes), _measured)
    assert (result.kind, result.reason, result.messages) == (kind, reason, messages)
    assert result.mms_limit == DEFAULT.max_message_size
    assert result.mms_size == (12_345 if kind == "mms" else 0)


@pytest.mark.parametrize(("draft", "why"), [
    (Draft((A,), text="hi", attachments=1, via="sms"), "has an attachment"),
    (Draft((A,), text="hi", subject="s", via="sms"), "has a subject"),
    (Draft((A,), attachments=1, via="sms"), "has an attachment"),
    (Draft(("ann@example.org",), text="hi", via="sms"), "e-mail"),
    (Draft((A,), text="hi", bcc=(B,), via="sms"), "cc or bcc"),
    (Draft((A,), text="hi", via="fax"), "not one of auto, sms, mms"),
])
def test_sms_asked_for_where_sms_cannot_carry_it_is_refused_with_the_reason(draft: Draft, why: str) -> None:
    with pytest.raises(Refused, match=why):
        plan(draft, DEFAULT, _measured)


def test_mms_is_measured_only_when_chosen() -> None:
    def never() -> tuple[int, str | None]:
        raise AssertionError("an SMS needs no M-Send.req")

    assert plan(Draft((A,), text="hi"), DEFAULT, never).kind == "sms"


def test_sms_counts_encoding_and_what_is_left() -> None:
    one = plan(Draft((A,), text="hello"), DEFAULT, _measured)
    assert (one.sms_parts, one.sms_chars_left, one.sms_encoding, one.switchable) == (1, 155, "gsm7", True)
    euro = plan(Draft((A,), text="€"), DEFAULT, _measured)  # the extension table: two septets
    assert (euro.sms_parts, euro.sms_chars_left, euro.sms_encoding) == (1, 158, "gsm7")
    two = plan(Draft((A,), text="x" * 161), DEFAULT, _measured)
    assert (two.sms_parts, two.sms_chars_left) == (2, 153 - 8)
    ucs2 = plan(Draft((A,), text="日本" * 40), DEFAULT, _measured)
    assert (ucs2.sms_encoding, ucs2.sms_parts, ucs2.sms_chars_left) == ("ucs2", 2, 67 - 13)
    picture = plan(Draft((A,), text="hi", attachments=1), DEFAULT, _measured)
    assert picture.switchable is False and picture.sms_parts == 1  # counts shown for either kind


def test_a_long_sms_asks_first_and_says_how_many() -> None:
    six = "x" * (153 * 5 + 1)
    assert plan(Draft((A,), text="x" * 153 * 5), DEFAULT, _measured).confirm is None  # 5 parts: the default limit
    assert plan(Draft((A,), text=six), DEFAULT, _measured).confirm == "this goes as 6 SMS, each charged as one"
    group = plan(Draft((A, B), text=six, via="sms"), DEFAULT, _measured)
    assert group.confirm == "this goes as 6 SMS to each of 2 people, each charged as one"
    assert plan(Draft((A,), text=six), DEFAULT.with_changes(long_sms_confirm_parts=0), _measured).confirm is None


def test_an_mms_that_cannot_fit_carries_the_problem() -> None:
    result = plan(Draft((A,), attachments=1), DEFAULT, lambda: (900_000, "the message is 900000 bytes"))
    assert result.kind == "mms" and result.problems == ("the message is 900000 bytes",) and result.mms_size == 900_000


def test_bad_policy_values_are_refused_by_the_settings() -> None:
    with pytest.raises(ValueError, match="send_via"):
        AgentSettings(send_via="fax")
    with pytest.raises(ValueError, match="group_mms"):
        AgentSettings(group_mms="sometimes")


@pytest.mark.timeout(120)  # counted segment by segment, the first alone took minutes
def test_a_huge_text_is_estimated_not_counted_segment_by_segment() -> None:
    huge = plan(Draft((A,), text="x" * 4_000_000), DEFAULT, _measured)
    assert huge.kind == "mms" and huge.reason.startswith("needs 26144 SMS") and huge.sms_encoding == "gsm7"
    wide = plan(Draft((A,), text="日" * 100_000), DEFAULT, _measured)
    assert (wide.sms_parts, wide.sms_encoding) == (1493, "ucs2")


def test_an_mms_to_more_recipients_than_the_carrier_takes_carries_the_problem() -> None:
    limited = DEFAULT.with_changes(recipient_limit=2)
    three = Draft(("+15550100002", "+15550100003"), cc=("+15550100004",), text="hi", attachments=1)
    assert plan(three, limited, _measured).problems == (
        "the carrier takes at most 2 recipients in one MMS and this has 3: send one each, or to fewer",)
    assert plan(three, DEFAULT, _measured).problems == ()  # 0: no limit known
    each = Draft(three.to, cc=three.cc, text="hi", attachments=1, separately=True)
    assert plan(each, limited, _measured).problems == ()  # one each: one recipient per MMS
