"""MMS over the shared internet APN on the simulated carrier: the LTE default bearer
(cid 1, APN "internet") is up from registration and the carrier's MMS APN is the same
one. ``mms.context = auto`` uses cid 1 as it is and never takes it down; ``own`` keeps
the old behaviour (its own cid, activated and released by mmsua)."""

from __future__ import annotations

from pathlib import Path

import pytest
from simagent import FRIEND, ME, only_message, start_agent, wait_for

from mmsua.codec.mms import MessageType
from mmsua.sim.carrier import SimulatedCarrier

# What each dialect sends to open a socket on a cid, and to take a cid down.
OPEN = {"quectel-eg25g": "AT+QIOPEN={cid},", "simcom-sim7600": "AT+CSOCKSETPN={cid}"}
TAKE_DOWN = {"quectel-eg25g": ("AT+QIDEACT={cid}", "AT+CGACT=0,{cid}"), "simcom-sim7600": ("AT+CGACT=0,{cid}",)}


def next_of(commands: list[str], after: str, wanted: tuple[str, ...]) -> str | None:
    """The first of ``wanted`` sent after the first ``after`` (other threads' commands skipped)."""
    return next((c for c in commands[commands.index(after) + 1:] if c in wanted), None)


def notify_resps(carrier: SimulatedCarrier) -> list:
    return [p for p in list(carrier.mmsc.received) if p.message_type == MessageType.M_NOTIFYRESP_IND]


@pytest.mark.parametrize("profile", ["quectel-eg25g", "simcom-sim7600"])
def test_auto_rides_on_the_default_bearer_and_never_takes_it_down(profile: str, tmp_path: Path) -> None:
    # The network also refuses a second context on the APN, as many do: only reuse can work.
    with SimulatedCarrier(profile=profile, apn="internet", default_bearer=True, one_context_per_apn=True) as sim:
        agent = start_agent(sim, ME, tmp_path / "shared.sqlite", context_idle_grace=0.05)  # mms_context="auto"
        try:
            modem = sim.handsets[ME].modem
            assert modem.contexts[1].active and modem.contexts[1].apn == "internet"
            sim.send_mms(FRIEND, [ME], text="over the internet APN")
            message = wait_for("message retrieved", lambda: only_message(agent, "received"))
            assert message.text == "over the internet APN"
            wait_for("M-NotifyResp.ind", lambda: notify_resps(sim))
            wait_for("the data path released when idle", lambda: agent.link.bearer.state == "down")
            commands = list(modem.commands_seen)
            assert any(c.startswith(OPEN[profile].format(cid=1)) for c in commands), commands
            assert not any(c.startswith('AT+CGDCONT=') or c.startswith("AT+QICSGP=") for c in commands), commands
            assert "AT+QIACT=2" not in commands and "AT+CSOCKSETPN=2" not in commands
            for down in TAKE_DOWN[profile]:
                assert down.format(cid=1) not in commands, commands
            assert modem.contexts[1].active, "the internet's context was taken down"
            assert 2 not in modem.contexts or not modem.contexts[2].active
        finally:
            agent.stop()
        assert modem.contexts[1].active  # not even when mmsua stops


def test_own_keeps_the_old_behaviour_its_cid_activated_and_released(tmp_path: Path) -> None:
    with SimulatedCarrier(profile="quectel-eg25g", apn="internet", default_bearer=True) as sim:
        agent = start_agent(sim, ME, tmp_path / "own.sqlite", mms_context="own", context_idle_grace=0.05)
        try:
            modem = sim.handsets[ME].modem
            sim.send_mms(FRIEND, [ME], text="on my own context")
            wait_for("message retrieved", lambda: only_message(agent, "received"))
            wait_for("M-NotifyResp.ind", lambda: notify_resps(sim))
            wait_for("released when idle", lambda: "AT+QIDEACT=2" in modem.commands_seen)
            commands = list(modem.commands_seen)
            assert 'AT+CGDCONT=2,"IP","internet"' in commands and "AT+QIACT=2" in commands
            assert any(c.startswith("AT+QIOPEN=2,") for c in commands)
            assert "AT+QIDEACT=1" not in commands and modem.contexts[1].active
        finally:
            agent.stop()


def test_own_on_a_network_that_refuses_a_second_context_says_what_to_change(tmp_path: Path) -> None:
    with SimulatedCarrier(profile="quectel-eg25g", apn="internet", default_bearer=True, one_context_per_apn=True) as sim:
        agent = start_agent(sim, ME, tmp_path / "refused.sqlite", mms_context="own")
        try:
            sim.send_mms(FRIEND, [ME], text="cannot come")
            error = wait_for("a retrieval error", lambda: (m := only_message(agent, "notified")) and m.error)
            assert 'set mms.context = "auto"' in error, error
            commands = list(sim.handsets[ME].modem.commands_seen)
            # Refused once, the cause asked, no back-off retries (a later task retry is another try).
            assert next_of(commands, "AT+QIACT=2", ("AT+QIACT=2", "AT+CEER")) == "AT+CEER", commands
        finally:
            agent.stop()


def test_auto_without_an_active_context_on_the_apn_uses_its_own(tmp_path: Path) -> None:
    """A separate MMS APN ("mms") with the default bearer up on "internet": nothing to share."""
    with SimulatedCarrier(profile="quectel-eg25g", default_bearer=True) as sim:
        agent = start_agent(sim, ME, tmp_path / "sep.sqlite", context_idle_grace=0.05)
        try:
            modem = sim.handsets[ME].modem
            sim.send_mms(FRIEND, [ME], text="on the MMS APN")
            wait_for("message retrieved", lambda: only_message(agent, "received"))
            wait_for("released when idle", lambda: "AT+QIDEACT=2" in modem.commands_seen)
            assert "AT+QIACT=2" in modem.commands_seen and modem.contexts[1].active
        finally:
            agent.stop()
