"""The emulated modem's full SMS store: filled by another program (store_sms), and the vendor's
"storage full" URC when it fills (Quectel AT+QINDCFG "smsfull", off at power-on)."""

from __future__ import annotations

from datetime import datetime, timezone

from sim_at_host import open_handset

from mmsua.codec.sms import encode_deliver

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)


def _deliver(text: str) -> bytes:
    return encode_deliver("+15550107777", text=text, dcs=0x00, timestamp=NOW, smsc="+15550000000")


def test_the_quectel_smsfull_urc_comes_only_once_turned_on(carrier) -> None:
    phone, at = open_handset(carrier, profile="quectel-eg25g", capacity={"ME": 2})
    modem = phone.modem
    assert b'+QINDCFG: "smsfull",0' in at.cmd('AT+QINDCFG="smsfull"')  # off at power-on
    assert modem.store_sms("ME", _deliver("one")) == 0
    assert modem.store_sms("ME", _deliver("two")) == 1  # full now, and nothing said
    assert modem.store_sms("ME", _deliver("three")) is None
    at.cmd("AT+CMGD=1")
    assert at.cmd('AT+QINDCFG="smsfull",1,0').strip().endswith(b"OK")
    assert b'+QINDCFG: "smsfull",1' in at.cmd('AT+QINDCFG="smsfull"')
    assert modem.store_sms("ME", _deliver("two again")) == 1
    assert b'+QIND: "smsfull","ME"' in at.read_until(b'+QIND: "smsfull"')


def test_a_store_filled_by_another_program_holds_what_the_network_sends(carrier) -> None:
    phone, at = open_handset(carrier, profile="quectel-eg25g", capacity={"ME": 1})
    modem = phone.modem
    modem.store_sms("ME", _deliver("left by another program"))
    modem.deliver_sms(_deliver("held"))
    assert modem.pending_deliveries == 1
    at.cmd('AT+CPMS="ME","ME","ME"')
    at.cmd("AT+CNMI=1,1,0,0,0")
    at.cmd("AT+CMGD=0")
    assert b'+CMTI: "ME",0' in at.read_until(b"+CMTI")  # the network retried into the freed slot
    assert modem.pending_deliveries == 0
