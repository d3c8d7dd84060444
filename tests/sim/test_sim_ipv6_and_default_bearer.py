"""The emulated modem over AT: an IPv6-only MMS APN (what a network that allows only IPv6
answers, and the address in each form) and the LTE default bearer with a network that
refuses a second context on one APN."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator

import pytest
from sim_at_host import open_handset, wait_for

from mmsua.sim.carrier import SimulatedCarrier
from mmsua.sim.modem.core import Timing

FAST = Timing(sms_ready=0.01, register=0.01)


@pytest.fixture
def v6_carrier() -> Iterator[SimulatedCarrier]:
    with SimulatedCarrier(profile="generic", mms_ipv6_only=True, timing=FAST) as sim:
        yield sim


def _dotted(text: str) -> str:
    return ".".join(str(b) for b in ipaddress.IPv6Address(text).packed)


def test_an_ip_context_on_the_ipv6_only_apn_is_refused_with_193_and_ceer_says_why(v6_carrier) -> None:
    phone, at = open_handset(v6_carrier)
    at.cmd("AT+CMEE=1")
    at.cmd('AT+CGDCONT=2,"IP","mms"')
    assert b"+CME ERROR: 193" in at.cmd("AT+CGACT=1,2")
    assert b'+CEER: "PDN type IPv6 only allowed"' in at.cmd("AT+CEER")
    at.cmd("AT+CMEE=2")
    assert b"+CME ERROR: PDN type IPv6 only allowed" in at.cmd("AT+CGACT=1,2")
    # The internet APN is not IPv6-only: IP works there.
    at.cmd('AT+CGDCONT=3,"IP","internet"')
    assert b"OK" in at.cmd("AT+CGACT=1,3")


@pytest.mark.parametrize("pdp_type", ["IPV6", "IPV4V6"])
def test_an_ipv6_context_gets_only_an_ipv6_address_in_27007_dotted_form(v6_carrier, pdp_type: str) -> None:
    phone, at = open_handset(v6_carrier)
    at.cmd("AT+CMEE=1")
    at.cmd(f'AT+CGDCONT=2,"{pdp_type}","mms"')
    assert b"OK" in at.cmd("AT+CGACT=1,2")
    address = phone.modem.contexts[2].address6
    assert ipaddress.IPv6Address(address) and phone.modem.contexts[2].address == ""
    dotted = _dotted(address)
    assert f'+CGPADDR: 2,"{dotted}"'.encode() in at.cmd("AT+CGPADDR=2")
    mask = ".".join(["255"] * 8 + ["0"] * 8)
    assert f'+CGCONTRDP: 2,6,"mms","{dotted}.{mask}"'.encode() in at.cmd("AT+CGCONTRDP=2")
    at.cmd("AT+CGACT=0,2")
    assert f'+CGPADDR: 2,"{".".join(["0"] * 16)}"'.encode() in at.cmd("AT+CGPADDR=2") or pdp_type == "IPV4V6"


def test_quectel_stack_on_an_ipv6_context_reaches_only_ipv6_hosts() -> None:
    with SimulatedCarrier(profile="quectel-eg25g", mms_ipv6_only=True, timing=FAST) as sim:
        phone, at = open_handset(sim)
        at.cmd('AT+QICSGP=2,2,"mms","","",0')
        assert b"OK" in at.cmd("AT+QIACT=2")
        address = phone.modem.contexts[2].address6
        assert f'+QIACT: 2,1,2,"{address}"'.encode() in at.cmd("AT+QIACT?")
        v4 = socket.create_server(("127.0.0.1", 0))
        v6 = socket.create_server(("::1", 0), family=socket.AF_INET6)
        try:
            at.cmd(f'AT+QIOPEN=2,0,"TCP","127.0.0.1",{v4.getsockname()[1]},0,0')
            assert b"+QIOPEN: 0,566" in at.read_until(b"+QIOPEN: 0,")
            at.cmd(f'AT+QIOPEN=2,1,"TCP","::1",{v6.getsockname()[1]},0,0')
            assert b"+QIOPEN: 1,0" in at.read_until(b"+QIOPEN: 1,")
            at.cmd("AT+QICLOSE=1")
        finally:
            v4.close()
            v6.close()


def test_simcom_stack_on_an_ipv6_context_refuses_an_ipv4_host() -> None:
    with SimulatedCarrier(profile="simcom-sim7600", mms_ipv6_only=True, timing=FAST) as sim:
        phone, at = open_handset(sim)
        at.cmd('AT+CGDCONT=2,"IPV6","mms"')
        at.cmd("AT+CSOCKSETPN=2")
        at.cmd("AT+NETOPEN")
        assert wait_for(lambda: phone.modem.stack.net_open)
        assert phone.modem.contexts[2].address6.encode() in at.cmd("AT+IPADDR")
        v4 = socket.create_server(("127.0.0.1", 0))
        try:
            at.cmd(f'AT+CIPOPEN=0,"TCP","127.0.0.1",{v4.getsockname()[1]}')
            assert b"+CIPOPEN: 0,1" in at.read_until(b"+CIPOPEN: 0,")
        finally:
            v4.close()


def test_the_default_bearer_is_up_at_registration_and_a_second_context_on_its_apn_is_refused() -> None:
    with SimulatedCarrier(profile="generic", apn="internet", default_bearer=True, one_context_per_apn=True,
                          timing=FAST) as sim:
        phone, at = open_handset(sim)
        at.cmd("AT+CMEE=1")
        assert b'+CGDCONT: 1,"IP","internet"' in at.cmd("AT+CGDCONT?")
        assert b"+CGACT: 1,1" in at.cmd("AT+CGACT?")
        at.cmd('AT+CGDCONT=2,"IP","INTERNET"')  # the same APN, whatever its case
        assert b"+CME ERROR: 203" in at.cmd("AT+CGACT=1,2")
        assert b"multiple PDN connections" in at.cmd("AT+CEER")


def test_netclose_leaves_up_a_context_netopen_did_not_bring_up() -> None:
    with SimulatedCarrier(profile="simcom-sim7600", apn="internet", default_bearer=True, timing=FAST) as sim:
        phone, at = open_handset(sim)
        assert wait_for(lambda: phone.modem.contexts.get(1) is not None and phone.modem.contexts[1].active)
        at.cmd("AT+CSOCKSETPN=1")
        at.cmd("AT+NETOPEN")
        assert wait_for(lambda: phone.modem.stack.net_open)
        at.cmd("AT+NETCLOSE")
        assert wait_for(lambda: not phone.modem.stack.net_open)
        assert phone.modem.contexts[1].active  # the default bearer stays
        # A context NETOPEN activated goes down with the stack, as before.
        at.cmd('AT+CGDCONT=2,"IP","internet"')
        at.cmd("AT+CSOCKSETPN=2")
        at.cmd("AT+NETOPEN")
        assert wait_for(lambda: phone.modem.stack.net_open)
        at.cmd("AT+NETCLOSE")
        assert wait_for(lambda: not phone.modem.contexts[2].active)
