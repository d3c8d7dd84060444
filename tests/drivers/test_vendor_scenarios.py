"""The issue's per-profile scenarios for the profiles beyond Quectel: start-up and
identification, WAP Push by +CMT and by +CMTI (concatenated), and the MMS context,
each replayed from hw_fixtures/ through the real AtChannel, Modem, SmsService and
PdpContext (the Quectel set is in test_sms_service.py, test_modem.py, test_pdp.py)."""

from __future__ import annotations

import pytest
from hwreplay import Inbox, assert_played, no_sleep, replay_channel

from mmsua.drivers.answers.sms import tpdu_octets
from mmsua.drivers.modem import Modem, ModemIdentity
from mmsua.drivers.pdp import PdpContext, PdpSettings
from mmsua.drivers.sms import SmsService
from mmsua.drivers.vendors import get_profile

# The segments of the two-part WAP Push carry the concatenation IE (ref 0x0A, 2 parts).
CONCAT_IE = "0B05040B8423F000030A02"


def test_sierra_mc7455_startup_identification_and_wap_push_by_cmti() -> None:
    inbox = Inbox()
    with replay_channel("sierra/mc7455/startup-and-wap-push-cmti.txt") as channel:
        modem = Modem(channel, sleep=no_sleep)
        identity = modem.start()
        assert identity == ModemIdentity(
            "Sierra Wireless, Incorporated", "MC7455", "SWI9X30C_02.33.03.00 r8209 CARMD-EV-FRMWR2 2019/08/28 20:59:30", "359072060000000"
        )
        assert modem.profile is not None and modem.profile.name == "sierra"
        assert modem.unlock() == "READY" and modem.radio_on() == 1
        assert modem.imsi() == "310410000000000"
        reg = modem.registration()
        assert (reg.state, reg.technology, reg.source) == ("roaming", "umts", "CREG")
        sms = SmsService(channel, modem.profile, on_sms=inbox, sleep=no_sleep)
        settings = sms.start(worker=False)
        assert settings.storages == ("ME", "ME", "ME") and settings.cnmi == (1, 1, 0, 2, 0) and not settings.direct
        assert sms.drain(timeout=10.0) == 1
        (message,) = inbox.items
        assert (message.source, message.storage, message.index, tpdu_octets(message.pdu_hex)) == ("cmti", "ME", 0, 153)
        sms.acknowledge_stored("ME", 0)  # AT+CMGD=0 only now
        sms.stop()
        assert_played(channel)


@pytest.mark.parametrize(
    ("fixture", "profile", "index"),
    [("generic/3gpp/wap-push-cmti-single.txt", "generic", 1), ("ublox/sara-r410m/wap-push-cmti-single.txt", "ublox", 0)],
)
def test_wap_push_by_cmti_single(fixture: str, profile: str, index: int) -> None:
    inbox = Inbox()
    with replay_channel(fixture) as channel:
        sms = SmsService(channel, get_profile(profile), on_sms=inbox, sleep=no_sleep)
        settings = sms.start(worker=False, collect=False)
        assert not settings.direct and settings.cnmi[1] == 1  # +CMTI: stored delivery by default
        assert sms.drain(timeout=10.0) == 1
        (message,) = inbox.items
        assert (message.source, message.storage, message.index, tpdu_octets(message.pdu_hex)) == ("cmti", "ME", index, 153)
        sms.acknowledge_stored("ME", index)  # AT+CMGD only now
        sms.stop()
        assert_played(channel)


@pytest.mark.parametrize(
    ("fixture", "profile", "cnmi", "acknowledged"),
    [
        ("sierra/mc7455/wap-push-cmt-direct.txt", "sierra", (1, 2, 0, 1, 0), False),  # phase 2: no CNMA
        ("huawei/e3372/wap-push-cmt-direct.txt", "huawei", (1, 2, 0, 1, 0), False),  # phase 2 whatever CSMS says
        ("ublox/sara-r410m/wap-push-cmt-direct.txt", "ublox", (1, 2, 0, 1, 0), True),
        ("generic/3gpp/wap-push-cmt-direct.txt", "generic", (2, 2, 0, 1, 0), True),
    ],
)
def test_wap_push_by_cmt_direct_delivery(fixture: str, profile: str, cnmi: tuple[int, ...], acknowledged: bool) -> None:
    inbox = Inbox()
    with replay_channel(fixture) as channel:
        sms = SmsService(channel, get_profile(profile), on_sms=inbox, direct=True, sleep=no_sleep)
        settings = sms.start(worker=False, collect=False)
        assert settings.direct and settings.cnmi == cnmi and settings.cnma_required is acknowledged
        assert inbox.arrived.wait(10.0)
        (message,) = inbox.items
        assert (message.source, message.storage, message.index, message.tpdu_length) == ("cmt", None, None, 153)
        assert sms.drain(timeout=10.0 if acknowledged else 0.2) == (1 if acknowledged else 0)  # AT+CNMA where needed
        sms.stop()
        assert_played(channel)


def test_simcom_never_asks_for_direct_delivery() -> None:
    """SIMCom: ofono never sends AT+CNMA to it, so direct=True still sets stored delivery
    (the +CMTI/AT+CMGR path of the concatenated fixture below)."""
    with replay_channel("simcom/sim7600/wap-push-cmti-concatenated.txt") as channel:
        sms = SmsService(channel, get_profile("simcom"), direct=True, sleep=no_sleep)
        settings = sms.start(worker=False, collect=False)
        assert not settings.direct and settings.cnmi == (1, 1, 0, 2, 0)
        sms.stop()


@pytest.mark.parametrize(
    ("fixture", "profile", "storage", "first"),
    [
        ("simcom/sim7600/wap-push-cmti-concatenated.txt", "simcom", "ME", 0),
        ("huawei/e3372/wap-push-cmti-concatenated.txt", "huawei", "SM", 0),
        ("sierra/mc7455/wap-push-cmti-concatenated.txt", "sierra", "ME", 0),
        ("ublox/sara-r410m/wap-push-cmti-concatenated.txt", "ublox", "ME", 0),
        ("generic/3gpp/wap-push-cmti-concatenated.txt", "generic", "ME", 1),  # 27.005 numbering from 1
    ],
)
def test_concatenated_wap_push_by_cmti(fixture: str, profile: str, storage: str, first: int) -> None:
    inbox = Inbox()
    with replay_channel(fixture) as channel:
        sms = SmsService(channel, get_profile(profile), on_sms=inbox, sleep=no_sleep)
        settings = sms.start(worker=False, collect=False)
        assert settings.storages == (storage,) * 3 and not settings.direct
        done = 0
        while done < 2:
            done += sms.drain(timeout=10.0)
        assert [(m.source, m.storage, m.index, m.tpdu_length) for m in inbox.items] == [
            ("cmti", storage, first, 101),
            ("cmti", storage, first + 1, 88),
        ]
        assert all(CONCAT_IE in m.pdu_hex for m in inbox.items)
        for m in inbox.items:
            sms.acknowledge_stored(m.storage, m.index)  # deleted only now
        sms.stop()
        assert_played(channel)


@pytest.mark.parametrize(
    "fixture, profile",
    [
        ("sierra/mc7455/mms-context.txt", "sierra"),
        ("huawei/e3372/mms-context.txt", "huawei"),
        ("ublox/sara-r410m/mms-context.txt", "ublox"),
    ],
)
def test_mms_context_activation(fixture: str, profile: str) -> None:
    with replay_channel(fixture) as channel:
        pdp = PdpContext(channel, get_profile(profile), PdpSettings(2, "mms"), sleep=no_sleep)
        pdp.define()  # cid 1 (internet) is read, never redefined
        assert pdp.activate() == ["10.180.2.33"]
        pdp.deactivate()
        assert_played(channel)
