"""SIMCom's TCP stack over AT: AT+CSOCKSETPN, AT+NETOPEN, AT+CIPOPEN, AT+CIPSEND,
manual-receive AT+CIPRXGET.

Syntax facts: SIMCom SIM7500/SIM7600 TCP/IP AT manual (CSOCKSETPN, NETOPEN, CIPOPEN,
CIPSEND, CIPRXGET, IPCLOSE, CIPEVENT); modem-dialects.md §3.2.
"""

from __future__ import annotations

import logging
from typing import Any

from ...answers.fields import after_prefix, split_fields
from ...bearers.at_sockets import SocketStack, urc_line
from ...bearers.base import BearerError, ConnectionClosed
from ...errors import AtCommandError, ModemError

log = logging.getLogger(__name__)

SIMCOM_ERRORS = {
    0: "operation succeeded",
    1: "network failure",
    2: "network not opened",
    3: "wrong parameter",
    4: "operation not supported",
    5: "failed to create socket",
    6: "failed to bind socket",
    7: "TCP server is already listening",
    8: "busy",
    9: "sockets opened",
    10: "timeout",
    11: "DNS parse failed",
    12: "unknown error",
}



class SimcomSockets(SocketStack):
    """AT+CSOCKSETPN, AT+NETOPEN, AT+CIPOPEN, AT+CIPSEND, manual-receive AT+CIPRXGET."""

    max_links = 10

    def _on_urc(self, urc: Any) -> None:
        line = urc_line(urc)
        upper = line.upper()
        if upper.startswith("+CIPOPEN"):
            fields = split_fields(after_prefix(line, "+CIPOPEN"))
            if len(fields) == 2 and fields[0].isdigit() and fields[1] == "0":
                self.events.opened(int(fields[0]))
        elif upper.startswith("+CIPRXGET"):
            fields = split_fields(after_prefix(line, "+CIPRXGET"))
            if len(fields) == 2 and fields[0] == "1" and fields[1].isdigit():
                self.events.data(int(fields[1]))
        elif upper.startswith("+IPCLOSE"):
            fields = split_fields(after_prefix(line, "+IPCLOSE"))
            if fields and fields[0].isdigit():
                self.events.closed(int(fields[0]), line)
        elif upper.startswith("+CIPCLOSE"):
            fields = split_fields(after_prefix(line, "+CIPCLOSE"))
            if len(fields) == 2 and fields[0].isdigit():
                self.events.closed(int(fields[0]), line)
        elif upper.startswith("+CIPSEND"):
            fields = split_fields(after_prefix(line, "+CIPSEND"))
            if len(fields) >= 3 and all(f.lstrip("-").isdigit() for f in fields[:3]):
                self.events.ack(int(fields[0]), int(fields[1]), int(fields[2]))
        elif upper.startswith("+CIPEVENT"):
            # "+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY": the network library closed for a network
            # error; the host closes its sockets, AT+NETCLOSE if AT+NETOPEN? still says open,
            # then opens again (SIM7500/SIM7600 TCP/IP AT manual, information elements).
            self.context_dropped(line)

    def up(self) -> list[str]:
        self._subscribe()
        self._context_up()
        self.pdp.define()
        cid = self.pdp.cid
        self._cmd(f"AT+CSOCKSETPN={cid}")
        self._cmd("AT+CIPMODE=0")
        self._cmd("AT+CIPRXGET=1")
        self.pdp.retrying(self._netopen, "opening the socket stack on")
        return self.pdp.addresses()

    def _netopen(self) -> None:
        """AT+NETOPEN → +NETOPEN: <err>; "already opened" counts as open."""
        try:
            _response, urc = self.channel.command_then_urc(
                "AT+NETOPEN", "+NETOPEN:", timeout=self.profile.timeout_for("AT+NETOPEN"), urc_timeout=self.connect_timeout
            )
        except AtCommandError as error:
            if any("already opened" in x.lower() for x in error.lines):
                return
            raise BearerError(
                f"AT+NETOPEN failed ({error}): the modem's TCP stack could not open on context {self.pdp.cid}; "
                "on SIM7600 this happens when the stack is already held by another context"
            ) from error
        fields = split_fields(after_prefix(urc_line(urc), "+NETOPEN"))
        err = int(fields[0]) if fields and fields[0].isdigit() else -1
        if err != 0:
            raise BearerError(f"+NETOPEN: {err} ({SIMCOM_ERRORS.get(err, 'unknown')}): the MMS context did not open")

    def down(self) -> None:
        try:
            self._netclose()
        finally:
            self._unsubscribe_all()

    def _netclose(self) -> None:
        try:
            self.channel.command_then_urc(
                "AT+NETCLOSE", "+NETCLOSE:", timeout=self.profile.timeout_for("AT+NETCLOSE"), urc_timeout=self.connect_timeout
            )
        except ModemError as error:
            log.info("AT+NETCLOSE: %s", error)

    def _reactivate(self) -> None:
        # AT+NETCLOSE releases a library the modem may still hold open (it answers an error
        # when it is closed already), then AT+NETOPEN as up() opens it.
        self._netclose()
        self.pdp.retrying(self._netopen, "opening the socket stack on")

    def open(self, host: str, port: int) -> int:
        self._context_back()
        link = self._allocate()
        try:
            err = self._connect(link, f'AT+CIPOPEN={link},"TCP","{host}",{port}', "+CIPOPEN:")
        except AtCommandError as error:
            # Immediate failure: "+CIPOPEN: <link>,<err>" before ERROR (LilyGo#364).
            detail = next((x for x in error.lines if x.upper().startswith("+CIPOPEN")), "")
            code = split_fields(after_prefix(detail, "+CIPOPEN"))[-1] if detail else ""
            meaning = SIMCOM_ERRORS.get(int(code), "unknown") if code.isdigit() else str(error)
            raise BearerError(f"the modem could not connect to {host}:{port}: {detail or error} ({meaning})") from error
        if err != 0:
            self._release(link)
            raise BearerError(
                f"the modem could not connect to {host}:{port}: +CIPOPEN error {err} ({SIMCOM_ERRORS.get(err, 'unknown')})"
            )
        return link

    def _send_chunk(self, link: int, chunk: bytes) -> None:
        try:
            self._cmd(f"AT+CIPSEND={link},{len(chunk)}", payload=chunk, payload_terminator=b"")
            # "+CIPSEND: <link>,<req>,<sent>" follows the OK as a URC (see _on_urc).
        except AtCommandError as error:
            if self.events.is_closed(link):
                raise ConnectionClosed(f"socket {link} closed by the network while sending") from error
            raise
        ack = self.events.wait_ack(link, self.connect_timeout)
        if ack is None:
            reason = self.events.is_closed(link)
            if reason:
                raise ConnectionClosed(f"socket {link} closed by the network while sending ({reason})")
            raise BearerError(f"no +CIPSEND confirmation for {len(chunk)} bytes on socket {link}")
        requested, sent = ack
        if sent != requested:
            raise BearerError(f"the modem sent {sent} of {requested} bytes on socket {link}")

    def _read_command(self, link: int, size: int) -> tuple[str, str]:
        return f"AT+CIPRXGET=2,{link},{size}", "+CIPRXGET:"

    def _read_header(self, line: str) -> tuple[int, bool]:
        # +CIPRXGET: 2,<link>,<read_len>,<rest_len>: the modem says what is left.
        fields = split_fields(after_prefix(line, "+CIPRXGET"))
        count = int(fields[2]) if len(fields) > 2 and fields[2].isdigit() else 0
        rest = int(fields[3]) if len(fields) > 3 and fields[3].isdigit() else 0
        return count, rest > 0

    def close(self, link: int) -> None:
        try:
            # Always asked, even after +IPCLOSE (then it answers +CIPCLOSE: <link>,4 and
            # ERROR): whether a close URC was already seen must not change what is sent.
            self._cmd(f"AT+CIPCLOSE={link}")
        except ModemError as error:
            log.info("AT+CIPCLOSE=%s: %s", link, error)
        finally:
            self._release(link)
