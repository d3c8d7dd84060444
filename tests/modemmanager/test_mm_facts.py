"""ModemManager's properties read into frozen facts: out-of-shape values read as absent,
lengths and counts bounded, and a modem found by any name of its port."""

from __future__ import annotations

from mmsua.drivers.modemmanager import names
from mmsua.drivers.modemmanager.facts import MAX_DATA, MAX_ITEMS, BearerFacts, ModemFacts, SimFacts, SmsFacts
from mmsua.engine.mm_link import sms_time


def test_hostile_property_values_read_as_absent_or_bounded() -> None:
    modem = ModemFacts.of("/m", {names.MODEM: {"Manufacturer": 7, "Model": "x" * 10_000, "SignalQuality": [900, True],
                                               "Ports": [["ttyUSB2", 3], "junk", [5, 1]] * 100, "OwnNumbers": "+1555",
                                               "Sim": "/"},
                                 names.MODEM_3GPP: {"RegistrationState": "home", "OperatorName": None}})
    assert modem.manufacturer == "" and len(modem.model) == 256 and modem.signal is None
    assert len(modem.ports) <= MAX_ITEMS and modem.own_numbers == () and modem.sim == ""
    assert modem.registration == "unknown" and not modem.has_messaging
    sms = SmsFacts.of("/s", {"Data": list(range(256)) * 1000, "State": True, "Number": ["+1"]})
    assert len(sms.data) == MAX_DATA and sms.state == 0 and sms.number == ""
    assert SmsFacts.of("/s", {"Data": [1, 300, 2]}).data == b""
    assert SimFacts.of({"Imsi": "31026x", "OperatorIdentifier": "31026"}).imsi == ""
    assert SimFacts.of({"Imsi": "310260000000042", "OperatorIdentifier": "310260"}).mnc_length == 3
    bearer = BearerFacts.of("/b", {"Connected": 1, "Interface": "lo", "Properties": "apn",
                                   "Ip4Config": {"address": "10.0.0.2", "dns1": "10.0.0.53", "dns2": 5, "dns3": ""}})
    assert not bearer.connected and bearer.apn == "" and bearer.ip4.dns == ("10.0.0.53",)


def test_a_modem_is_found_by_any_name_of_its_port() -> None:
    modem = ModemFacts.of("/m", {names.MODEM: {"PrimaryPort": "ttyUSB2", "Ports": [["cdc-wdm0", 6], ["pts/3", 3]]}})
    for port in ("/dev/ttyUSB2", "ttyUSB2", "/dev/cdc-wdm0", "/dev/pts/3", "pts/3", ""):
        assert modem.serves(port), port
    for port in ("/dev/ttyUSB3", "/dev/pts/30", "3"):
        assert not modem.serves(port), port


def test_delivery_states_and_timestamps() -> None:
    assert [names.delivery_outcome(s) for s in (0x00, 0x1F, 0x20, 0x41, 0x100, -1)] == [
        "delivered", "delivered", "pending", "failed", "unknown", "unknown"]
    assert sms_time("2024-05-01T10:20:30+02:00") == 1714551630.0
    assert sms_time("240501102030+02") == 1714551630.0
    assert sms_time("yesterday") is None and sms_time("") is None
