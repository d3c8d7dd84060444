"""The line rate is applied to every byte, both ways, on both front ends: a virtual
clock inside the emulator's pacing shows exactly how long the line took, with no
timing of the test itself."""

from __future__ import annotations

import threading

import pytest
import serial
from sim_at_host import At, boot_done

from mmsua.sim.carrier import SimulatedCarrier
from mmsua.sim.modem.core import Timing
from mmsua.sim.modem.line import Throttle

RATE = 1000.0  # bytes per second: at most 10-byte pieces, 10 ms each


class VirtualClock:
    """Time that moves only when the throttle waits; records each wait."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []
        self._lock = threading.Lock()

    def clock(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
            self.waits.append(seconds)


def _paced(phone) -> tuple[VirtualClock, VirtualClock]:
    """Put virtual clocks in the handset's line, at RATE both ways."""
    rx, tx = VirtualClock(), VirtualClock()
    phone.line.rx = Throttle(RATE, clock=rx.clock, sleep=rx.sleep)
    phone.line.tx = Throttle(RATE, clock=tx.clock, sleep=tx.sleep)
    return rx, tx


@pytest.fixture
def carrier():
    with SimulatedCarrier(timing=Timing(sms_ready=0.0, register=0.0, pb_ready=0.0), line_rate=RATE) as c:
        yield c


def test_the_carrier_line_rate_reaches_each_handsets_line(carrier) -> None:
    phone = carrier.add_handset("+15550100001", pty=False)
    other = carrier.add_handset("+15550100002", pty=False, line_rate=250)
    assert phone.line.rx.rate == phone.line.tx.rate == RATE
    assert other.line.rx.rate == other.line.tx.rate == 250


def test_simmodem_every_byte_both_ways_takes_its_time_in_small_pieces(carrier) -> None:
    phone = carrier.add_handset("+15550100001", pty=False)
    assert boot_done(phone.modem)  # nothing left to come on its own while the line is measured
    rx, tx = _paced(phone)
    port = serial.serial_for_url(phone.serial_url, timeout=0.05)
    try:
        answer = At(port).cmd("ATI")
        command = len(b"ATI\r")
    finally:
        port.close()
    assert b"EG25" in answer
    # Host -> modem: the command's bytes; modem -> host: every byte the host read.
    assert tx.now == pytest.approx(command / RATE)
    assert rx.now == pytest.approx(len(answer) / RATE)
    # Bytes trickle: no piece longer than a hundredth of a second of line.
    assert rx.waits and max(rx.waits + tx.waits) <= 10 / RATE + 1e-9
    assert len(rx.waits) >= len(answer) // 10


def test_pty_front_paces_what_the_host_writes(carrier) -> None:
    phone = carrier.add_handset("+15550100001")
    assert boot_done(phone.modem)  # nothing left to come on its own while the line is measured
    rx, tx = _paced(phone)
    with serial.Serial(phone.pty_path, 115200, timeout=0.05) as port:
        answer = At(port).cmd("AT+CGMI")
    assert b"Quectel" in answer
    assert tx.now == pytest.approx(len(b"AT+CGMI\r") / RATE)
    assert rx.now >= len(b"Quectel") / RATE  # the answer went through the paced line too


def test_without_a_rate_nothing_waits() -> None:
    clock = VirtualClock()
    throttle = Throttle(None, clock=clock.clock, sleep=clock.sleep)
    throttle.pace(10_000)
    assert clock.waits == [] and throttle.chunk() == 65536


def test_a_paced_line_keeps_its_rate_across_idle_time() -> None:
    """Idle time is not credit: after a pause the next bytes still take n / rate."""
    clock = VirtualClock()
    throttle = Throttle(100, clock=clock.clock, sleep=clock.sleep)
    throttle.pace(50)
    clock.now += 10.0  # the line stays idle
    throttle.pace(20)
    assert clock.waits == pytest.approx([0.5, 0.2])
