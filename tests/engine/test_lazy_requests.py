"""An idle engine does not carry `requests` (urllib3, charset_normalizer: ~16 MB of an
idle daemon's memory): it is imported at the first exchange with the MMSC.

Run in a fresh interpreter (this one has requests already) on an emulated modem
without the simulated carrier (its friend handset uses requests itself)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import sys, time
import mmsua.sim  # the simmodem:// URL handler
from mmsua.sim import registry
from mmsua.sim.modem.core import EmulatedModem, Network
from mmsua.sim.modem.line import ModemLine
from mmsua.sim.modem.profiles import get_profile
import mmsua.daemon.runner, mmsua.daemon.server  # what the daemon loads at start
from mmsua.engine.agent import UserAgent
from mmsua.engine.carrier_http import TransientHttpError
from mmsua.engine.settings import AgentSettings

modem = EmulatedModem(get_profile("quectel-eg25g"), msisdn="+15550100001",
                      network=Network(operator="Sim", apns={"mms": ("", "")}))
url = registry.register("lazy", ModemLine(modem, None))
modem.power_on()
agent = UserAgent(AgentSettings(port=url, apn="mms", store_path=sys.argv[1], proxy="127.0.0.1:9",
                                mmsc_url="http://mmsc.example/", http_timeout=2))
agent.start()
assert agent.link.wait_ready(30), agent.link.error
print("ready", "requests" in sys.modules, agent.engine.data_path is not None)
try:
    agent.engine.http.get("http://mmsc.example/m/1")  # the context comes up; nothing listens on :9
except TransientHttpError as exc:
    print("exchange", "requests" in sys.modules, type(exc).__name__)
agent.stop()
"""


def test_requests_is_loaded_at_the_first_exchange_not_at_start(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "s.sqlite")], cwd=root,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert "ready False True" in lines, done.stdout  # engine, modem and data path up: no requests
    assert "exchange True TransientHttpError" in lines, done.stdout  # the first exchange loads it
