"""The emulated modem as the far end of a recording: `mmsua record` on its pty makes a fixture.

Real serial I/O: the recorder opens the pty's slave path like any serial device.
The transcript it writes then replays through replay:// with the same answers,
and a fresh emulated modem answers its host lines the same way again.
"""

from __future__ import annotations

import pytest
import serial
from dialect_compare import Events, compare
from sim_at_host import boot_done, burst_on_the_pty

import mmsua.drivers  # noqa: F401  (record:// and replay:// handlers)
from mmsua.cli.main import main
from mmsua.drivers.transcript import load
from mmsua.sim import registry
from mmsua.sim.carrier import SimulatedCarrier
from mmsua.sim.modem.core import EmulatedModem, Timing
from mmsua.sim.modem.line import ModemLine
from mmsua.sim.modem.profiles import get_profile

QUICK = Timing(sms_ready=0.0, register=0.0, pb_ready=0.0)


@pytest.mark.parametrize("profile", ["quectel-eg25g", "simcom-sim7600"])
def test_record_on_the_pty_makes_a_replayable_fixture(tmp_path, profile, capsys):
    out = tmp_path / "session.txt"
    with SimulatedCarrier(profile=profile, timing=QUICK) as carrier:
        phone = carrier.add_handset("+15550100001")
        # The whole boot burst is on the pty before the recorder opens it (its open
        # drops what came before): a burst cut in two would make a half-recorded boot.
        assert burst_on_the_pty(phone.modem), "the boot burst never reached the pty"
        assert main(["record", "--port", phone.pty_path, "--out", str(out), "--no-timing"]) == 0
    transcript = load(out)
    hosts = [s for s in transcript.steps if s.kind == "host"]
    assert any(s.data == b"ATI\r" for s in hosts) and "recorded with mmsua record" in transcript.header["source"]
    assert phone.pty_path in transcript.header["port"]

    # 1. the transcript replays through replay:// (strict host matching) with the recorded answers
    replay = serial.serial_for_url(f"replay://{out}", timeout=0.05)
    try:
        assert compare(replay, transcript, Events()) == []
        assert replay.unconsumed() == []
    finally:
        replay.close()

    # 2. a fresh emulated modem of the same profile gives the same answers: the session is a fixture
    modem = EmulatedModem(get_profile(profile), msisdn="+15550100001", timing=QUICK)
    url = registry.register(f"record-check-{profile}", ModemLine(modem))
    port = serial.serial_for_url(url, timeout=0.05)
    try:
        modem.power_on()
        assert boot_done(modem), "the fresh modem never finished booting"  # all of the burst is out
        if not [s for s in transcript.steps[:1] if s.kind == "modem"]:
            port.reset_input_buffer()  # the recording began after the boot burst
        assert compare(port, transcript, Events()) == []
    finally:
        port.close()
        registry.unregister(f"record-check-{profile}")
        modem.close()
