"""A small AT host for the emulated-modem tests."""
from __future__ import annotations

import re
import time

import serial

import mmsua.sim  # noqa: F401
from mmsua.sim.carrier import SimulatedCarrier


class At:
    """A tiny host: writes a command, reads until its final result code.

    As a real host does, it judges an answer by its final result code: bytes that came
    in the same read after it (a URC the modem sent right after the OK, such as a late
    +QIND: PB DONE) are not part of the answer; they are kept and start the next read."""

    FINALS = (b"\r\nOK\r\n", b"ERROR\r\n", b"\r\n> ", b"SEND OK\r\n", b"SEND FAIL\r\n")
    _CM_ERROR = re.compile(rb"\+CM[ES] ERROR: [^\r]*\r\n")

    def __init__(self, port: serial.SerialBase) -> None:
        self.port = port
        self._rest = b""  # read after the last answer's end: the next read starts with it

    def read_until(self, *needles: bytes, timeout: float = 30.0, whole_line: bool = True) -> bytes:
        """Everything up to the first of `needles` (or a +CME/+CMS ERROR line, when waiting
        for a final result) and, with `whole_line`, the rest of its line (a needle such as
        b"+CMTI" names a line by its start); what follows stays for the next read. A
        prompt (ending "> ") ends where it ends. Returns at once when healthy."""
        buf = bytearray(self._rest)
        self._rest = b""
        deadline = time.monotonic() + timeout
        while True:
            end = self._end(buf, needles, whole_line)
            if end is not None:
                self._rest = bytes(buf[end:])
                return bytes(buf[:end])
            if time.monotonic() >= deadline:
                self._rest = bytes(buf)
                raise AssertionError(f"none of {needles!r} in {bytes(buf)!r}")
            buf += self.port.read(max(1, self.port.in_waiting or 1))

    def _end(self, buf: bytearray, needles: tuple[bytes, ...], whole_line: bool) -> int | None:
        """Where the answer in `buf` ends (None: not all of it is here yet)."""
        found = [(i + len(n), n) for n in needles if (i := buf.find(n)) >= 0]
        if b"ERROR" in needles or needles == self.FINALS:
            found += [(m.end(), b"\n") for m in [self._CM_ERROR.search(buf)] if m]
        if not found:
            return None
        end, needle = min(found)
        if not whole_line or needle.endswith((b"\n", b"> ")):
            return end
        eol = buf.find(b"\r\n", end)
        return eol + 2 if eol >= 0 else None

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
