"""IPv6-only MMS APNs (T-Mobile US) end to end on the simulated carrier: the MMS context
activates only as IPV6, the MMSC and its proxy listen on ::1, and the modem's own TCP
stack opens sockets to the IPv6 literals. Quectel and SIMCom dialects."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest
from simagent import FRIEND, ME, only_message, start_agent, wait_for

from mmsua.api.shapes import SendRequest
from mmsua.codec.mms import MessageType
from mmsua.sim.carrier import SimulatedCarrier

PROFILES = ("quectel-eg25g", "simcom-sim7600")
# How each dialect writes the IPV6 context and the socket to the proxy at [::1].
IPV6_DEFINITION = {"quectel-eg25g": 'AT+QICSGP=2,2,"mms"', "simcom-sim7600": 'AT+CGDCONT=2,"IPV6","mms"'}
OPEN_TO_V6 = {"quectel-eg25g": 'AT+QIOPEN=2,0,"TCP","::1",', "simcom-sim7600": 'AT+CIPOPEN=0,"TCP","::1",'}


def next_of(commands: list[str], after: str, wanted: tuple[str, ...]) -> str | None:
    """The first of ``wanted`` sent after the first ``after`` (other threads' commands skipped)."""
    start = commands.index(after) + 1
    return next((c for c in commands[start:] if c in wanted), None)


def client_pdus(carrier: SimulatedCarrier, kind: MessageType) -> list:
    return [pdu for pdu in list(carrier.mmsc.received) if pdu.message_type == kind]


@pytest.mark.parametrize("profile", PROFILES)
def test_retrieve_notifyresp_and_send_over_an_ipv6_only_context(profile: str, tmp_path: Path) -> None:
    with SimulatedCarrier(profile=profile, mms_ipv6_only=True) as sim:
        assert sim.mmsc_url.startswith("http://[::1]:") and sim.proxy.startswith("[::1]:")
        agent = start_agent(sim, ME, tmp_path / "v6.sqlite")  # pdp_type IPV6, proxy [::1]:port
        try:
            sim.send_mms(FRIEND, [ME], text="over IPv6", subject="v6")
            message = wait_for("message retrieved over IPv6", lambda: only_message(agent, "received"))
            assert message.text == "over IPv6" and message.sender == FRIEND
            resp = wait_for("M-NotifyResp.ind", lambda: client_pdus(sim, MessageType.M_NOTIFYRESP_IND))
            assert resp[0].status == 0x81  # Retrieved

            sent = agent.send(SendRequest(to=["+15550100002"], text="reply over IPv6", via="mms"))
            wait_for("sent over IPv6", lambda: agent.show_message(sent.id).state == "sent")
            assert client_pdus(sim, MessageType.M_SEND_REQ)

            commands = sim.handsets[ME].modem.commands_seen
            assert any(c.startswith(IPV6_DEFINITION[profile]) for c in commands), commands
            assert any(c.startswith(OPEN_TO_V6[profile]) for c in commands), commands
            # Through the proxy in absolute form, the IPv6 literal in brackets (RFC 3986 §3.2.2).
            targets = [r.target for r in sim.proxy_server.requests]
            assert targets and all(t.startswith("http://[::1]:") for t in targets), targets
            assert {r.headers["host"] for r in sim.proxy_server.requests} == {sim.mmsc_url.split("/")[2]}
        finally:
            agent.stop()


def test_the_emulated_context_has_only_an_ipv6_address_in_every_form(tmp_path: Path) -> None:
    """27.007 dotted form in AT+CGPADDR and AT+CGCONTRDP; the text form in AT+QIACT?
    (an IPv4 host unreachable from it: tests/sim/test_sim_ipv6_and_default_bearer.py)."""
    with SimulatedCarrier(profile="quectel-eg25g", mms_ipv6_only=True) as sim:
        agent = start_agent(sim, ME, tmp_path / "a.sqlite", context_idle_grace=600)
        try:
            sim.send_mms(FRIEND, [ME], text="x")
            wait_for("retrieved", lambda: only_message(agent, "received"))
            modem = sim.handsets[ME].modem
            with modem.lock:
                cgpaddr = modem.answer("AT+CGPADDR=2")
                contrdp = modem.answer("AT+CGCONTRDP=2")
                qiact = modem.answer("AT+QIACT?")
            address = modem.contexts[2].address6
            dotted = ".".join(str(b) for b in ipaddress.IPv6Address(address).packed)
            assert cgpaddr == [f'+CGPADDR: 2,"{dotted}"'] or cgpaddr == [f"+CGPADDR: 2,{dotted}"]
            assert contrdp[0].startswith(f'+CGCONTRDP: 2,6,"mms","{dotted}.255.255.255.255.255.255.255.255.0.')
            assert f'+QIACT: 2,1,2,"{address}"' in qiact
            # The driver reads that back as the context's address.
            assert agent.link.bearer.built.addresses == [address]
        finally:
            agent.stop()


# The activation each dialect sends, which a refusal without a code follows with AT+CEER.
ACTIVATION = {"quectel-eg25g": "AT+QIACT=2", "simcom-sim7600": "AT+NETOPEN"}


@pytest.mark.parametrize("profile", PROFILES)
def test_config_says_ip_on_an_ipv6_only_apn_fails_at_once_saying_what_to_change(profile: str, tmp_path: Path) -> None:
    with SimulatedCarrier(profile=profile, mms_ipv6_only=True) as sim:
        agent = start_agent(sim, ME, tmp_path / "ip.sqlite", pdp_type="IP")
        try:
            sim.send_mms(FRIEND, [ME], text="never over IPv4")
            error = wait_for("a retrieval error", lambda: (m := only_message(agent, "notified")) and m.error)
            assert 'set mms.pdp_type = "IPV6"' in error and "allows only IPV6" in error, error
            commands = list(sim.handsets[ME].modem.commands_seen)
            # The refused activation is followed by AT+CEER, not by back-off retries of a hopeless
            # request (the engine's own task retry may try again later: each try is one activation).
            activation = ACTIVATION[profile]
            assert next_of(commands, activation, (activation, "AT+CEER")) == "AT+CEER", commands
            assert agent.status().data_path == "error"
        finally:
            agent.stop()


def test_the_interface_bearer_binds_the_interfaces_ipv6_address(tmp_path: Path) -> None:
    """bearer=interface with pdp_type IPV6: the source address is the interface's IPv6 one
    (here lo's ::1, by which the carrier knows the subscriber), the proxy [::1]:port."""
    with SimulatedCarrier(profile="quectel-eg25g", mms_ipv6_only=True, subscriber_by_address={"::1": ME}) as sim:
        agent = start_agent(sim, ME, tmp_path / "if.sqlite", bearer="interface", interface="lo")
        try:
            sim.send_mms(FRIEND, [ME], text="via the interface")
            wait_for("retrieved via the interface", lambda: only_message(agent, "received"))
            wait_for("M-NotifyResp.ind", lambda: client_pdus(sim, MessageType.M_NOTIFYRESP_IND))
            assert agent.link.bearer.source_address == "::1"
            assert not any(c.startswith("AT+QIOPEN") for c in sim.handsets[ME].modem.commands_seen)
        finally:
            agent.stop()
