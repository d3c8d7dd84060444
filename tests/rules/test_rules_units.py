"""Rules without a daemon: what the config may say, matching, the limits, a command's bounds
and reply, and the runner's choices (own number, short codes, hook targets)."""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from mmsua import targets
from mmsua.api.shapes import Message, SendRequest, Status
from mmsua.rules import command
from mmsua.rules.limits import RateLimit
from mmsua.rules.match import MATCH_TEXT, is_short_code, matches
from mmsua.rules.model import RuleError, parse_rules
from mmsua.rules.runner import RuleRunner

PY = sys.executable


def message(**changes: object) -> Message:
    base = {"id": 3, "conversation_id": 1, "kind": "sms", "state": "received", "from": "+15550100002", "text": "STATUS"}
    return Message.from_json({**base, **changes})


def rule(**table: Any):
    return parse_rules(({"run": [PY, "-c", "print('ok')"], **table},))[0]


@pytest.mark.parametrize(("table", "says"), [
    ({"run": "status.sh"}, "run: a command as a list of arguments"),
    ({"run": ["/no/such/program"]}, "run: no program '/no/such/program'"),
    ({"pattern": "[a-"}, "pattern: not a regular expression"),
    ({"pattern": "x" * 501}, "pattern: a regular expression of at most 500"),
    ({"keyword": "two words"}, "keyword: one word"),
    ({"from": []}, "from: 1 to 1000 numbers"),
    ({"forward_to": ["not a number"]}, "forward_to: 'not a number' is not a phone number"),
    ({"timeout": 0}, "timeout: a number from 1 to 300"),
    ({"timeout": True}, "timeout: a number from 1 to 300"),
    ({"via": "fax"}, "via: one of auto, sms, mms"),
    ({"hook": "MQTT!"}, "hook: 'MQTT!' is not a target's name"),
    ({"run": [], "reply": True}, "reply: a reply is the output of a command"),
    ({"run": []}, "the rule does nothing"),
    ({"shell": True}, "shell: not a rule setting"),
])
def test_a_rule_that_cannot_work_is_refused_naming_it(table: dict[str, Any], says: str) -> None:
    with pytest.raises(RuleError, match="^rule 1 \\('r'\\): ") as refused:
        parse_rules(({"name": "r", "run": [PY], **table},))
    assert says in str(refused.value)


def test_two_rules_of_one_name_are_refused() -> None:
    with pytest.raises(RuleError, match="used twice"):
        parse_rules(({"name": "a", "run": [PY]}, {"name": "a", "run": [PY]}))


def test_matching_sender_keyword_and_pattern() -> None:
    status = rule(**{"from": "+1 555 010 0002", "keyword": "status"})
    assert matches(status, message(text="status?"))
    assert matches(status, message(text="  STATUS now"))
    assert not matches(status, message(text="statuses"))
    assert not matches(status, message(**{"from": "+15550109999"}))
    pattern = rule(pattern=r"(?i)\btemp(erature)?\b")
    assert matches(pattern, message(text="what is the Temperature")) and not matches(pattern, message(text="tempo"))
    # The text beyond MATCH_TEXT characters is not looked at.
    assert not matches(rule(pattern="needle"), message(text="x" * MATCH_TEXT + "needle"))


def test_a_rule_for_one_modem_acts_only_on_what_came_in_on_it() -> None:
    """Several modems (docs/operations.md): ``modem`` narrows a rule to the messages of some."""
    work = parse_rules(({"run": [PY], "modem": "work"},), modems=("home", "work"))[0]
    assert matches(work, message(modem="work")) and not matches(work, message(modem="home"))
    assert not matches(work, message())  # stored before modems had names: the first's, not work's
    home = parse_rules(({"run": [PY], "modem": ["home"]},), modems=("home", "work"))[0]
    assert matches(home, message()) and matches(home, message(modem="home")) and "on home" in home.describe()
    assert matches(rule(), message(modem="anything"))  # no modem named: any
    with pytest.raises(RuleError, match="no modem 'office'; the daemon's modems are home, work"):
        parse_rules(({"run": [PY], "modem": "office"},), modems=("home", "work"))
    with pytest.raises(RuleError, match="modem: a modem's name or a list of them"):
        parse_rules(({"run": [PY], "modem": 3},), modems=("home", "work"))


def test_a_pattern_that_backtracks_forever_is_cut_short(caplog: pytest.LogCaptureFixture) -> None:
    evil = rule(pattern=r"(a|aa)+$")  # exponential in a backtracking matcher
    assert not matches(evil, message(text="a" * 1900 + "!"))
    assert "its pattern took over 0.1 s" in caplog.text


def test_short_codes_and_named_senders() -> None:
    assert is_short_code("72345") and is_short_code("VODAFONE") and is_short_code("My Bank")
    assert not is_short_code("+447700900123") and not is_short_code("ann@example.com")


def test_the_rate_limit_counts_per_sender_and_in_all() -> None:
    now = [0.0]
    limit = RateLimit(per_sender=2, total=3, window=60, clock=lambda: now[0])
    assert limit.take("a") is None and limit.take("a") is None
    assert "automation.per_sender" in (limit.take("a") or "")
    assert limit.take("b") is None
    assert "automation.total" in (limit.take("c") or "")
    assert limit.first_refusal("a") and not limit.first_refusal("a")
    now[0] = 61.0  # the window has passed
    assert limit.take("a") is None and limit.first_refusal("a")


def test_a_command_is_bounded_in_output_and_its_reply_read(tmp_path: Path) -> None:
    flood = rule(run=[PY, "-c", "import sys; sys.stdout.write('x' * 100000); sys.stdout.flush()"], output_limit=1000)
    assert command.run(flood, message()).detail == "output over 1000 bytes (output_limit), killed"
    failing = rule(run=[PY, "-c", "import sys; print('partial'); sys.exit('no sensor')"])
    outcome = command.run(failing, message())
    assert not outcome.ok and outcome.detail == "exit 1: no sensor" and outcome.text == ""
    silent = rule(run=[PY, "-c", "import sys; sys.stdin.close()"])  # reads nothing: a big input must not block
    assert command.run(silent, message(text="y" * 200000)).ok


def test_pictures_are_taken_only_as_regular_files_within_the_limit(tmp_path: Path) -> None:
    from PIL import Image

    png = tmp_path / "p.png"
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "PNG")
    png.write_bytes(buffer.getvalue())
    big = tmp_path / "big.png"
    big.write_bytes(buffer.getvalue() + b"\0" * 5000)
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    out = "\n".join(["line one", f"MMSUA-ATTACH: {png}", f"MMSUA-ATTACH:   {big}  ", f"MMSUA-ATTACH: {fifo}",
                     "MMSUA-ATTACH: relative.png", f"MMSUA-ATTACH: {tmp_path}", "line \x07two"]).encode()
    reply = command.read_reply(out, attach_limit=len(buffer.getvalue()) + 100)
    assert reply.text == "line one\nline two"
    assert [(a.name, a.content_type) for a in reply.attachments] == [("p.png", "image/png")]
    assert len(reply.refused) == 4
    assert any("larger than" in why for why in reply.refused) and any("not a regular file" in why for why in reply.refused)
    assert any("not an absolute path" in why for why in reply.refused)


class Api:
    """What the runner uses of the API: status, send, forward."""

    def __init__(self, own: str = "+15550100001") -> None:
        self.own = own
        self.sent: list[SendRequest] = []
        self.forwarded: list[tuple[int, tuple[str, ...]]] = []

    def status(self) -> Status:
        return Status(own_number=self.own)

    def send(self, request: SendRequest) -> Message:
        self.sent.append(request)
        return message(id=100 + len(self.sent), direction="out")

    def forward(self, id: int, to: tuple[str, ...], separately: bool = False, via: str = "auto") -> Message:  # noqa: A002
        self.forwarded.append((id, to))
        return message(id=200, direction="out")


def test_the_runner_answers_forwards_and_hands_to_targets() -> None:
    api = Api()
    handed: list[targets.Handoff] = []
    unregister = targets.register("runner-test", handed.append)
    rules = parse_rules((
        {"name": "status", "keyword": "status", "run": [PY, "-c", "print('all well')"]},
        {"name": "copy", "from": "*", "forward_to": ["+15550100003"], "hook": "runner-test"},
    ))
    runner = RuleRunner(rules, api, RateLimit(10, 10, 60))  # type: ignore[arg-type]
    try:
        runner.handle(message())
    finally:
        unregister()
    assert [(r.to, r.text) for r in api.sent] == [(("+15550100002",), "all well")]
    assert api.forwarded == [(3, ("+15550100003",))]
    assert [(h.purpose, h.source, h.message.id) for h in handed] == [("forward", "copy", 3)]


def test_the_runner_never_answers_our_own_number_or_a_short_code_unless_told() -> None:
    api = Api(own="+15550100002")
    quiet = RuleRunner(parse_rules(({"name": "s", "run": [PY, "-c", "print('x')"]},)), api, RateLimit(10, 10, 60))  # type: ignore[arg-type]
    quiet.handle(message())  # from our own number
    quiet.handle(message(**{"from": "BANK"}))  # a named sender: the command runs, nothing is sent
    assert api.sent == []
    assert [r.detail for r in quiet.results.items if r.action in ("skipped", "reply")] == [
        "from our own number (own_number = true allows it)", "not sent: a short code or named sender (short_codes = true allows it)"]
    told = RuleRunner(parse_rules(({"name": "s", "run": [PY, "-c", "print('x')"], "own_number": True, "short_codes": True},)),
                      api, RateLimit(10, 10, 60))  # type: ignore[arg-type]
    told.handle(message())
    told.handle(message(**{"from": "BANK"}))
    assert [r.to for r in api.sent] == [("+15550100002",), ("BANK",)]


def test_one_of_our_modems_writing_to_another_is_our_own_number_too() -> None:
    """Two SIMs in one daemon: home texting work is not a person to answer (a loop otherwise)."""
    from mmsua.api.shapes import ModemStatus

    class TwoModems(Api):
        def status(self) -> Status:
            return Status(own_number="+15550100001", modems=(ModemStatus("home", own_number="+15550100001"),
                                                             ModemStatus("work", own_number="+15550100002")))

    api = TwoModems()
    RuleRunner(parse_rules(({"name": "s", "run": [PY, "-c", "print('x')"]},)), api, RateLimit(10, 10, 60)).handle(message())  # type: ignore[arg-type]
    assert api.sent == []


def test_stopping_the_rules_kills_the_command_running(tmp_path: Path) -> None:
    from mmsua.api.events import MessageReceived

    started = tmp_path / "started"
    hang = parse_rules(({"name": "hang", "timeout": 300, "run": [PY, "-c", "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(300)",
                                                                  str(started)]},))
    runner = RuleRunner(hang, Api(), RateLimit(10, 10, 60))  # type: ignore[arg-type]
    runner.on_event(MessageReceived(message()))
    runner.on_event(MessageReceived(message(id=4)))  # queued behind it: never run once stopped
    deadline = time.monotonic() + 30
    while not (started.exists() and started.read_text()) and time.monotonic() < deadline:
        time.sleep(0.02)
    pid = int(started.read_text())
    runner.stop(wait=30)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert [(r.message_id, r.action, r.ok) for r in runner.results.items] == [(3, "run", False)]
