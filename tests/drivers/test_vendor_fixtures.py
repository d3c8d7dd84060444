"""Every per-vendor fixture: it says where its lines come from, a test replays it through the
real driver code, and the vendor flows not covered elsewhere run here."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from hwreplay import FIXTURES, ROOT, Inbox, assert_played, no_sleep, replay_channel, vendor_fixtures

from mmsua.drivers.modem import Modem
from mmsua.drivers.sms import SmsService
from mmsua.drivers.transcript import load
from mmsua.drivers.vendors import get_profile

ALL = vendor_fixtures()
TESTS = Path(__file__).resolve().parent


def test_there_are_fixtures_for_every_required_profile() -> None:
    names = {str(p.relative_to(FIXTURES)) for p in ALL}
    for folder in ("generic/", "quectel/ec25/", "simcom/sim7600/", "simcom/sim800l/", "huawei/e3372/", "sierra/", "ublox/"):
        assert any(n.startswith(folder) for n in names), folder


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_names_its_source_and_parses(path: Path) -> None:
    transcript = load(path)
    for key in ("source", "modem", "scenario"):
        assert transcript.header.get(key), f"{path}: header lacks '# {key}:'"
    for name in re.findall(r"\.\./shared/hw_transcripts/([\w.+-]+\.txt)", transcript.header["source"]):
        shared = ROOT.parent / "shared" / "hw_transcripts"
        if shared.is_dir():
            assert (shared / name).is_file(), f"{path} names a log that does not exist: {name}"


@pytest.mark.parametrize("path", ALL, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_is_replayed_by_a_test(path: Path) -> None:
    rel = str(path.relative_to(FIXTURES))
    users = [t.name for t in TESTS.glob("test_*.py") if f'"{rel}"' in t.read_text() or f"'{rel}'" in t.read_text()]
    assert users, f"no test replays {rel}"


def test_simcom_sim7600_startup_finds_the_sms_waiting_in_another_storage() -> None:
    inbox = Inbox()
    with replay_channel("simcom/sim7600/startup-and-stored-sms.txt") as channel:
        modem = Modem(channel, sleep=no_sleep)
        modem.start()
        assert modem.profile.name == "simcom"
        assert modem.unlock() == "READY"
        assert modem.registration().state == "home"
        assert modem.signal().rsrp_dbm == -81.0
        assert modem.operator().technology == "lte"
        sms = SmsService(channel, modem.profile, on_sms=inbox, sleep=no_sleep)
        settings = sms.start(worker=False)
        assert settings.storages == ("ME", "ME", "ME")
        (waiting,) = inbox
        assert (waiting.storage, waiting.index, waiting.source, waiting.tpdu_length) == ("SM", 4, "cmgl", 153)
        sms.acknowledge_stored(waiting.storage, waiting.index)
        sms.stop()
        assert_played(channel)


def test_simcom_sim7000g_cmti_without_storage_lists_instead() -> None:
    with replay_channel("simcom/sim7000g/cmti-not-stored.txt") as channel:
        sms = SmsService(channel, get_profile("simcom"), sleep=no_sleep)
        sms.start(worker=False)
        assert sms.drain(timeout=10.0) == 1
        sms.stop()
        assert_played(channel)


def test_sim800l_profile_cnmi_and_a_lying_length() -> None:
    inbox = Inbox()
    with replay_channel("simcom/sim800l/startup-and-wap-push-cmti.txt") as channel:
        modem = Modem(channel, sleep=no_sleep)
        assert modem.start().model == "SIMCOM_SIM800L"
        assert modem.profile.name == "simcom-sim800"
        sms = SmsService(channel, modem.profile, on_sms=inbox, sleep=no_sleep)
        settings = sms.start(worker=False)
        assert settings.storages == ("SM", "SM", "SM") and settings.cnmi == (2, 1, 0, 1, 0)
        assert sms.drain(timeout=10.0) == 1
        (push,) = inbox
        assert push.tpdu_length == 29 and len(push.pdu_hex) // 2 - 8 == 125  # framed by the line, not the header
        sms.acknowledge_stored("SM", 1)
        sms.stop()
        assert_played(channel)


def test_huawei_e3372_noise_urcs_three_storages_and_rssi_inside_cmgr() -> None:
    inbox = Inbox()
    with replay_channel("huawei/e3372/startup-and-wap-push-cmti.txt") as channel:
        modem = Modem(channel, sleep=no_sleep)
        modem.start()
        assert modem.profile.name == "huawei"
        modem.unlock()
        reg = modem.registration()
        assert (reg.state, reg.lac, reg.cell) == ("home", 0x4CA, 0x81DE445)
        assert modem.signal().rssi_dbm == -73
        sms = SmsService(channel, modem.profile, on_sms=inbox, sleep=no_sleep)
        assert sms.start(worker=False).storages == ("SM", "SM", "SM")
        assert sms.drain(timeout=10.0) == 1
        (message,) = inbox
        assert message.pdu_hex.startswith("07919762020033F1") and message.tpdu_length == 20
        sms.acknowledge_stored("SM", 0)
        sms.stop()
        assert_played(channel)


class Registrations(list):
    """A registration-URC subscriber that says when ``count`` have come."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count
        self.enough = threading.Event()

    def __call__(self, reg) -> None:
        self.append(reg)
        if len(self) >= self.count:
            self.enough.set()


def test_ublox_urcs_inside_answers_and_registration_urcs() -> None:
    regs = on_registration = Registrations(2)
    both = regs.enough
    with replay_channel("ublox/sara-r410m/startup-registration-urcs.txt") as channel:
        modem = Modem(channel, sleep=no_sleep)
        assert modem.start().model == "SARA-R410M-02B" and modem.profile.name == "ublox"
        assert modem.radio_on() == 0
        modem.on_registration(on_registration)
        modem.enable_registration_urcs()
        assert modem.imsi() == "234500000000000"
        assert modem.registration().state == "not-registered"
        assert both.wait(10.0)
        assert [(r.source, r.state, r.lac, r.cell, r.technology) for r in regs] == [
            ("CREG", "roaming", 0xEA6D, 0x544C28, "umts"),
            ("CGREG", "roaming", 0xEA6D, 0x544C28, "umts"),
        ]
        assert_played(channel)


def test_quectel_eg25g_boots_in_flight_mode() -> None:
    with replay_channel("quectel/eg25-g/startup-flight-mode.txt") as channel:
        modem = Modem(channel, sleep=no_sleep)
        modem.start()
        assert modem.profile.name == "quectel" and modem.identity.model == "EG25"
        modem.unlock()
        assert modem.radio_on() == 4
        sleeps: list[float] = []
        settings = SmsService(channel, modem.profile, sleep=sleeps.append).start(worker=False, collect=False)
        assert sleeps == [1.0]  # one AT+QINISTAT poll said "not yet"
        assert settings.storages == ("ME", "ME", "ME")
        assert_played(channel)


def test_registration_urc_inside_a_registration_read_is_told_apart_by_shape() -> None:
    urcs = on_registration = Registrations(2)
    two = urcs.enough
    with replay_channel("ublox/sara-r410m/registration-urc-inside-creg-read.txt") as channel:
        modem = Modem(channel, sleep=no_sleep)
        modem.on_registration(on_registration)
        modem.enable_registration_urcs()
        assert modem.registration_modes == {"+CREG": 2, "+CGREG": 2, "+CEREG": 2}
        reg = modem.registration()
        # The answers (n=2 first) made the state; the URCs (stat first) went to the subscriber.
        assert (reg.state, reg.lac, reg.cell, reg.technology) == ("roaming", 0xEA6D, 0x544C28, "umts")
        assert two.wait(10.0)
        assert [(r.source, r.state, r.lac, r.cell) for r in urcs] == [
            ("CREG", "roaming", 0xEA6D, 0x544C28),
            ("CGREG", "roaming", 0xEA6D, 0x544C28),
        ]
        # n lost (answers "0,1"): read again without the shape test, and forget n for CREG.
        assert modem.registration().state == "home"
        assert "+CREG" not in modem.registration_modes
        assert_played(channel)
