"""Quectel's TCP stack over AT: AT+QICSGP/QIACT, AT+QIOPEN (buffer access mode),
AT+QISEND, AT+QIRD, +QIURC.

Syntax facts: Quectel EC2x/BG96 TCP/IP AT manual (QIOPEN/QISEND/QIRD/QIURC, error
codes 550-574); modem-dialects.md §3.1. An IPv6 host goes in as written, without
brackets (see mmsua.drivers.bearers.at_sockets).
"""

from __future__ import annotations

import logging
from typing import Any

from ...answers.fields import after_prefix, split_fields
from ...bearers.at_sockets import SocketStack, urc_line
from ...bearers.base import BearerError, ConnectionClosed
from ...errors import AtCommandError, CmeError, ModemError

log = logging.getLogger(__name__)

QUECTEL_ERRORS = {
    550: "unknown error",
    551: "operation blocked",
    552: "invalid parameters",
    553: "memory not enough",
    554: "create socket failed",
    555: "operation not supported",
    556: "socket bind failed",
    557: "socket listen failed",
    558: "socket write failed",
    559: "socket read failed",
    560: "socket accept failed",
    561: "open PDP context failed",
    562: "close PDP context failed",
    563: "socket identity has been used",
    564: "DNS busy",
    565: "DNS parse failed",
    566: "socket connect failed",
    567: "socket has been closed",
    568: "operation busy",
    569: "operation timeout",
    570: "PDP context broken down",
    571: "cancel send",
    572: "operation not allowed",
    573: "APN not configured",
    574: "port busy",
}


class QuectelSockets(SocketStack):
    """AT+QICSGP/QIACT, AT+QIOPEN (buffer access mode), AT+QISEND, AT+QIRD, +QIURC."""

    max_links = 12

    def _on_urc(self, urc: Any) -> None:
        line = urc_line(urc)
        upper = line.upper()
        if upper.startswith("+QIOPEN"):
            fields = split_fields(after_prefix(line, "+QIOPEN"))
            if len(fields) == 2 and fields[0].isdigit() and fields[1] == "0":
                self.events.opened(int(fields[0]))
        elif upper.startswith("+QIURC"):
            fields = split_fields(after_prefix(line, "+QIURC"))
            kind = fields[0].lower() if fields else ""
            arg = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None
            if kind == "recv" and arg is not None:
                self.events.data(arg)
            elif kind == "closed" and arg is not None:
                self.events.closed(arg, '+QIURC: "closed"')
            elif kind == "pdpdeact" and arg == self.pdp.cid:
                self.context_dropped(f"the MMS context {arg} was deactivated by the network (+QIURC: \"pdpdeact\")")

    def up(self) -> list[str]:
        self._subscribe()
        self._context_up()
        self.pdp.define()
        return self.pdp.activate()

    def _reactivate(self) -> None:
        # AT+QIDEACT first: the host's side of the dropped context is released before
        # AT+QIACT (Quectel's TCP/IP notes advise it after "pdpdeact"; not re-found in the
        # manual excerpts searched for issue #11). On a context that is down it only answers.
        try:
            self.pdp.deactivate()
        except ModemError as error:
            log.info("AT+QIDEACT after the network dropped the context: %s", error)
        self.pdp.activate()

    def down(self) -> None:
        try:
            self.pdp.deactivate()
        finally:
            self._unsubscribe_all()

    def open(self, host: str, port: int) -> int:
        self._context_back()
        link = self._allocate()
        command = f'AT+QIOPEN={self.pdp.cid},{link},"TCP","{host}",{port},0,0'
        # The link stays ours from here until it is given back on a failure: another
        # exchange opening a socket meanwhile must never be handed the same connectId
        # (both would talk over one TCP connection and read each other's answers).
        try:
            try:
                err = self._connect(link, command, "+QIOPEN:", release_on_error=False)
            except CmeError as error:
                if error.code != 563:
                    raise
                err = 563
            if err == 563:  # +CME ERROR: 563, or the URC +QIOPEN: <id>,563: "socket identity has been used"
                # A process that died (SIGKILL, crash) left this connectId open in the
                # modem: close it and try once more on the same link.
                log.info("socket %s still open in the modem from an earlier run; closing it", link)
                try:
                    self._cmd(f"AT+QICLOSE={link}")
                except ModemError as error:
                    log.info("AT+QICLOSE=%s: %s", link, error)
                self.events.reset(link)
                err = self._connect(link, command, "+QIOPEN:", release_on_error=False)
        except BaseException:
            self._release(link)
            raise
        if err != 0:
            self._close_quietly(link)
            raise BearerError(
                f"the modem could not connect to {host}:{port}: +QIOPEN error {err} "
                f"({QUECTEL_ERRORS.get(err, 'unknown')})"
            )
        return link

    def send(self, link: int, data: bytes | bytearray | memoryview) -> None:
        """All of ``data`` in AT+QISEND pieces sent back to back (AtChannel.send_chain): each
        next AT+QISEND rides behind the payload before it, so the modem's "> " follows its
        SEND OK with no host turn between. A piece refused (SEND FAIL: the socket's send
        buffer is full) is sent again from the first byte not accepted, after a pause, as
        one at a time did: the stream stays whole and in order. Not chained
        (modem.chained_io off): one AT+QISEND at a time, each SEND OK awaited."""
        if not self.chained:
            super().send(link, data)
            return
        view = memoryview(data)
        accepted = 0
        attempt = 0
        while accepted < len(view):
            reason = self.events.is_closed(link)
            if reason:
                raise ConnectionClosed(f"socket {link} closed by the network while sending ({reason})")
            outcomes, sent = self._send_run(link, view[accepted:])
            accepted += sent
            last = outcomes[-1]
            if not isinstance(last, ModemError):
                attempt = 0
                continue
            if not isinstance(last, AtCommandError):
                raise last
            if "SEND FAIL" in str(last.final).upper() and attempt < 4:
                self._sleep(0.2 * (attempt + 1))  # give the network a moment, as one at a time did
                attempt += 1
                continue
            self.channel.urcs_delivered()  # a close URC printed before the error
            if self.events.is_closed(link):
                raise ConnectionClosed(f"socket {link} closed by the network while sending") from last
            raise last

    def _send_run(self, link: int, rest: memoryview) -> tuple[list[Any], int]:
        """One chain of AT+QISEND over ``rest``: (outcomes, bytes the modem accepted). The
        chain stops at the first refusal: the piece after it carries the refused bytes."""
        most = self.send_chunk  # 1460: AT+QISEND's largest <send_length> (BG96 TCP/IP application note)
        lengths = [min(most, len(rest))]

        def on_prompt(ok: list[bool]) -> tuple[bytes, str | None]:
            index = len(ok)
            start = sum(size for size, good in zip(lengths, ok, strict=False) if good)  # first byte not accepted
            payload = bytes(rest[start : start + lengths[index]])
            planned = sum(lengths)
            if not all(ok) or planned >= len(rest):
                return payload, None
            lengths.append(min(most, len(rest) - planned))
            return payload, f"AT+QISEND={link},{lengths[-1]}"

        command = f"AT+QISEND={link},{lengths[0]}"
        outcomes = self.channel.send_chain(command, on_prompt, final_ok=("SEND OK",), timeout=self.profile.timeout_for(command))
        sent = sum(size for size, outcome in zip(lengths, outcomes, strict=False) if not isinstance(outcome, ModemError))
        return outcomes, sent

    def _send_chunk(self, link: int, chunk: bytes) -> None:
        for attempt in range(5):
            try:
                self._cmd(
                    f"AT+QISEND={link},{len(chunk)}",
                    payload=chunk,
                    payload_terminator=b"",
                    final_ok=("SEND OK",),
                )
                return
            except AtCommandError as error:
                if "SEND FAIL" in str(error.final).upper() and attempt < 4:
                    # The socket's send buffer is full: give the network a moment.
                    self._sleep(0.2 * (attempt + 1))
                    continue
                if self.events.is_closed(link):
                    raise ConnectionClosed(f"socket {link} closed by the network while sending") from error
                raise

    def _read_command(self, link: int, size: int) -> tuple[str, str]:
        return f"AT+QIRD={link},{size}", "+QIRD:"

    def close(self, link: int) -> None:
        self._close_quietly(link)

    def _close_quietly(self, link: int) -> None:
        try:
            self._cmd(f"AT+QICLOSE={link}")
        except ModemError as error:
            log.info("AT+QICLOSE=%s: %s", link, error)
        finally:
            self._release(link)
