"""A small AT host for the emulated-modem tests."""
from __future__ import annotations

import re
import time

import serial

import mmsua.sim  # noqa: F401
from mmsua.sim.carrier import SimulatedCarrier


class At:
    """A tiny host: writes a command, reads until a final result."""

    FINALS = (b"\r\nOK\r\n", b"ERROR\r\n", b"\r\n> ", b"SEND OK\r\n", b"SEND FAIL\r\n")

    def __init__(self, port: serial.SerialBase) -> None:
        self.port = port

    def read_until(self, *needles: bytes, timeout: float = 30.0) -> bytes:  # returns at the needle when healthy
        buf = bytearray()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            buf += self.port.read(max(1, self.port.in_waiting or 1))
            if any(n in buf for n in needles) or (b"ERROR" in needles or needles == self.FINALS) and re.search(rb"\+CM[ES] ERROR: [^\r]*\r\n", buf):
                return bytes(buf)
        raise AssertionError(f"none of {needles!r} in {bytes(buf)!r}")

    def cmd(self, line: str, *, until: tuple[bytes, ...] = FINALS) -> bytes:
        self.port.write(line.encode("latin-1") + b"\r")
        return self.read_until(*until)




def open_handset(carrier: SimulatedCarrier, msisdn: str = "+15550100001", **kw):
    phone = carrier.add_handset(msisdn, pty=kw.pop("pty", False), **kw)
    port = serial.serial_for_url(phone.serial_url, timeout=0.05)
    at = At(port)
    # A SIM that is not READY (PIN, absent) never gets ready: those tests start from boot.
    # The others start once the whole boot burst is out (PB DONE comes after SMS DONE and
    # would otherwise land inside the test's first answers).
    if phone.modem.sim_state == "READY" and not boot_done(phone.modem):
        raise AssertionError(f"the emulated {phone.modem.profile.key} never finished booting and registering")
    at.cmd("ATE0")
    return phone, at


def wait_for(cond, timeout: float = 30.0) -> bool:
    """Poll `cond` until it holds (True) or `timeout` seconds pass (False): callers assert it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.01)
    return False


def boot_done(modem, timeout: float = 30.0) -> bool:
    """Wait until the boot is done (SMS DONE, PB DONE, registration all out, so the whole
    boot burst is in the modem's outbox), no timer is left to say more, and the modem
    registered. False if that does not happen within `timeout` s: callers assert it."""
    return modem.wait_booted(timeout) and modem.wait_idle(timeout) and modem.registered


def burst_on_the_pty(modem, timeout: float = 30.0) -> bool:
    """Wait until the boot is done and the pty bridge has written all of it: the outbox is
    empty and the bridge is back waiting on it (it only waits after writing what it took)."""
    return boot_done(modem, timeout) and modem.outbox.wait_drained(timeout)
