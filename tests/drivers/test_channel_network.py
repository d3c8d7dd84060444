"""AtChannel over the network forms of a serial port: ``socket://`` against a real
local TCP server speaking AT (a modem behind ser2net in raw mode) and
``rfc2217://`` through an RFC 2217 server in front of a real pseudo-terminal."""

from __future__ import annotations

import threading

import pytest
from channel_helpers import PtyModem, Rfc2217Bridge, TcpModem, wait_for

from mmsua.drivers.at.channel import AtChannel, Urc
from mmsua.drivers.errors import PortGone

CMTI = b'\r\n+CMTI: "ME",7\r\n'


def modem(line: bytes) -> bytes | None:
    """OK to AT; a URC lands in the middle of the AT+CSQ answer, as real modems do."""
    if line == b"AT":
        return b"\r\nOK\r\n"
    if line == b"AT+CSQ":
        return b"\r\n+CSQ: 17,99\r\n" + CMTI + b"\r\nOK\r\n"
    return b"\r\n+CPIN: READY\r\n\r\nOK\r\n" if line == b"AT+CPIN?" else b"\r\nERROR\r\n"


@pytest.fixture
def tcp_modem():
    server = TcpModem(modem)
    yield server
    server.close()


def test_socket_url_commands_and_a_urc_inside_an_answer(tcp_modem: TcpModem) -> None:
    urcs: list[Urc] = []
    with AtChannel(tcp_modem.url, default_timeout=10) as ch:
        ch.subscribe(urcs.append)
        assert ch.command("AT+CSQ").lines == ("+CSQ: 17,99",)
        assert ch.command("AT+CPIN?").lines == ("+CPIN: READY",)
        wait_for(lambda: any(u.name == "+CMTI" for u in urcs), "the +CMTI URC")
        tcp_modem.push(b'\r\n+CMTI: "ME",8\r\n')  # unsolicited, with nothing pending
        wait_for(lambda: [u.line for u in urcs if u.name == "+CMTI"] == ['+CMTI: "ME",7', '+CMTI: "ME",8'], "the idle URC")
    assert tcp_modem.lines[:2] == [b"AT", b"AT+CSQ"]  # ESC then AT at open: the sync


def test_socket_url_connection_lost_is_port_gone_and_reopen_works(tcp_modem: TcpModem) -> None:
    gone: list[PortGone] = []
    ch = AtChannel(tcp_modem.url, default_timeout=10).open()
    try:
        ch.subscribe_port_gone(gone.append)
        wait_for(tcp_modem.connected.is_set, "the connection")
        tcp_modem.drop()  # ser2net lost the device, or the network went away
        wait_for(lambda: bool(gone), "port-gone notice")
        with pytest.raises(PortGone):
            ch.command("AT+CSQ")
        ch.reopen()
        assert ch.command("AT+CSQ").lines == ("+CSQ: 17,99",)
    finally:
        ch.close()


def test_socket_url_with_nothing_listening_is_port_gone(tcp_modem: TcpModem) -> None:
    url = tcp_modem.url
    tcp_modem.close()
    with pytest.raises(PortGone) as info:
        AtChannel(url, default_timeout=1).open()
    assert str(info.value).startswith(f"cannot open port {url}: connection refused")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pyserial 3.5 rfc2217 uses setDaemon/setName
def test_rfc2217_url_through_a_telnet_com_port_server() -> None:
    pty = PtyModem(modem)
    bridge = Rfc2217Bridge(pty.device)
    urcs: list[Urc] = []
    try:
        # The baud rate is negotiated over the telnet COM-PORT option (ser2net telnet mode).
        with AtChannel(bridge.url, baudrate=115200, default_timeout=10) as ch:
            ch.subscribe(urcs.append)
            assert ch.command("AT+CSQ").lines == ("+CSQ: 17,99",)
            wait_for(lambda: any(u.name == "+CMTI" for u in urcs), "the +CMTI URC")
            # An IAC byte (0xFF) in the data must be escaped both ways: a binary write passes intact.
            done = threading.Event()
            pty.answer = lambda line: (done.set(), None)[1] if line.startswith(b"AT+BIN") else modem(line)
            ch.write_raw(b"AT+BIN\xff\xfe\r")
            wait_for(done.is_set, "the binary line at the modem")
        assert b"AT+BIN\xff\xfe" in bytes(pty.received)
    finally:
        bridge.close()
        pty.close()
