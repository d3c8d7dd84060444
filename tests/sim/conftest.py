from __future__ import annotations

import pytest

from mmsua.sim.carrier import SimulatedCarrier
from mmsua.sim.modem.core import Timing


@pytest.fixture
def carrier():
    with SimulatedCarrier(timing=Timing(sms_ready=0.01, register=0.01, cnma_timeout=0.5)) as c:
        yield c
