"""The emulated handset's port as the engine's tests use it: simmodem:// while the
pty bridge of the same handset is running (SimulatedCarrier starts both)."""

from __future__ import annotations

import threading
import time

import serial
from simagent import wait_for

from mmsua.sim.carrier import SimulatedCarrier


def _answer(port: serial.SerialBase, command: bytes) -> bytes:
    port.write(command)
    time.sleep(0.1)  # the client is slow to read (a busy reader thread): the answer must wait for it
    return port.read_until(b"OK\r\n")  # the port's timeout ends it if nothing comes


def _boot_burst_handed_over(modem) -> bool:
    # The boot is done (SMS DONE, PB DONE, registration), no timer is left to say more,
    # and the pty bridge has taken what they said.
    return modem.wait_booted(0) and modem.wait_idle(0) and len(modem.outbox) == 0


def test_the_first_answer_goes_to_the_simmodem_client_not_the_idle_pty() -> None:
    # The pty bridge reads the modem while nobody holds simmodem://; it used to be
    # waiting in that read when a client opened the port and take the client's first
    # answer (the driver then waited its whole AT timeout). Fresh opens, several times.
    with SimulatedCarrier() as carrier:
        handset = carrier.add_handset("+15550100001")
        assert handset.pty is not None
        assert carrier.settle(30)
        for attempt in range(3):
            with serial.serial_for_url(handset.serial_url, timeout=10) as port:  # ends at OK when healthy
                assert b"OK" in _answer(port, b"AT\r"), f"open {attempt}: the answer went elsewhere"


def test_sms_done_after_the_port_opened_mid_boot_is_not_a_restart() -> None:
    # A daemon started while the modem boots opens the port after RDY and before
    # "+QIND: SMS DONE" (seconds later on a real EG25-G). That late readiness sign
    # must not abort the command then pending as ModemReset.
    from mmsua.drivers.at.channel import AtChannel

    with SimulatedCarrier() as carrier:
        handset = carrier.add_handset("+15550100001", line_rate=50)  # a 30-byte command takes ~0.6 s to write
        # The emulated boot's last URC (PB DONE) has gone before the port opens.
        wait_for("the end of the emulated boot", lambda: _boot_burst_handed_over(handset.modem), timeout=30)
        with AtChannel(handset.serial_url).open() as channel:
            channel.command("ATE0")
            mid_command = threading.Event()
            boot_ends = threading.Thread(target=_sms_done_mid_command, args=(handset.modem, mid_command), daemon=True)
            boot_ends.start()  # arrives while the command below is still being written
            try:
                answer = channel.command('AT+CPMS="ME","ME","ME";+CMGF=0', timeout=15)
            finally:
                boot_ends.join(30)
            assert mid_command.is_set(), "SMS DONE did not come while the command was being written"
            assert answer.final == "OK"


def _sms_done_mid_command(modem, done: threading.Event) -> None:
    # Under the modem's lock: the URC goes out while the command line is half received
    # (a timer could fire after the whole command on a loaded machine and prove nothing).
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with modem.lock:
            if b"CPMS" in modem.partial_line:
                modem.urc("+QIND: SMS DONE")
                done.set()
                return
        time.sleep(0.005)
