"""End to end (issue #11): the network drops the MMS context between two retrievals.

Before the fix the next retrieval went straight to AT+QIOPEN on the dead context,
failed with 561, and the context came back only with the idle release a minute later;
now the drop means "down" and the next retrieval activates the context first.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from simagent import FRIEND, ME, start_agent, wait_for

from mmsua.sim.carrier import SimulatedCarrier


@pytest.fixture
def carrier() -> Iterator[SimulatedCarrier]:
    with SimulatedCarrier(profile="quectel-eg25g") as sim:
        yield sim


def received_texts(agent) -> list[str]:
    return [m.text for c in agent.list_conversations() for m in agent.list_messages(c.id) if m.state == "received"]


def test_the_retrieval_after_the_network_dropped_the_context_activates_it_first(carrier, tmp_path: Path) -> None:
    # A long idle grace: only the fix, not the idle release, can bring the context back in time.
    agent = start_agent(carrier, ME, tmp_path / "drop.sqlite", context_idle_grace=600)
    try:
        modem = carrier.handsets[ME].modem
        first = carrier.send_mms(FRIEND, [ME], text="before the drop")
        wait_for("the first MMS retrieved", lambda: "before the drop" in received_texts(agent))
        # Its M-NotifyResp.ind is POSTed after the message is stored: the drop comes between two
        # retrievals only once the MMSC has it (a POST racing the drop's URC may meet the dead
        # context before the URC is heard, and its QIOPEN would count against the second retrieval).
        wait_for("the first MMS answered", lambda: first.deliveries and all(d.notify_status is not None for d in first.deliveries))
        (cid,) = [c.cid for c in modem.contexts.values() if c.active]
        modem.drop_context(cid)  # +QIURC: "pdpdeact",<cid> (and +CGEV: NW PDN DEACT)
        seen = len(modem.commands_seen)
        carrier.send_mms(FRIEND, [ME], text="after the drop")
        wait_for("the second MMS retrieved", lambda: "after the drop" in received_texts(agent))
        after = [c.upper() for c in modem.commands_seen[seen:]]
        activated = next(i for i, c in enumerate(after) if c.startswith(f"AT+QIACT={cid}"))
        first_open = next(i for i, c in enumerate(after) if c.startswith("AT+QIOPEN="))
        assert activated < first_open  # never a QIOPEN on the dead context
    finally:
        agent.stop()
