"""A context the network drops is down: the next connection activates it first (issue #11).

After +QIURC: "pdpdeact" (Quectel) or +CIPEVENT: NETWORK CLOSED UNEXPECTEDLY (SIMCom)
the next request went straight to AT+QIOPEN / AT+CIPOPEN on the dead context and
failed (QIOPEN 561), until the idle release a minute later took the bearer down and
up. Each case runs the real channel, dialect and adapter against the emulated modem
and carrier, which drops the context with the vendor's URC.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mmsua.drivers.at.channel import AtChannel
from mmsua.drivers.bearers.at_sockets import dropped_cid
from mmsua.drivers.bearers.internal_tcp import InternalTcpBearer
from mmsua.drivers.modem import Modem
from mmsua.drivers.pdp import PdpContext, PdpSettings
from mmsua.sim.carrier import SimulatedCarrier
from mmsua.sim.modem.core import Timing

CID = 2
# What the stack sends to bring the context up again, per emulated profile.
ACTIVATION = {"quectel-eg25g": f"AT+QIACT={CID}", "simcom-sim7600": "AT+NETOPEN"}
CONNECT = {"quectel-eg25g": "AT+QIOPEN", "simcom-sim7600": "AT+CIPOPEN"}


def wait_until(what: str, condition: Callable[[], bool], limit: float = 30.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"never happened: {what}")
        time.sleep(0.01)


@pytest.fixture(params=["quectel-eg25g", "simcom-sim7600"])
def link(request: Any) -> Iterator[tuple[str, SimulatedCarrier, Any, InternalTcpBearer]]:
    profile = request.param
    with SimulatedCarrier(timing=Timing(sms_ready=0.01, register=0.01, cnma_timeout=0.5)) as carrier:
        phone = carrier.add_handset("+15550100001", profile=profile, pty=False)
        with AtChannel(phone.serial_url, default_timeout=10.0) as channel:
            modem = Modem(channel)
            modem.start()
            host, port = carrier.proxy.split(":")
            settings = PdpSettings(CID, carrier.apn, context="own")
            pdp = PdpContext(channel, modem.profile, settings, retry_delays=(0.1, 0.3, 1.0))
            bearer = InternalTcpBearer(channel, modem.profile, settings, proxy=(host, int(port)), pdp=pdp)
            bearer.up()
            try:
                yield profile, carrier, phone.modem, bearer
            finally:
                bearer.down()


def get(carrier: SimulatedCarrier, bearer: InternalTcpBearer) -> int:
    return int(bearer.session().get(carrier.mmsc_url, timeout=30).status_code)


def test_the_request_after_the_network_dropped_the_context_activates_it_first(link) -> None:
    profile, carrier, modem, bearer = link
    get(carrier, bearer)  # the context is up and carries a request
    modem.drop_context(CID)  # the vendor's URC (and +CGEV where reporting is on)
    wait_until("the stack heard the drop", lambda: bearer.stack.events.context_lost is not None)
    seen = len(modem.commands_seen)

    status = get(carrier, bearer)  # before issue #11: QIOPEN 561 / "Network not opened"

    assert status > 0
    after = modem.commands_seen[seen:]
    activated = next(i for i, c in enumerate(after) if c.startswith(ACTIVATION[profile]))
    connected = next(i for i, c in enumerate(after) if c.startswith(CONNECT[profile]))
    assert activated < connected
    assert modem.contexts[CID].active


def test_a_drop_of_another_context_changes_nothing(link) -> None:
    profile, carrier, modem, bearer = link
    get(carrier, bearer)
    seen = len(modem.commands_seen)
    modem.drop_context(CID + 5)  # not defined: nothing happens, nothing is said
    assert get(carrier, bearer) > 0
    assert not any(c.startswith(ACTIVATION[profile]) for c in modem.commands_seen[seen:])


@pytest.mark.parametrize(("line", "cid"), [
    ("+CGEV: NW PDN DEACT 2", 2),  # 27.007 §10.1.19, LTE PDN connection
    ('+CGEV: NW DEACT "IP","10.64.2.3",3', 3),  # 27.007 §10.1.19, GSM/UMTS form
    ("+CGEV: ME PDN DEACT 2", None),  # the module's own doing, not the network's
    ("+CGEV: NW DETACH", None),
    ('+QIURC: "pdpdeact",2', None),  # the vendor's own, read by its stack
])
def test_27007_network_deactivations_name_their_cid(line: str, cid: int | None) -> None:
    assert dropped_cid(line) == cid
