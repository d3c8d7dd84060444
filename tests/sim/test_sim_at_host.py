"""The AT test host judges an answer by its final result code, as a real host does."""

from __future__ import annotations

import serial
from sim_at_host import At, boot_done


def test_a_urc_that_comes_in_the_same_read_as_the_ok_is_the_next_reads_not_the_answers(carrier) -> None:
    phone = carrier.add_handset("+15550100001", pty=False)
    assert boot_done(phone.modem)
    at = At(serial.serial_for_url(phone.serial_url, timeout=0.05))
    try:
        at.port.write(b"AT\r")  # the emulated modem answers as it receives: the OK is out now
        phone.garbage(b"\r\n+QIND: PB DONE\r\n")  # and a URC right behind it, before any read
        assert at.read_until(*At.FINALS) == b"AT\r\r\nOK\r\n"
        assert at.read_until(b"PB DONE\r\n") == b"\r\n+QIND: PB DONE\r\n"
        assert at.cmd("AT") == b"AT\r\r\nOK\r\n"  # nothing of the URC is left over
    finally:
        at.port.close()


def test_an_error_line_ends_the_answer_and_what_follows_it_starts_the_next_read(carrier) -> None:
    phone = carrier.add_handset("+15550100001", pty=False)
    assert boot_done(phone.modem)
    at = At(serial.serial_for_url(phone.serial_url, timeout=0.05))
    try:
        at.port.write(b"AT+CMGR=500\r")
        phone.garbage(b"\r\n+CMTI: \"SM\",0\r\n")
        assert at.read_until(*At.FINALS) == b"AT+CMGR=500\r\r\n+CMS ERROR: 321\r\n"  # Quectel: CMEE=1 at power-up
        assert at.read_until(b"+CMTI") == b'\r\n+CMTI: "SM",0\r\n'  # a needle names its whole line
        assert at.cmd("AT") == b"AT\r\r\nOK\r\n"
    finally:
        at.port.close()
