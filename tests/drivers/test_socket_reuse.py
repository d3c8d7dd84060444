"""Requests back to back reuse the modem's socket id at once: the close URC of the socket
before (+CIPCLOSE: 0,0 after our close, +IPCLOSE: 0,1 or +QIURC: "closed",0 from the
peer), delivered late by the channel's dispatcher, must not end the new socket.

Found while testing issue #11: about one SIM7600 request in two right after another
failed with "socket 0 closed by the network while sending (+CIPCLOSE: 0,0)".
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mmsua.drivers.at.channel import AtChannel
from mmsua.drivers.bearers.internal_tcp import InternalTcpBearer
from mmsua.drivers.modem import Modem
from mmsua.drivers.pdp import PdpContext, PdpSettings
from mmsua.sim.carrier import SimulatedCarrier
from mmsua.sim.modem.core import Timing


@pytest.fixture(params=["quectel-eg25g", "simcom-sim7600"])
def bearer(request: Any) -> Iterator[tuple[SimulatedCarrier, InternalTcpBearer]]:
    with SimulatedCarrier(timing=Timing(sms_ready=0.01, register=0.01, cnma_timeout=0.5)) as carrier:
        phone = carrier.add_handset("+15550100001", profile=request.param, pty=False)
        with AtChannel(phone.serial_url, default_timeout=10.0) as channel:
            modem = Modem(channel)
            modem.start()
            host, port = carrier.proxy.split(":")
            settings = PdpSettings(2, carrier.apn, context="own")
            pdp = PdpContext(channel, modem.profile, settings, retry_delays=(0.1, 0.3, 1.0))
            bearer = InternalTcpBearer(channel, modem.profile, settings, proxy=(host, int(port)), pdp=pdp)
            bearer.up()
            try:
                yield carrier, bearer
            finally:
                bearer.down()


def test_twenty_requests_back_to_back_each_get_their_answer(bearer) -> None:
    carrier, bearer = bearer
    session = bearer.session()
    statuses = [session.get(carrier.mmsc_url, timeout=30).status_code for _ in range(20)]
    assert all(status > 0 for status in statuses)
