"""Modem start-up over replayed real-modem transcripts (replay://), through the real AtChannel."""

from __future__ import annotations

import pytest
from hwreplay import assert_played, no_sleep, replay_channel

from mmsua.drivers.errors import CmeError
from mmsua.drivers.modem import Modem, ModemIdentity, SimError


def test_quectel_ec25_startup() -> None:
    with replay_channel("quectel/ec25/startup.txt") as channel:
        modem = Modem(channel, sleep=no_sleep)
        identity = modem.start()
        assert identity == ModemIdentity("Quectel", "EC25", "EC25AUFAR02A04M4G", "860000000000000")
        assert modem.profile is not None and modem.profile.name == "quectel"
        assert modem.unlock() == "READY"  # after CME 10, 10, 14 (the SIM was still starting)
        assert modem.imsi() == "505010000000000"
        assert modem.own_number() is None
        assert modem.service_provider() == "Mint"
        reg = modem.registration()
        assert reg.registered and reg.state == "home"
        signal = modem.signal()
        assert signal.rssi_dbm == -65 and signal.rsrp_dbm == -95.0 and signal.technology == "lte"
        assert modem.operator().name == "Mint"
        assert_played(channel)


def test_generic_modem_with_pin_radio_off_and_sim_busy() -> None:
    with replay_channel("generic/qualcomm-m6280/startup-pin.txt") as channel:
        modem = Modem(channel, pin="1234", sleep=no_sleep)
        identity = modem.start()
        assert (identity.manufacturer, identity.model, identity.imei) == ("QUALCOMM INCORPORATED", "M6280", "111111111111111")
        assert modem.profile.name == "generic"
        assert modem.unlock() == "READY"
        assert modem.radio_on() == 0  # it was off; AT+CFUN=1 sent
        assert modem.imsi() == "111111111111111"  # after two CME 14 (SIM busy)
        reg = modem.registration()
        assert (reg.state, reg.source) == ("home", "CGREG")
        assert modem.signal().rssi_dbm == -77
        assert_played(channel)


def test_pin_asked_but_not_configured_is_a_clear_error() -> None:
    with replay_channel("generic/qualcomm-m6280/startup-pin.txt") as channel:
        modem = Modem(channel, sleep=no_sleep)
        modem.start()
        with pytest.raises(SimError, match="asks for its PIN and none is configured") as info:
            modem.unlock()
        assert info.value.state == "SIM PIN"


def test_sim_busy_forever_gives_up_with_the_cme_error() -> None:
    with replay_channel("generic/qualcomm-m6280/startup-pin.txt") as channel:
        modem = Modem(channel, pin="1234", busy_delays=(0.0,), sleep=no_sleep)
        modem.start()
        modem.unlock()
        modem.radio_on()
        with pytest.raises(CmeError) as info:
            modem.imsi()
        assert info.value.code == 14


def test_reboot_mid_session_then_full_restart() -> None:
    from mmsua.drivers.errors import ModemReset
    from mmsua.drivers.sms import SmsService

    resets: list[str] = []
    with replay_channel("quectel/ec21-j/reboot-mid-session.txt") as channel:
        modem = Modem(channel, sleep=no_sleep)
        modem.start()
        modem.on_reset(resets.append)
        with pytest.raises(ModemReset):
            modem.registration()
        # The owner's recovery: everything again, on a modem whose echo is back on.
        assert modem.start().model == "EC21"
        assert modem.unlock() == "READY"  # after CME 10 and 14 while the SIM restarts
        settings = SmsService(channel, modem.profile, sleep=no_sleep).start(worker=False, collect=False)
        assert settings.cnmi == (1, 1, 0, 2, 0)
        assert_played(channel)
    assert resets == ["RDY"]
