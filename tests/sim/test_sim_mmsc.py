"""The MMSC over real HTTP (requests), behind the proxy, with its faults."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
import requests

from mmsua.codec.mms import Address, ContentType, MessageType, MmsPdu, Part, decode_mms, encode_mms
from mmsua.codec.push import decode_push
from mmsua.codec.reassembly import PushReassembler
from mmsua.codec.sms import decode_sms
from mmsua.sim.carrier import SimulatedCarrier
from mmsua.sim.modem.core import Timing
from mmsua.sim.smsc import Plan

MMS = {"Content-Type": "application/vnd.wap.mms-message", "User-Agent": "t", "x-wap-profile": "http://x/p.xml"}
CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus"


def send_req(*to: Address, dr: bool = False, text: str = "hello") -> bytes:
    return encode_mms(strict=False, pdu=MmsPdu(MessageType.M_SEND_REQ, transaction_id="tx1", mms_version="1.2", sender=Address.phone("+15550100001"),
                             to=to, delivery_report=dr, content_type=ContentType.of("application/vnd.wap.multipart.mixed"),
                             parts=(Part.from_text(text),)))


def pushes(handset) -> list[MmsPdu]:
    """MMS PDUs the handset's modem received by WAP push (joined from its stored SMS)."""
    joiner, out = PushReassembler(), []
    for pdu in handset.modem.delivered:
        sms = decode_sms(pdu)
        got = joiner.feed(sms, time.monotonic())
        if got is not None and got.destination_port == 2948:
            out.append(decode_mms(decode_push(got.data).body))
    return out


from sim_at_host import wait_for  # noqa: E402


@pytest.fixture
def net():
    with SimulatedCarrier(timing=Timing(sms_ready=0.0, register=0.0), max_message_size=20_000) as c:
        a = c.add_handset("+15550100001", pty=False)
        b = c.add_handset("+15550100002", pty=False)
        d = c.add_handset("+15550100003", pty=False)
        assert wait_for(lambda: all(h.modem.sim_ready for h in (a, b, d)))
        yield c, a, b, d


def post(c, body, **kw):
    return requests.post(c.mmsc_url, data=body, headers=kw.pop("headers", MMS), proxies={"http": "http://" + c.proxy}, timeout=30, **kw)


def test_group_send_notifies_each_handset_and_email(net):
    c, a, b, d = net
    r = post(c, send_req(Address.phone("+15550100002"), Address.phone("+15550100003"), Address.email("x@example.org")))
    conf = decode_mms(r.content)
    assert r.headers["Content-Type"] == "application/vnd.wap.mms-message"
    assert conf.message_type == MessageType.M_SEND_CONF and conf.response_status == 0x80 and conf.transaction_id == "tx1"
    assert wait_for(lambda: pushes(b) and pushes(d))
    note = pushes(b)[0]
    assert note.message_type == MessageType.M_NOTIFICATION_IND and note.sender.value == "+15550100001"
    assert note.content_location != pushes(d)[0].content_location
    got = requests.get(note.content_location, headers=MMS, proxies={"http": "http://" + c.proxy}, timeout=30)
    conf2 = decode_mms(got.content)
    assert conf2.message_type == MessageType.M_RETRIEVE_CONF and conf2.text == "hello" and conf2.message_id == conf.message_id
    assert c.mailbox.for_address("x@example.org")[0].parts[0].data == b"hello"
    assert c.mmsc.requests[0].headers["user-agent"] == "t" and c.mmsc.requests[0].via_proxy


def test_delivery_report_and_read_report_reach_the_sender(net):
    c, a, b, _ = net
    conf = decode_mms(post(c, send_req(Address.phone("+15550100002"), dr=True)).content)
    assert wait_for(lambda: pushes(b))
    note = pushes(b)[0]
    requests.get(note.content_location, timeout=30)
    post(c, encode_mms(MmsPdu(MessageType.M_NOTIFYRESP_IND, transaction_id=note.transaction_id, mms_version="1.2", status=0x81)),
         headers={**MMS, "X-MSISDN": "+15550100002"})
    assert wait_for(lambda: any(p.message_type == MessageType.M_DELIVERY_IND for p in pushes(a)))
    report = [p for p in pushes(a) if p.message_type == MessageType.M_DELIVERY_IND][0]
    assert report.message_id == conf.message_id and report.status == 0x81 and report.to[0].value == "+15550100002"
    post(c, encode_mms(MmsPdu(MessageType.M_READ_REC_IND, mms_version="1.2", message_id=conf.message_id,
                              to=(Address.phone("+15550100001"),), sender=Address.insert_token(), read_status=0x80)),
         headers={**MMS, "X-MSISDN": "+15550100002"})
    assert wait_for(lambda: any(p.message_type == MessageType.M_READ_ORIG_IND for p in pushes(a)))
    delivery = c.mmsc.messages[conf.message_id].deliveries[0]
    assert delivery.retrieved and delivery.notify_status == 0x81


@pytest.mark.parametrize("bad,status", [
    (lambda: send_req(), 0xE2),  # no recipients
    (lambda: send_req(Address.phone("+15550100002"), text="x" * 30_000), 0xE5),  # too large
    (lambda: b"\x8c\x80\x98", 0xE2),  # undecodable
])
def test_bad_send_requests_get_error_status(net, bad, status):
    c, *_ = net
    r = post(c, bad())
    assert r.status_code == 200 and decode_mms(r.content).response_status == status


def test_http_level_validation(net):
    c, *_ = net
    assert post(c, send_req(Address.phone("+15550100002")), headers={"Content-Type": "text/plain"}).status_code == 415
    chunked = requests.post(c.mmsc_url, data=iter([send_req(Address.phone("+15550100002"))]), headers=MMS, timeout=30)
    assert chunked.status_code == 411
    c.mmsc.require_ua_headers = True
    assert post(c, send_req(Address.phone("+15550100002")), headers={"Content-Type": MMS["Content-Type"]}).status_code == 412


# Every error Response-Status of OMA-TS-MMS_ENC: the MMS 1.0 codes (0x81-0x88), transient
# (0xC0-0xC4) and permanent (0xE0-0xEB).
@pytest.mark.parametrize("code", [*range(0x81, 0x89), *range(0xC0, 0xC5), *range(0xE0, 0xEC)], ids=hex)
def test_send_conf_error_statuses_on_demand(net, code):
    c, *_ = net
    c.faults.send_conf_status(code)
    assert decode_mms(post(c, send_req(Address.phone("+15550100002"))).content).response_status == code
    assert decode_mms(post(c, send_req(Address.phone("+15550100002"))).content).response_status == 0x80


@pytest.mark.parametrize("code", [500, 503])
def test_http_error_faults(net, code):
    c, *_ = net
    c.faults.http_status(code, method="POST")
    assert post(c, send_req(Address.phone("+15550100002"))).status_code == code


def test_slow_reset_truncate_and_wrong_type(net):
    c, _, b, _ = net
    post(c, send_req(Address.phone("+15550100002"), text="y" * 5000))
    assert wait_for(lambda: pushes(b))
    loc = pushes(b)[0].content_location
    release = c.faults.hold(method="GET")  # no answer until the client has given up, however loaded
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(loc, timeout=0.3)
    release.set()
    c.faults.reset_mid_body(method="GET")
    with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        requests.get(loc, timeout=30)
    c.faults.truncate_body(method="GET")
    with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        requests.get(loc, timeout=30)
    c.faults.wrong_content_type("text/html", method="GET")
    assert requests.get(loc, timeout=30).headers["Content-Type"] == "text/html"
    assert decode_mms(requests.get(loc, timeout=30).content).text == "y" * 5000


def test_gone_and_expired_locations(net):
    c, _, b, _ = net
    conf = decode_mms(post(c, send_req(Address.phone("+15550100002"))).content)
    assert wait_for(lambda: pushes(b))
    loc = pushes(b)[0].content_location
    c.mmsc.expire(conf.message_id)
    expired = decode_mms(requests.get(loc, timeout=30).content)
    assert expired.retrieve_status == 0xE2
    c.mmsc.forget(conf.message_id)
    assert requests.get(loc, timeout=30).status_code == 404


def _joined(delivered: list[bytes]) -> list:
    """Datagrams the handset can rebuild from the PDUs it was handed, in arrival order."""
    joiner, out = PushReassembler(), []
    for pdu in delivered:
        got = joiner.feed(decode_sms(pdu), time.monotonic())
        if got is not None:
            out.append(got)
    return out


def test_long_notification_is_concatenated_out_of_order_with_duplicates(net):
    c, _, b, _ = net
    c.mmsc.push_plan = Plan(order=(1, 0), duplicates=(0,), gap=0.01)
    stored = c.send_mms("+15550100009", ["+15550100002"], subject="s" * 150, text="hi")
    assert wait_for(lambda: c.settle(0.05) and len(b.modem.delivered) >= 4)
    concat = [decode_sms(p).concat for p in b.modem.delivered]
    total = concat[0].total
    assert total == 3 and len(b.modem.delivered) == total + 1
    # the planned order first, the segments the plan did not name after it, the duplicate last
    assert [x.sequence for x in concat] == [2, 1, 3, 1]
    datagrams = _joined(b.modem.delivered)
    assert len(datagrams) == 1  # the repeated segment does not make a second message
    push = decode_push(datagrams[0].data)
    assert datagrams[0].destination_port == 2948 and push.content_type.media_type == "application/vnd.wap.mms-message"
    note = decode_mms(push.body)
    assert note.message_type == MessageType.M_NOTIFICATION_IND
    assert note.subject == "s" * 150 and note.sender.value == "+15550100009"
    assert note.content_location.endswith(stored.deliveries[0].location)


def test_a_dropped_segment_leaves_the_notification_incomplete(net):
    c, _, b, _ = net
    c.mmsc.push_plan = Plan(drop=(1,))
    c.send_mms("+15550100009", ["+15550100002"], subject="s" * 150, text="hi")
    assert wait_for(lambda: c.settle(0.05) and len(b.modem.delivered) == 2)
    assert [decode_sms(p).concat.sequence for p in b.modem.delivered] == [1, 3]
    assert _joined(b.modem.delivered) == []


def test_plan_sequence_never_loses_a_segment_it_does_not_name():
    assert Plan(order=(1, 0)).sequence(3) == [1, 0, 2]
    assert Plan(order=(5, 1)).sequence(2) == [1, 0]  # no segment 5: ignored
    assert Plan(order=(0, 0), duplicates=(2,), drop=(1,)).sequence(3) == [0, 2, 2]
    assert Plan().sequence(2) == [0, 1]


def test_serves_real_retrieve_conf_byte_for_byte(net):
    c, _, b, _ = net
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    rows = [line.split("\t") for line in manifest.read_text().splitlines() if "m-retrieve-conf" in line.lower()]
    candidates = [CORPUS / r[0] for r in rows if (CORPUS / r[0]).is_file()]
    if not candidates:
        pytest.skip("no M-Retrieve.conf capture in the corpus manifest")
    for path in candidates:
        raw = path.read_bytes()
        try:
            delivery = c.mmsc.deliver_raw("+15550100002", raw)
        except Exception:
            continue  # a capture the codec cannot decode cannot be announced
        got = requests.get(f"http://127.0.0.1:{c.mmsc.port}{delivery.location}", timeout=30)
        assert got.content == raw, path.name
        return
    pytest.skip("no decodable M-Retrieve.conf capture")


def test_carrier_stops_leaving_nothing_behind(tmp_path):
    before = set(threading.enumerate())
    with SimulatedCarrier(friend=True) as c:
        h = c.add_handset("+15550100001")
        pty_path = Path(h.pty_path)
        assert pty_path.exists()
        requests.get(c.mmsc_url, proxies={"http": "http://" + c.proxy}, timeout=30)
    assert not pty_path.exists() and not pty_path.parent.exists()
    assert wait_for(lambda: set(threading.enumerate()) <= before)


def _anonymous_send_req() -> bytes:
    """An M-Send.req as a handset sends it: From is the insert-address token, the network fills it in."""
    return encode_mms(MmsPdu(MessageType.M_SEND_REQ, transaction_id="anon1", mms_version="1.2", sender=Address.insert_token(),
                             to=(Address.phone("+15550100002"),), content_type=ContentType.of("application/vnd.wap.multipart.mixed"),
                             parts=(Part.from_text("who am I"),)))


@pytest.mark.parametrize("through_proxy", [False, True])
def test_a_subscriber_is_known_by_source_address_for_a_host_interface_bearer(through_proxy: bool) -> None:
    with SimulatedCarrier(subscriber_by_address={"127.0.0.1": "+15550100001"}) as carrier:
        carrier.add_handset("+15550100002", pty=False)
        proxies = {"http": f"http://{carrier.proxy}"} if through_proxy else {"http": ""}
        session = requests.Session()
        session.trust_env = False
        answer = session.post(carrier.mmsc_url, data=_anonymous_send_req(), headers=MMS, proxies=proxies, timeout=10)
        conf = decode_mms(answer.content)
        assert conf.response_status == 0x80, conf.response_text
        [stored] = [m for m in carrier.mmsc.messages.values() if m.message_id == conf.message_id]
        assert stored.sender == "+15550100001"


def test_without_an_address_map_an_anonymous_sender_is_not_known() -> None:
    with SimulatedCarrier(proxy=False) as carrier:
        carrier.add_handset("+15550100002", pty=False)
        session = requests.Session()
        session.trust_env = False
        conf = decode_mms(session.post(carrier.mmsc_url, data=_anonymous_send_req(), headers=MMS, timeout=10).content)
        assert conf.response_status != 0x80


def test_a_client_gone_mid_request_is_logged_at_debug_not_printed(capfd, caplog) -> None:
    import logging
    import socket
    import struct

    caplog.set_level(logging.DEBUG, logger="mmsua.sim.httpserver")
    with SimulatedCarrier(proxy=False) as carrier:
        release = carrier.faults.hold(method="GET")  # the answer waits for the reset below, however slow
        host, port = carrier.mmsc_url.split("//", 1)[1].split("/", 1)[0].rsplit(":", 1)
        client = socket.create_connection((host, int(port)))
        client.sendall(b"GET /mms/nothing HTTP/1.1\r\nHost: mmsc\r\n\r\n")
        deadline = time.monotonic() + 30
        while not carrier.mmsc.faults.fired:
            assert time.monotonic() < deadline, "the held answer's fault never fired"
            time.sleep(0.01)
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()  # a reset while the MMSC is still answering
        release.set()
        ended = lambda: any("ended early" in r.getMessage() for r in caplog.records)  # noqa: E731
        while not ended():  # the MMSC's answer hits the reset once released
            assert time.monotonic() < deadline, "the failed answer was never logged"
            time.sleep(0.01)
    assert "Traceback" not in capfd.readouterr().err


def test_the_friend_answers_with_a_picture_and_text() -> None:
    from io import BytesIO

    from PIL import Image

    # The MMSC takes nothing that skips the proxy: the friend comes through it, from its own address.
    with SimulatedCarrier(friend=True, require_proxy=True, timing=Timing(sms_ready=0.0, register=0.0)) as c:
        me = c.add_handset("+15550100001", pty=False)
        assert wait_for(lambda: me.modem.sim_ready)
        friend = c.friend
        conf = decode_mms(post(c, send_req(Address.phone(friend.msisdn), text="are you there?")).content)
        assert conf.response_status == 0x80
        answered = lambda: [p for p in pushes(me) if p.message_type == MessageType.M_NOTIFICATION_IND]  # noqa: E731
        assert wait_for(answered, timeout=10), friend.errors
        note = answered()[0]
        assert note.sender.value == friend.msisdn
        reply = decode_mms(requests.get(note.content_location, headers=MMS, proxies={"http": "http://" + c.proxy}, timeout=30).content)
    # The friend fetched the message, said so with M-NotifyResp.ind, and answered the sender.
    assert friend.inbox[0].text == "are you there?" and friend.errors == []
    from_friend = [r for r in c.mmsc.requests if r.headers.get("x-msisdn") == friend.msisdn]
    assert len(from_friend) >= 3 and all(r.via_proxy for r in from_friend)  # fetch, NotifyResp, reply
    assert c.mmsc.messages[conf.message_id].deliveries[0].notify_status == 0x81
    assert reply.message_type == MessageType.M_RETRIEVE_CONF and [a.value for a in reply.to] == ["+15550100001"]
    assert "are you there?" in reply.text
    [jpeg] = [p for p in reply.parts if p.content_type.media_type == "image/jpeg"]
    assert Image.open(BytesIO(jpeg.data)).format == "JPEG"


def test_a_message_expires_by_the_expiry_its_sender_asked_for(net) -> None:
    from dataclasses import replace
    from datetime import datetime, timedelta, timezone

    from mmsua.codec.mms import Expiry

    c, _, b, d = net
    past = datetime(2020, 1, 1, tzinfo=timezone.utc)
    soon = decode_mms(post(c, encode_mms(replace(decode_mms(send_req(Address.phone("+15550100002"), text="old")), expiry=Expiry.at(past)))).content)
    before = datetime.now(timezone.utc)
    hour = decode_mms(post(c, encode_mms(replace(decode_mms(send_req(Address.phone("+15550100003"), text="new")), expiry=Expiry.after(3600)))).content)
    assert soon.response_status == hour.response_status == 0x80
    assert wait_for(lambda: pushes(b) and pushes(d))
    # Each notification carries the expiry its sender asked for...
    assert pushes(b)[0].expiry.absolute == past
    asked = pushes(d)[0].expiry.absolute
    assert before + timedelta(seconds=3599) <= asked <= datetime.now(timezone.utc) + timedelta(seconds=3601)
    # ... and the MMSC holds to it: the expired one is gone, the other is served.
    gone = decode_mms(requests.get(pushes(b)[0].content_location, timeout=30).content)
    assert gone.retrieve_status == 0xE2 and gone.text == ""
    assert decode_mms(requests.get(pushes(d)[0].content_location, timeout=30).content).text == "new"


def _corpus_of(kind: str) -> list[Path]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        pytest.skip(f"corpus not found at {CORPUS}")
    rows = [line.split("\t") for line in manifest.read_text().splitlines()[1:]]
    found = [CORPUS / name for name in dict.fromkeys(r[0] for r in rows if len(r) > 1 and r[1] == kind)]
    if not found:
        pytest.skip(f"no {kind} capture in the corpus manifest")
    return found


def test_real_send_requests_are_accepted_or_refused_as_a_carrier_would(net) -> None:
    """Each real M-Send.req: accepted with its own Transaction-ID and a Message-ID, its parts
    kept byte for byte (e-mail recipients' copy in the mailbox), or refused 0xE3 when a
    recipient is no address at all (gallery2's To "Jg")."""
    c, *_ = net
    c.mmsc.max_message_size = 1024 * 1024  # the captures carry full-size photos
    session = requests.Session()
    session.trust_env = False
    outcomes = {}
    for path in _corpus_of("m-send-req"):
        raw = path.read_bytes()
        sent = decode_mms(raw)
        answer = session.post(c.mmsc_url, data=raw, headers={**MMS, "X-MSISDN": "+15550100001"},
                              proxies={"http": "http://" + c.proxy}, timeout=30)
        conf = decode_mms(answer.content)
        assert answer.status_code == 200 and conf.message_type == MessageType.M_SEND_CONF, path.name
        assert conf.transaction_id == sent.transaction_id, path.name
        outcomes[path.name] = conf.response_status
        recipients = (*sent.to, *sent.cc, *sent.bcc)
        if not all(a.is_phone or a.kind == "email" for a in recipients):
            assert conf.response_status == 0xE3 and conf.message_id is None, path.name
            continue
        assert conf.response_status == 0x80 and conf.message_id, (path.name, conf.response_text)
        stored = c.mmsc.messages[conf.message_id]
        assert [p.data for p in stored.send_req.parts] == [p.data for p in sent.parts], path.name
        for mail in (a for a in recipients if a.kind == "email"):
            assert [m.parts for m in c.mailbox.for_address(mail.value)][-1] == sent.parts, path.name
    assert {0x80, 0xE3} <= set(outcomes.values()), outcomes


def _raw_get(url: str, proxy: str | None = None) -> tuple[int, bytes, BaseException | None]:
    """GET over a bare socket, directly or through the proxy ("host:port"): (Content-Length,
    body bytes seen, the error that ended it or None for a clean EOF)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    server = (proxy.rsplit(":", 1)[0], int(proxy.rsplit(":", 1)[1])) if proxy else (parts.hostname, parts.port)
    target = url if proxy else parts.path
    got, error = b"", None
    with socket.create_connection(server, timeout=30) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode())
        try:
            while chunk := sock.recv(65536):
                got += chunk
        except OSError as err:
            error = err
    head, _, body = got.partition(b"\r\n\r\n")
    length = re.search(rb"Content-Length: (\d+)", head)
    return (int(length.group(1)) if length else -1), body, error


def test_truncation_closes_cleanly_short_of_content_length_and_reset_is_a_tcp_rst(net) -> None:
    c, _, b, _ = net
    post(c, send_req(Address.phone("+15550100002"), text="z" * 5000))
    assert wait_for(lambda: pushes(b))
    loc = pushes(b)[0].content_location
    whole = requests.get(loc, timeout=30).content
    c.faults.truncate_body(method="GET")
    length, body, error = _raw_get(loc)
    assert error is None and length == len(whole) and body == whole[: len(whole) // 2]
    c.faults.reset_mid_body(method="GET")
    _, body, error = _raw_get(loc)
    assert isinstance(error, ConnectionResetError) and len(body) < len(whole)
    # Through the carrier's proxy, as a handset fetches: the reset reaches the handset as a reset.
    c.faults.reset_mid_body(method="GET")
    _, body, error = _raw_get(loc, proxy=c.proxy)
    assert isinstance(error, ConnectionResetError) and len(body) < len(whole)
    assert requests.get(loc, timeout=30).content == whole  # each fault was used once


@pytest.mark.parametrize("kind,field,expected", [
    ("m-notifyresp-ind", "notify_status", lambda pdu: pdu.status),
    ("m-acknowledge-ind", "acknowledged", lambda pdu: True),
])
def test_real_reports_from_handsets_update_the_delivery_they_name(net, kind, field, expected) -> None:
    """Each real M-NotifyResp.ind / M-Acknowledge.ind, posted as captured, lands on the
    delivery with its Transaction-ID (the capture's, given to a fresh delivery)."""
    c, _, b, _ = net
    for path in _corpus_of(kind):
        raw = path.read_bytes()
        captured = decode_mms(raw)
        delivery = c.send_mms("+15550100009", ["+15550100002"], text=path.name).deliveries[0]
        delivery.transaction_id = captured.transaction_id
        answer = requests.post(c.mmsc_url, data=raw, headers={**MMS, "X-MSISDN": "+15550100002"}, timeout=30)
        assert answer.status_code == 204, (path.name, answer.content)
        assert getattr(delivery, field) == expected(captured), path.name


def test_a_real_read_report_is_relayed_to_the_sender_as_read_orig(net) -> None:
    c, a, b, _ = net
    for path in _corpus_of("m-read-rec-ind"):
        raw = path.read_bytes()
        captured = decode_mms(raw)
        stored = c.send_mms("+15550100001", ["+15550100002"], text="read me")
        stored.message_id = captured.message_id
        c.mmsc.messages[captured.message_id] = stored
        answer = requests.post(c.mmsc_url, data=raw, headers={**MMS, "X-MSISDN": "+15550100002"}, timeout=30)
        assert answer.status_code == 204, path.name
        orig = lambda captured=captured: [p for p in pushes(a) if p.message_type == MessageType.M_READ_ORIG_IND and p.message_id == captured.message_id]  # noqa: E731
        assert wait_for(orig), path.name
        assert orig()[0].read_status == captured.read_status and orig()[0].sender.value == "+15550100002"


def test_a_server_side_pdu_posted_by_a_client_is_refused(net) -> None:
    c, *_ = net
    for kind in ("m-notification-ind", "m-delivery-ind", "m-read-orig-ind"):
        raw = _corpus_of(kind)[0].read_bytes()
        answer = requests.post(c.mmsc_url, data=raw, headers=MMS, timeout=30)
        assert answer.status_code == 400 and b"not a client request" in answer.content, kind


def test_an_mmsc_behind_a_required_proxy_refuses_requests_that_skip_it() -> None:
    with SimulatedCarrier(require_proxy=True, timing=Timing(sms_ready=0.0, register=0.0)) as c:
        b = c.add_handset("+15550100002", pty=False)
        assert wait_for(lambda: b.modem.sim_ready)
        session = requests.Session()
        session.trust_env = False
        direct = session.post(c.mmsc_url, data=send_req(Address.phone("+15550100002")), headers=MMS, timeout=30)
        assert direct.status_code == 403 and b"proxy" in direct.content
        assert session.get(c.mmsc_url.rsplit("/", 1)[0] + "/mms/m/x", timeout=30).status_code == 403
        assert c.mmsc.messages == {}
        proxied = post(c, send_req(Address.phone("+15550100002")))
        assert decode_mms(proxied.content).response_status == 0x80
        assert wait_for(lambda: pushes(b))
        loc = pushes(b)[0].content_location
        assert session.get(loc, timeout=30).status_code == 403
        got = session.get(loc, proxies={"http": "http://" + c.proxy}, timeout=30)
        assert decode_mms(got.content).text == "hello"


def test_require_proxy_without_a_proxy_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="proxy"):
        SimulatedCarrier(require_proxy=True, proxy=False)


def test_no_delivery_report_unless_the_sender_asked(net) -> None:
    c, a, b, _ = net
    conf = decode_mms(post(c, send_req(Address.phone("+15550100002"), dr=False)).content)
    assert wait_for(lambda: pushes(b))
    requests.get(pushes(b)[0].content_location, timeout=30)
    assert c.mmsc.messages[conf.message_id].deliveries[0].retrieved
    assert c.settle(30.0)  # everything the MMSC scheduled has been handed over
    assert [p for p in pushes(a) if p.message_type == MessageType.M_DELIVERY_IND] == []
    assert [to for to, _ in c.smsc.log.sent if to == "+15550100001"] == []


def _present(pdu: MmsPdu) -> set[str]:
    from dataclasses import fields

    return {f.name for f in fields(pdu) if getattr(pdu, f.name) not in (None, (), b"", False)}


def _fields_every_capture_has(kind: str) -> set[str]:
    """The PDU fields present in every decodable corpus capture of this kind."""
    common: set[str] | None = None
    for path in _corpus_of(kind):
        try:
            pdu = decode_mms(path.read_bytes())
        except Exception:
            continue
        common = _present(pdu) if common is None else common & _present(pdu)
    if not common:
        pytest.skip(f"no decodable {kind} capture")
    return common


def test_the_mmscs_own_pdus_carry_every_field_real_ones_do(net) -> None:
    """M-Notification.ind, M-Delivery.ind and M-Read-Orig.ind as this MMSC pushes them carry
    every field that all real captures of that type carry."""
    c, a, b, _ = net
    conf = decode_mms(post(c, send_req(Address.phone("+15550100002"), dr=True)).content)
    assert wait_for(lambda: pushes(b))
    note = pushes(b)[0]
    requests.get(note.content_location, timeout=30)
    post(c, encode_mms(MmsPdu(MessageType.M_READ_REC_IND, mms_version="1.2", message_id=conf.message_id,
                              to=(Address.phone("+15550100001"),), sender=Address.insert_token(), read_status=0x80)),
         headers={**MMS, "X-MSISDN": "+15550100002"})
    by_type = lambda t: [p for p in pushes(a) if p.message_type == t]  # noqa: E731
    assert wait_for(lambda: by_type(MessageType.M_DELIVERY_IND) and by_type(MessageType.M_READ_ORIG_IND))
    for kind, pdu in (("m-notification-ind", note), ("m-delivery-ind", by_type(MessageType.M_DELIVERY_IND)[0]),
                      ("m-read-orig-ind", by_type(MessageType.M_READ_ORIG_IND)[0])):
        assert _fields_every_capture_has(kind) <= _present(pdu), (kind, _fields_every_capture_has(kind) - _present(pdu))
