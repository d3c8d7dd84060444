"""A real `mmsua daemon` whose modem is unplugged and plugged back in under a new device
node behind the same stable path: `mmsua status --json` says it is gone (no stale
registration or signal), an SMS and an MMS queued meanwhile go out once it is back,
and an SMS the modem stored meanwhile is received."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from daemonproc import DaemonProcess
from test_status_reasons import wait_for as settled

from mmsua.api.shapes import SendRequest
from mmsua.sim.carrier import SimulatedCarrier

ME = "+15550100001"
PEER = "+15550100002"
FRIEND = "+15550107777"


def wait_for(what: str, condition: Callable[[], Any], timeout: float = 30.0) -> Any:
    value = settled(condition, timeout)
    assert value, f"never happened: {what}"
    return value


@pytest.fixture
def carrier() -> Iterator[SimulatedCarrier]:
    with SimulatedCarrier(profile="quectel-eg25g") as c:
        yield c


def status_json(socket: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "mmsua", "status", "--json", "--socket", str(socket)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    status: dict[str, Any] = json.loads(done.stdout)
    return status


def test_an_unplugged_modem_is_reported_gone_and_its_queued_messages_go_out_once_it_is_back(carrier, tmp_path: Path) -> None:
    handset = carrier.add_handset(ME)
    carrier.add_handset(PEER)
    daemon = DaemonProcess(carrier, handset, tmp_path)
    daemon.start()
    try:
        client = daemon.client()
        wait_for("the modem ready", lambda: "modem ready" in daemon.log.read_text())
        old_node = os.readlink(handset.pty_path or "")
        handset.vanish()
        wait_for("status says the modem is gone", lambda: client.status().modem is None, timeout=5.0)
        status = status_json(daemon.socket)
        assert status["modem"] is None and status["registration"] == "unknown" and status["signal"] is None
        assert "vanished" in status["modem_error"]["reason"] and status["modem_error"]["at"]

        sms = client.send(SendRequest(to=(PEER,), text="an SMS while unplugged", as_sms=True))
        mms = client.send(SendRequest(to=(PEER,), text="an MMS while unplugged", via="mms"))
        assert sms.state == mms.state == "queued"
        carrier.send_sms(ME, "stored while unplugged", originator=FRIEND)
        wait_for("stored on the modem", lambda: any(handset.modem.storage(m).used for m in ("ME", "SM")))

        handset.reappear()
        wait_for("the new node", lambda: os.path.exists(handset.pty_path or ""))
        assert os.readlink(handset.pty_path or "") != old_node
        wait_for("working again within 10 s", lambda: client.status().modem is not None, timeout=10.0)
        wait_for("both sent", lambda: all(client.show_message(m.id).state == "sent" for m in (sms, mms)))
        received = lambda: [m.text for c in client.list_conversations() for m in client.list_messages(c.id)
                            if m.direction == "in"]
        wait_for("the stored SMS received", lambda: "stored while unplugged" in received())
        status = status_json(daemon.socket)
        assert status["modem_error"] is None and status["modem"]["model"]
        log = daemon.log.read_text()
        assert "vanished" in log and "the modem is back at" in log
    finally:
        daemon.terminate()
