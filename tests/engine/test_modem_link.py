"""ModemLink on the emulated modem: the bearer it builds, the radio, a reset mid-session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from simagent import FRIEND, ME, only_message, start_agent, wait_for

from mmsua.drivers.bearers.ppp import PppBearer, ppp_available
from mmsua.drivers.ports import SerialPort
from mmsua.engine.modem_link import BearerUnavailable, ppp_data_port
from mmsua.sim.carrier import SimulatedCarrier


@pytest.fixture
def carrier() -> Iterator[SimulatedCarrier]:
    with SimulatedCarrier(profile="quectel-eg25g") as sim:
        yield sim


def test_the_ppp_data_port_is_the_same_modems_second_port() -> None:
    usb = "1-1.3"
    ports = [
        SerialPort("/dev/ttyUSB2", 0x2C7C, 0x0125, 2, usb_path=usb),
        SerialPort("/dev/ttyUSB3", 0x2C7C, 0x0125, 3, usb_path=usb),
        SerialPort("/dev/ttyUSB7", 0x2C7C, 0x0125, 3, usb_path="1-1.4"),  # another modem's
    ]
    assert ppp_data_port("/dev/ttyUSB2", "", ports) == "/dev/ttyUSB3"
    assert ppp_data_port("/dev/ttyUSB2", "/dev/ttyACM9", ports) == "/dev/ttyACM9"  # the setting wins
    with pytest.raises(BearerUnavailable, match="set data_port"):
        ppp_data_port("/dev/ttyS0", "", ports)


def test_ppp_bearer_dials_on_the_data_port_and_a_missing_pppd_is_a_clear_error(carrier, tmp_path: Path) -> None:
    agent = start_agent(carrier, ME, tmp_path / "ppp.sqlite", bearer="ppp", data_port="/dev/ttyUSB3", cid=3)
    try:
        bearer = agent.link.bearer
        assert isinstance(bearer, PppBearer) and (bearer.port, bearer.cid) == ("/dev/ttyUSB3", 3)
        missing = ppp_available()
        if missing is None:
            pytest.skip("pppd is installed here: the missing-pppd error cannot be shown")
        assert missing in agent.link.bearer_error and agent.status().data_path == "error"
        # SMS go on without a data path; the MMS waits for one (until it expires), owing no answer yet.
        carrier.send_sms(ME, "still here", originator=FRIEND)
        carrier.send_mms(FRIEND, [ME], text="needs data")
        assert wait_for("SMS", lambda: only_message(agent, "received")).text == "still here"
        waiting = wait_for("MMS waiting", lambda: only_message(agent, "notified"))
        assert waiting.sender == FRIEND and agent.status().pending_notifications == 1
        assert [t.kind for t in agent.store.tasks_for(waiting.id)] == ["retrieve"]
    finally:
        agent.stop()


def test_a_modem_that_boots_in_flight_mode_is_switched_on_and_registers(carrier, tmp_path: Path) -> None:
    handset = carrier.add_handset(ME, cfun=4)
    agent = start_agent(carrier, ME, tmp_path / "flight.sqlite")
    try:
        assert handset.modem.cfun == 1
        wait_for("registered", lambda: agent.status().registration == "home")
        carrier.send_mms(FRIEND, [ME], text="radio on")
        assert wait_for("retrieved", lambda: only_message(agent, "received")).text == "radio on"
    finally:
        agent.stop()


def test_a_reset_mid_session_is_set_up_again_and_loses_nothing(carrier, tmp_path: Path) -> None:
    handset = carrier.add_handset(ME)
    agent = start_agent(carrier, ME, tmp_path / "reset.sqlite")
    try:
        carrier.send_mms(FRIEND, [ME], text="before")
        wait_for("first retrieved", lambda: only_message(agent, "received"))
        handset.reboot(flood=2)  # a brown-out: RDY twice, then the boot burst
        # Right after the reboot: the modem stores it while nobody has set CNMI again.
        carrier.send_mms(FRIEND, [ME], text="right after the reboot")
        wait_for("set up again", lambda: agent.link.restarts >= 1 and agent.link.wait_ready(0))
        texts = lambda: sorted(m.text for c in agent.list_conversations() for m in agent.list_messages(c.id))
        wait_for("second retrieved", lambda: texts() == ["before", "right after the reboot"])
        assert handset.modem.cnmi[1] != 0 and agent.status().registration == "home"
        # And the modem works as before: a later SMS arrives through the new set-up.
        carrier.send_sms(ME, "and after", originator=FRIEND)
        wait_for("SMS after the reset", lambda: "and after" in texts())
        # The SMS is deleted from the modem after its text is stored (the SMS worker's next step).
        wait_for("every kept SMS deleted from the modem", lambda: agent.store.undeleted_sms() == [])
    finally:
        agent.stop()


def test_a_notification_while_off_the_network_waits_for_the_data_path_then_is_retrieved(carrier, tmp_path: Path) -> None:
    from mmsua.codec.mms import MessageType

    handset = carrier.add_handset(ME)
    agent = start_agent(carrier, ME, tmp_path / "away.sqlite")
    try:
        handset.modem.set_registration("searching")  # no data path can come up now
        wait_for("off the network", lambda: agent.status().registration == "searching")
        stored = carrier.send_mms(FRIEND, [ME], text="sent while you were away")
        waiting = wait_for("notification stored", lambda: only_message(agent, "notified"))
        assert carrier.settle(30)
        # Not deferred: no answer owed yet (NotifyResp follows the retrieval), nothing fetched.
        assert agent.show_message(waiting.id).state == "notified"
        assert not [r for r in carrier.mmsc.requests if r.method in ("GET", "POST")]
        assert agent.store.get_task("retrieve", waiting.id).deadline == pytest.approx(stored.expires.timestamp(), abs=2)
        handset.modem.set_registration("home")  # the registration URC wakes the waiting retrieval
        received = wait_for("retrieved", lambda: only_message(agent, "received"))
        assert received.id == waiting.id and received.text == "sent while you were away"
        answers = wait_for("NotifyResp", lambda: [p for p in carrier.mmsc.received
                                                  if p.message_type == MessageType.M_NOTIFYRESP_IND])
        assert [p.status for p in answers] == [0x81]  # Retrieved, never Deferred
    finally:
        agent.stop()


def test_stopping_in_the_middle_of_a_slow_retrieval_aborts_it_and_leaves_no_thread(carrier, tmp_path: Path) -> None:
    import threading

    from mmsua.store import Store

    before = set(threading.enumerate())
    carrier.add_handset(ME)
    # The HTTP timeout is far beyond the engine's 10 s join: only an abort ends the request in time.
    agent = start_agent(carrier, ME, tmp_path / "stop.sqlite", http_timeout=120)
    carrier.faults.slow(120.0, method="GET")
    carrier.send_mms(FRIEND, [ME], text="slow to come")
    wait_for("the GET reached the MMSC", lambda: any(r.method == "GET" for r in carrier.mmsc.requests))
    agent.stop()
    left = [t.name for t in set(threading.enumerate()) - before
            if t.is_alive() and t.name.startswith(("mmsua-", "at-"))]
    assert left == []
    with Store(tmp_path / "stop.sqlite") as store:  # still owed: the next start retrieves it
        [waiting] = store.messages_in_state("notified", "retrieving")
        assert store.get_task("retrieve", waiting.id) is not None


def test_on_sim_completes_the_settings_before_the_first_network_step(carrier, tmp_path: Path) -> None:
    from mmsua.engine.agent import UserAgent

    handset = carrier.add_handset(ME)
    seen: list[tuple[dict, object]] = []

    def on_sim(identity: dict):
        seen.append((identity, agent.engine.data_path))
        return agent.settings.with_changes(apn=carrier.apn)  # as carrier provisioning would

    # No APN yet: only the hook can make the MMS data path work.
    agent = UserAgent(carrier.agent_settings(handset, tmp_path / "sim.sqlite", apn=""), on_sim=on_sim)
    agent.start()
    try:
        assert agent.link.wait_ready(30), agent.link.error
        [(identity, data_path_then)] = seen
        assert identity["imsi"] == handset.modem.imsi and identity["own_number"] == ME
        assert data_path_then is None  # called before the data path (and SMS) started
        carrier.send_mms(FRIEND, [ME], text="provisioned")
        assert wait_for("retrieved", lambda: only_message(agent, "received")).text == "provisioned"
    finally:
        agent.stop()


def test_new_settings_while_running_rebuild_the_data_path(carrier, tmp_path: Path) -> None:
    agent = start_agent(carrier, ME, tmp_path / "upd.sqlite", apn="not-this-one", max_attempts=100)
    try:
        old_bearer = agent.link.bearer
        agent.update_settings(agent.settings.with_changes(apn=carrier.apn))
        assert agent.link.bearer is not old_bearer and agent.link.settings.apn == carrier.apn
        carrier.send_mms(FRIEND, [ME], text="right APN now")
        assert wait_for("retrieved", lambda: only_message(agent, "received")).text == "right APN now"
    finally:
        agent.stop()


def test_a_modem_that_registers_after_start_shows_its_operator_and_signal_and_the_signal_moves(
        carrier, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Operator and signal were read once, at start: a modem still searching then showed
    neither for as long as the daemon ran, and a status bar's signal never moved."""
    from mmsua.engine import modem_link

    monkeypatch.setattr(modem_link, "RADIO_EVERY", 0.2)
    handset = carrier.add_handset(ME)
    handset.modem.set_registration("searching")
    agent = start_agent(carrier, ME, tmp_path / "late.sqlite")
    try:
        wait_for("started off the network", lambda: agent.status().registration == "searching")
        assert agent.status().signal is None
        handset.modem.set_registration("home")
        first = wait_for("operator and signal once registered",
                         lambda: (s := agent.status()).registration == "home" and s.signal is not None and s.operator and s)
        handset.modem.network.rssi = 5 if first.signal > 50 else 30
        wait_for("the signal's change seen", lambda: agent.status().signal not in (None, first.signal))
    finally:
        agent.stop()
