"""`mmsua status` says why the modem is missing or the data path is in error, and when.

Real daemon processes: one on a port that does not exist, one on a simulated
IPv6-only MMS network while configured for an IPv4 ("IP") context, which the
network refuses with +CME ERROR: 193 (27.007: PDP type IPv6 only allowed).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from daemonproc import DaemonProcess

from mmsua.api.shapes import SendRequest
from mmsua.daemon.client import Client, DaemonUnavailable

ME = "+15550100001"
PEER = "+15550100002"
CLOCK = r"at \d\d:\d\d$"  # today, local time


def wait_for(condition, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except DaemonUnavailable:
            value = None
        if value:
            return value
        time.sleep(0.05)
    return None


def status_lines(socket: Path) -> dict[str, str]:
    result = subprocess.run([sys.executable, "-m", "mmsua", "status", "--socket", str(socket)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return {name: value.strip() for name, _, value in (row.partition(":") for row in result.stdout.splitlines())}


def test_a_missing_port_shows_why_there_is_no_modem(tmp_path: Path) -> None:
    port = tmp_path / "ttyUSB2"  # never there
    socket = tmp_path / "api.sock"
    log = tmp_path / "daemon.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    argv = [sys.executable, "-m", "mmsua", "daemon", "--config", os.devnull, "--port", str(port), "--apn", "mms",
            "--mmsc", "http://127.0.0.1:9/mms", "--store", str(tmp_path / "store"), "--socket", str(socket)]
    with log.open("wb") as out:
        daemon = subprocess.Popen(argv, stdout=out, stderr=out, env=env)
    try:
        status = wait_for(lambda: (s := Client(socket, timeout=5).status()).modem_error and s)
        assert status, log.read_text()[-2000:]
        assert status.modem is None
        assert status.modem_error.reason == f"cannot open port {port}: no such device"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", status.modem_error.at)
        shown = status_lines(socket)
        assert re.fullmatch(rf"none \u2014 cannot open port {re.escape(str(port))}: no such device {CLOCK}", shown["Modem"]), shown
        assert shown["Data path"] == "error \u2014 no modem (see Modem above)"
        # The log says it once, in words: no errno text, and not "gone" (it was never open).
        startup = [line for line in log.read_text().splitlines() if "modem start-up failed" in line]
        assert startup and f"cannot open port {port}: no such device" in startup[0], startup
        assert "Errno" not in startup[0] and "is gone" not in startup[0]
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(30)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait(10)


def test_a_refused_mms_context_shows_the_networks_reason(tmp_path: Path) -> None:
    from mmsua.sim.carrier import SimulatedCarrier

    with SimulatedCarrier(mms_ipv6_only=True) as carrier:
        carrier.add_handset(PEER)
        handset = carrier.add_handset(ME)
        daemon = DaemonProcess(carrier, handset, tmp_path, extra=["--pdp-type", "IP"])
        daemon.start()
        try:
            client = daemon.client()
            before = client.status()
            assert before.data_path_error is None and before.modem_error is None
            client.send(SendRequest(to=[PEER], subject="over IPv4?", text="the network allows only IPv6 on this APN"))
            status = wait_for(lambda: (s := client.status()).data_path_error and s)
            assert status, daemon.log.read_text()[-2000:]
            assert status.data_path == "error"
            reason = status.data_path_error.reason
            assert 'set mms.pdp_type = "IPV6"' in reason and "PDN type IPv6 only allowed" in reason, reason
            shown = status_lines(daemon.socket)
            assert shown["Data path"].startswith("error \u2014 "), shown
            assert "refused the IP context" in shown["Data path"] and re.search(CLOCK, shown["Data path"]), shown
            assert shown["Modem"] != "none"
        finally:
            daemon.terminate()
