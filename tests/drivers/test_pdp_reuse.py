"""drivers/pdp.py against the emulated modem: reusing an active context on the MMS APN
(auto), keeping to its own cid (own), refusals that name the setting to change; and the
IPv6 pieces of the bearers (Host header, interface address)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("mmsua.sim.carrier")

from hwreplay import no_sleep  # noqa: E402

from mmsua.drivers.at.channel import AtChannel  # noqa: E402
from mmsua.drivers.bearers.base import BearerError  # noqa: E402
from mmsua.drivers.bearers.http11 import encode_head, request_target  # noqa: E402
from mmsua.drivers.bearers.interface import InterfaceBearer, interface_ipv6  # noqa: E402
from mmsua.drivers.modem import Modem  # noqa: E402
from mmsua.drivers.pdp import PdpContext, PdpSettings, PdpTypeRefused, SecondContextRefused  # noqa: E402
from mmsua.sim.carrier import SimulatedCarrier  # noqa: E402
from mmsua.sim.modem.core import Timing  # noqa: E402

FAST = Timing(sms_ready=0.01, register=0.01, cnma_timeout=0.5)


def _open(carrier: SimulatedCarrier, profile: str) -> Iterator[tuple[AtChannel, Modem, object]]:
    phone = carrier.add_handset("+15550100001", profile=profile, pty=False)
    with AtChannel(phone.serial_url, default_timeout=10.0) as channel:
        modem = Modem(channel)
        modem.start()
        yield channel, modem, phone.modem


@pytest.fixture
def shared() -> Iterator[tuple[AtChannel, Modem, object]]:
    with SimulatedCarrier(timing=FAST, apn="internet", default_bearer=True, one_context_per_apn=True) as carrier:
        yield from _open(carrier, "quectel-eg25g")


def _until_registered(emulated, *, default_bearer: bool = True) -> None:
    import time

    deadline = time.monotonic() + 30  # a bound for a loaded machine; a healthy run returns at once
    while time.monotonic() < deadline:
        if emulated.registered and (not default_bearer or (emulated.contexts.get(1) and emulated.contexts[1].active)):
            return
        time.sleep(0.01)
    pytest.fail("the emulated modem never registered (with its default bearer)" if default_bearer else "never registered")


def test_auto_uses_the_active_context_on_the_same_apn_whatever_its_case(shared) -> None:
    channel, modem, emulated = shared
    _until_registered(emulated)
    pdp = PdpContext(channel, modem.profile, PdpSettings(2, "INTERNET"), sleep=no_sleep)
    pdp.define()
    assert pdp.cid == 1 and not pdp.owned
    addresses = pdp.activate()
    assert addresses == [emulated.contexts[1].address]
    seen = len(emulated.commands_seen)
    pdp.deactivate()
    assert emulated.commands_seen[seen:] == []  # not a single command: the context is the internet's
    assert emulated.contexts[1].active
    assert not any(c.startswith(("AT+CGDCONT=", "AT+QICSGP=", "AT+QIACT=")) for c in emulated.commands_seen)


def test_own_refused_a_second_context_fails_at_once_naming_the_setting(shared) -> None:
    channel, modem, emulated = shared
    _until_registered(emulated)
    pdp = PdpContext(channel, modem.profile, PdpSettings(2, "internet", context="own"), sleep=no_sleep, ask_cause=True)
    pdp.define()
    assert pdp.cid == 2 and pdp.owned
    with pytest.raises(SecondContextRefused, match='set mms.context = "auto"'):
        pdp.activate()
    assert emulated.commands_seen.count("AT+QIACT=2") == 1


def test_a_refusal_code_for_the_pdp_type_is_not_retried() -> None:
    """Generic profile, AT+CGACT: the network's +CME ERROR 193 (27.007 v17, "PDN type IPv6
    only allowed") becomes PdpTypeRefused without a single back-off retry."""
    with SimulatedCarrier(timing=FAST, mms_ipv6_only=True) as carrier:
        for channel, modem, emulated in _open(carrier, "generic"):
            _until_registered(emulated, default_bearer=False)
            sleeps: list[float] = []
            pdp = PdpContext(channel, modem.profile, PdpSettings(2, "mms", "IP"), sleep=sleeps.append)
            pdp.define()
            with pytest.raises(PdpTypeRefused, match='set mms.pdp_type = "IPV6"') as info:
                pdp.activate()
            assert info.value.allowed == "IPV6" and sleeps == []
            # And as IPV6 it comes up, its address read from the dotted 27.007 form.
            pdp = PdpContext(channel, modem.profile, PdpSettings(2, "mms", "IPV6"), sleep=sleeps.append)
            pdp.define()
            assert pdp.activate() == [emulated.contexts[2].address6]


def test_ipv6_literals_keep_their_brackets_on_the_wire() -> None:
    target = request_target("http://[2001:db8::7]:8002/mms?x=1", ("2001:db8::1", 8080))
    assert (target.host, target.port) == ("2001:db8::1", 8080)  # the socket: the bare address
    assert target.request_target == "http://[2001:db8::7]:8002/mms?x=1"
    assert target.host_header == "[2001:db8::7]:8002"
    direct = request_target("http://[2001:db8::7]/mms", None)
    assert (direct.host, direct.port, direct.host_header, direct.request_target) == ("2001:db8::7", 80, "[2001:db8::7]", "/mms")
    assert b"Host: [2001:db8::7]\r\n" in encode_head("GET", direct, [], None)


def test_interface_ipv6_address_from_the_kernel_table(tmp_path: Path) -> None:
    table = tmp_path / "if_inet6"
    table.write_text(
        "fe800000000000000000000000000001 03 40 20 80 wwan0\n"  # link-local: never used
        "20010db8000000000000000000000042 03 40 00 00 wwan0\n"
        "00000000000000000000000000000001 01 80 10 80       lo\n"
    )
    assert interface_ipv6("wwan0", str(table)) == "2001:db8::42"
    assert interface_ipv6("lo", str(table)) == "::1"  # loopback (host scope) only on lo
    with pytest.raises(BearerError, match="no global IPv6 address"):
        interface_ipv6("usb0", str(table))


def test_interface_bearer_reaches_the_ipv6_mmsc_through_the_ipv6_proxy() -> None:
    with SimulatedCarrier(timing=FAST, mms_ipv6_only=True, subscriber_by_address={"::1": "+15550100001"}) as carrier:
        host, _, port = carrier.proxy.rpartition(":")
        bearer = InterfaceBearer(source_address="::1", proxy=(host.strip("[]"), int(port)), ipv6=True)
        bearer.up()
        try:
            response = bearer.session().get(carrier.mmsc_url + "/nothing-here", timeout=10)
            assert response.status_code in (400, 404, 405)  # the MMSC answered, through the proxy
            assert carrier.proxy_server.requests[-1].target.startswith("http://[::1]:")
        finally:
            bearer.down()



def test_auto_refused_because_the_apn_came_up_meanwhile_switches_to_that_context() -> None:
    """The default bearer comes up between define() and activate(): the network's 203
    makes auto look again and ride on it instead of failing."""
    with SimulatedCarrier(timing=FAST, apn="internet", one_context_per_apn=True) as carrier:
        for channel, modem, emulated in _open(carrier, "quectel-eg25g"):
            _until_registered(emulated, default_bearer=False)
            pdp = PdpContext(channel, modem.profile, PdpSettings(2, "internet"), sleep=no_sleep, ask_cause=True)
            pdp.define()
            assert pdp.owned
            emulated.set_default_bearer("internet")  # the network brings the default bearer up now
            assert pdp.activate() == [emulated.contexts[1].address]
            assert pdp.cid == 1 and not pdp.owned and not emulated.contexts[2].active
