"""Issue 14's "done when", with the real ModemManager: it manages the emulated modem (conftest.py
says how), `mmsua daemon` is not told which backend and finds ModemManager by itself; an MMS
comes in through ModemManager's Messaging and is retrieved, an MMS and an SMS go out, and a
client that speaks only mmsd-tng's D-Bus API (gdbus, as Chatty's calls are) lists the
messages and sends one.

The MMS data path is an interface bearer on loopback (`mms.bearer = "interface"`): on an AT
modem ModemManager's own bearer is PPP, which the emulator does not answer (docs/sim.md)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mmharness import MSISDN, PEER, RealModemManager, running_modemmanager, skip_unless_it_can_run
from realmm import wait_for

SERVICE = "/org/ofono/mms/modemmanager"  # mmsd-tng's service object, as mmsua's D-Bus adapter serves it
WAIT = 120.0  # a busy CI machine; every wait ends as soon as its condition holds


@pytest.fixture(scope="module")
def real_mm() -> Iterator[RealModemManager]:
    skip_unless_it_can_run()
    if not all(_which(tool) for tool in ("gdbus",)):
        pytest.skip("gdbus is not installed (Debian: libglib2.0-bin); .ci/run installs it")
    with running_modemmanager("quectel-eg25g") as mm:
        yield mm


def _which(tool: str) -> bool:
    from shutil import which

    return which(tool) is not None


@pytest.fixture
def daemon(real_mm: RealModemManager, tmp_path: Path) -> Iterator[tuple[Any, Path, dict[str, str]]]:
    from mmsua.daemon.client import Client

    carrier = real_mm.carrier
    config = tmp_path / "config.toml"
    config.write_text(f'[modem]\nmm_bus = "{real_mm.bus.address}"\n')  # no backend: auto
    socket_path, log = tmp_path / "api.sock", tmp_path / "daemon.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DBUS_SESSION_BUS_ADDRESS": real_mm.bus.address}
    argv = [sys.executable, "-m", "mmsua", "daemon", "--config", str(config), "--port", f"/dev/{real_mm.port}",
            "--apn", carrier.apn, "--mmsc", carrier.mmsc_url, "--proxy", carrier.proxy, "--bearer", "interface",
            "--interface", "lo", "--store", str(tmp_path / "store"), "--socket", str(socket_path), "--dbus"]
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=out, env=env)
    try:
        def registered() -> Any:
            assert process.poll() is None, log.read_text()
            try:
                status = Client(socket_path, timeout=5).status()
            except Exception:  # not listening yet
                return None
            return status if status.registration == "home" else None

        wait_for("the daemon sees the modem registered through ModemManager", registered, WAIT,
                 lambda: log.read_text() + real_mm.log_tail(30))
        yield process, log, env
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _gdbus(env: dict[str, str], path: str, method: str, *args: str) -> str:
    done = subprocess.run(["gdbus", "call", "--session", "--dest", "org.ofono.mms", "--object-path", path,
                           "--method", method, *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_daemon_on_the_real_modemmanager_moves_mms_and_sms_and_serves_mmsd_tngs_api(
        real_mm: RealModemManager, daemon: tuple[Any, Path, dict[str, str]], tmp_path: Path) -> None:
    from mmsua.api.shapes import SendRequest
    from mmsua.daemon.client import Client

    process, log, env = daemon
    carrier = real_mm.carrier
    assert "driver backend: modemmanager" in log.read_text()  # chosen, not told

    # In: the WAP push through ModemManager's Messaging, the MMS retrieved over the bearer.
    carrier.send_mms(PEER, [MSISDN], text="through the real ModemManager")

    def received() -> Any:
        client = Client(tmp_path / "api.sock", timeout=5)
        for conversation in client.list_conversations():
            for message in client.list_messages(conversation.id):
                if message.state == "received" and message.text == "through the real ModemManager":
                    return message
        return None

    message = wait_for("the MMS retrieved by the daemon", received, WAIT, lambda: log.read_text()[-3000:] + real_mm.log_tail(30))
    assert message.sender == PEER

    # mmsd-tng's API: Chatty's GetMessages lists it; SendMessage sends an MMS.
    assert PEER in _gdbus(env, SERVICE, "org.ofono.mms.Service.GetMessages")
    words = tmp_path / "message-contents.txt"
    words.write_text("hello through d-bus")
    before = len(carrier.mmsc.received)
    _gdbus(env, SERVICE, "org.ofono.mms.Service.SendMessage", f"['{PEER}']",
           "<{'Smil': <''>, 'DeliveryReport': <false>, 'Subject': <'from chatty'>}>",
           f"[('message-contents.txt', 'text/plain', '{words}')]")
    wait_for("the simulated MMSC took the MMS sent over D-Bus", lambda: len(carrier.mmsc.received) > before, WAIT,
             lambda: log.read_text()[-3000:])

    # Out as SMS: Messaging.Create and Sms.Send, through ModemManager to the SMSC.
    Client(tmp_path / "api.sock", timeout=10).send(SendRequest(to=(PEER,), text="a text through ModemManager", via="sms"))
    wait_for("the SMSC took the SMS sent through ModemManager",
             lambda: [s for s in list(carrier.smsc.log.submitted)
                      if s.sender == MSISDN and s.decoded is not None and s.decoded.text == "a text through ModemManager"],
             WAIT, lambda: log.read_text()[-3000:] + real_mm.log_tail(30))
    assert process.poll() is None
