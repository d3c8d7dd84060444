"""The handset faults the carrier offers tests: a hung module, line noise, a port that
vanishes and comes back (pty and simmodem://), and a reboot."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
import serial
from sim_at_host import At, burst_on_the_pty, open_handset, wait_for

from mmsua.sim.modem.pty import PtyPort


def test_a_muted_modem_swallows_commands_until_unmuted(carrier) -> None:
    phone, at = open_handset(carrier)
    phone.mute()
    at.port.write(b"AT\r")
    assert at.port.read(64) + at.port.read(64) == b""  # nothing at all comes back
    phone.mute(False)
    assert at.cmd("AT").endswith(b"OK\r\n")


def test_garbage_reaches_the_host_as_sent(carrier) -> None:
    phone, at = open_handset(carrier)
    noise = b"\x00\xff\x13garbage\xfe"
    phone.garbage(noise)
    assert at.read_until(noise, whole_line=False) == noise
    phone.garbage(length=8)
    got = b""
    while len(got) < 8:
        got += at.port.read(8 - len(got))
    assert len(got) == 8
    assert at.cmd("AT").endswith(b"OK\r\n")


def test_a_vanished_simmodem_port_fails_reads_writes_and_opens_until_it_reappears(carrier) -> None:
    phone, at = open_handset(carrier)
    phone.vanish()
    with pytest.raises(serial.SerialException, match="disconnected"):
        at.port.read(1)
    with pytest.raises(serial.SerialException, match="write failed"):
        at.port.write(b"AT\r")
    at.port.close()
    with pytest.raises(serial.SerialException, match="could not open"):
        serial.serial_for_url(phone.serial_url, timeout=0.05)
    phone.reappear()
    again = At(serial.serial_for_url(phone.serial_url, timeout=0.05))
    try:
        assert again.cmd("AT").endswith(b"OK\r\n")
    finally:
        again.port.close()


def test_a_vanished_pty_takes_its_device_node_and_comes_back_as_a_new_one(carrier) -> None:
    phone = carrier.add_handset("+15550100001")
    # The module keeps running while its port is gone: its boot burst is over and out on
    # the old pty first, so none of it (a late PB DONE) can come with the AT's answer.
    assert burst_on_the_pty(phone.modem)
    link = Path(phone.pty_path)
    first = os.readlink(link)
    phone.vanish()
    assert not link.exists() and not os.path.lexists(link)
    phone.reappear()
    assert wait_for(link.exists)
    with serial.Serial(str(link), 115200, timeout=0.05) as port:
        assert At(port).cmd("AT").endswith(b"OK\r\n")
    assert os.readlink(link).startswith("/dev/pts/") and first.startswith("/dev/pts/")


def test_a_vanished_pty_always_comes_back_under_another_device_name(carrier) -> None:
    """As a replugged USB modem whose old node a program still holds: the kernel would
    hand the freed /dev/pts number out again, the emulator takes the next one."""
    phone = carrier.add_handset("+15550100001")
    link = Path(phone.pty_path)
    names = [os.readlink(link)]
    for _ in range(3):
        phone.vanish()
        phone.reappear()
        assert wait_for(link.exists)
        names.append(os.readlink(link))
        assert names[-1] != names[-2]
    with serial.Serial(str(link), 115200, timeout=0.05) as port:
        assert At(port).cmd("AT").endswith(b"OK\r\n")


def test_an_unplugged_modem_loses_power_and_the_network_keeps_its_sms_until_it_boots_again(carrier) -> None:
    phone, at = open_handset(carrier)
    at.port.close()
    phone.unplug()
    carrier.send_sms(phone.msisdn, "while unplugged")
    assert wait_for(lambda: phone.modem.pending_deliveries == 1)
    assert not phone.modem.storage("SM").used and not phone.modem.storage("ME").used
    phone.replug()
    again = At(serial.serial_for_url(phone.serial_url, timeout=0.05))
    try:
        assert again.cmd("AT").endswith(b"OK\r\n")
        assert wait_for(lambda: phone.modem.pending_deliveries == 0)  # stored once SMS is ready after boot
    finally:
        again.port.close()


def test_a_reboot_repeats_the_boot_burst_and_forgets_settings(carrier) -> None:
    phone, at = open_handset(carrier, profile="quectel-eg25g")  # echo off (ATE0) from open_handset
    phone.reboot(flood=2)
    burst = at.read_until(b"+CPIN: READY\r\n")
    assert burst.count(b"RDY\r\n") == 2  # the brown-out's extra RDY, then the boot burst's own
    assert b"AT\r\r\n" in at.cmd("AT")  # echo is back on: the ATE0 was lost


def _is_a_pty_master(fd: int) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}") == "/dev/ptmx"
    except OSError:
        return False


def test_a_pump_still_running_after_the_stop_keeps_its_pty_until_it_ends(carrier, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pump that the stop's join gave up on (a loaded machine kept it from running) must
    not find its descriptor closed and its number handed to another file (a socket it would
    then read from or write to): the last pump to end closes the pty."""
    phone = carrier.add_handset("+15550100001")
    assert burst_on_the_pty(phone.modem)
    assert phone.pty is not None
    master = phone.pty._master
    held, release = threading.Event(), threading.Event()
    write = phone.line.write

    def held_write(data: bytes) -> int:  # the host->modem pump, stuck while it passes a command on
        held.set()
        release.wait(30)
        return write(data)

    monkeypatch.setattr(phone.line, "write", held_write)
    monkeypatch.setattr(PtyPort, "JOIN_TIMEOUT", 0.01)  # the stop gives up on the stuck pump at once
    with serial.Serial(phone.pty_path, 115200, timeout=0.05) as port:
        port.write(b"AT\r")
        assert held.wait(30)
        phone.vanish()
        assert _is_a_pty_master(master)  # still the pump's: not closed under it
        release.set()
        assert wait_for(lambda: not _is_a_pty_master(master))  # closed once the pump ended
