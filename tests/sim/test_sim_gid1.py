"""EF-GID1 (the SIM's group identifier) read by the real driver from the emulated modem."""

from __future__ import annotations

import pytest

from mmsua.drivers.at.channel import AtChannel
from mmsua.drivers.modem import Modem


def _modem_gid1(carrier, **handset) -> str | None:
    phone = carrier.add_handset("+15550100001", pty=False, **handset)
    channel = AtChannel(phone.serial_url, default_timeout=10.0).open()
    try:
        modem = Modem(channel)
        modem.start()
        modem.unlock()
        return modem.gid1()
    finally:
        channel.close()


def test_the_driver_reads_the_configured_gid1(carrier):
    assert _modem_gid1(carrier, gid1="BA01450000000000") == "BA01450000000000"


def test_a_sim_without_gid1_gives_none(carrier):
    assert _modem_gid1(carrier) is None


def test_the_emulator_refuses_a_gid1_that_is_not_hex(carrier):
    with pytest.raises(ValueError):
        carrier.add_handset("+15550100002", pty=False, gid1="XYZ")
