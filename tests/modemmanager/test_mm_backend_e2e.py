"""The ModemManager backend end to end: the fake ModemManager on a private bus, the
simulated carrier's SMSC, proxy and MMSC, and mmsua's real engine and store. The
bearer's interface is lo, its address 127.0.0.7, by which the carrier knows the handset."""

from __future__ import annotations

import base64
from typing import Any

from fakemm import I_BEARER, I_MODEM, I_SMS, MODEM, ROOT
from mmhelp import FRIEND, ME, PEER, settings_for
from simagent import only_message, wait_for

from mmsua.api.shapes import Attachment, SendRequest
from mmsua.codec.mms import MessageType


def _pdus(carrier: Any, kind: MessageType) -> list[Any]:
    return [pdu for pdu in list(carrier.mmsc.received) if pdu.message_type == kind]


def _bearers(fake: Any) -> list[str]:
    return list(fake.prop(MODEM, I_MODEM, "Bearers"))


def test_an_mms_arrives_through_modemmanager_is_retrieved_acknowledged_and_stored(carrier, fake_mm, agent) -> None:
    carrier.send_mms(FRIEND, [ME], text="hello over ModemManager", subject="Hi")
    message = wait_for("message retrieved", lambda: only_message(agent, "received"))
    assert message.sender == FRIEND and message.subject == "Hi" and message.text == "hello over ModemManager"
    resp = wait_for("M-NotifyResp.ind", lambda: _pdus(carrier, MessageType.M_NOTIFYRESP_IND))
    assert resp[0].status == 0x81  # Retrieved
    # The push's SMS object is deleted from the modem once kept.
    wait_for("the push's SMS deleted", lambda: fake_mm.deleted and fake_mm.prop(MODEM, I_MODEM + ".Messaging", "Messages") == [])
    # mmsua made its own bearer on the MMS APN, and takes it away again when idle.
    created = [c for c in fake_mm.calls if c[2] == "CreateBearer"]
    assert created, "no bearer was created"
    wait_for("the idle bearer deleted", lambda: _bearers(fake_mm) == [] and any(c[2] == "DeleteBearer" for c in fake_mm.calls))


def test_status_and_sim_identity_come_from_modemmanager(fake_mm, agent) -> None:
    status = agent.status()
    assert status.modem is not None and (status.modem.manufacturer, status.modem.model) == ("Quectel", "EG25")
    assert (status.operator, status.signal, status.registration) == ("Sim Mobile", 67, "home")
    assert agent.sim_identity() == {"imsi": "310260000000042", "spn": "SimMo", "gid1": "BA", "own_number": ME,
                                    "mnc_length": 3}
    assert status.own_number == ME
    from dbus_fast import Variant

    fake_mm.set_modem(I_MODEM + ".Modem3gpp", RegistrationState=Variant("u", 5))
    wait_for("roaming seen", lambda: agent.status().registration == "roaming")


def test_an_mms_is_sent_through_the_modemmanager_bearer(carrier, fake_mm, agent) -> None:
    picture = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(64)).decode()
    sent = agent.send(SendRequest(to=(FRIEND,), text="a picture", attachments=(Attachment(name="p.bin", data_b64=picture),)))
    assert sent.kind == "mms"
    wait_for("MMS sent", lambda: agent.show_message(sent.id).state == "sent")
    assert _pdus(carrier, MessageType.M_SEND_REQ)


def test_texts_in_and_out_with_a_status_report(carrier, fake_mm, agent) -> None:
    long_text = "ünïcode and long " * 12  # UCS-2, concatenated: ModemManager joins it
    carrier.send_sms(ME, long_text, originator=FRIEND)
    wait_for("the text stored", lambda: only_message(agent, "received"))
    assert only_message(agent, "received").text == long_text
    wait_for("its SMS deleted from the modem", lambda: fake_mm.prop(MODEM, I_MODEM + ".Messaging", "Messages") == [])
    sent = agent.send(SendRequest(to=(PEER,), text="text only", as_sms=True, delivery_report=True))
    wait_for("SMS sent", lambda: agent.show_message(sent.id).state == "sent")
    wait_for("status report", lambda: agent.show_message(sent.id).recipients[0].status == "delivered")
    assert any(s.sender == ME and s.decoded is not None and s.decoded.text == "text only" for s in carrier.smsc.log.submitted)


def test_a_bearer_someone_else_connected_on_the_mms_apn_is_used_and_never_touched(carrier, fake_mm, bus_address, tmp_path) -> None:
    from dbus_fast import Variant

    from mmsua.engine.agent import UserAgent

    nm = ROOT + "/Bearer/nm"  # NetworkManager's: the carrier shares one APN for internet and MMS
    fake_mm.run(lambda: fake_mm.add_bearer(nm, {"apn": Variant("s", "mms")}, connected=True))
    agent = UserAgent(settings_for(carrier, bus_address, tmp_path))
    agent.start()
    try:
        assert agent.link.wait_ready(30), agent.link.error
        carrier.send_mms(FRIEND, [ME], text="over the shared bearer")
        wait_for("message retrieved", lambda: only_message(agent, "received"))
        wait_for("the data path released", lambda: agent.link.bearer is not None and agent.link.bearer.state == "down")
    finally:
        agent.stop()
    assert not any(c[2] == "CreateBearer" for c in fake_mm.calls)
    assert not any(c[0] == nm and c[2] in ("Disconnect", "DeleteBearer") for c in fake_mm.calls)
    assert fake_mm.prop(nm, I_BEARER, "Connected") is True


def test_auto_chooses_modemmanager_only_for_a_modem_it_manages(fake_mm, bus_address) -> None:
    from mmsua.engine.backend import choose_backend
    from mmsua.engine.settings import AgentSettings

    assert choose_backend(AgentSettings(mm_bus=bus_address, port="/dev/ttyUSB2")).backend == "modemmanager"
    assert choose_backend(AgentSettings(mm_bus=bus_address, port="")).backend == "modemmanager"
    other = choose_backend(AgentSettings(mm_bus=bus_address, port="/dev/ttyUSB7"))
    assert other.backend == "at" and "no modem at /dev/ttyUSB7" in other.reason
    assert choose_backend(AgentSettings(mm_bus=bus_address, port="simmodem://x")).backend == "at"
    assert choose_backend(AgentSettings(mm_bus="unix:path=/nonexistent/bus", port="/dev/ttyUSB2")).backend == "at"


def test_a_binary_sms_that_is_no_push_is_left_on_the_modem(fake_mm, agent) -> None:
    from dbus_fast import Variant

    path = fake_mm.run(lambda: fake_mm._add_sms({"State": Variant("u", 3), "PduType": Variant("u", 1),
                                                 "Number": Variant("s", FRIEND), "Data": Variant("ay", b"\x01\x02\x03"),
                                                 "Text": Variant("s", "")}, received=True))
    marker = fake_mm.run(lambda: fake_mm._add_sms({"State": Variant("u", 3), "PduType": Variant("u", 1),
                                                   "Number": Variant("s", FRIEND), "Text": Variant("s", "after it")},
                                                  received=True))
    wait_for("the text after it taken", lambda: marker in fake_mm.deleted)
    assert path not in fake_mm.deleted and fake_mm.prop(path, I_SMS, "Data") == b"\x01\x02\x03"


def test_the_proxy_name_is_resolved_with_the_bearers_dns_servers(carrier, fake_mm, bus_address, tmp_path) -> None:
    from fakedns import FakeDns

    from mmsua.engine.agent import UserAgent

    name = "mmsproxy.carrier.test"  # known only to the carrier's DNS, not to this machine's resolver
    try:
        server = FakeDns({name: "127.0.0.1"})
    except OSError as error:
        import pytest

        pytest.skip(f"a DNS server on 127.0.0.9:53 needs root here ({error})")
    fake_mm.dns = ("127.0.0.9",)
    port = carrier.proxy.rsplit(":", 1)[1]
    with server:
        agent = UserAgent(settings_for(carrier, bus_address, tmp_path, proxy=f"{name}:{port}"))
        agent.start()
        try:
            assert agent.link.wait_ready(30), agent.link.error
            carrier.send_mms(FRIEND, [ME], text="found by the carrier's DNS")
            message = wait_for("message retrieved", lambda: only_message(agent, "received"))
            assert message.text == "found by the carrier's DNS"
        finally:
            agent.stop()
    assert name in server.asked


def test_modemmanager_going_away_is_said_and_its_return_picked_up(carrier, fake_mm, bus_address, agent) -> None:
    from fakemm import FakeModemManager

    fake_mm.stop()  # ModemManager stops (or restarts): its name leaves the bus
    gone = wait_for("the loss said", lambda: agent.status().modem_error)
    assert agent.status().modem is None and agent.status().data_path == "error"
    assert "ModemManager" in gone.reason
    with FakeModemManager(bus_address, carrier.smsc, ME, source_address=fake_mm.source_address):
        wait_for("the modem back", lambda: agent.status().modem is not None and agent.status().modem_error is None)
        carrier.send_mms(FRIEND, [ME], text="after the restart")
        assert wait_for("message retrieved", lambda: only_message(agent, "received")).text == "after the restart"


def test_a_modem_without_messaging_yet_is_waited_for_and_said(carrier, fake_mm, bus_address, tmp_path) -> None:
    from mmsua.engine.agent import UserAgent

    messaging = fake_mm.run(lambda: fake_mm.objects[MODEM].pop(I_MODEM + ".Messaging"))  # disabled: no Messaging
    agent = UserAgent(settings_for(carrier, bus_address, tmp_path))
    agent.start()
    try:
        error = wait_for("the reason said", lambda: agent.status().modem_error)
        assert "offers no Messaging yet" in error.reason and not agent.link.wait_ready(0)
        fake_mm.run(lambda: fake_mm.objects[MODEM].__setitem__(I_MODEM + ".Messaging", messaging))  # enabled
        assert agent.link.wait_ready(30), agent.link.error
        carrier.send_mms(FRIEND, [ME], text="once enabled")
        assert wait_for("message retrieved", lambda: only_message(agent, "received")).text == "once enabled"
    finally:
        agent.stop()


def test_a_ppp_bearer_is_refused_with_what_to_do_and_not_left_connected(carrier, fake_mm, bus_address, tmp_path) -> None:
    from mmsua.engine.agent import UserAgent

    fake_mm.ip_method = 1  # a generic AT modem: ModemManager hands over the data port for pppd
    agent = UserAgent(settings_for(carrier, bus_address, tmp_path))
    agent.start()
    try:
        assert agent.link.wait_ready(30), agent.link.error
        carrier.send_mms(FRIEND, [ME], text="never over PPP")
        error = wait_for("the data path's failure said", lambda: agent.status().data_path_error)
        assert "is PPP on lo" in error.reason and 'mms.bearer = "interface"' in error.reason
        wait_for("mmsua's bearer deleted again", lambda: any(c[2] == "DeleteBearer" for c in fake_mm.calls))
        assert _bearers(fake_mm) == []
    finally:
        agent.stop()


def test_sharing_the_modem_with_chatty_leaves_its_texts_and_reports(carrier, fake_mm, bus_address, tmp_path) -> None:
    from dbus_fast import Variant

    from mmsua.engine.agent import UserAgent

    agent = UserAgent(settings_for(carrier, bus_address, tmp_path, mm_text_sms=False))
    agent.start()
    try:
        assert agent.link.wait_ready(30), agent.link.error
        text = fake_mm.run(lambda: fake_mm._add_sms({"State": Variant("u", 3), "PduType": Variant("u", 1),
                                                     "Number": Variant("s", FRIEND), "Text": Variant("s", "for Chatty")},
                                                    received=True))
        report = fake_mm.run(lambda: fake_mm._add_sms({"State": Variant("u", 3), "PduType": Variant("u", 3),
                                                       "Number": Variant("s", PEER), "MessageReference": Variant("u", 201),
                                                       "DeliveryState": Variant("u", 0)}, received=True))
        sent = agent.send(SendRequest(to=(PEER,), text="mmsua's own", as_sms=True, delivery_report=True))
        wait_for("its own report taken", lambda: agent.show_message(sent.id).recipients[0].status == "delivered")
        carrier.send_mms(FRIEND, [ME], text="the push is still mmsua's")
        wait_for("message retrieved", lambda: only_message(agent, "received"))
        assert text not in fake_mm.deleted and report not in fake_mm.deleted
        texts = [m.text for c in agent.list_conversations() for m in agent.list_messages(c.id)]
        assert "for Chatty" not in texts and "the push is still mmsua's" in texts
    finally:
        agent.stop()


def test_an_ipv6_only_mms_apn_goes_over_the_bearers_ip6config(bus_address, tmp_path) -> None:
    from fakemm import FakeModemManager

    from mmsua.engine.agent import UserAgent
    from mmsua.sim.carrier import SimulatedCarrier

    with SimulatedCarrier(mms_ipv6_only=True, subscriber_by_address={"::1": ME}) as carrier, \
            FakeModemManager(bus_address, carrier.smsc, ME, source_address="::1"):
        agent = UserAgent(settings_for(carrier, bus_address, tmp_path, pdp_type="IPV6"))
        agent.start()
        try:
            assert agent.link.wait_ready(30), agent.link.error
            carrier.send_mms(FRIEND, [ME], text="over IPv6")
            assert wait_for("message retrieved", lambda: only_message(agent, "received")).text == "over IPv6"
            assert agent.link.bearer.facts.ip6.address == "::1" and not agent.link.bearer.facts.ip4.address
        finally:
            agent.stop()


def test_the_daemon_asks_from_a_child_process_and_gets_the_same_answer(fake_mm, bus_address) -> None:
    """resolve_backend (the daemon's start) asks ModemManager from a child process: the same
    choice, and dbus-fast, asyncio and ssl never load into the daemon (issue 13, memory)."""
    import subprocess
    import sys

    from mmsua.engine.backend import choose_backend
    from mmsua.engine.settings import AgentSettings

    for port in ("/dev/ttyUSB2", "/dev/ttyUSB7"):
        settings = AgentSettings(mm_bus=bus_address, port=port)
        assert choose_backend(settings, in_child=True) == choose_backend(settings)
    probe = f"""
import sys
from mmsua import config
from mmsua.daemon.runner import resolve_backend
chosen = resolve_backend(config.defaults().with_values({{"modem.port": "/dev/ttyUSB2", "modem.mm_bus": {bus_address!r}}}, "test"))
print(chosen["modem.backend"], [m for m in ("dbus_fast", "asyncio", "ssl") if m in sys.modules])
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["modemmanager", "[]"]
