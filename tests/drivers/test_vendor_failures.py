"""The failure scenarios of issue 4 per vendor profile (Huawei, Sierra, u-blox, SIMCom),
replayed from hw_fixtures through the real driver objects (SmsService, PdpContext,
SimcomSockets, Modem) over replay://. Quectel/generic have theirs in test_sms_service.py,
test_pdp.py, test_modem.py and test_channel_failures.py."""

from __future__ import annotations

import pytest
from hwreplay import Inbox, assert_played, no_sleep, replay_channel

from mmsua.drivers.answers.sms import tpdu_octets
from mmsua.drivers.pdp import PdpContext, PdpSettings
from mmsua.drivers.sms import SmsService
from mmsua.drivers.vendors import get_profile
from mmsua.drivers.vendors.simcom.sockets import SimcomSockets


class Sleeps(list):
    """Back-off delays asked for, in order (nothing really sleeps: the transcript decides)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


# (fixture, profile, storage, size, slots kept in an earlier run, slot the new WAP Push lands in)
MEMORY_FULL = [
    ("huawei/e3372/memory-full.txt", "huawei", "SM", 50, (3, 17), 3),
    ("sierra/mc7455/memory-full.txt", "sierra", "ME", 255, (12,), 12),
    ("ublox/sara-r410m/memory-full.txt", "ublox", "ME", 255, (0, 1), 0),
    ("simcom/sim7600/memory-full.txt", "simcom", "ME", 255, (7, 9), 7),
]


@pytest.mark.parametrize(("fixture", "profile", "storage", "size", "kept", "slot"), MEMORY_FULL, ids=lambda v: v if isinstance(v, str) and "/" in v else None)
def test_memory_full_frees_handled_messages_then_the_new_one_is_read(
    fixture: str, profile: str, storage: str, size: int, kept: tuple[int, ...], slot: int
) -> None:
    inbox = Inbox()
    with replay_channel(fixture) as channel:
        sms = SmsService(channel, get_profile(profile), on_sms=inbox, sleep=no_sleep)
        for index in kept:  # the layer above's records of an earlier run
            sms.mark_handled(storage, index)
        settings = sms.start(worker=False, collect=False)
        assert settings.storages == (storage, storage, storage)
        assert (settings.used, settings.total) == (size, size)
        assert sms.handled == frozenset()  # every kept message was deleted (AT+CMGD each)
        assert sms.drain(timeout=10.0) == 1  # the +CMTI into the freed slot
        (message,) = inbox.items
        assert (message.storage, message.index, message.source, message.kind) == (storage, slot, "cmti", "deliver")
        assert message.tpdu_length == tpdu_octets(message.pdu_hex) == 153
        assert "05040B8423F0" in message.pdu_hex  # UDH port addressing: WAP Push port 2948
        sms.acknowledge_stored(message.storage, message.index)  # kept above: deleted now
        assert sms.handled == frozenset()
        sms.stop()
        assert_played(channel)


# (fixture, profile, refusals as CME codes, back-offs)
PDP_REFUSED = [
    ("huawei/e3372/pdp-activation-refused-then-retried.txt", "huawei", [148, 148], [2.0, 5.0]),
    ("sierra/mc7455/pdp-activation-refused-then-retried.txt", "sierra", [134, 148], [2.0, 5.0]),
    ("ublox/sara-r410m/pdp-activation-refused-then-retried.txt", "ublox", [148, 148, 148], [2.0, 5.0, 10.0]),
]


@pytest.mark.parametrize(("fixture", "profile", "codes", "backoffs"), PDP_REFUSED, ids=lambda v: v if isinstance(v, str) and "/" in v else None)
def test_pdp_activation_refused_then_retried_with_backoff(
    fixture: str, profile: str, codes: list[int], backoffs: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    sleeps = Sleeps()
    with replay_channel(fixture) as channel:
        pdp = PdpContext(channel, get_profile(profile), PdpSettings(2, "mms"), sleep=sleeps)
        pdp.define()
        with caplog.at_level("WARNING", logger="mmsua.drivers.pdp"):
            assert pdp.activate() == ["10.180.2.33"]
        assert sleeps == backoffs  # one back-off per refusal, growing
        refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert len(refusals) == len(codes)
        for message, code in zip(refusals, codes, strict=False):
            assert f"+CME ERROR: {code} (" in message, message
        pdp.deactivate()
        assert_played(channel)


def test_simcom_netopen_refused_then_retried_with_backoff() -> None:
    sleeps = Sleeps()
    with replay_channel("simcom/sim7600/pdp-activation-refused-then-retried.txt") as channel:
        profile = get_profile("simcom")
        pdp = PdpContext(channel, profile, PdpSettings(5, "mms"), sleep=sleeps)
        stack = SimcomSockets(channel, profile, pdp, sleep=no_sleep)
        assert stack.up() == ["10.181.7.2"]  # after +NETOPEN: 1 and a plain ERROR
        assert sleeps == [2.0, 5.0]
        assert_played(channel)


# ---- garbage bytes in the middle of an answer ------------------------------------------------

GARBAGE_PDP = [
    ("huawei/e3372/garbage-mid-answer.txt", "huawei"),
    ("sierra/mc7455/garbage-mid-answer.txt", "sierra"),
    ("ublox/sara-r410m/garbage-mid-answer.txt", "ublox"),
]


@pytest.mark.parametrize(("fixture", "profile"), GARBAGE_PDP, ids=[f for f, _ in GARBAGE_PDP])
def test_garbage_inside_the_context_answers_changes_nothing(
    fixture: str, profile: str, caplog: pytest.LogCaptureFixture
) -> None:
    with replay_channel(fixture) as channel, caplog.at_level("INFO", logger="mmsua.drivers"):
        pdp = PdpContext(channel, get_profile(profile), PdpSettings(2, "mms"), sleep=no_sleep)
        # cid 2 (after a garbage line) already says mms: no AT+CGDCONT=2 is written (strict replay);
        # +CGACT: 2,0 (garbage glued before it) is read as inactive, so AT+CGACT=1,2 is sent.
        pdp.define()
        assert pdp.activate() == ["10.180.2.33"]  # its OK had NULs before it
        pdp.deactivate()
        assert_played(channel)
    noise = [r for r in caplog.records if "line noise skipped" in r.getMessage()]
    assert len(noise) >= 4  # each piece of garbage was seen and dropped, not taken as an answer


def test_simcom_garbage_inside_a_cmgl_listing_loses_no_message(caplog: pytest.LogCaptureFixture) -> None:
    with replay_channel("simcom/sim7600/garbage-mid-answer.txt") as channel, caplog.at_level("INFO", logger="mmsua.drivers"):
        sms = SmsService(channel, get_profile("simcom"), sleep=no_sleep)
        sms.start(worker=False, collect=False)
        listed = sms.collect_stored()
        assert [(m.index, m.storage, m.stat, m.tpdu_length) for m in listed] == [(0, "ME", 0, 153), (1, "ME", 1, 153)]
        for m in listed:
            assert tpdu_octets(m.pdu_hex) == 153 and "05040B8423F0" in m.pdu_hex
        sms.stop()
        assert_played(channel)
    assert any("line noise skipped" in r.getMessage() for r in caplog.records)


# ---- the modem reboots mid-session, with the vendor's boot signs -----------------------------

REBOOTS = [
    # (fixture, the command pending when it restarts, the boot sign that fails it, model after restart)
    ("huawei/me909s/reboot-mid-session.txt", "registration", "^SYSSTART", "ME909s-120"),
    ("simcom/sim7600/reboot-mid-session.txt", "signal", "RDY", "SIMCOM_SIM7600G-H"),
]


@pytest.mark.parametrize(("fixture", "pending", "sign", "model"), REBOOTS, ids=[r[0] for r in REBOOTS])
def test_reboot_mid_session_is_modem_reset_and_a_restart_works(fixture: str, pending: str, sign: str, model: str) -> None:
    from mmsua.drivers.errors import ModemReset
    from mmsua.drivers.modem import Modem

    resets: list[str] = []
    with replay_channel(fixture) as channel:
        modem = Modem(channel, sleep=no_sleep)
        assert modem.start().model == model
        if pending == "signal":  # the SMS set-up was done before the restart
            SmsService(channel, modem.profile, sleep=no_sleep).start(worker=False, collect=False)
        modem.on_reset(resets.append)
        with pytest.raises(ModemReset) as info:
            getattr(modem, pending)()
        assert info.value.urc.line == sign
        # The owner's recovery: everything again, on a modem whose echo is back on.
        assert modem.start().model == model
        assert modem.unlock() == "READY"
        settings = SmsService(channel, modem.profile, sleep=no_sleep).start(worker=False, collect=False)
        assert settings.cnmi == (1, 1, 0, 2, 0)
        assert_played(channel)
    assert resets[:1] == [sign]


# ---- SIMCom: the port vanishes mid-command and comes back ------------------------------------


def test_simcom_port_vanishes_while_reading_a_wap_push_and_nothing_is_lost(caplog: pytest.LogCaptureFixture) -> None:
    from mmsua.drivers.modem import Modem

    inbox = Inbox()
    with replay_channel("simcom/sim7600/port-gone-mid-command.txt") as channel:
        profile = get_profile("simcom")
        sms = SmsService(channel, profile, on_sms=inbox, sleep=no_sleep)
        sms.start(worker=False, collect=False)
        with caplog.at_level("ERROR", logger="mmsua.drivers.sms"):
            assert sms.drain(timeout=10.0) == 1  # the +CMTI: its AT+CMGR=4 met the unplug
        assert inbox.items == [] and not channel.is_open
        assert any("gone" in r.getMessage().lower() for r in caplog.records)
        sms.stop()
        channel.reopen()  # the device is back (same replay session, after "! unplug")
        assert Modem(channel, sleep=no_sleep).start().model == "SIMCOM_SIM7600G-H"
        again = SmsService(channel, profile, on_sms=inbox, sleep=no_sleep)
        again.start(worker=False)  # the start-up listing finds what the lost read left stored
        (message,) = inbox.items
        assert (message.storage, message.index, message.source, message.tpdu_length) == ("ME", 4, "cmgl", 153)
        again.stop()
        assert_played(channel)


def test_sierra_restart_is_a_usb_re_enumeration_then_a_restart_works() -> None:
    """The MC7455 (AT over USB only) announces no restart on its port: the port goes away."""
    from mmsua.drivers.errors import PortGone
    from mmsua.drivers.modem import Modem

    with replay_channel("sierra/mc7455/reboot-mid-session.txt") as channel:
        modem = Modem(channel, sleep=no_sleep)
        assert modem.start().model == "MC7455"
        SmsService(channel, modem.profile, sleep=no_sleep).start(worker=False, collect=False)
        with pytest.raises(PortGone):
            modem.registration()
        assert not channel.is_open
        channel.reopen()  # re-enumerated: same replay session, after "! unplug"
        assert modem.start().model == "MC7455"  # echo is back on until ATE0
        assert modem.unlock() == "READY"
        settings = SmsService(channel, modem.profile, sleep=no_sleep).start(worker=False, collect=False)
        assert settings.cnmi == (1, 1, 0, 2, 0)
        assert_played(channel)


def test_huawei_boot_noise_is_not_a_restart_for_on_reset() -> None:
    """E220 firmware repeats ^BOOT:... every few seconds (gammu#393, real log): noise, not a restart.
    Only a real boot sign (^SYSSTART, RDY) may make the owner set everything up again."""
    import threading

    from channel_helpers import CHANNEL_FIXTURES, replay_url

    from mmsua.drivers.at.channel import AtChannel
    from mmsua.drivers.modem import Modem

    channel = AtChannel(replay_url(CHANNEL_FIXTURES / "huawei-e220-boot-flood.txt"), sync_on_open=False, default_timeout=2)
    modem = Modem(channel, profile=get_profile("huawei"))
    resets: list[str] = []
    modem.on_reset(resets.append)
    seen: list[str] = []
    three = threading.Event()

    def count(urc: object) -> None:  # subscribed after on_reset: called after it for each URC
        seen.append(urc.line)  # type: ignore[attr-defined]
        if len(seen) == 3:
            three.set()

    channel.subscribe(count)
    with channel.open():
        assert channel.command("AT+CREG?").lines == ("+CREG: 2,1,0A,3799B",)
        assert three.wait(10.0)
        assert_played(channel)
    assert seen == ["^BOOT:91409020,0,0,0,6"] * 3
    assert resets == []
