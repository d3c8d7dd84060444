"""modem.chained_io reaches the modem's socket stack through the engine (issue 13): "on"
reads and sends back to back, "off" and "auto" (no modem family is proven to take it yet,
docs/driver.md) one command at a time; a message is retrieved either way."""

from __future__ import annotations

from pathlib import Path

import pytest
from simagent import FRIEND, ME, only_message, start_agent, wait_for

from mmsua.sim.carrier import SimulatedCarrier


@pytest.mark.parametrize(("setting", "chained"), [("on", True), ("off", False), ("auto", False)])
def test_the_setting_decides_how_the_stack_reads(setting: str, chained: bool, tmp_path: Path) -> None:
    with SimulatedCarrier(profile="quectel-eg25g") as sim:
        agent = start_agent(sim, ME, tmp_path / "s.sqlite", chained_io=setting, context_idle_grace=600)
        try:
            sim.send_mms(FRIEND, [ME], text="x" * 20_000, subject="big enough for several reads")
            message = wait_for("retrieved", lambda: only_message(agent, "received"))
            assert message.text == "x" * 20_000
            assert agent.link.bearer.built.stack.chained is chained
            ahead = agent.link.channel.commands_ahead
            assert (ahead > 0) if chained else (ahead == 0), ahead
        finally:
            agent.stop()
