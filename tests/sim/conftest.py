from __future__ import annotations

import pytest

from mmsua.sim.carrier import SimulatedCarrier
from mmsua.sim.modem.core import Timing


@pytest.fixture
def carrier():
    # The +CMT ack window stays the module's default (10 s): a host that acks late on a
    # loaded machine must not meet a redelivery. The redelivery test shortens it itself.
    with SimulatedCarrier(timing=Timing(sms_ready=0.01, register=0.01)) as c:
        yield c
