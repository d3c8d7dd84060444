"""A modem whose port vanishes (USB reset, unplug) and comes back, possibly under a new
name: the daemon says it is gone within seconds, queued work waits without spending
attempts, and within 10 s of the port reappearing the modem works again, the queued
messages go out and an SMS stored meanwhile comes in.

The emulated modem's pty front plays the device node: on a vanish its /dev/pts/N and
the stable symlink in front of it disappear, and it comes back as another /dev/pts/M.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from simagent import FRIEND, ME, start_agent, wait_for

from mmsua.api.shapes import SendRequest
from mmsua.drivers import replug
from mmsua.engine.agent import UserAgent
from mmsua.sim.carrier import Handset, SimulatedCarrier

BACK_WITHIN = 10.0  # seconds from the port reappearing to the modem working again
OTHER = "+15550100002"


@pytest.fixture
def carrier() -> Iterator[SimulatedCarrier]:
    with SimulatedCarrier(profile="quectel-eg25g") as c:
        yield c


def _gone(agent: UserAgent) -> dict[str, Any] | None:
    status = agent.status()
    return status if status.modem is None and status.modem_error else None


def _texts(agent: UserAgent, direction: str) -> list[str]:
    return sorted(m.text for c in agent.list_conversations() for m in agent.list_messages(c.id)
                  if m.direction == direction)


def _back_within_bound(agent: UserAgent, plug_back: Callable[[], None]) -> None:
    """``plug_back()``, then the modem works again within BACK_WITHIN seconds."""
    plug_back()
    back = time.monotonic()
    wait_for("working again", lambda: agent.link.wait_ready(0), timeout=BACK_WITHIN)
    assert time.monotonic() - back < BACK_WITHIN and agent.status().modem_error is None


def _unplug_queue_and_replug(carrier: SimulatedCarrier, handset: Handset, agent: UserAgent,
                             replugged: Any = lambda: None) -> None:
    """The whole story on one agent; ``replugged()`` plays udev once the new node exists."""
    wait_for("registered", lambda: agent.status().registration == "home")
    old_node = os.readlink(handset.pty_path or "")
    handset.vanish()
    status = wait_for("the modem reported gone", lambda: _gone(agent), timeout=5.0)
    # Nothing stale: no modem, no registration or signal, and why with when.
    assert status.registration == "unknown" and status.signal is None and status.operator is None
    assert "vanished" in status.modem_error.reason and status.modem_error.at
    assert status.data_path == "error"

    # Queued while away: they wait, and no attempt is spent (the worker's step runs nothing).
    sms = agent.send(SendRequest(to=(OTHER,), text="queued while unplugged", as_sms=True))
    mms = agent.send(SendRequest(to=(OTHER,), text="an MMS queued while unplugged"))
    assert agent.engine.run_due() is False
    for kind, message in (("send_sms", sms), ("send", mms)):
        task = agent.store.get_task(kind, message.id)
        assert task is not None and task.attempts == 0
        assert agent.show_message(message.id).state == "queued"
    # An SMS that arrives meanwhile is stored on the modem (no one reads the +CMTI).
    carrier.send_sms(ME, "sent while you were unplugged", originator=FRIEND)
    wait_for("stored on the modem", lambda: any(handset.modem.storage(m).used for m in ("ME", "SM")))

    handset.reappear()
    back = time.monotonic()
    wait_for("the new device node", lambda: os.path.exists(handset.pty_path or ""))
    assert os.readlink(handset.pty_path or "") != old_node  # it came back under another name
    replugged()
    wait_for("working again", lambda: agent.link.wait_ready(0) and agent.status().modem is not None,
             timeout=BACK_WITHIN - (time.monotonic() - back))
    status = agent.status()
    assert status.modem_error is None and status.registration in ("home", "unknown", "searching")
    wait_for("the queued SMS and MMS sent", lambda: all(agent.show_message(m.id).state == "sent"
                                                        for m in (sms, mms)))
    assert agent.store.get_task("send_sms", sms.id) is None
    wait_for("the SMS stored meanwhile received", lambda: "sent while you were unplugged" in _texts(agent, "in"))
    wait_for("registered again", lambda: agent.status().registration == "home")


def test_an_unplugged_modem_behind_its_stable_link_is_found_again_under_a_new_node(carrier, tmp_path: Path) -> None:
    handset = carrier.add_handset(ME)
    carrier.add_handset(OTHER)
    agent = start_agent(carrier, ME, tmp_path / "link.sqlite", port=handset.pty_path)
    try:
        _unplug_queue_and_replug(carrier, handset, agent)
        assert agent.link.restarts == 1
    finally:
        agent.stop()


def test_a_modem_configured_by_its_node_is_found_again_through_its_by_id_link(
        carrier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    by_id = tmp_path / "by-id"  # plays /dev/serial/by-id; the test plays udev
    by_id.mkdir()
    monkeypatch.setattr(replug, "SYSTEM", replug.DeviceTree(by_id=str(by_id), sys_tty=str(tmp_path / "no-sysfs")))
    handset = carrier.add_handset(ME)
    carrier.add_handset(OTHER)
    link = by_id / "usb-Quectel_EG25-G_sim-if02-port0"
    node = os.readlink(handset.pty_path or "")
    link.symlink_to(node)
    agent = start_agent(carrier, ME, tmp_path / "by-id.sqlite", port=node)  # the node, not a stable name
    try:
        assert agent.link.port_identity.by_id == str(link)

        def udev() -> None:
            link.unlink()
            link.symlink_to(os.readlink(handset.pty_path or ""))

        _unplug_queue_and_replug(carrier, handset, agent, udev)
        # Reached through the link, which leads to the new node now. (Not "the old node is
        # gone": /dev/pts numbers are the whole machine's, and once freed any program's pty
        # may take it; a stress run saw /dev/pts/6 back by then.)
        assert agent.link.port == str(link) and os.readlink(link) != node
    finally:
        agent.stop()


def test_a_modem_unplugged_with_its_power_boots_again_and_the_sms_the_network_kept_comes_in(carrier, tmp_path: Path) -> None:
    handset = carrier.add_handset(ME)
    carrier.add_handset(OTHER)
    agent = start_agent(carrier, ME, tmp_path / "power.sqlite", port=handset.pty_path)
    try:
        wait_for("registered", lambda: agent.status().registration == "home")
        handset.unplug()
        wait_for("the modem reported gone", lambda: _gone(agent), timeout=5.0)
        sms = agent.send(SendRequest(to=(OTHER,), text="queued while powered off", as_sms=True))
        carrier.send_sms(ME, "kept by the network", originator=FRIEND)
        wait_for("kept by the network", lambda: handset.modem.pending_deliveries)
        _back_within_bound(agent, handset.replug)  # a module that boots: SMS and registration come after the port
        wait_for("the queued SMS sent", lambda: agent.show_message(sms.id).state == "sent")
        wait_for("the kept SMS received", lambda: "kept by the network" in _texts(agent, "in"))
        assert agent.store.get_task("send_sms", sms.id) is None
    finally:
        agent.stop()


def test_a_modem_behind_a_pyserial_url_is_opened_again_once_it_is_back(carrier, tmp_path: Path) -> None:
    handset = carrier.add_handset(ME)
    agent = start_agent(carrier, ME, tmp_path / "url.sqlite")  # simmodem://: no device node to watch
    try:
        handset.vanish()
        wait_for("the modem reported gone", lambda: _gone(agent), timeout=5.0)
        _back_within_bound(agent, handset.reappear)
    finally:
        agent.stop()


def test_the_status_bar_says_the_modem_is_gone_and_why(carrier, tmp_path: Path) -> None:
    from mmsua.tui.model import Status
    from mmsua.tui.widgets.status_bar import status_line

    handset = carrier.add_handset(ME)
    agent = start_agent(carrier, ME, tmp_path / "bar.sqlite", port=handset.pty_path)
    try:
        wait_for("registered", lambda: agent.status().registration == "home")
        handset.vanish()
        bar = status_line(Status.from_api(wait_for("gone", lambda: _gone(agent), timeout=5.0)), "sock", True).plain
        assert "no modem" in bar and "vanished" in bar and "not registered" in bar and "home" not in bar
    finally:
        agent.stop()


def test_a_modem_never_plugged_in_is_waited_for_and_used_once_it_appears(carrier, tmp_path: Path) -> None:
    handset = carrier.add_handset(ME)
    port = handset.pty_path or ""
    handset.vanish()
    agent = UserAgent(carrier.agent_settings(handset, tmp_path / "late.sqlite", port=port))
    agent.start()
    try:
        status = wait_for("says there is no modem", lambda: agent.status().modem_error)
        assert status.reason == f"cannot open port {port}: no such device"
        _back_within_bound(agent, handset.reappear)
    finally:
        agent.stop()
