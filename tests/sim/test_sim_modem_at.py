"""The emulated modem's AT dialect, through the simmodem:// pyserial URL."""

from __future__ import annotations

import dataclasses
import re
from datetime import datetime, timezone

import pytest
import serial
from sim_at_host import At, boot_done, open_handset, wait_for

from mmsua.codec.sms import decode_sms, encode_deliver, encode_submit
from mmsua.sim.carrier import SimulatedCarrier
from mmsua.sim.modem.core import Timing

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def test_echo_on_by_default_and_v250_framing(carrier):
    phone = carrier.add_handset("+15550100001", pty=False)
    assert boot_done(phone.modem)  # the boot burst, said before the port opens, is not heard
    port = serial.serial_for_url(phone.serial_url, timeout=0.05)
    at = At(port)
    assert at.cmd("AT") == b"AT\r\r\nOK\r\n"
    assert at.cmd("ATE0") == b"ATE0\r\r\nOK\r\n"
    assert at.cmd("AT") == b"\r\nOK\r\n"


@pytest.mark.parametrize(
    "profile,ati,cgmr",
    [
        ("quectel-eg25g", b"\r\nQuectel\r\nEG25\r\nRevision: EG25GGBR07A08M2G\r\n\r\nOK\r\n", b"\r\nRevision: EG25GGBR07A08M2G\r\n"),
        ("simcom-sim7600", b"Manufacturer: SIMCOM INCORPORATED", b"+CGMR: LE20B04SIM7600G22"),
        ("generic", b"3GPP-MODEM", b"SIM-1.0"),
    ],
)
def test_identification_per_profile(carrier, profile, ati, cgmr):
    phone, at = open_handset(carrier, profile=profile)
    assert ati in at.cmd("ATI")
    assert cgmr in at.cmd("AT+CGMR")
    assert phone.modem.imei.encode() in at.cmd("AT+CGSN")
    assert b"+CNUM: \"\",\"+15550100001\",145" in at.cmd("AT+CNUM")
    assert phone.modem.imsi.encode() in at.cmd("AT+CIMI")


def test_sim_pin_blocks_sim_commands_until_entered(carrier):
    phone, at = open_handset(carrier, pin="1234")
    assert b"+CPIN: SIM PIN" in at.cmd("AT+CPIN?")
    assert at.cmd("AT+CIMI") == b"\r\n+CME ERROR: 11\r\n"  # Quectel powers up with CMEE=1
    at.cmd("AT+CMEE=2")
    assert b"+CME ERROR: incorrect password" in at.cmd("AT+CPIN=0000")
    out = at.cmd("AT+CPIN=1234")
    assert out.startswith(b"\r\nOK\r\n")
    out += at.read_until(b"SMS DONE")
    assert b"+CPIN: READY" in out
    assert b"+CPIN: READY" in at.cmd("AT+CPIN?")


def test_three_wrong_pins_ask_for_puk(carrier):
    phone, at = open_handset(carrier, pin="1234")
    for _ in range(3):
        at.cmd("AT+CPIN=9999")
    assert b"SIM PUK" in at.cmd("AT+CPIN?")
    assert b"OK" in at.cmd('AT+CPIN="12345678","4321"')
    assert phone.modem.pin == "4321"


def test_registration_states_and_urcs(carrier):
    phone, at = open_handset(carrier)
    assert b"+CREG: 0,1" in at.cmd("AT+CREG?")
    at.cmd("AT+CREG=2;+CEREG=1")
    assert b'+CREG: 2,1,"1A2B","01A2B3C4",7' in at.cmd("AT+CREG?")
    phone.modem.set_registration("roaming")
    out = at.read_until(b"+CEREG: 5")
    assert b'+CREG: 5,"1A2B"' in out
    phone.modem.set_registration("searching")
    at.read_until(b"+CEREG: 2")
    assert b"+CSQ: 99,99" in at.cmd("AT+CSQ")
    assert b"+COPS: 0\r\n" in at.cmd("AT+COPS?")


def test_signal_and_operator(carrier):
    _, at = open_handset(carrier)
    assert b"+CSQ: 23,99" in at.cmd("AT+CSQ")
    assert b'+COPS: 0,0,"SimCarrier",7' in at.cmd("AT+COPS?")


def test_cmee_numeric_and_verbose(carrier):
    _, at = open_handset(carrier, profile="generic")
    assert at.cmd("AT+CMGR=99") == b"\r\nERROR\r\n"
    at.cmd("AT+CMEE=1")
    assert at.cmd("AT+CMGR=99") == b"\r\n+CMS ERROR: 321\r\n"
    at.cmd("AT+CMEE=2")
    assert at.cmd("AT+CMGR=99") == b"\r\n+CMS ERROR: invalid memory index\r\n"
    assert at.cmd("AT+NOPE") == b"\r\nERROR\r\n"


def test_cnmi_test_lists_per_profile_and_refusal(carrier):
    _, at = open_handset(carrier)
    assert b"+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)" in at.cmd("AT+CNMI=?")
    at.cmd("AT+CMEE=1")
    assert b"+CMS ERROR: 303" in at.cmd("AT+CNMI=2,1,1,0,0")  # bm=1 is not offered


def _deliver(text: str, originator: str = "+15550107777") -> bytes:
    return encode_deliver(originator, text=text, dcs=0x00, timestamp=NOW, smsc="+15550000000")


def test_stored_delivery_cmti_cmgr_cmgl_cmgd(carrier):
    phone, at = open_handset(carrier)
    assert b'+CPMS: ("ME","MT","SM","SR"),("ME","MT","SM","SR"),("ME","MT","SM")' in at.cmd("AT+CPMS=?")
    assert b"+CPMS: 0,50,0,50,0,50" in at.cmd('AT+CPMS="SM","SM","SM"')
    assert b"+CPMS: 0,305,0,255,0,255" in at.cmd('AT+CPMS="MT","ME","ME"')  # MT is SM and ME together
    at.cmd('AT+CPMS="SM","SM","SM"')
    pdu = _deliver("hello")
    phone.modem.deliver_sms(pdu)
    assert b'+CMTI: "SM",0' in at.read_until(b"+CMTI")
    out = at.cmd("AT+CMGR=0")
    assert f"+CMGR: 0,,{len(pdu) - pdu[0] - 1}\r\n{pdu.hex().upper()}\r\n".encode() in out
    assert b"+CMGR: 1," in at.cmd("AT+CMGR=0")  # now read
    assert pdu.hex().upper().encode() in at.cmd("AT+CMGL=4")
    at.cmd("AT+CMGD=0")
    assert at.cmd("AT+CMGR=0") == b"\r\nOK\r\n"  # Quectel: empty slot is a bare OK


def test_memory_full_holds_sms_in_network_and_cmgw_gives_322(carrier):
    phone, at = open_handset(carrier, capacity={"SM": 2})
    at.cmd("AT+CMEE=1")
    at.cmd('AT+CPMS="SM","SM","SM"')
    for i in range(3):
        phone.modem.deliver_sms(_deliver(f"msg {i}"))
    at.read_until(b'+CMTI: "SM",1')
    assert phone.modem.pending_deliveries == 1
    sub = encode_submit("+15550100002", text="x")
    assert at.cmd(f"AT+CMGW={sub.tpdu_length}", until=(b"> ",)).endswith(b"> ")
    sub = encode_submit("+15550100002", text="x")
    assert b"+CMS ERROR: 322" in (at.port.write(sub.hex.encode() + b"\x1a") and at.read_until(b"ERROR"))
    at.cmd("AT+CMGD=0")
    assert b'+CMTI: "SM",0' in at.read_until(b"+CMTI")  # the network retried into the freed slot
    assert phone.modem.pending_deliveries == 0


def test_direct_delivery_needs_cnma_with_csms_1(carrier):
    phone, at = open_handset(carrier)
    at.cmd("AT+CMEE=1")
    assert b"+CSMS: (0,1)" in at.cmd("AT+CSMS=?")
    assert b"+CSMS: 1,1,1" in at.cmd("AT+CSMS=1")
    at.cmd("AT+CNMI=2,2,0,0,0")
    first, second = _deliver("one"), _deliver("two")
    phone.modem.deliver_sms(first)
    phone.modem.deliver_sms(second)
    out = at.read_until(first.hex().upper().encode())
    assert f"+CMT: ,{len(first) - first[0] - 1}\r\n".encode() in out
    assert second.hex().upper().encode() not in out  # held until the ack
    assert at.cmd("AT+CNMA").startswith(b"\r\nOK")
    at.read_until(second.hex().upper().encode())
    assert b"OK" in at.cmd("AT+CNMA")
    assert b"+CMS ERROR: 340" in at.cmd("AT+CNMA")  # nothing to acknowledge


def test_unacknowledged_cmt_is_redelivered(carrier):
    phone, at = open_handset(carrier)
    phone.modem.timing = dataclasses.replace(phone.modem.timing, cnma_timeout=0.5)
    at.cmd("AT+CSMS=1;+CNMI=2,2,0,0,0")
    pdu = _deliver("again")
    phone.modem.deliver_sms(pdu)
    at.read_until(pdu.hex().upper().encode())
    again = at.read_until(pdu.hex().upper().encode())  # after the 0.5 s ack window
    assert b"+CMT:" in again


def test_direct_delivery_without_csms_needs_no_ack(carrier):
    phone, at = open_handset(carrier)
    at.cmd("AT+CNMI=2,2,0,0,0")
    for text in ("a", "b"):
        pdu = _deliver(text)
        phone.modem.deliver_sms(pdu)
        at.read_until(pdu.hex().upper().encode())
    assert len(phone.modem.delivered) == 2


def test_cmgs_prompt_ctrl_z_and_esc(carrier):
    phone, at = open_handset(carrier)
    sub = encode_submit("+15550100002", text="hi there")
    assert at.cmd(f"AT+CMGS={sub.tpdu_length}").endswith(b"\r\n> ")
    at.port.write(sub.hex.encode() + b"\x1a")
    out = at.read_until(b"OK\r\n")
    assert b"+CMGS: " in out
    assert decode_sms(phone.modem.submitted[-1], has_smsc=False).text == "hi there"
    at.cmd(f"AT+CMGS={sub.tpdu_length}")
    at.port.write(b"0011\x1b")
    assert b"OK" in at.read_until(b"OK\r\n")
    assert len(phone.modem.submitted) == 1  # ESC cancelled, nothing sent


def test_cmgs_wrong_length_is_cms_304(carrier):
    _, at = open_handset(carrier)
    at.cmd("AT+CMEE=1")
    sub = encode_submit("+15550100002", text="hi")
    at.cmd(f"AT+CMGS={sub.tpdu_length + 3}")
    at.port.write(sub.hex.encode() + b"\x1a")
    assert b"+CMS ERROR: 304" in at.read_until(b"ERROR")


def _send_with_report(carrier, at_a):
    """Handset A sends "ping" to B asking for a status report; returns the TP-MR it got."""
    sub = encode_submit("+15550100002", text="ping", request_status_report=True)
    at_a.cmd(f"AT+CMGS={sub.tpdu_length}")
    at_a.port.write(sub.hex.encode() + b"\x1a")
    out = at_a.read_until(b"OK\r\n")
    return int(out.split(b"+CMGS: ")[1].split(b"\r")[0])


def _report(pdu_hex: bytes):
    report = decode_sms(bytes.fromhex(pdu_hex.decode()))
    assert report.recipient.endswith("100002") and report.status == 0
    return report


def test_status_report_ds1_is_cds_with_pdu_and_needs_cnma_in_phase_2_plus(carrier):
    a, at_a = open_handset(carrier, "+15550100001")
    b, at_b = open_handset(carrier, "+15550100002")
    at_a.cmd("AT+CMEE=1;+CSMS=1;+CNMI=2,1,0,1,0")
    mr = _send_with_report(carrier, at_a)
    at_b.read_until(b"+CMTI")  # B stores the message itself
    assert decode_sms(b.modem.storages["ME"].items()[0][1].pdu).text == "ping"
    cds = rb"\+CDS: (\d+)\r\n([0-9A-F]+)\r\n"
    out = b""
    while not re.search(cds, out):
        out += at_a.read_until(b"\r\n")
    length, pdu_hex = re.search(cds, out).groups()
    assert int(length) == len(pdu_hex) // 2 - (int(pdu_hex[:2], 16) + 1)  # TPDU octets, SMSC address not counted
    assert _report(pdu_hex).message_reference == mr
    assert a.modem.pending_deliveries == 1  # held by the network until acknowledged
    assert at_a.cmd("AT+CNMA").endswith(b"OK\r\n")
    assert a.modem.pending_deliveries == 0
    assert b"+CMS ERROR: 340" in at_a.cmd("AT+CNMA")
    assert a.modem.storages["SR"].used == 0  # delivered directly, not stored


def test_status_report_ds2_is_stored_in_sr_and_announced_by_cdsi(carrier):
    a, at_a = open_handset(carrier, "+15550100001", profile="simcom-sim7600")
    open_handset(carrier, "+15550100002")
    at_a.cmd("AT+CNMI=2,1,0,2,0")
    _send_with_report(carrier, at_a)
    assert b'+CDSI: "SR",0' in at_a.read_until(b"+CDSI")
    at_a.cmd('AT+CPMS="SR","ME","ME"')
    out = at_a.cmd("AT+CMGR=0")
    _report(re.search(rb"\+CMGR: 0,\"\",\d+\r\n([0-9A-F]+)\r\n", out).group(1))


def test_quectel_announces_a_stored_report_under_sm(carrier):
    """The EC25 stores reports in SR but says +CDSI: "SM" (asterisk-chan-quectel PR#75)."""
    a, at_a = open_handset(carrier, "+15550100001", profile="quectel-eg25g")
    open_handset(carrier, "+15550100002")
    at_a.cmd("AT+CNMI=2,1,0,2,0")
    _send_with_report(carrier, at_a)
    assert b'+CDSI: "SM",0' in at_a.read_until(b"+CDSI")
    assert a.modem.storages["SR"].used == 1 and a.modem.storages["SM"].used == 0
    assert at_a.cmd('AT+CPMS="SM","ME","ME";+CMGR=0').endswith(b"\r\nOK\r\n")  # nothing in SM: bare OK


def test_status_report_ds0_is_not_routed_to_the_host(carrier):
    a, at_a = open_handset(carrier, "+15550100001")
    open_handset(carrier, "+15550100002")
    at_a.cmd("AT+CNMI=2,1,0,0,0")
    _send_with_report(carrier, at_a)
    assert carrier.settle() and wait_for(lambda: a.modem.pending_deliveries == 0)
    assert a.modem.storages["SR"].used == 1  # kept silently in SR (27.005 3.4.1 <ds>=0)
    assert at_a.cmd("AT") == b"\r\nOK\r\n"  # no +CMTI / +CDS / +CDSI came


def test_pdp_context_define_activate_address(carrier):
    phone, at = open_handset(carrier)
    at.cmd("AT+CMEE=1")
    at.cmd('AT+CGDCONT=2,"IP","mms"')
    assert b'+CGDCONT: 2,"IP","mms","0.0.0.0",0,0,0,0' in at.cmd("AT+CGDCONT?")
    assert b"OK" in at.cmd("AT+CGACT=1,2")
    assert b"+CGACT: 2,1" in at.cmd("AT+CGACT?")
    assert b'+CGPADDR: 2,"10.64.2.' in at.cmd("AT+CGPADDR=2")
    at.cmd('AT+CGDCONT=3,"IP","nosuchapn"')
    assert b"+CME ERROR: 133" in at.cmd("AT+CGACT=1,3")
    phone.modem.refuse_pdp(1)
    at.cmd("AT+CGACT=0,2")
    assert b"+CME ERROR: 148" in at.cmd("AT+CGACT=1,2")
    assert b"OK" in at.cmd("AT+CGACT=1,2")


def test_cgauth_credentials_are_checked(carrier):
    phone, at = open_handset(carrier)
    phone.modem.network.apns["secure"] = ("user", "pw")
    at.cmd("AT+CMEE=1")
    at.cmd('AT+CGDCONT=4,"IP","secure"')
    assert b"+CME ERROR: 149" in at.cmd("AT+CGACT=1,4")
    at.cmd('AT+CGAUTH=4,1,"user","pw"')
    assert b"OK" in at.cmd("AT+CGACT=1,4")


def test_multiple_commands_on_one_line_and_a_slash(carrier):
    _, at = open_handset(carrier)
    out = at.cmd("AT+CMGF=0;+CMEE=1;+CMEE?")
    assert out == b"\r\n+CMEE: 1\r\n\r\nOK\r\n"
    at.port.write(b"A/")
    assert b"+CMEE: 1" in at.read_until(b"OK\r\n")


def test_sms_commands_wait_for_sms_ready():
    # An hour to SMS ready: "SMS DONE" does not come while the test runs.
    with SimulatedCarrier(timing=Timing(sms_ready=3600.0, register=0.01)) as slow:
        phone = slow.add_handset("+15550100001", pty=False)
        with phone.modem.lock:
            assert not phone.modem.sim_ready
            phone.modem.cmee = 1
            phone.modem.echo = False
        port = serial.serial_for_url(phone.serial_url, timeout=0.05)
        assert b"+CMS ERROR: 314" in At(port).cmd("AT+CPMS?")
