"""A send cut short between its POST and the M-Send.conf (the daemon SIGKILLed while the
MMSC holds the answer): by default it is POSTed again and its ``attempts`` shows it;
with ``mms.send_once`` it fails with the reason and the MMSC sees one POST only."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from daemonproc import DaemonProcess

from mmsua.api.shapes import Message, SendRequest
from mmsua.codec.mms import MessageType

ME = "+15550100001"
PEER = "+15550100002"


class HeldPosts:
    """Wraps the MMSC's POST handler: every M-Send.req is recorded, then held until released."""

    def __init__(self, mmsc: Any) -> None:
        self.original = mmsc.handle_post
        self.arrived = threading.Semaphore(0)
        self.release = threading.Event()
        self.send_reqs = 0
        mmsc.handle_post = self

    def __call__(self, req: Any) -> Any:
        status, answer, pdu = self.original(req)
        if pdu is not None and pdu.message_type == MessageType.M_SEND_REQ:
            self.send_reqs += 1
            self.arrived.release()
            self.release.wait(60)
        return status, answer, pdu


def _wait_for(client_of, message_id: int, states: tuple[str, ...], timeout: float = 60.0) -> Message:
    deadline = time.monotonic() + timeout
    events = client_of().events()
    while True:
        message = client_of().show_message(message_id)
        if message.state in states:
            return message
        assert time.monotonic() < deadline, f"message {message_id} stayed {message.state}: {message.error}"
        next(events)  # the next change, whatever it is


def _cut_short(tmp_path: Path, config: str) -> tuple[Message, HeldPosts]:
    from mmsua.sim.carrier import SimulatedCarrier

    config_file = tmp_path / "config.toml"
    config_file.write_text(config)
    with SimulatedCarrier() as carrier:
        me = carrier.add_handset(ME)
        carrier.add_handset(PEER)
        held = HeldPosts(carrier.mmsc)
        daemon = DaemonProcess(carrier, me, tmp_path, config=config_file, extra=["--bearer", "modem"])
        daemon.start()
        try:
            sent = daemon.client().send(SendRequest(to=(PEER,), text="an alert that must arrive", via="mms"))
            assert not isinstance(sent, list)
            assert held.arrived.acquire(timeout=60), "the M-Send.req never reached the MMSC"
            daemon.kill()  # the MMSC has the message; the daemon never hears its answer
            held.release.set()
            daemon.start()
            final = _wait_for(daemon.client, sent.id, ("sent", "failed"))
        finally:
            held.release.set()
            daemon.terminate()
    return final, held


@pytest.mark.timeout(240)
def test_by_default_a_send_cut_short_mid_post_is_posted_again_and_its_attempts_count_two(tmp_path: Path) -> None:
    message, held = _cut_short(tmp_path, "")
    assert message.state == "sent"
    assert message.attempts == 2  # the user can see that the MMSC may have it twice
    assert held.send_reqs == 2


@pytest.mark.timeout(240)
def test_with_send_once_a_send_cut_short_mid_post_fails_with_the_reason_and_is_not_posted_again(tmp_path: Path) -> None:
    message, held = _cut_short(tmp_path, "[mms]\nsend_once = true\n")
    assert message.state == "failed"
    assert "mms.send_once" in (message.error or "") and "stopped while posting" in (message.error or "")
    assert message.attempts == 1
    assert held.send_reqs == 1
