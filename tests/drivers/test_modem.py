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
