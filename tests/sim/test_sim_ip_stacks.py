"""The internal TCP/IP stacks forward to real loopback sockets (through the carrier's proxy)."""

from __future__ import annotations

import re

from sim_at_host import open_handset

from mmsua.codec.mms import Address, ContentType, MessageType, MmsPdu, Part, decode_mms, encode_mms


def _send_req() -> bytes:
    return encode_mms(MmsPdu(MessageType.M_SEND_REQ, transaction_id="t1", mms_version="1.2", sender=Address.insert_token(),
                             to=(Address.email("pal@example.org"),), content_type=ContentType.of("application/vnd.wap.multipart.mixed"),
                             parts=(Part.from_text("over AT"),)))


def _http_post(url: str, body: bytes) -> bytes:
    head = (f"POST {url} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/vnd.wap.mms-message\r\n"
            f"Content-Length: {len(body)}\r\nUser-Agent: test\r\nConnection: close\r\n\r\n").encode()
    return head + body


def test_quectel_qiopen_qisend_qird_through_proxy(carrier):
    phone, at = open_handset(carrier, profile="quectel-eg25g")
    at.cmd('AT+QICSGP=2,1,"mms","","",0')
    at.cmd("AT+QIACT=2")
    assert b'+QIACT: 2,1,1,"10.64.2.' in at.cmd("AT+QIACT?")
    host, port = carrier.proxy.split(":")
    at.cmd(f'AT+QIOPEN=2,0,"TCP","{host}",{port},0,0')
    at.read_until(b"+QIOPEN: 0,0")
    request = _http_post(carrier.mmsc_url, _send_req())
    assert at.cmd(f"AT+QISEND=0,{len(request)}").endswith(b"> ")
    at.port.write(request)
    at.read_until(b"SEND OK")
    at.read_until(b'+QIURC: "closed",0')  # Connection: close - everything is buffered now
    response = b""
    while True:
        out = at.cmd("AT+QIRD=0,1500")
        n = int(re.search(rb"\+QIRD: (\d+)", out).group(1))
        if n == 0:
            break
        start = out.index(b"+QIRD: ") + len(f"+QIRD: {n}\r\n")
        response += out[start : start + n]
    assert response.startswith(b"HTTP/1.1 200")
    conf = decode_mms(response.split(b"\r\n\r\n", 1)[1])
    assert conf.response_status == 0x80 and conf.message_id
    mail = carrier.mailbox.for_address("pal@example.org")
    assert mail and mail[0].sender == "+15550100001"  # the proxy knew the subscriber from the socket
    req = carrier.mmsc.requests[-1]
    assert req.via_proxy and req.headers["x-msisdn"] == "+15550100001"
    at.cmd("AT+QICLOSE=0")
    assert at.cmd("AT+QIRD=0,0") == b"\r\nERROR\r\n"


def test_simcom_netopen_cipopen_ciprxget_manual(carrier):
    phone, at = open_handset(carrier, profile="simcom-sim7600")
    at.cmd('AT+CGDCONT=2,"IP","mms"')
    at.cmd("AT+CSOCKSETPN=2")
    at.cmd("AT+CIPRXGET=1")
    assert b"+IP ERROR: Network not opened" in at.cmd("AT+IPADDR")
    out = at.cmd("AT+NETOPEN")
    if b"+NETOPEN: 0" not in out:
        at.read_until(b"+NETOPEN: 0")
    host, port = carrier.proxy.split(":")
    out = at.cmd(f'AT+CIPOPEN=0,"TCP","{host}",{port}')
    if b"+CIPOPEN: 0,0" not in out:
        at.read_until(b"+CIPOPEN: 0,0")
    request = _http_post(carrier.mmsc_url, _send_req())
    at.cmd(f"AT+CIPSEND=0,{len(request)}")
    at.port.write(request)
    # The MMSC answers and closes at once, so the receive and close URCs may
    # arrive in any read from here on: keep everything seen.
    seen = at.read_until(f"+CIPSEND: 0,{len(request)},{len(request)}".encode())
    if b"+CIPRXGET: 1,0" not in seen:
        seen += at.read_until(b"+CIPRXGET: 1,0")
    out = at.cmd("AT+CIPRXGET=2,0,1500")
    seen += out
    m = re.search(rb"\+CIPRXGET: 2,0,(\d+),(\d+)\r\n", out)
    data = out[m.end() : m.end() + int(m.group(1))]
    assert data.startswith(b"HTTP/1.1 200")
    if b"+IPCLOSE: 0,1" not in seen:
        at.read_until(b"+IPCLOSE: 0,1")
    out = at.cmd("AT+NETCLOSE")  # OK, then the result as a URC (as +NETOPEN's)
    if b"+NETCLOSE: 0" not in out:
        at.read_until(b"+NETCLOSE: 0")


def test_only_loopback_is_reachable(carrier):
    _, at = open_handset(carrier, profile="quectel-eg25g")
    at.cmd('AT+QICSGP=1,1,"internet","","",0;+QIACT=1')
    at.cmd('AT+QIOPEN=1,1,"TCP","93.184.216.34",80,0,0')
    at.read_until(b"+QIOPEN: 1,566")


def test_quectel_answers_reads_and_sends_written_back_to_back_in_order(carrier):
    """Issue 13: the driver writes the next AT+QIRD before the answer to the one before has
    ended, and the next AT+QISEND behind a payload. The emulated EG25-G takes each command
    line as it comes and answers them one after the other, each with its own bytes."""
    phone, at = open_handset(carrier, profile="quectel-eg25g")
    at.cmd('AT+QICSGP=2,1,"mms","","",0')
    at.cmd("AT+QIACT=2")
    host, port = carrier.proxy.split(":")
    at.cmd(f'AT+QIOPEN=2,0,"TCP","{host}",{port},0,0')
    at.read_until(b"+QIOPEN: 0,0")
    request = _http_post(carrier.mmsc_url, _send_req())
    first, rest = request[:40], request[40:]
    assert at.cmd("AT+QISEND=0,40").endswith(b"> ")
    at.port.write(first + f"AT+QISEND=0,{len(rest)}\r".encode())  # the next send behind the payload
    out = at.read_until(b"> ")
    assert out.index(b"SEND OK") < out.index(b"> ")  # the first send's answer, then the second's prompt
    at.port.write(rest)
    at.read_until(b"SEND OK")
    at.read_until(b'+QIURC: "closed",0')  # everything is buffered now
    total = int(re.search(rb"\+QIRD: (\d+),", at.cmd("AT+QIRD=0,0")).group(1))
    at.port.write(b"AT+QIRD=0,100\rAT+QIRD=0,100\rAT+QIRD=0,1500\r")  # three reads in one write
    answers = b""
    while answers.count(b"\r\nOK\r\n") < 3:
        answers += at.read_until(b"\r\nOK\r\n")
    pieces, offset = [], 0
    for _ in range(3):
        match = re.compile(rb"\+QIRD: (\d+)\r\n").search(answers, offset)
        n = int(match.group(1))
        pieces.append(answers[match.end() : match.end() + n])
        offset = match.end() + n
    assert [len(p) for p in pieces] == [100, 100, min(1500, total - 200)]
    response = b"".join(pieces)
    assert response.startswith(b"HTTP/1.1 200")  # the reads' bytes in the order they were asked for
    assert carrier.mmsc.requests[-1].body == request.split(b"\r\n\r\n", 1)[1]  # both sends, whole
