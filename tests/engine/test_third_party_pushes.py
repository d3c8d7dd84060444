"""Notifications that senders other than mmsua made: real WAP pushes captured from
phones and test suites of other projects (../shared/corpus), delivered as SMS by the
simulated network to the emulated modem, through the real driver and engine. Each
points at a server that is not this carrier's MMSC, so each is kept, held as
untrusted with its sender, and nothing is fetched for it; the phone keeps working."""

from __future__ import annotations

from pathlib import Path

import pytest
from simagent import FRIEND, ME, wait_for

from mmsua.api.states import MessageState
from mmsua.engine.agent import UserAgent
from mmsua.sim.carrier import SimulatedCarrier

pytestmark = pytest.mark.corpus

# (capture, the sender's number as the notification states it, the host it points at)
CAPTURES = [
    ("sms/pm-uk-mms-notification-a.sms.hex", "+447785342749", "promms"),
    ("sms/pm-uk-mms-notification-b.sms.hex", "+447717275049", "promms"),
    ("sms/ofono-de-mms-notification-single.sms.hex", "Erotik", "eps3.de"),
    ("sms/gammu-at-sms-40-issue300.sms.hex", "+33333493211", "mts"),
]


def _segments(path: Path) -> list[bytes]:
    return [bytes.fromhex(line.strip()) for line in path.read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def _held(agent: UserAgent) -> list[object]:
    return [m for c in agent.list_conversations() for m in agent.list_messages(c.id)
            if m.state == MessageState.UNTRUSTED]


@pytest.mark.parametrize(("capture", "sender", "host"), CAPTURES, ids=[c[0].split("/")[1] for c in CAPTURES])
def test_a_real_third_party_notification_for_a_foreign_server_is_held_and_not_fetched(
        shared_dir: Path, carrier: SimulatedCarrier, me: UserAgent, capture: str, sender: str, host: str) -> None:
    carrier.smsc.deliver(ME, _segments(shared_dir / "corpus" / capture))
    (held,) = wait_for("the notification held as untrusted", lambda: _held(me))
    assert held.sender is not None and sender in held.sender
    assert held.error is not None and host in held.error
    # The phone goes on: a real message from the carrier's MMSC still arrives, and
    # nothing was asked of the MMSC for the stranger's notification.
    carrier.send_mms(FRIEND, [ME], text="a real one after it")
    wait_for("the real message retrieved", lambda: [m for c in me.list_conversations() for m in me.list_messages(c.id)
                                                     if m.state == MessageState.RECEIVED])
    assert me.show_message(held.id).state == MessageState.UNTRUSTED
    assert not [p for p in carrier.mmsc.received if p.transaction_id and p.transaction_id not in
                {d.transaction_id for s in carrier.mmsc.messages.values() for d in s.deliveries}]
