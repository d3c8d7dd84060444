"""Answers ModemManager's probing and initialisation ask of a modem (its generic plugin's AT
sequence, seen in tests/modemmanager_real), per V.250, 3GPP TS 27.007, TS 102 221 and
TS 31.102: each one's forms, and the refusals of what a module refuses."""

from __future__ import annotations

import pytest
from sim_at_host import open_handset

from mmsua.sim.modem.machine import iccid_for

PROFILES = ["generic", "quectel-eg25g", "simcom-sim7600"]


@pytest.mark.parametrize("profile", PROFILES)
def test_gcap_lists_the_3gpp_command_set(carrier, profile):
    _, at = open_handset(carrier, profile=profile)
    assert at.cmd("AT+GCAP") == b"\r\n+GCAP: +CGSM\r\n\r\nOK\r\n"


def test_atx_and_at_ampersand_c_take_their_v250_values_and_refuse_others(carrier):
    _, at = open_handset(carrier, profile="generic")
    for good in ("ATX0", "ATX4", "AT&C0", "AT&C1", "AT&C1X4"):
        assert at.cmd(good) == b"\r\nOK\r\n", good
    for bad in ("ATX5", "AT&C2"):
        assert at.cmd(bad) == b"\r\nERROR\r\n", bad


@pytest.mark.parametrize("command,supported,default,choice,refused", [
    # 27.007 5.9: the 3GPP radio access network choices; all three at power-on.
    ("+WS46", "(12,22,25,28,29,30,31)", "25", "28", "26"),
    # 27.007 5.5: the TE character sets offered; UCS2 (every text hex-encoded) is not.
    ("+CSCS", '("IRA","GSM")', '"IRA"', '"GSM"', '"UCS2"'),
])
def test_a_setting_lists_its_choices_keeps_one_and_refuses_the_rest(carrier, command, supported, default, choice, refused):
    _, at = open_handset(carrier, profile="generic")
    assert at.cmd(f"AT{command}=?") == f"\r\n{command}: {supported}\r\n\r\nOK\r\n".encode()
    assert at.cmd(f"AT{command}?") == f"\r\n{command}: {default}\r\n\r\nOK\r\n".encode()
    assert at.cmd(f"AT{command}={choice}") == b"\r\nOK\r\n"
    at.cmd("AT+CMEE=1")
    assert at.cmd(f"AT{command}={refused}") == b"\r\n+CME ERROR: 50\r\n"
    assert at.cmd(f"AT{command}?") == f"\r\n{command}: {choice}\r\n\r\nOK\r\n".encode()


def test_a_reboot_forgets_the_character_set_network_choice_and_operator_format(carrier):
    phone, at = open_handset(carrier, profile="generic")
    at.cmd('AT+CSCS="GSM";+WS46=28;+COPS=3,2')
    phone.reboot()
    assert phone.modem.wait_booted(30)
    assert (phone.modem.cscs, phone.modem.ws46, phone.modem.cops_format) == ("IRA", 25, 0)


def test_cops_format_3_switches_the_operator_to_numeric_and_back(carrier):
    _, at = open_handset(carrier, profile="generic")
    assert at.cmd("AT+COPS=3,2") == b"\r\nOK\r\n"
    assert at.cmd("AT+COPS?") == b'\r\n+COPS: 0,2,"00101",7\r\n\r\nOK\r\n'
    assert at.cmd("AT+COPS=3,0") == b"\r\nOK\r\n"
    assert at.cmd("AT+COPS?") == b'\r\n+COPS: 0,0,"SimCarrier",7\r\n\r\nOK\r\n'
    at.cmd("AT+CMEE=1")
    assert at.cmd("AT+COPS=3,7") == b"\r\n+CME ERROR: 50\r\n"


def test_cgerep_test_lists_modes_and_buffering(carrier):
    _, at = open_handset(carrier, profile="generic")
    assert at.cmd("AT+CGEREP=?") == b"\r\n+CGEREP: (0-2),(0,1)\r\n\r\nOK\r\n"


def test_clck_reports_whether_the_sim_asks_for_its_pin(carrier):
    _, at = open_handset(carrier, profile="generic")
    assert at.cmd("AT+CLCK=?") == b'\r\n+CLCK: ("SC")\r\n\r\nOK\r\n'
    assert at.cmd('AT+CLCK="SC",2') == b"\r\n+CLCK: 0\r\n\r\nOK\r\n"
    at.cmd("AT+CMEE=1")
    assert at.cmd('AT+CLCK="SC",1,"1234"') == b"\r\n+CME ERROR: 4\r\n"  # locking is not emulated
    assert at.cmd('AT+CLCK="PN",2') == b"\r\n+CME ERROR: 4\r\n"
    assert at.cmd('AT+CLCK="SC",5') == b"\r\n+CME ERROR: 50\r\n"


def test_clck_says_1_for_a_sim_with_its_pin_on_once_unlocked(carrier):
    phone, at = open_handset(carrier, profile="generic", pin="1234")
    at.cmd("AT+CMEE=1")
    assert at.cmd('AT+CLCK="SC",2') == b"\r\n+CME ERROR: 11\r\n"  # SIM PIN required first
    at.cmd('AT+CPIN="1234"')
    assert at.cmd('AT+CLCK="SC",2').endswith(b"\r\n+CLCK: 1\r\n\r\nOK\r\n")  # after the unlock's +CPIN: READY


def test_crsm_reads_ef_iccid_in_swapped_bcd(carrier):
    phone, at = open_handset(carrier, profile="generic")
    iccid = phone.modem.iccid
    assert len(iccid) == 20 and iccid.startswith("89")
    answer = at.cmd("AT+CRSM=176,12258,0,0,10")
    body = answer.split(b'"')[1].decode()
    assert answer.startswith(b"\r\n+CRSM: 144,0,") and len(body) == 20
    assert "".join(body[i + 1] + body[i] for i in range(0, 20, 2)).rstrip("F") == iccid


def test_the_default_iccid_ends_with_its_luhn_check_digit():
    iccid = iccid_for("001010123456789")
    digits = [int(c) for c in reversed(iccid)]
    assert sum(d if i % 2 == 0 else (2 * d - 9 if 2 * d > 9 else 2 * d) for i, d in enumerate(digits)) % 10 == 0
    assert iccid_for("001010123456789") != iccid_for("001010123456788")


def test_an_iccid_that_is_not_18_to_20_digits_is_refused(carrier):
    with pytest.raises(ValueError):
        carrier.add_handset("+15550100003", pty=False, iccid="89ABC")


@pytest.mark.parametrize("personality,mnc_length", [("default", 2), ("1mb", 3)])
def test_crsm_reads_ef_ad_with_the_mnc_length(personality, mnc_length):
    from mmsua.sim.carrier import SimulatedCarrier
    from mmsua.sim.modem.core import Timing

    with SimulatedCarrier(timing=Timing(sms_ready=0.01, register=0.01), personality=personality) as carrier:
        _, at = open_handset(carrier, profile="generic")
        assert at.cmd("AT+CRSM=176,28589,0,0,4") == f'\r\n+CRSM: 144,0,"000000{mnc_length:02X}"\r\n\r\nOK\r\n'.encode()
