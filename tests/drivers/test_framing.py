"""The sans-I/O line classifier: every kind of line, the quirks from real logs,
and chunking invariance (the same bytes cut anywhere give the same events)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmsua.drivers.at.framing import (
    NEED_DATA,
    AtFramer,
    Echo,
    Expectation,
    FinalResult,
    FramingWarning,
    InfoLine,
    Noise,
    Prompt,
    RawPayload,
    Unsolicited,
)
from mmsua.drivers.vendors import known_urcs


def framer() -> AtFramer:
    """A framer with every vendor's URC names, as the channel builds it."""
    return AtFramer(known_urcs())


def run(data: bytes, exp: Expectation | None = None) -> list[object]:
    f = framer()
    f.expect(exp)
    f.feed(data)
    return f.events()


def pending(cmd: str, **kw: object) -> Expectation:
    from mmsua.drivers.at.channel import answer_prefix

    kw.setdefault("prefix", answer_prefix(cmd))
    kw.setdefault("prefix_explicit", False)
    return Expectation(command=cmd, **kw)  # type: ignore[arg-type]


def test_nothing_until_a_line_end() -> None:
    f = framer()
    f.feed(b"\r\nOK")
    assert f.next_event() is NEED_DATA
    f.feed(b"\r\n")
    assert f.next_event() == FinalResult("OK", "OK", True)


def test_echo_crcrlf_and_blank_lines() -> None:
    events = run(b"AT+CPIN?\r\r\n+CPIN: READY\r\n\r\n\r\nOK\r\n", pending("AT+CPIN?"))
    assert events == [Echo("AT+CPIN?"), InfoLine("+CPIN: READY"), FinalResult("OK", "OK", True)]


def test_double_echo_in_one_line() -> None:
    assert run(b"ATE0\rATE0\r\r\nOK\r\n", pending("ATE0")) == [Echo("ATE0"), Echo("ATE0"), FinalResult("OK", "OK", True)]


def test_stale_echo_with_nothing_pending_is_not_a_urc() -> None:
    assert run(b"AT+CGREG?\r\r\n") == [Echo("AT+CGREG?")]


@pytest.mark.parametrize(
    "line, kind, success",
    [
        ("OK", "OK", True),
        ("ERROR", "ERROR", False),
        ("+CME ERROR: 10", "CME", False),
        ("+CME ERROR: operation not allowed", "CME", False),
        ("+CMS ERROR: 321", "CMS", False),
        ("NO CARRIER", "NO CARRIER", False),
        ("CONNECT", "CONNECT", True),
        ("CONNECT 150000000", "CONNECT", True),
        ("SEND OK", "VENDOR", True),
        ("SEND FAIL", "VENDOR", False),
        ("SHUT OK", "VENDOR", True),
        ("COMMAND NOT SUPPORT", "VENDOR", False),
        ("DATA ACCEPT:1,65", "VENDOR", True),
        ("0, SEND OK", "VENDOR", True),
    ],
)
def test_finals(line: str, kind: str, success: bool) -> None:
    events = run(line.encode() + b"\r\n", pending("AT+X"))
    assert events[0] == FinalResult(line, kind, success)


def test_connect_ok_is_a_urc_not_a_connect_final() -> None:
    assert run(b"1, CONNECT OK\r\nCONNECT OK\r\n") == [
        Unsolicited("CONNECT OK", "1, CONNECT OK"),
        Unsolicited("CONNECT OK", "CONNECT OK"),
    ]


def test_prompt_without_line_end_and_bare_sim800_prompt() -> None:
    assert run(b"AT+CMGS=23\r\r\n> ", pending("AT+CMGS=23")) == [Echo("AT+CMGS=23"), Prompt(">")]
    assert run(b">", pending("AT+CIPSEND=1,5")) == [Prompt(">")]


def test_urc_only_names_win_even_mid_answer_and_before_echo() -> None:
    events = run(b"^SRVST:0\r\nAT+CMGR=1\r\r\n+CMTI: \"SM\",3\r\n+CMGR: 0,,1\r\n00AA\r\nOK\r\n", pending("AT+CMGR=1"))
    assert events == [
        Unsolicited("^SRVST", "^SRVST:0"),
        Echo("AT+CMGR=1"),
        Unsolicited("+CMTI", '+CMTI: "SM",3'),
        InfoLine("+CMGR: 0,,1"),
        InfoLine("00AA"),
        FinalResult("OK", "OK", True),
    ]


def test_creg_is_an_answer_to_creg_query_and_a_urc_otherwise() -> None:
    assert run(b"+CREG: 1,2\r\n", pending("AT+CREG?")) == [InfoLine("+CREG: 1,2")]
    assert run(b"+CREG: 2\r\n", pending('AT+CUSD=1,"1"')) == [Unsolicited("+CREG", "+CREG: 2")]
    assert run(b"+CREG: 2\r\n") == [Unsolicited("+CREG", "+CREG: 2")]


def test_a_registration_urc_during_the_read_goes_to_subscribers_by_shape() -> None:
    from mmsua.drivers.answers.device import is_registration_answer

    exp = Expectation(command="AT+CREG?", prefix="+CREG:", is_answer=lambda line: is_registration_answer(line, 2))
    data = b'AT+CREG?\r\r\n+CREG: 5,"EA6D","544C28",2\r\n+CREG: 2,5,"EA6D","544C28",2\r\n+CREG: 1\r\nOK\r\n'
    assert run(data, exp) == [
        Echo("AT+CREG?"),
        Unsolicited("+CREG", '+CREG: 5,"EA6D","544C28",2'),
        InfoLine('+CREG: 2,5,"EA6D","544C28",2'),
        Unsolicited("+CREG", "+CREG: 1"),
        FinalResult("OK", "OK", True),
    ]


def test_explicit_prefix_beats_the_urc_table_and_a_derived_one_does_not() -> None:
    line = b"+CIPRXGET: 1,0\r\n"
    assert run(line, pending("AT+CIPRXGET=2,0,10")) == [Unsolicited("+CIPRXGET", "+CIPRXGET: 1,0")]
    assert run(line, Expectation(command="AT+CIPRXGET?", prefix="+CIPRXGET:")) == [InfoLine("+CIPRXGET: 1,0")]


def test_cmt_urc_carries_its_pdu_and_a_urc_between_is_kept() -> None:
    events = run(b"+CMT: ,3\r\n^RSSI:5\r\n00010203\r\n")
    assert events == [Unsolicited("^RSSI", "^RSSI:5"), Unsolicited("+CMT", "+CMT: ,3", "00010203")]


def test_pdu_length_disagreement_is_a_warning_not_a_gate() -> None:
    events = run(b"+CMT: ,9\r\n0001020304\r\n")
    assert events[0] == Unsolicited("+CMT", "+CMT: ,9", "0001020304")
    assert isinstance(events[1], FramingWarning) and "states 9" in events[1].message


def test_text_mode_status_report_cds_is_one_line() -> None:
    line = '+CDS: 6,203,"1320",129,"17/06/13,19:00:58+28","17/06/13,19:00:58+28",0'
    assert run(line.encode() + b"\r\n") == [Unsolicited("+CDS", line)]


def test_empty_cmgr_read_then_ok_releases_the_header() -> None:
    events = run(b"+CMGR: 0,,0\r\nOK\r\n", pending("AT+CMGR=3"))
    assert events[0] == InfoLine("+CMGR: 0,,0")
    assert isinstance(events[1], FramingWarning)
    assert events[2] == FinalResult("OK", "OK", True)


def test_counted_binary_read_may_hold_crlf_and_ok() -> None:
    payload = b"\r\nOK\r\n\x00\xff"
    data = b"+QIRD: 8\r\n" + payload + b"\r\nOK\r\n"
    events = run(data, pending("AT+QIRD=0,8", binary_prefix="+QIRD:"))
    assert events == [InfoLine("+QIRD: 8"), RawPayload(payload), FinalResult("OK", "OK", True)]


def test_ciprxget_count_is_the_third_field() -> None:
    data = b"+CIPRXGET: 2,0,3,0\r\nabc\r\nOK\r\n"
    events = run(data, pending("AT+CIPRXGET=2,0,3", binary_prefix="+CIPRXGET: 2"))
    assert RawPayload(b"abc") in events


def test_connect_holds_the_data_phase_until_resumed() -> None:
    f = framer()
    f.expect(pending("ATD*99***2#"))
    f.feed(b"CONNECT\r\n~\x7f\xff}OK\r\n")
    assert f.events() == [FinalResult("CONNECT", "CONNECT", True)]
    assert f.held
    assert f.take_raw(4) == b"~\x7f\xff}"
    f.expect(None)
    f.resume()
    assert f.events() == [FinalResult("OK", "OK", True)]


def test_connect_and_download_are_prompts_when_a_payload_is_pending() -> None:
    exp = pending("AT+QHTTPURL=20,80", payload_pending=True)
    assert run(b"CONNECT\r\n", exp) == [Prompt("CONNECT")]
    assert run(b"DOWNLOAD\r\n", exp) == [Prompt("DOWNLOAD")]


def test_garbage_is_trimmed_or_skipped() -> None:
    events = run(b"\xff\xfe\x80\r\n\x00OK\r\n", pending("AT"))
    assert events == [
        Noise(b"\xff\xfe\x80", "a line of garbage bytes"),
        Noise(b"\x00OK", "garbage bytes on the line"),
        FinalResult("OK", "OK", True),
    ]


def test_direct_push_urc_carries_its_raw_bytes_even_mid_command() -> None:
    data = b'+QIURC: "recv",0,6\r\n\r\nOK\r\n\r\nOK\r\n'
    events = run(data, pending("AT+CSQ"))
    assert events == [Unsolicited("+QIURC", '+QIURC: "recv",0,6', data=b"\r\nOK\r\n"), FinalResult("OK", "OK", True)]
    assert run(b"+RECEIVE,1,2:\r\nhi\r\n") == [Unsolicited("+RECEIVE", "+RECEIVE,1,2:", data=b"hi")]


def test_reset_marks() -> None:
    events = run(b"RDY\r\n+CPIN: READY\r\n+QIND: SMS DONE\r\n^BOOT:1,0,0,0,6\r\n")
    assert [getattr(e, "reset", "x") for e in events] == ["strong", "weak", "weak", None]


@pytest.mark.parametrize(
    ("line", "reset"),
    [
        # Cinterion/Siemens AT^SIND "simstatus" (AC75/MC75 manuals): 1..5 are the SIM start-up of a restart
        ("+CIEV: simstatus,1", "weak"),
        ("+CIEV: simstatus,5", "weak"),
        ('+CIEV: "simstatus",3', "weak"),
        ("+CIEV: simstatus,0", None),  # SIM removed: no boot
        ("+CIEV: service,1", None),
        ("+CIEV: smsfull,1", None),
        ("+CIEV: 2,3", None),  # 27.007 numeric form: the index means nothing without AT+CIND=?
        ("^SYSSTART", "strong"),
    ],
)
def test_ciev_sim_startup_is_a_boot_sign(line: str, reset: str | None) -> None:
    assert [getattr(e, "reset", "x") for e in run(line.encode() + b"\r\n")] == [reset]


# ---- chunking invariance -------------------------------------------------------------

STREAM = (
    b"^SRVST:0\r\nAT+CMGL=4\r\r\n+CMGL: 0,0,,23\r\n07913366003051F5040B913366304381F900005180719120348004D4F29C0E\r\n"
    b"^RSSI:3\r\n+CMTI: \"SM\",2\r\n\xff\x00\r\n+CMGL: 1,0,,3\r\n0000AABBCC\r\n\r\nOK\r\n"
    b"+CMT: ,3\r\n00010203\r\n+CREG: 1, 5C9, 39E5\r\n\x00RDY\r\n"
)
BINARY = b"+QIRD: 6\r\n\r\n>\r\nOK\r\nOK\r\n+QIURC: \"recv\",0,3\r\nOK\r\n"


def _chunked(data: bytes, cuts: list[int], exp: Expectation) -> list[object]:
    f = framer()
    f.expect(exp)
    out: list[object] = []
    last = 0
    for cut in sorted(set(c % (len(data) + 1) for c in cuts)) + [len(data)]:
        f.feed(data[last:cut])
        last = cut
        out += f.events()
    return out


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=40))
def test_any_chunking_gives_the_same_events(cuts: list[int]) -> None:
    exp = pending("AT+CMGL=4")
    assert _chunked(STREAM, cuts, exp) == run(STREAM, exp)


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=20))
def test_any_chunking_of_a_binary_read_and_a_prompt(cuts: list[int]) -> None:
    exp = pending("AT+QIRD=0,6", binary_prefix="+QIRD:")
    assert _chunked(BINARY, cuts, exp) == run(BINARY, exp)
    prompt = b"AT+CMGS=5\r\r\n> "
    exp2 = pending("AT+CMGS=5")
    assert _chunked(prompt, cuts, exp2) == [Echo("AT+CMGS=5"), Prompt(">")]


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash_the_framer(data: bytes) -> None:
    f = framer()
    f.expect(pending("AT+CMGR=1"))
    f.feed(data)
    f.events()
