"""The internal-TCP bearer against the project's emulated modem and carrier (mmsua.sim): a
~1 MB M-Send.req goes up and the M-Send.conf comes back through the real proxy and MMSC on
loopback — the outer-edge fakes, driven by the real channel, dialects and adapter."""

from __future__ import annotations

import pytest

pytest.importorskip("mmsua.sim.carrier")

from mmsua.codec.mms import Address, ContentType, MessageType, MmsPdu, Part, decode_mms, encode_mms  # noqa: E402
from mmsua.drivers.at.channel import AtChannel  # noqa: E402
from mmsua.drivers.bearers.internal_tcp import InternalTcpBearer  # noqa: E402
from mmsua.drivers.modem import Modem  # noqa: E402
from mmsua.drivers.pdp import PdpContext, PdpSettings  # noqa: E402
from mmsua.sim.carrier import SimulatedCarrier  # noqa: E402
from mmsua.sim.modem.core import Timing  # noqa: E402


def _send_req(size: int) -> bytes:
    picture = Part(content_type=ContentType.of("image/jpeg"), data=bytes(i % 253 for i in range(size)), content_location="big.jpg")
    return encode_mms(
        MmsPdu(
            MessageType.M_SEND_REQ,
            transaction_id="big1",
            mms_version="1.2",
            sender=Address.insert_token(),
            to=(Address.email("pal@example.org"),),
            content_type=ContentType.of("application/vnd.wap.multipart.mixed"),
            parts=(Part.from_text("a big one"), picture),
        )
    )


def _bearer_up(carrier: SimulatedCarrier, channel: AtChannel, chained_io: str = "auto") -> InternalTcpBearer:
    modem = Modem(channel)
    modem.start()
    host, port = carrier.proxy.split(":")
    settings = PdpSettings(2, carrier.apn)
    # The emulated network may refuse the very first activation while it registers.
    pdp = PdpContext(channel, modem.profile, settings, retry_delays=(0.1, 0.3, 1.0))
    bearer = InternalTcpBearer(channel, modem.profile, settings, proxy=(host, int(port)), pdp=pdp, chained_io=chained_io)
    bearer.up()
    return bearer


@pytest.mark.parametrize("chained_io", ["on", "off"])
@pytest.mark.parametrize("profile", ["quectel-eg25g", "simcom-sim7600"])
def test_large_send_req_round_trip(profile: str, chained_io: str) -> None:
    """Both modem.chained_io settings: "on" writes each next AT+QISEND behind the payload
    before it (Quectel; SIMCom's sends go one at a time either way, its reads chain)."""
    with SimulatedCarrier(timing=Timing(sms_ready=0.01, register=0.01, cnma_timeout=0.5)) as carrier:
        phone = carrier.add_handset("+15550100001", profile=profile, pty=False)
        with AtChannel(phone.serial_url, default_timeout=10.0) as channel:
            bearer = _bearer_up(carrier, channel, chained_io)
            body = _send_req(1_000_000)
            response = bearer.session().post(
                carrier.mmsc_url, data=body, headers={"Content-Type": "application/vnd.wap.mms-message"}, timeout=60
            )
            assert response.status_code == 200
            conf = decode_mms(response.content)
            # Every byte arrived (the MMSC decoded the whole PDU); this MMSC's size limit
            # then refuses a 1 MB message, which is a carrier answer, not a transport error.
            received = carrier.mmsc.requests[-1]
            assert received.via_proxy and received.body == body
            assert conf.message_type == MessageType.M_SEND_CONF and conf.transaction_id == "big1"
            bearer.down()
            # Off: no command was ever written before the answer to the one before had ended.
            assert (channel.commands_ahead > 0) == (chained_io == "on" and profile.startswith("quectel")), channel.commands_ahead


@pytest.mark.parametrize("profile", ["quectel-eg25g", "simcom-sim7600"])
def test_a_request_waiting_on_the_modem_ends_when_the_channel_closes(profile: str) -> None:
    import threading
    import time

    import requests

    with SimulatedCarrier(timing=Timing(sms_ready=0.01, register=0.01, cnma_timeout=0.5)) as carrier:
        phone = carrier.add_handset("+15550100001", profile=profile, pty=False)
        channel = AtChannel(phone.serial_url, default_timeout=10.0).open()
        bearer = _bearer_up(carrier, channel)
        carrier.faults.slow(120.0, method="GET")  # the answer would come long after the test
        outcome: list[BaseException | None] = []

        def fetch() -> None:
            try:
                bearer.session().get(f"{carrier.mmsc_url}/nothing", timeout=120)
                outcome.append(None)
            except BaseException as error:  # noqa: BLE001 - the test inspects it
                outcome.append(error)

        reader = threading.Thread(target=fetch, daemon=True)
        reader.start()
        deadline = time.monotonic() + 20
        while not any(r.method == "GET" for r in carrier.mmsc.requests):
            assert time.monotonic() < deadline, "the GET never reached the MMSC"
            time.sleep(0.02)
        channel.close()  # a modem reset or shutdown: the socket's data can never be announced now
        reader.join(10)  # far less than the request's timeout
        assert not reader.is_alive()
        assert isinstance(outcome[0], requests.ConnectionError)


@pytest.mark.parametrize("chained_io", ["on", "off"])
@pytest.mark.parametrize("profile", ["quectel-eg25g", "simcom-sim7600"])
def test_large_body_read_back_to_back_arrives_whole_with_no_read_to_spare(profile: str, chained_io: str) -> None:
    """Issue 13: a 300 KB body through the emulated modem's stack with chained reads (each
    answered in order by the emulator): every byte in order, and no more reads than the head
    read plus what the Content-Length needs, plus one per point the emulated network had
    delivered fewer bytes than were wanted (each such read comes back short and ends a chain).
    With modem.chained_io off the same body comes in reads one at a time."""
    import http.server
    import threading

    payload = bytes((i * 7) % 251 for i in range(300_000))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with SimulatedCarrier(timing=Timing(sms_ready=0.01, register=0.01, cnma_timeout=0.5)) as carrier:
            phone = carrier.add_handset("+15550100001", profile=profile, pty=False)
            with AtChannel(phone.serial_url, default_timeout=10.0) as channel:
                modem = Modem(channel)
                modem.start()
                settings = PdpSettings(2, carrier.apn)
                pdp = PdpContext(channel, modem.profile, settings, retry_delays=(0.1, 0.3, 1.0))
                bearer = InternalTcpBearer(channel, modem.profile, settings, proxy=("127.0.0.1", server.server_address[1]), pdp=pdp,
                                           chained_io=chained_io)
                bearer.up()
                seen = len(phone.modem.commands_seen)
                response = bearer.session().get("http://mmsc.example/big", timeout=60)
                assert response.content == payload
                reads = [c for c in phone.modem.commands_seen[seen:] if "QIRD=" in c.upper() or "CIPRXGET=2" in c.upper()]
                ahead = channel.commands_ahead
                bearer.down()
    finally:
        server.shutdown()
    whole = -(-(len(payload) + 200) // 1500)  # the head is under 200 bytes
    assert whole <= len(reads) <= whole + 1 + 300_000 // 32_768 + 8, len(reads)
    assert (ahead > 0) == (chained_io == "on"), ahead  # off: every read waited for the answer before
