"""Replay: the transcript format, the replay:// handler, and every channel-level
fixture in hw_fixtures/channel played through the real AtChannel."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import serial
from channel_helpers import CHANNEL_FIXTURES, ROOT, open_fixture, replay_url

from mmsua.drivers import transcript
from mmsua.drivers.at.channel import AtChannel
from mmsua.drivers.errors import (
    AtCommandError,
    CmeError,
    CmsError,
    ModemReset,
    PortGone,
    ReplayMismatch,
    TranscriptError,
)

SHARED = ROOT.parent / "shared"
ALL_FIXTURES = sorted((ROOT / "hw_fixtures").rglob("*.txt"))


# ---- the format -----------------------------------------------------------------------


def test_parse_every_kind_of_line() -> None:
    t = transcript.parse(
        "# source: written by hand\n# modem: test\n\n> AT\n>> \\x1b\\s\n>x 00 ff\n< OK\n<\n<< > \\s\n<x 0d0a\n@ 0.5\n! unplug\n"
    )
    assert t.header == {"source": "written by hand", "modem": "test"}
    kinds = [(s.kind, s.data) for s in t.steps]
    assert kinds == [
        ("host", b"AT\r"),
        ("host", b"\x1b "),
        ("host", b"\x00\xff"),
        ("modem", b"OK\r\n"),
        ("modem", b"\r\n"),
        ("modem", b">  "),
        ("modem", b"\r\n"),
        ("delay", b""),
        ("unplug", b""),
    ]
    assert t.steps[7].seconds == 0.5


@pytest.mark.parametrize(
    "text, where",
    [("AT\n", 1), ("> AT\n<< \\q\n", 2), ("<x 0\n", 1), ("@ soon\n", 1), ("! reboot\n", 1)],
)
def test_bad_lines_are_named(text: str, where: int) -> None:
    with pytest.raises(TranscriptError) as info:
        transcript.parse(text, "x.txt")
    assert info.value.line_no == where
    assert "x.txt" in str(info.value)


def test_escape_round_trip_keeps_every_byte() -> None:
    data = bytes(range(256)) + b" "
    assert transcript.unescape(transcript.escape(data)) == data
    assert transcript.escape(b"> ").endswith("\\s")


def test_written_lines_parse_back_to_the_same_bytes() -> None:
    host = [b"AT+CPIN?\r", b"\x1b", b"0011\x1a", bytes(range(40))]
    modem = [b"AT\r\r\nOK\r\n", b"\r\n+CPIN: READY\r\n", b"\r\n> ", b" MULTIBAND  900E  1800 \r\n", bytes(range(32))]
    lines = [ln for d in host for ln in transcript.format_host(d)] + [ln for d in modem for ln in transcript.format_modem(d)]
    t = transcript.parse("\n".join(lines) + "\n")
    assert t.host_bytes == b"".join(host)
    assert t.modem_bytes == b"".join(modem)


@pytest.mark.parametrize("path", ALL_FIXTURES, ids=lambda p: str(p.relative_to(ROOT / "hw_fixtures")))
def test_every_fixture_parses_and_names_its_source(path: Path) -> None:
    t = transcript.load(path)
    assert t.steps, "a fixture holds at least one event"
    source = t.header.get("source", "")
    assert source, f"{path.name}: the header needs '# source: ...'"
    for ref in re.findall(r"\.\./shared/[\w./-]+?\.txt", source):
        if SHARED.is_dir():
            assert (ROOT / ref).resolve().is_file(), f"{path.name} names {ref}, which does not exist"


# ---- the handler ----------------------------------------------------------------------


def _write_fixture(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "t.txt"
    p.write_text("# source: written by hand for this test\n" + text)
    return p


def test_unexpected_command_names_the_expected_line(tmp_path: Path) -> None:
    p = _write_fixture(tmp_path, "> AT\n< OK\n> AT+CSQ\n< +CSQ: 1,2\n< OK\n")
    with AtChannel(replay_url(p), sync_on_open=False, default_timeout=10) as ch:
        ch.command("AT")
        with pytest.raises(ReplayMismatch) as info:
            ch.command("AT+CREG?")
    assert info.value.expected_line_no == 4
    assert info.value.expected == "> AT+CSQ"
    assert "AT+CR" in info.value.got


def test_a_payload_unlike_the_transcript_fails_the_command_with_the_mismatch(tmp_path: Path) -> None:
    # The payload after "> " is written by the channel's reader thread: its mismatch
    # must still reach the caller of command(), not end that thread.
    p = _write_fixture(tmp_path, "> AT+QISEND=0,5\n<< \\r\\n> \n>> hello\n< SEND OK\n> AT\n< OK\n")
    with AtChannel(replay_url(p), sync_on_open=False, default_timeout=10) as ch:
        with pytest.raises(ReplayMismatch) as info:
            ch.command("AT+QISEND=0,5", payload=b"HELLO", payload_terminator=None, final_ok=("SEND OK",))
        assert info.value.expected == ">> hello"
        assert ch.is_open  # the reader lives on


def test_writing_past_the_end_is_a_mismatch(tmp_path: Path) -> None:
    p = _write_fixture(tmp_path, "> AT\n< OK\n")
    with AtChannel(replay_url(p), sync_on_open=False, default_timeout=10) as ch:
        ch.command("AT")
        with pytest.raises(ReplayMismatch) as info:
            ch.command("AT")
    assert info.value.expected_line_no is None


def test_non_strict_compares_lines_ignoring_case_and_terminators(tmp_path: Path) -> None:
    p = _write_fixture(tmp_path, "> at+csq\n< +CSQ: 20,99\n< OK\n")
    port = serial.serial_for_url(replay_url(p, strict="0"), timeout=0.5)
    port.write(b"  AT+CSQ\r\n")
    assert port.read(24) == b"+CSQ: 20,99\r\nOK\r\n"
    port.close()
    strict = serial.serial_for_url(replay_url(p), timeout=0.5)
    with pytest.raises(ReplayMismatch):
        strict.write(b"AT+CSQ\r")
    strict.close()


def test_modem_output_waits_for_the_host(tmp_path: Path) -> None:
    p = _write_fixture(tmp_path, "< RDY\n> AT\n< OK\n")
    port = serial.serial_for_url(replay_url(p), timeout=0.05)
    assert port.read(100) == b"RDY\r\n"
    assert port.read(100) == b""  # OK only comes after the host wrote AT
    port.write(b"AT\r")
    assert port.read(100) == b"OK\r\n"
    assert port.unconsumed() == []
    port.close()


def test_unplug_then_reopen_continues_the_session(tmp_path: Path) -> None:
    p = _write_fixture(tmp_path, "> AT\n< OK\n> AT+CSQ\n! unplug\n< RDY\n> AT\n< OK\n")
    ch = AtChannel(replay_url(p), sync_on_open=False, default_timeout=10)
    ch.open()
    ch.command("AT")
    with pytest.raises(PortGone):
        ch.command("AT+CSQ")
    assert not ch.is_open
    ch.reopen()
    urc = ch.wait_urc("RDY", 2, since=0)
    assert urc.reset == "strong"
    assert ch.command("AT").final == "OK"
    assert ch.serial.unconsumed() == []
    ch.close()


def test_missing_transcript_is_a_clear_port_error(tmp_path: Path) -> None:
    with pytest.raises(PortGone) as info:
        AtChannel(replay_url(tmp_path / "nope.txt"), sync_on_open=False).open()
    assert "nope.txt" in str(info.value)


# ---- channel fixtures through the real AtChannel ---------------------------------------


def _done(ch: AtChannel) -> None:
    assert ch.serial.unconsumed() == []
    ch.close()


def test_sim800_echo_crcrlf_split_reads() -> None:
    ch, urcs = open_fixture("sim800-echo-crcrlf-split-reads.txt")
    t0 = time.monotonic()
    assert ch.command("AT+CREG=1").lines == ()
    assert ch.command("AT+CREG?").lines == ("+CREG: 1,5",)
    ch.command("AT+CMEE=2")
    with pytest.raises(CmeError) as info:
        ch.command("AT+SAPBR=1,1")
    assert (info.value.code, info.value.meaning) == (3, "operation not allowed")
    assert ch.command("AT+SAPBR=2,1").lines == ('+SAPBR: 1,1,"10.141.7.244"',)
    with pytest.raises(CmeError) as info:
        ch.command("AT+HTTPSSL=1")
    assert info.value.code == 100
    assert ch.command("AT+HTTPACTION=0").final == "OK"
    assert ch.command("AT+HTTPREAD").lines == ()
    assert ch.wait_urc("+HTTPACTION:", 2, since=t0).line == "+HTTPACTION: 0,603,0"
    ch.wait_urc("+CREG:", 2, since=t0)
    _done(ch)
    assert [u.line for u in urcs] == ["+HTTPACTION: 0,603,0", "+CREG: 5"]


def test_huawei_urc_glued_before_the_echo() -> None:
    ch, urcs = open_fixture("huawei-e1752-urc-glued-to-echo.txt")
    assert ch.command('AT+CPMS="SM","SM"').lines == ("+CPMS: 0,50,0,50,0,50",)
    listing = ch.command("AT+CMGL=4")
    assert listing.lines == ("+CMGL: 0,0,,23", "07913366003051F5040B913366304381F900005180719120348004D4F29C0E")
    _done(ch)
    assert [u.line for u in urcs] == ["^SRVST:0", "^MODE:5,4", "+CREG: 1, E006B, ABE0016"]
    assert not ch.warnings


def test_rssi_urc_inside_cmgr_pdu_and_text_mode() -> None:
    ch, urcs = open_fixture("huawei-rssi-urc-inside-cmgr.txt")
    pdu = ch.command("AT+CMGR=1")
    assert pdu.lines == ("+CMGR: 0,,20", "07919762020033F1240B919792956102F30000418011026315610133")
    text = ch.command("AT+CMGR=2")
    assert text.lines == ('+CMGR: "REC UNREAD",6,203,"1320",129,"17/06/13,19:00:58+28","17/06/13,19:00:58+28",0',)
    _done(ch)
    assert [u.name for u in urcs] == ["^RSSI", "^RSSI"]


def test_registration_urcs_inside_an_answer_and_a_stray_final() -> None:
    ch, urcs = open_fixture("urcs-inside-cusd-and-stray-final.txt")
    assert ch.command('AT+CUSD=1,"8574",15').lines == ()
    # the stray "+CME ERROR: 258" must not be taken as the answer to AT+CSQ
    assert ch.command("AT+CSQ").lines == ("+CSQ: 20,99",)
    _done(ch)
    assert [u.line for u in urcs] == ["+CREG: 1, 5C9, 39E5", "+CGREG: 1, 5C9, 39E5", "+CUSD: 5"]


def test_result_line_then_duplicated_error() -> None:
    ch, _ = open_fixture("duplicated-finals-ciperror.txt")
    with pytest.raises(AtCommandError) as info:
        ch.command("AT+CIPSEND=0,5")
    assert info.value.lines == ("+CIPERROR: 4",)
    assert info.value.final == "ERROR"
    assert ch.command("AT").final == "OK"
    _done(ch)


def test_wavecom_cpin_without_ok_and_padded_model() -> None:
    ch, _ = open_fixture("wavecom-cpin-without-ok.txt")
    cpin = ch.command("AT+CPIN?", silence_ends=0.2)
    assert (cpin.lines, cpin.final) == (("+CPIN: READY",), "")
    assert ch.command("AT+CGMI").lines == (" WAVECOM MODEM",)
    assert ch.command("AT+CGMM").lines == (" MULTIBAND  900E  1800 ",)
    with pytest.raises(AtCommandError) as info:
        ch.command("AT+CGMR")
    assert type(info.value) is AtCommandError
    _done(ch)


def test_verbose_cme_and_cms_texts_map_to_codes() -> None:
    ch, _ = open_fixture("verbose-cme-errors.txt")
    with pytest.raises(CmeError) as cme:
        ch.command("AT+USOWR=0,3")
    assert (cme.value.code, cme.value.meaning) == (3, "operation not allowed")
    with pytest.raises(CmsError) as cms:
        ch.command("AT+CNMI=1,2,0,0,0")
    assert (cms.value.code, cms.value.meaning) == (500, "unknown error")
    with pytest.raises(CmeError) as numeric:
        ch.command("AT+CPIN?")
    assert (numeric.value.code, numeric.value.meaning) == (10, "SIM not inserted")
    _done(ch)


def test_double_echo_and_cmgr_with_empty_quoted_alpha() -> None:
    ch, urcs = open_fixture("double-echo-cmti-cmgr.txt")
    assert ch.command("ATE0").lines == ()
    assert ch.command("AT+CPIN?").lines == ("+CPIN: READY",)
    ch.wait_urc("+CMTI:", 2, since=0)
    read = ch.command("AT+CMGR=13")
    assert read.lines == ('+CMGR: 0,"",25', "0791795268721940040C9179528421334100005190705152912106F6B03BCD0E03")
    _done(ch)
    assert [u.line for u in urcs] == ['+CMTI: "SM",13']
    assert not ch.warnings  # 25 is the right TPDU length here


def test_boot_flood_urcs_are_not_a_reset() -> None:
    ch, urcs = open_fixture("huawei-e220-boot-flood.txt")
    ch.wait_urc("^BOOT", 2, since=0)
    assert ch.command("AT+CREG?").lines == ("+CREG: 2,1,0A,3799B",)
    _done(ch)
    assert [u.name for u in urcs] == ["^BOOT"] * 3
    assert all(u.reset is None for u in urcs)


def test_quectel_boot_burst_goes_to_subscribers() -> None:
    ch, urcs = open_fixture("quectel-eg25g-boot-urcs.txt")
    ch.wait_urc("+QIND: SMS DONE", 2, since=0)
    assert ch.command("AT").final == "OK"
    _done(ch)
    assert [(u.line, u.reset) for u in urcs] == [
        ("RDY", "strong"),
        ("+CPIN: READY", "weak"),
        ("+QUSIM: 1", "weak"),
        ("+CFUN: 4", "weak"),
        ("+QIND: SMS DONE", "weak"),
    ]


def test_wap_push_cmgr_with_wrong_stated_length() -> None:
    ch, _ = open_fixture("cmgr-wap-push-wrong-length.txt")
    read = ch.command("AT+CMGR=1")
    assert read.lines[0] == "+CMGR: 3,,29"
    assert len(read.lines[1]) == 2 * (1 + 7 + 125)  # SMSC part + the whole TPDU, framed by the line end
    assert read.lines[1].endswith("6D333300")
    assert any("states 29" in w and "125" in w for w in ch.warnings)
    _done(ch)


def test_reboot_mid_command_raises_modem_reset_and_the_channel_goes_on() -> None:
    ch, urcs = open_fixture("quectel-ec21j-reboot-mid-command.txt")
    assert ch.command("AT+CPIN?").lines == ("+CPIN: READY",)
    with pytest.raises(ModemReset) as info:
        ch.command("AT+CGREG?")
    assert info.value.urc.line == "+CPIN: READY"
    # the late echo, answer and OK of the abandoned command are dropped; echo is back on
    assert ch.command("AT+CREG?").lines == ("+CREG: 0,1",)
    _done(ch)
    assert "RDY" in [u.line for u in urcs]


def test_garbage_bytes_are_skipped_and_nothing_is_lost() -> None:
    ch, urcs = open_fixture("garbage-bytes-on-the-line.txt")
    listing = ch.command("AT+CMGL=4")
    assert listing.lines == ("+CMGL: 1,0,,23", "07913366003051F5040B913366304381F900005180719120348004D4F29C0E")
    assert listing.final == "OK"
    assert ch.command("AT").final == "OK"
    _done(ch)
    assert [u.line for u in urcs] == ['+CMTI: "SM",2']


def test_open_cancels_a_pending_prompt_with_esc_never_ctrl_z() -> None:
    url = replay_url(CHANNEL_FIXTURES / "esc-cancels-prompt-at-open.txt")
    with AtChannel(url, default_timeout=10) as ch:  # sync_on_open=True: ESC, then AT until OK
        assert ch.command("ATE1").final == "OK"
        with pytest.raises(AtCommandError):
            ch.command("AT+MODE=2")
        assert ch.serial.unconsumed() == []
        assert b"\x1a" not in ch.serial.transcript.host_bytes


def test_bg96_socket_open_send_and_binary_read() -> None:
    ch, urcs = open_fixture("quectel-bg96-socket-qird-binary.txt")
    resp, urc = ch.command_then_urc(
        'AT+QIOPEN=1,0,"TCP","kangaroo.rmq.cloudamqp.com",1883,0,0', "+QIOPEN:", urc_timeout=10
    )
    assert (resp.final, urc.line) == ("OK", "+QIOPEN: 0,0")
    sent = ch.command("AT+QISEND=0,8", payload=bytes.fromhex("100600044d515454"), payload_terminator=None)
    assert sent.final == "SEND OK"
    ch.wait_urc('+QIURC: "recv"', 2, since=0)
    assert ch.command("AT+QIRD=0,0").lines == ("+QIRD: 4,0,4",)
    read = ch.command("AT+QIRD=0,4", binary_prefix="+QIRD:")
    assert read.data == b"\x20\x02\x00\x00"
    assert read.lines == ("+QIRD: 4",)
    ch.command("AT+QICLOSE=0")
    _done(ch)


def test_sim800_bare_prompt_data_accept_and_counted_read() -> None:
    ch, urcs = open_fixture("sim800-ciprxget-binary-read.txt")
    ch.command('AT+CIPSTART=1,"TCP","cdn.rawgit.com",80')
    ch.wait_urc("CONNECT OK", 2, since=0)
    sent = ch.command("AT+CIPSEND=1,22", payload=b"Host: cdn.rawgit.com\r\n", payload_terminator=None)
    assert sent.final == "DATA ACCEPT:1,22"
    ch.wait_urc("+CIPRXGET: 1", 2, since=0)
    assert ch.command("AT+CIPRXGET=4,1").lines == ("+CIPRXGET: 4,1,1371",)
    read = ch.command("AT+CIPRXGET=2,1,255", binary_prefix="+CIPRXGET: 2")
    assert len(read.data) == 255
    assert read.data.startswith(b"HTTP/1.1 200 OK\r\nDate:") and read.data.endswith(b"\r\nCache-C")
    assert read.final == "OK"
    _done(ch)
    assert [u.line for u in urcs] == ["1, CONNECT OK", "+CIPRXGET: 1,1"]


def test_timing_lines_are_ignored_unless_asked_for(tmp_path: Path) -> None:
    p = _write_fixture(tmp_path, "> AT\n@ 5\n< OK\n")
    fast = serial.serial_for_url(replay_url(p), timeout=0)
    fast.write(b"AT\r")
    assert fast.read(4) == b"OK\r\n"  # available at once: the delay is ignored
    fast.close()
    timed = serial.serial_for_url(replay_url(p, timing="1"), timeout=0)
    timed.write(b"AT\r")
    assert timed.read(4) == b""  # held back: it is due 5 s after the host line
    assert timed.in_waiting == 0
    timed.close()


def test_recorded_gaps_become_timing_lines(tmp_path: Path) -> None:
    import io

    out = io.StringIO()
    w = transcript.TranscriptWriter(out, {"source": "test"}, min_gap=0.0)
    w.host(b"AT\r")
    w.modem(b"\r\nO")
    w.modem(b"K\r\n")
    w.close()
    t = transcript.parse(out.getvalue())
    assert [s.kind for s in t.steps] == ["host", "delay", "modem", "modem"]
    assert t.modem_bytes == b"\r\nOK\r\n"
    assert t.header["source"] == "test"
