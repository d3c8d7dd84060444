"""One `mmsua daemon` process driving two simulated modems from [modems.<name>] tables
(issue 15): one inbox over the socket, `status` showing each modem, `send --modem`, and a
reply leaving through the modem its conversation uses."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from daemonproc import DaemonProcess, wait_for

HOME, WORK, FRIEND = "+15550100301", "+15550100302", "+15550107777"


@pytest.fixture
def daemon(tmp_path: Path):
    from mmsua.sim.carrier import SimulatedCarrier

    with SimulatedCarrier() as carrier:
        home, work = carrier.add_handset(HOME), carrier.add_handset(WORK)
        config = tmp_path / "config.toml"
        config.write_text(f'[identity]\ncountry = "US"\n\n[modems.home.modem]\nport = "{home.pty_path}"\n\n'
                          f'[modems.work.modem]\nport = "{work.pty_path}"\n')
        process = DaemonProcess(carrier, home, tmp_path, config=config)
        process.start()
        try:
            yield carrier, process
        finally:
            process.terminate()


def cli(daemon: DaemonProcess, *argv: str) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "mmsua", *argv, "--socket", str(daemon.socket)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result


def test_one_daemon_two_modems_one_inbox(daemon) -> None:
    carrier, process = daemon
    client = process.client()

    def both_registered():
        status = client.status()
        return status if [(m.name, m.registration, m.own_number) for m in status.modems] == [
            ("home", "home", HOME), ("work", "home", WORK)] else None

    assert wait_for(both_registered), client.status()
    shown = cli(process, "status").stdout
    assert "Modem home:" in shown and "Modem work:" in shown and WORK in shown

    carrier.send_sms(WORK, "are you at work?", originator=FRIEND)
    sms = wait_for(lambda: next((m for c in client.list_conversations() for m in client.list_messages(c.id)
                                 if m.text == "are you at work?"), None))
    assert sms is not None and sms.modem == "work"
    assert "Modem:   work" in cli(process, "show", str(sms.id)).stdout

    # A reply by number leaves through work, the conversation's modem; --modem picks home instead.
    said = cli(process, "send", "--to", FRIEND, "--text", "yes").stdout
    assert "from modem work" in said
    said = cli(process, "send", "--to", FRIEND, "--text", "from home", "--modem", "home", "--json").stdout
    assert json.loads(said)["modem"] == "home"
    assert wait_for(lambda: [s.sender for s in carrier.smsc.log.submitted] == [WORK, HOME]), carrier.smsc.log.submitted

    refused = subprocess.run([sys.executable, "-m", "mmsua", "send", "--to", FRIEND, "--text", "x", "--modem", "office",
                              "--socket", str(process.socket)], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "no modem 'office'" in refused.stderr and "Traceback" not in refused.stderr


def test_two_modems_naming_one_port_stop_the_daemon_at_start(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[modems.a.modem]\nport = "/dev/ttyUSB2"\n\n[modems.b.modem]\nport = "/dev/ttyUSB2"\n')
    result = subprocess.run([sys.executable, "-m", "mmsua", "daemon", "--config", str(config), "--store", str(tmp_path / "s"),
                             "--socket", str(tmp_path / "api.sock")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 78 and "modems a and b both have modem.port '/dev/ttyUSB2'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_rule_for_one_modem_answers_on_that_modem_only(tmp_path: Path) -> None:
    """[[rules]] with ``modem``: the real daemon answers "ping" that came in on work, from work,
    and leaves the same text to home alone."""
    from mmsua.sim.carrier import SimulatedCarrier

    with SimulatedCarrier() as carrier:
        home, work = carrier.add_handset(HOME), carrier.add_handset(WORK)
        config = tmp_path / "config.toml"
        config.write_text(f'[identity]\ncountry = "US"\n\n[modems.home.modem]\nport = "{home.pty_path}"\n\n'
                          f'[modems.work.modem]\nport = "{work.pty_path}"\n\n'
                          f'[[rules]]\nname = "pong"\nmodem = "work"\nkeyword = "ping"\nrun = ["{sys.executable}", "-c", "print(\'pong\')"]\n')
        process = DaemonProcess(carrier, home, tmp_path, config=config)
        process.start()
        try:
            client = process.client()
            assert wait_for(lambda: all(m.registration == "home" for m in client.status().modems))
            def stored():
                return sorted((m.direction, m.modem, m.text) for c in client.list_conversations() for m in client.list_messages(c.id))

            carrier.send_sms(HOME, "ping", originator=FRIEND)
            assert wait_for(lambda: stored() == [("in", "home", "ping")]), stored()
            # The rules take messages in order, one worker: by work's answer, home's ping was passed over.
            carrier.send_sms(WORK, "ping", originator=FRIEND)
            answered = wait_for(lambda: [(s.sender, s.decoded.destination) for s in carrier.smsc.log.submitted if s.decoded])
            assert answered == [(WORK, FRIEND)]
            assert stored() == [("in", "home", "ping"), ("in", "work", "ping"), ("out", "work", "pong")]
        finally:
            process.terminate()
