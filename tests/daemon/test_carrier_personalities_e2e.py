"""The real daemon, given only its port and the carrier's APN, MMSC and proxy, on each
simulated carrier personality: what issue #12 asks of a new user's first day.

- a strict MMSC (HTTP 412 for a User-Agent or UAProf it does not know) accepts mmsua's defaults;
- on the 1 MB carrier (its SIM is AT&T's) the carrier rules come from the SIM by themselves,
  so a picture is fitted to 1 MB, not to 300 KB;
- a text to one person goes to the SMS centre and nothing reaches the MMSC.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from daemonproc import DaemonProcess
from PIL import Image

from mmsua.codec.mms import MessageType, decode_mms
from mmsua.sim.carrier import SimulatedCarrier

ME = "+15550100001"
PEER = "+15550100002"
MB = 1024 * 1024
T = TypeVar("T")


def wait_for(what: str, condition: Callable[[], T], timeout: float = 90.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"never happened: {what}")


def cli(daemon: DaemonProcess, *argv: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-m", "mmsua", *argv, "--socket", str(daemon.socket)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def photo(path: Path, size: tuple[int, int] = (3000, 2250)) -> Path:
    noise = Image.effect_noise(size, 40).convert("RGB")
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    Image.blend(noise, gradient, 0.5).save(path, "PNG")
    return path


def posted_send_reqs(carrier: SimulatedCarrier) -> list[Any]:
    with carrier.mmsc.held():
        return [r.body for r in carrier.mmsc.requests if r.method == "POST" and r.body
                and decode_mms(r.body).message_type == MessageType.M_SEND_REQ]


def running_daemon(personality: str, workdir: Path) -> Iterator[tuple[SimulatedCarrier, DaemonProcess]]:
    with SimulatedCarrier(personality=personality) as carrier:
        carrier.add_handset(PEER)
        daemon = DaemonProcess(carrier, carrier.add_handset(ME), workdir)  # no config: every default
        daemon.start(timeout=90)
        try:
            yield carrier, daemon
        finally:
            daemon.terminate()


@pytest.fixture
def strict(tmp_path: Path) -> Iterator[tuple[SimulatedCarrier, DaemonProcess]]:
    yield from running_daemon("strict-ua", tmp_path)


@pytest.fixture
def one_mb(tmp_path: Path) -> Iterator[tuple[SimulatedCarrier, DaemonProcess]]:
    yield from running_daemon("1mb", tmp_path)


def test_a_strict_mmsc_accepts_mmsuas_default_user_agent_and_profile(strict, tmp_path: Path) -> None:
    carrier, daemon = strict
    sent = json.loads(cli(daemon, "send", "--to", PEER, "--text", "a picture", "--attach",
                          str(photo(tmp_path / "p.png", (800, 600))), "--json").stdout)
    client = daemon.client()
    message = wait_for("sent", lambda: (m := client.show_message(sent["id"])).state in ("sent", "failed") and m)
    assert message.state == "sent", message.error  # a 412 would fail it
    assert len(posted_send_reqs(carrier)) == 1


def test_the_1mb_carriers_rules_come_from_its_sim_and_pictures_are_fitted_to_1mb(one_mb, tmp_path: Path) -> None:
    carrier, daemon = one_mb
    status = json.loads(cli(daemon, "status", "--json").stdout)
    assert status["max_size"] == MB and status["carrier"].startswith("AT&T 310/410")
    out = cli(daemon, "send", "--to", PEER, "--text", "the view", "--attach", str(photo(tmp_path / "view.png")))
    assert "queued as MMS" in out.stdout
    [body] = wait_for("the M-Send.req at the MMSC", lambda: posted_send_reqs(carrier))
    assert 0.8 * MB < len(body) <= MB  # near the carrier's 1 MB, where the old 300 KB default would be
    [picture] = [p for p in decode_mms(body).parts if p.content_type.media_type == "image/jpeg"]
    assert Image.open(io.BytesIO(picture.data)).size[0] > 1600


def test_a_text_to_one_person_goes_to_the_sms_centre_and_not_to_the_mmsc(strict) -> None:
    carrier, daemon = strict
    out = cli(daemon, "send", "--to", PEER, "--text", "see you at 1")
    assert "queued as SMS" in out.stdout
    wait_for("the SMS at the SMS centre", lambda: [s for s in list(carrier.smsc.log.submitted)
                                                   if s.sender == ME and s.decoded is not None])
    with carrier.mmsc.held():
        assert not [r for r in carrier.mmsc.requests if r.method == "POST"]


@pytest.fixture
def verizon(tmp_path: Path) -> Iterator[tuple[SimulatedCarrier, DaemonProcess]]:
    yield from running_daemon("verizon", tmp_path)


def test_verizon_style_acknowledgements_come_from_the_sims_carrier_rules(verizon) -> None:
    """AOSP gives Verizon (311/480) enabledTransID and enabledNotifyWapMMSC: the retrieval
    appends the transaction id to a Content-Location ending in "id=", and M-NotifyResp.ind
    goes to that location; the carrier's httpParams header carries the own number."""
    carrier, daemon = verizon
    status = json.loads(cli(daemon, "status", "--json").stdout)
    assert status["carrier"].startswith("Verizon 311/480")
    stored = carrier.send_mms(PEER, [ME], subject="quirks", text="appended")
    [delivery] = stored.deliveries
    client = daemon.client()
    wait_for("received", lambda: [m for c in client.list_conversations() for m in client.list_messages(c.id)
                                  if m.subject == "quirks" and m.state == "received"])
    wait_for("M-NotifyResp.ind Retrieved", lambda: delivery.notify_status == 0x81)
    with carrier.mmsc.held():
        requests = list(carrier.mmsc.requests)
    [get] = [r for r in requests if r.method == "GET"]
    assert get.target.endswith(f"{delivery.location}?id={delivery.transaction_id}")
    [answer] = [r for r in requests if r.method == "POST" and r.body
                and decode_mms(r.body).message_type == MessageType.M_NOTIFYRESP_IND]
    assert answer.target.split("?")[0].endswith(delivery.location)  # not the MMSC's /mms
    assert get.headers.get("x-vzw-mdn") == "1" + ME.removeprefix("+1")
