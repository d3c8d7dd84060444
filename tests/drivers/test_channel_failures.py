"""Failures over a real pseudo-terminal: the port vanishes mid-command and
returns, the modem reboots mid-command, a command times out, garbage bytes,
stray finals, and an unexpected prompt cancelled with ESC."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from channel_helpers import PtyModem, open_fixture, wait_for

from mmsua.drivers.at import channel
from mmsua.drivers.at.channel import AtChannel
from mmsua.drivers.errors import AtTimeout, ModemReset, PortGone, PromptPending


def ok_modem(line: bytes) -> bytes | None:
    if line in (b"AT", b"ATE0"):
        return b"\r\nOK\r\n"
    if line == b"AT+CSQ":
        return b"\r\n+CSQ: 17,99\r\n\r\nOK\r\n"
    return None  # silence for anything else


def test_port_vanishes_mid_command_and_comes_back(tmp_path: Path) -> None:
    """USB unplug while AT+CGACT waits: PortGone (not a hang until the timeout);
    reopen() by the stable name once the device is back."""
    link = tmp_path / "ttyMODEM"  # like /dev/serial/by-id/...: a stable name for a changing node
    first = PtyModem(ok_modem)
    os.symlink(first.device, link)
    gone: list[PortGone] = []
    ch = AtChannel(str(link), default_timeout=10)
    ch.subscribe_port_gone(gone.append)
    ch.open()
    try:
        assert ch.command("AT+CSQ").lines == ("+CSQ: 17,99",)
        threading.Thread(
            target=lambda: (wait_for(lambda: b"AT+CGACT=1,2" in first.lines, "the command at the modem"), first.unplug()),
            daemon=True,
        ).start()
        with pytest.raises(PortGone) as info:
            ch.command("AT+CGACT=1,2", timeout=60)  # a long timeout: only the unplug can end it
        assert str(link) in str(info.value)
        assert not ch.is_open
        with pytest.raises(PortGone):
            ch.command("AT")
        wait_for(lambda: len(gone) == 1, "the port-gone subscriber")

        second = PtyModem(ok_modem)  # the device re-enumerates under a new node
        os.remove(link)
        os.symlink(second.device, link)
        ch.reopen()
        assert ch.is_open
        assert ch.command("AT+CSQ").lines == ("+CSQ: 17,99",)
        second.close()
    finally:
        ch.close()
        first.close()


def test_open_on_a_missing_device_is_port_gone(tmp_path: Path) -> None:
    with pytest.raises(PortGone) as info:
        AtChannel(str(tmp_path / "ttyUSB9")).open()
    assert str(info.value) == f"cannot open port {tmp_path / 'ttyUSB9'}: no such device"


def test_modem_reboots_mid_command() -> None:
    def rebooting(line: bytes) -> bytes | None:
        if line == b"AT+COPS?":
            return b"\r\nRDY\r\n\r\n+CFUN: 1\r\n\r\n+CPIN: READY\r\n"
        return ok_modem(line)

    modem = PtyModem(rebooting)
    seen: list[str] = []
    with AtChannel(modem.device, default_timeout=10) as ch:
        ch.subscribe(lambda u: seen.append(u.line))
        with pytest.raises(ModemReset) as info:
            ch.command("AT+COPS?", timeout=60)
        assert info.value.urc.line == "RDY"
        assert ch.command("AT+CSQ").lines == ("+CSQ: 17,99",)  # the channel goes on
    modem.close()
    assert seen[:3] == ["RDY", "+CFUN: 1", "+CPIN: READY"]


def test_timeout_then_resync_before_the_next_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def partial(line: bytes) -> bytes | None:
        if line == b"AT+CLAC":
            return b"\r\n+CLAC: AT&C\r\n"  # ... and then nothing (E3531 never finishes CLAC)
        return ok_modem(line)

    # One ESC + AT per resync is what is counted: on a loaded machine the OK to it may take
    # longer than the resync's 1 s and a second try (more ESC, another AT) would follow.
    # The modem answers every AT at once; the bound only keeps a late OK from counting as none.
    monkeypatch.setattr(channel, "RESYNC_TIMEOUT", 30.0)
    modem = PtyModem(partial)
    with AtChannel(modem.device, default_timeout=10) as ch:
        with pytest.raises(AtTimeout) as info:
            ch.command("AT+CLAC", timeout=0.3)
        assert info.value.partial_lines == ("+CLAC: AT&C",)
        before = len(modem.lines)
        assert ch.command("AT+CSQ").lines == ("+CSQ: 17,99",)
        assert modem.lines[before:] == [b"AT", b"AT+CSQ"]  # ESC + AT resync first
        assert modem.received.count(b"\x1b") == 2  # open and the resync
    modem.close()


def test_a_modem_that_stops_answering_times_out_each_time() -> None:
    modem = PtyModem(lambda line: b"\r\nOK\r\n" if not modem.lines[3:] else None)
    with AtChannel(modem.device, default_timeout=0.2) as ch:
        ch.command("AT")
        ch.command("AT")
        with pytest.raises(AtTimeout):
            ch.command("AT+CSQ")
        with pytest.raises(AtTimeout):  # the resync itself gets no OK
            ch.command("AT+CSQ")
    modem.close()


def test_garbage_bytes_between_and_inside_answers() -> None:
    def noisy(line: bytes) -> bytes | None:
        if line == b"AT+CSQ":
            return b"\xff\xfe\x00\r\n\r\n+CSQ: 9,99\r\n\x00\x00\r\n\x80OK\r\n"
        return ok_modem(line)

    modem = PtyModem(noisy)
    with AtChannel(modem.device, default_timeout=10) as ch:
        assert ch.command("AT+CSQ").lines == ("+CSQ: 9,99",)
        assert ch.command("AT").final == "OK"
    modem.close()


def test_stray_finals_are_dropped_not_matched_to_the_next_command() -> None:
    modem = PtyModem(ok_modem)
    with AtChannel(modem.device, default_timeout=10) as ch:
        t0 = time.monotonic()
        modem.send(b'\r\nOK\r\n\r\nERROR\r\n\r\n+CME ERROR: 258\r\n\r\n+CMTI: "SM",1\r\n')
        ch.wait_urc("+CMTI:", 10, since=t0)  # in order: the strays were seen before it
        assert ch.command("AT+CSQ").lines == ("+CSQ: 17,99",)
    modem.close()


def test_unexpected_prompt_is_cancelled_with_esc_never_ctrl_z() -> None:
    modem = PtyModem(ok_modem)
    with AtChannel(modem.device, default_timeout=10) as ch:
        escapes = modem.received.count(b"\x1b")
        modem.send(b"\r\n> ")  # a crashed session's AT+CMGS prompt
        wait_for(lambda: modem.received.count(b"\x1b") == escapes + 1, "ESC at the modem")
        assert b"\x1a" not in modem.received
        assert ch.command("AT").final == "OK"
    modem.close()


def test_a_prompt_for_a_command_without_payload_is_cancelled_and_reported() -> None:
    modem = PtyModem(lambda line: b"\r\n> " if line == b"AT+CMGS=5" else ok_modem(line))
    with AtChannel(modem.device, default_timeout=10) as ch:
        with pytest.raises(PromptPending):
            ch.command("AT+CMGS=5")
        wait_for(lambda: modem.received.endswith(b"AT+CMGS=5\r\x1b"), "ESC right after the prompt")
        assert ch.command("AT+CSQ").lines == ("+CSQ: 17,99",)
        assert b"\x1a" not in modem.received
    modem.close()


def test_cinterion_restart_seen_only_by_ciev_simstatus_fails_the_pending_command() -> None:
    ch, urcs = open_fixture("cinterion-ciev-simstatus-reboot.txt")
    with ch:
        ch.resync()
        assert ch.command("AT+CSQ").lines == ("+CSQ: 17,99",)
        with pytest.raises(ModemReset) as info:
            ch.command("AT+COPS?", timeout=5)
        assert info.value.urc.line == "+CIEV: simstatus,1"
        assert ch.command("AT+CSQ").lines == ("+CSQ: 9,99",)  # the channel goes on
        # URCs reach subscribers on the dispatcher thread: wait for all three.
        wait_for(lambda: len(urcs) == 3, "the three +CIEV URCs")
        assert [(u.line, u.reset) for u in urcs] == [(f"+CIEV: simstatus,{n}", "weak") for n in (1, 2, 5)]
        assert ch.serial.unconsumed() == []


@pytest.mark.parametrize(
    ("burst", "restart"),
    [
        (b"\r\nPB DONE\r\n", False),  # SIMCom's phonebook ready, long after boot: no restart
        (b"\r\n+QIND: SMS DONE\r\n", False),
        (b"\r\n+CPIN: READY\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n", True),  # a real boot burst (no RDY: autobauding)
    ],
)
def test_a_lone_late_readiness_urc_is_not_a_restart(monkeypatch, burst: bytes, restart: bool) -> None:
    import mmsua.drivers.at.channel as channel_module

    # Every grace window over: as if the port had been open for hours and no boot sign seen.
    monkeypatch.setattr(channel_module, "BOOT_WINDOW", 0.0)

    def late(line: bytes) -> bytes | None:
        if line == b"AT+CNUM":
            return burst + b'\r\n+CNUM: ,"+15550100001",145\r\n\r\nOK\r\n'
        return ok_modem(line)

    modem = PtyModem(late)
    with AtChannel(modem.device, default_timeout=10) as ch:
        assert ch.command("AT+CSQ").lines == ("+CSQ: 17,99",)
        if restart:
            with pytest.raises(ModemReset) as info:
                ch.command("AT+CNUM")
            assert info.value.urc.line == "+CPIN: READY"
        else:
            assert ch.command("AT+CNUM").lines == ('+CNUM: ,"+15550100001",145',)
    modem.close()
