"""AtChannel over real serial I/O: loop:// and a real pseudo-terminal with a
scripted modem on the other side."""

from __future__ import annotations

import threading
import time

import pytest
from channel_helpers import PtyModem, wait_for

from mmsua.drivers.at.channel import AtChannel, AtResponse, Urc, answer_prefix
from mmsua.drivers.errors import AtCommandError, AtTimeout, CmsError


def basic_modem(line: bytes) -> bytes | None:
    if line == b"AT":
        return b"\r\nOK\r\n"
    if line == b"AT+CSQ":
        return b"\r\n+CSQ: 20,99\r\n\r\nOK\r\n"
    if line == b"AT+CMGR=1":
        return b'\r\n+CMGR: 0,,3\r\n0000AABBCC\r\n\r\nOK\r\n'
    if line == b"AT+CMGS=5":
        return b"\r\n> "
    if line.endswith(b"\x1a"):
        return b"\r\n+CMGS: 7\r\n\r\nOK\r\n" if line == b"0011223344\x1a" else b"\r\n+CMS ERROR: 304\r\n"
    if line.startswith(b"AT+QIOPEN"):
        return b"\r\nOK\r\n\r\n+QIOPEN: 0,0\r\n"
    if line == b"ATD*99***2#":
        return b"\r\nCONNECT 150000000\r\n~\xff\x03\r\n}~"
    return b"\r\nERROR\r\n"


@pytest.fixture
def modem():
    m = PtyModem(basic_modem)
    yield m
    m.close()


@pytest.fixture
def channel(modem: PtyModem):
    ch = AtChannel(modem.device, default_timeout=10)
    ch.open()
    yield ch
    ch.close()


def test_answer_prefix_is_derived_from_the_command() -> None:
    assert answer_prefix("AT+CREG?") == "+CREG:"
    assert answer_prefix("at^sysinfo") == "^SYSINFO:"
    assert answer_prefix("ATI") is None


def test_open_syncs_with_esc_then_at(modem: PtyModem, channel: AtChannel) -> None:
    assert channel.is_open
    assert modem.received.startswith(b"\x1b")
    assert b"\x1a" not in modem.received
    assert modem.lines[0] == b"AT"


def test_commands_answers_and_errors_over_a_pty(channel: AtChannel) -> None:
    assert channel.command("AT+CSQ") == AtResponse("AT+CSQ", ("+CSQ: 20,99",), "OK")
    assert channel.command("AT+CMGR=1").lines == ("+CMGR: 0,,3", "0000AABBCC")
    with pytest.raises(AtCommandError) as info:
        channel.command("AT+NOPE")
    assert info.value.command == "AT+NOPE" and info.value.final == "ERROR"


def test_payload_after_prompt_with_ctrl_z(modem: PtyModem, channel: AtChannel) -> None:
    assert channel.command("AT+CMGS=5", payload=b"0011223344").lines == ("+CMGS: 7",)
    assert modem.received.endswith(b"AT+CMGS=5\r0011223344\x1a")
    with pytest.raises(CmsError) as info:
        channel.command("AT+CMGS=5", payload=b"FF")
    assert (info.value.code, info.value.meaning) == (304, "invalid PDU mode parameter")


def test_command_then_urc(channel: AtChannel) -> None:
    resp, urc = channel.command_then_urc('AT+QIOPEN=2,0,"TCP","10.0.0.1",80,0,0', "+QIOPEN:", urc_timeout=10)
    assert resp.final == "OK" and urc.line == "+QIOPEN: 0,0"


def test_connect_data_phase_read_and_write_raw(modem: PtyModem, channel: AtChannel) -> None:
    resp = channel.command("ATD*99***2#")
    assert resp.final == "CONNECT 150000000"
    assert channel.read_raw(6, timeout=10) == b"~\xff\x03\r\n}"
    channel.write_raw(b"~\x00\xff~")
    wait_for(lambda: modem.received.endswith(b"~\x00\xff~"), "the raw bytes at the modem")
    assert channel.read_raw(1, timeout=10) == b"~"
    channel.end_data()
    t0 = time.monotonic()
    modem.send(b"\r\nNO CARRIER\r\n")
    assert channel.wait_urc("NO CARRIER", 3, since=t0).name == "NO CARRIER"
    assert channel.command("AT").final == "OK"


def test_urcs_reach_subscribers_who_may_run_commands(modem: PtyModem, channel: AtChannel) -> None:
    reads: list[tuple[str, ...]] = []
    done = threading.Event()

    def on_urc(urc: Urc) -> None:
        if urc.name == "+CMTI":
            reads.append(channel.command("AT+CMGR=1").lines)  # from the dispatcher thread
            done.set()

    unsubscribe = channel.subscribe(on_urc)
    modem.send(b'\r\n+CMTI: "SM",1\r\n')
    assert done.wait(10)
    assert reads == [("+CMGR: 0,,3", "0000AABBCC")]
    unsubscribe()
    seen: list[Urc] = []
    channel.subscribe(seen.append)
    t0 = time.monotonic()
    modem.send(b'\r\n+CMTI: "SM",2\r\n')
    channel.wait_urc('+CMTI: "SM",2', 3, since=t0)
    wait_for(lambda: len(seen) == 1, "the second URC at the remaining subscriber")
    assert len(reads) == 1  # the first subscriber is gone


def test_wait_urc_times_out_with_at_timeout(channel: AtChannel) -> None:
    with pytest.raises(AtTimeout):
        channel.wait_urc("+NEVER", 0.05)


def test_loop_url_echo_and_silence() -> None:
    """loop:// sends back what is written: the echo is recognised, no final comes."""
    with AtChannel("loop://", sync_on_open=False, default_timeout=0.2) as ch:
        with pytest.raises(AtTimeout) as info:
            ch.command("AT+CSQ")
        assert info.value.partial_lines == ()  # the echo is not an answer line
        assert info.value.command == "AT+CSQ"


def test_loop_url_raw_bytes() -> None:
    with AtChannel("loop://", sync_on_open=False) as ch:
        ch.write_raw(b"\x7e\x01\x02")
        assert ch.read_raw(3, timeout=10) == b"\x7e\x01\x02"
