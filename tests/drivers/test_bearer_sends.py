"""How many AT sends an HTTP request costs through the internal-TCP bearer, counted on a
recording (record://) of the real channel talking to the emulated modem and carrier."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("mmsua.sim.carrier")

from test_bearer_sim_interop import _bearer_up  # noqa: E402  (modem start, MMS context, bearer up)

from mmsua.drivers import transcript  # noqa: E402
from mmsua.drivers.at.channel import AtChannel  # noqa: E402
from mmsua.sim.carrier import SimulatedCarrier  # noqa: E402
from mmsua.sim.modem.core import Timing  # noqa: E402

SEND = {"quectel-eg25g": "AT+QISEND=", "simcom-sim7600": "AT+CIPSEND="}


@pytest.mark.parametrize("profile", sorted(SEND))
@pytest.mark.parametrize("size", [30, 1000, 3000])
def test_head_and_body_share_sends(profile: str, size: int, tmp_path: Path) -> None:
    """The body's start fills the head's send: a small POST (an M-NotifyResp.ind) is one
    AT send; a larger one takes ceil((head + body) / 1460) sends, and arrives intact."""
    out = tmp_path / "session.txt"
    body = bytes(i % 251 for i in range(size))
    with SimulatedCarrier(timing=Timing(sms_ready=0.01, register=0.01, cnma_timeout=0.5)) as carrier:
        phone = carrier.add_handset("+15550100001", profile=profile, pty=False)
        with AtChannel(f"record://{phone.serial_url}?out={out}&timing=0", default_timeout=10.0) as channel:
            bearer = _bearer_up(carrier, channel)
            response = bearer.session().post(
                carrier.mmsc_url, data=body, headers={"Content-Type": "application/vnd.wap.mms-message"}, timeout=30
            )
            response.close()
            received = carrier.mmsc.requests[-1]
            assert received.via_proxy and received.body == body  # intact, through the proxy
            bearer.down()
    # A chained AT+QISEND is written behind the payload before it, in the same write.
    command = re.compile(re.escape(SEND[profile].encode()) + rb"\d+,(\d+)\r")
    host = b"".join(st.data for st in transcript.load(out).steps if st.kind == "host")
    sizes = [int(m.group(1)) for m in command.finditer(host)]
    assert all(n <= 1460 for n in sizes) and all(n == 1460 for n in sizes[:-1]), sizes
    head = sum(sizes) - size
    assert 100 < head < 1000  # the request head went in the same sends
    assert len(sizes) == -(-(head + size) // 1460)
    if size == 30:
        assert len(sizes) == 1
