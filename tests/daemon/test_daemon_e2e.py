"""The real daemon process on the simulated carrier: carrier provisioning from the SIM,
the on-message command, the CLI clients, SIGTERM."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from daemonproc import DaemonProcess, wait_for

from mmsua.api.shapes import SendRequest

ME = "+15550100001"
PEER = "+15550100002"
STRANGER = "+15550107777"

RECORDER = """
import json, os, sys
message = json.load(sys.stdin)
with open(sys.argv[1], "a") as out:
    out.write(json.dumps({"argv": sys.argv[2:], "id": os.environ["MMSUA_MESSAGE_ID"], "message": message}) + "\\n")
"""


def messages_of(client) -> list[dict]:
    return [m for c in client.list_conversations() for m in client.list_messages(c.id)]


def cli(daemon: DaemonProcess, *argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "mmsua", *argv, "--socket", str(daemon.socket)], capture_output=True, text=True, timeout=60)
    if check:
        assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def carrier():
    from mmsua.sim.carrier import SimulatedCarrier

    with SimulatedCarrier() as carrier:
        carrier.add_handset(PEER)
        yield carrier


def test_carrier_settings_come_from_the_sim(carrier, tmp_path: Path) -> None:
    """Only the port is given: the daemon reads the SIM's IMSI and takes APN, MMSC and proxy
    from a serviceproviders.xml (real schema) that lists the simulated carrier."""
    handset = carrier.add_handset("+15550100011", imsi="001019876543210")
    host, port = carrier.proxy.rsplit(":", 1)
    database = tmp_path / "serviceproviders.xml"
    database.write_text(f"""<?xml version="1.0"?>
<serviceproviders format="2.0">
<country code="xx">
  <provider primary="true">
    <name>SimCarrier</name>
    <gsm>
      <network-id mcc="001" mnc="01"/>
      <apn value="internet"><usage type="internet"/></apn>
      <apn value="{carrier.apn}">
        <usage type="mms"/>
        <mmsc>{carrier.mmsc_url}</mmsc>
        <mmsproxy>{host}:{port}</mmsproxy>
      </apn>
    </gsm>
  </provider>
  <provider><name>Other MVNO</name><gsm><network-id mcc="001" mnc="01"/>
    <apn value="other.mms"><usage type="mms"/><mmsc>http://127.0.0.1:9/never</mmsc></apn></gsm></provider>
</country>
</serviceproviders>
""")
    config = tmp_path / "config.toml"
    config.write_text(f'[carrier]\ndatabases = ["{database}"]\n')
    daemon = DaemonProcess(carrier, handset, tmp_path, config=config, carrier_flags=False)
    daemon.start()
    try:
        carrier.send_mms(STRANGER, ["+15550100011"], subject="provisioned", text="found you")
        client = daemon.client()
        got = wait_for(lambda: [m for m in messages_of(client) if m.subject == "provisioned" and m.state == "received"])
        assert got and got[0].text == "found you"
    finally:
        assert daemon.terminate() == 0
    log = daemon.log.read_text()
    assert "carrier settings: SimCarrier (001/01)" in log
    # The emulated SIM's service provider name names the provider among the two on 001/01.
    assert "service provider name 'SimCarrier' names the provider" in log


@pytest.fixture(scope="module")
def running(carrier, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("daemon")
    recorder = workdir / "recorder.py"
    recorder.write_text(RECORDER)
    hook_log = workdir / "hook.jsonl"
    config = workdir / "config.toml"
    config.write_text(f"[hooks]\non_message = {json.dumps([sys.executable, str(recorder), str(hook_log), '; rm -rf ~'])}\ntimeout = 20\n")
    handset = carrier.add_handset(ME)
    daemon = DaemonProcess(carrier, handset, workdir, config=config)
    daemon.start()
    yield daemon, hook_log
    daemon.terminate()


def test_on_message_command_runs_for_each_received_message(carrier, running) -> None:
    daemon, hook_log = running
    carrier.send_mms(STRANGER, [ME], subject="hook me", text="to the hook")
    line = wait_for(lambda: hook_log.exists() and [json.loads(x) for x in hook_log.read_text().splitlines() if '"hook me"' in x])
    assert line, daemon.log.read_text()[-2000:]
    record = line[0]
    assert record["argv"] == ["; rm -rf ~"]  # passed as one argument, no shell
    assert record["message"]["subject"] == "hook me" and record["message"]["text"] == "to the hook"
    assert record["id"] == str(record["message"]["id"])
    # The command has written its record; the daemon logs its exit once it has been reaped.
    assert wait_for(lambda: "on-message command done (exit 0)" in daemon.log.read_text()), daemon.log.read_text()[-2000:]


def test_cli_clients_against_the_daemon(carrier, running, tmp_path: Path) -> None:
    daemon, _ = running
    status = json.loads(cli(daemon, "status", "--json").stdout)
    assert status["registration"] == "home" and status["own_number"] == ME

    picture = tmp_path / "dot.png"
    from PIL import Image

    Image.new("RGB", (8, 8), (200, 30, 30)).save(picture)
    sent = json.loads(cli(daemon, "send", "--to", PEER, "--subject", "from the cli", "--text", "hi", "--attach", str(picture), "--json").stdout)
    client = daemon.client()
    assert wait_for(lambda: client.show_message(sent["id"]).state == "sent"), client.show_message(sent["id"])

    carrier.send_mms(STRANGER, [ME], subject="export me", text="with words \x1b[31m")
    incoming = wait_for(lambda: [m for m in messages_of(client) if m.subject == "export me" and m.state == "received"])
    assert incoming
    message_id = str(incoming[0].id)
    listing = json.loads(cli(daemon, "ls", "--json").stdout)
    assert any(STRANGER in c["participants"] for c in listing)
    shown = cli(daemon, "show", message_id).stdout
    assert "Subject: export me" in shown and "\x1b" not in shown
    target = tmp_path / "export"
    written = cli(daemon, "export", message_id, str(target)).stdout.split()
    assert written and all(Path(p).parent == target for p in written)
    assert any(Path(p).read_bytes().startswith(b"with words") for p in written)
    missing = cli(daemon, "show", "99999", check=False)
    assert missing.returncode == 1 and missing.stderr == "mmsua show: no message 99999\n"

    # The log tells each message's story, one line per step, network text sanitised.
    # A line is written as the engine publishes the step, just after the store has it:
    # wait for the lines, not only for the states above.
    lines = [f"message {sent['id']} out mms updated: {state}" for state in ("queued", "sending", "sent")]
    lines.append(f"message {message_id} in mms received: received")

    def story_told() -> str | None:
        text = daemon.log.read_text()
        return text if all(line in text for line in lines) else None

    log = wait_for(story_told)
    assert log, [line for line in lines if line not in daemon.log.read_text()]
    assert "\x1b" not in log


def test_sigterm_removes_the_socket(carrier, tmp_path: Path) -> None:
    handset = carrier.add_handset("+15550100021")
    daemon = DaemonProcess(carrier, handset, tmp_path)
    daemon.start()
    assert daemon.socket.exists()
    assert daemon.terminate() == 0
    assert not daemon.socket.exists()
    log = daemon.log.read_text()
    assert "SIGTERM received; shutting down" in log and "daemon stopped" in log


def test_what_mmsua_send_asks_for_is_what_the_m_send_req_carries(carrier, running) -> None:
    """CLI → API → engine → the carrier's wire: the user's choices reach the PDU."""
    from mmsua.codec.mms import MessageType

    daemon, _ = running
    before = len(carrier.mmsc.received)
    sent = json.loads(cli(daemon, "send", "--to", "+1 555-010-0002", "--to", "friend@example.org", "--subject", "Grüße ✓",
                          "--text", "reports please", "--delivery-report", "--read-report", "--priority", "high",
                          "--json").stdout)
    client = daemon.client()
    assert wait_for(lambda: client.show_message(sent["id"]).state == "sent"), client.show_message(sent["id"])
    send_req = next(p for p in list(carrier.mmsc.received)[before:] if p.message_type == MessageType.M_SEND_REQ)
    assert send_req.sender.is_insert_token  # the MMSC fills in who we are
    assert sorted(a.value for a in send_req.to) == ["+15550100002", "friend@example.org"]
    assert send_req.subject == "Grüße ✓" and send_req.subject_charset == 106  # UTF-8
    assert send_req.delivery_report is True and send_req.read_report is True
    assert send_req.priority == "high"
    assert send_req.expiry is not None  # the configured validity (7 days by default)
    assert client.show_message(sent["id"]).message_id  # M-Send.conf's Message-ID is kept

    plain = json.loads(cli(daemon, "send", "--mms", "--to", PEER, "--text", "no reports", "--json").stdout)
    assert wait_for(lambda: client.show_message(plain["id"]).state == "sent")
    latest = [p for p in list(carrier.mmsc.received) if p.message_type == MessageType.M_SEND_REQ][-1]
    assert latest.delivery_report is False and latest.read_report is False  # config defaults: off
    assert latest.priority is None  # none chosen: no X-Mms-Priority


def test_every_request_of_a_default_daemon_carries_the_carriers_headers(carrier, running) -> None:
    """With no HTTP settings in the config: absolute form through the proxy, User-Agent and
    x-wap-profile on every request (carriers answer 412 without them), Accept naming the
    MMS type, and POSTs with Content-Type and Content-Length, never chunked."""
    from mmsua.config import DEFAULT_UAPROF, DEFAULT_USER_AGENT

    daemon, _ = running
    carrier.send_mms(STRANGER, [ME], subject="headers", text="look at my headers")
    client = daemon.client()
    assert wait_for(lambda: [m for m in messages_of(client) if m.subject == "headers" and m.state == "received"])
    sent = client.send(SendRequest(to=[PEER], text="and mine", via="mms"))
    assert wait_for(lambda: client.show_message(sent.id).state == "sent")
    seen = {r.method for r in carrier.mmsc.requests}
    assert {"GET", "POST"} <= seen
    for request in carrier.mmsc.requests:
        assert request.via_proxy, request.target
        assert request.headers["user-agent"] == DEFAULT_USER_AGENT
        assert request.headers["x-wap-profile"] == DEFAULT_UAPROF
        assert "application/vnd.wap.mms-message" in request.headers["accept"]
        if request.method == "POST":
            assert request.headers["content-type"] == "application/vnd.wap.mms-message"
            assert int(request.headers["content-length"]) == len(request.body)
            assert "transfer-encoding" not in request.headers
    for proxied in carrier.proxy_server.requests:
        assert proxied.target.startswith("http://")  # absolute form, as a proxy expects
