"""The SIM's GID1 read by the engine from the emulated modem picks the MVNO's carrier rules."""

from __future__ import annotations

import os
from pathlib import Path

from simagent import ME, start_agent

from mmsua import config
from mmsua.daemon.runner import provision


def test_an_mvno_sim_gets_its_rules_applied_at_start_and_reported_in_status(carrier, tmp_path: Path) -> None:
    carrier.add_handset(ME, imsi="311480123456789", gid1="BA01450000000000")
    agent = start_agent(carrier, ME, tmp_path / "store")
    try:
        identity = agent.sim_identity()
        assert identity["imsi"] == "311480123456789" and identity["gid1"] == "BA01450000000000"
        provision(config.load(os.devnull, {"carrier.databases": [str(tmp_path / "none.xml")]}), agent)
        assert agent.settings.carrier.startswith("XFINITY Mobile 311/480, gid1 BA01450000000000 (")
        assert agent.settings.uaprof_header == "Profile" and agent.settings.recipient_limit == 20
        assert agent.status().carrier == agent.settings.carrier
    finally:
        agent.stop()


def test_the_host_networks_sim_without_gid1_gets_the_hosts_rules(carrier, tmp_path: Path) -> None:
    carrier.add_handset(ME, imsi="311480123456789")
    agent = start_agent(carrier, ME, tmp_path / "store")
    try:
        assert agent.sim_identity()["gid1"] == ""
        provision(config.load(os.devnull, {"carrier.databases": [str(tmp_path / "none.xml")]}), agent)
        assert agent.status().carrier is not None and agent.status().carrier.startswith("Verizon 311/480 (")
    finally:
        agent.stop()
