"""TCP sockets inside the modem, over AT: the Quectel and SIMCom dialects.

One class per dialect with the same small interface (:class:`SocketStack`):
``up``/``down`` (the stack on the MMS context), ``open``, ``send``,
``receive`` (what is buffered now, b"" if nothing), ``wait_readable``
(until a data or close URC), ``close``. URCs are followed in
:class:`_LinkEvents` so none is lost between a read and a wait.

Syntax facts: Quectel EC2x/BG96 TCP/IP AT manual (QIOPEN/QISEND/QIRD/QIURC,
error codes 550-574), SIMCom SIM7500/SIM7600 TCP/IP AT manual (CSOCKSETPN,
NETOPEN, CIPOPEN, CIPSEND, CIPRXGET, IPCLOSE, CIPEVENT); modem-dialects.md §3.1-3.2.

IPv6 hosts: both manuals take the remote host as one quoted string, "IP address or
domain name", and the context's type (QICSGP <context_type> 2, CGDCONT "IPV6") decides
the family; an IPv6 address goes in as written, without brackets (u-blox's SARA-R4
manual §18.2.3 states that form for its socket commands). No public log of an IPv6
QIOPEN/CIPOPEN was found: the emulator is the only proof (tests/engine/test_ipv6_only.py).
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from ..errors import AtCommandError, CmeError, ModemError
from ..modem import after_prefix, split_fields
from ..pdp import PdpContext
from ..profiles import Profile
from .base import BearerError, ConnectionClosed

log = logging.getLogger(__name__)

READ_CHUNK = 1500  # QIRD and CIPRXGET=2 both return at most 1500 per read

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


class _LinkEvents:
    """Data/close notifications per link, from URCs, with a condition to wait on."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._data: set[int] = set()
        self._closed: dict[int, str] = {}
        self._acks: dict[int, list[tuple[int, int]]] = {}
        self.context_lost: str | None = None

    def reset(self, link: int) -> None:
        with self._cond:
            self._data.discard(link)
            self._closed.pop(link, None)
            self._acks.pop(link, None)

    def data(self, link: int) -> None:
        with self._cond:
            self._data.add(link)
            self._cond.notify_all()

    def closed(self, link: int, reason: str) -> None:
        with self._cond:
            self._closed.setdefault(link, reason)
            self._cond.notify_all()

    def all_closed(self, reason: str, links: range) -> None:
        with self._cond:
            self.context_lost = reason
            for link in links:
                self._closed.setdefault(link, reason)
            self._cond.notify_all()

    def ack(self, link: int, requested: int, sent: int) -> None:
        with self._cond:
            self._acks.setdefault(link, []).append((requested, sent))
            self._cond.notify_all()

    def clear_data(self, link: int) -> None:
        with self._cond:
            self._data.discard(link)

    def has_data(self, link: int) -> bool:
        with self._cond:
            return link in self._data

    def is_closed(self, link: int) -> str | None:
        with self._cond:
            return self._closed.get(link)

    def wait(self, link: int, timeout: float) -> bool:
        """Until data or close for ``link``; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: link in self._data or link in self._closed, timeout)

    def wait_ack(self, link: int, timeout: float) -> tuple[int, int] | None:
        with self._cond:
            ok = self._cond.wait_for(lambda: bool(self._acks.get(link)) or link in self._closed, timeout)
            if ok and self._acks.get(link):
                return self._acks[link].pop(0)
            return None


class SocketStack(ABC):
    """The modem's TCP stack on the MMS context."""

    max_links = 10

    def __init__(
        self,
        channel: Any,
        profile: Profile,
        pdp: PdpContext,
        *,
        connect_timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.channel = channel
        self.profile = profile
        self.pdp = pdp
        self.connect_timeout = connect_timeout
        self._sleep = sleep
        self.events = _LinkEvents()
        self._unsubscribe: Callable[[], None] | None = None
        self._in_use: set[int] = set()
        self._lock = threading.Lock()

    @property
    def send_chunk(self) -> int:
        return self.profile.socket_chunk

    def _cmd(self, cmd: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.profile.timeout_for(cmd))
        return self.channel.command(cmd, **kwargs)

    def _subscribe(self) -> None:
        if self._unsubscribe is None:
            off_urc = self.channel.subscribe(self._on_urc)
            # The AT port closed or vanished: every socket is over, readers must not wait on.
            off_gone = self.channel.subscribe_port_gone(
                lambda error: self.events.all_closed(f"the modem's AT channel is over: {error}", range(self.max_links)))
            self._unsubscribe = lambda: (off_urc(), off_gone())

    def _unsubscribe_all(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
            # Taken down: no URC will announce data or a close any more, so nobody may wait for one.
            self.events.all_closed("the MMS data path was taken down", range(self.max_links))

    def _allocate(self) -> int:
        with self._lock:
            for link in range(self.max_links):
                if link not in self._in_use:
                    self._in_use.add(link)
                    self.events.reset(link)
                    return link
        raise BearerError(f"all {self.max_links} modem sockets are in use")

    def _release(self, link: int) -> None:
        with self._lock:
            self._in_use.discard(link)

    def _connect(self, link: int, cmd: str, urc_name: str) -> int:
        """Run a connect command answered OK then ``<urc_name> <link>,<err>``; returns err.

        The link is released when the command itself fails."""
        wanted = f"{urc_name}{link},"
        try:
            _response, urc = self.channel.command_then_urc(
                cmd,
                urc_name,
                timeout=self.profile.timeout_for(cmd),
                urc_timeout=self.connect_timeout,
                match=lambda u: _urc_line(u).replace(" ", "").startswith(wanted),
            )
        except ModemError:
            self._release(link)
            raise
        fields = split_fields(after_prefix(_urc_line(urc), urc_name.rstrip(":")))
        return int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else -1

    @abstractmethod
    def _on_urc(self, urc: Any) -> None: ...

    @abstractmethod
    def up(self) -> list[str]:
        """Bring the stack up on the MMS context; returns the context's addresses."""

    @abstractmethod
    def down(self) -> None: ...

    @abstractmethod
    def open(self, host: str, port: int) -> int: ...

    @abstractmethod
    def _send_chunk(self, link: int, chunk: bytes) -> None: ...

    @abstractmethod
    def _read_command(self, link: int, size: int) -> tuple[str, str]:
        """The vendor's counted read: (command, prefix of the line announcing the bytes)."""

    def receive(self, link: int, size: int = READ_CHUNK) -> bytes:
        self.events.clear_data(link)
        command, prefix = self._read_command(link, min(size, READ_CHUNK))
        try:
            response = self._cmd(command, binary_prefix=prefix)
        except AtCommandError:
            # After the peer closed and the buffer drained some firmware answer ERROR.
            if self.events.is_closed(link):
                return b""
            raise
        return bytes(response.data or b"")

    @abstractmethod
    def close(self, link: int) -> None: ...

    def send(self, link: int, data: bytes | bytearray | memoryview) -> None:
        """All of ``data``, in chunks the modem accepts."""
        view = memoryview(data)
        for start in range(0, len(view), self.send_chunk):
            reason = self.events.is_closed(link)
            if reason:
                raise ConnectionClosed(f"socket {link} closed by the network while sending ({reason})")
            self._send_chunk(link, bytes(view[start : start + self.send_chunk]))

    def wait_readable(self, link: int, timeout: float) -> None:
        if not self.events.wait(link, timeout):
            raise BearerError(f"no data from the MMSC within {timeout:g} s (socket {link})")


# --------------------------------------------------------------------------------------


def _urc_line(urc: Any) -> str:
    return (getattr(urc, "line", None) or str(urc)).strip()


class QuectelSockets(SocketStack):
    """AT+QICSGP/QIACT, AT+QIOPEN (buffer access mode), AT+QISEND, AT+QIRD, +QIURC."""

    max_links = 12

    def _on_urc(self, urc: Any) -> None:
        line = _urc_line(urc)
        upper = line.upper()
        if upper.startswith("+QIURC"):
            fields = split_fields(after_prefix(line, "+QIURC"))
            kind = fields[0].lower() if fields else ""
            arg = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None
            if kind == "recv" and arg is not None:
                self.events.data(arg)
            elif kind == "closed" and arg is not None:
                self.events.closed(arg, '+QIURC: "closed"')
            elif kind == "pdpdeact" and arg == self.pdp.cid:
                self.events.all_closed(f"the MMS context {arg} was deactivated by the network", range(self.max_links))

    def up(self) -> list[str]:
        self._subscribe()
        self.pdp.define()
        return self.pdp.activate()

    def down(self) -> None:
        try:
            self.pdp.deactivate()
        finally:
            self._unsubscribe_all()

    def open(self, host: str, port: int) -> int:
        link = self._allocate()
        command = f'AT+QIOPEN={self.pdp.cid},{link},"TCP","{host}",{port},0,0'
        try:
            err = self._connect(link, command, "+QIOPEN:")
        except CmeError as error:
            if error.code != 563:
                raise
            # 563 "socket identity has been used": a process that died (SIGKILL, crash)
            # left this connectId open in the modem. Close it and try once more.
            log.info("socket %s still open in the modem from an earlier run; closing it", link)
            self._close_quietly(link)
            link = self._allocate()
            command = f'AT+QIOPEN={self.pdp.cid},{link},"TCP","{host}",{port},0,0'
            err = self._connect(link, command, "+QIOPEN:")
        else:
            if err == 563:  # the same refusal reported in the URC: +QIOPEN: <id>,563
                log.info("socket %s still open in the modem from an earlier run; closing it", link)
                self._close_quietly(link)
                link = self._allocate()
                err = self._connect(link, command, "+QIOPEN:")
        if err != 0:
            self._close_quietly(link)
            raise BearerError(
                f"the modem could not connect to {host}:{port}: +QIOPEN error {err} "
                f"({QUECTEL_ERRORS.get(err, 'unknown')})"
            )
        return link

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


class SimcomSockets(SocketStack):
    """AT+CSOCKSETPN, AT+NETOPEN, AT+CIPOPEN, AT+CIPSEND, manual-receive AT+CIPRXGET."""

    max_links = 10

    def _on_urc(self, urc: Any) -> None:
        line = _urc_line(urc)
        upper = line.upper()
        if upper.startswith("+CIPRXGET"):
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
            self.events.all_closed(line, range(self.max_links))

    def up(self) -> list[str]:
        self._subscribe()
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
        fields = split_fields(after_prefix(_urc_line(urc), "+NETOPEN"))
        err = int(fields[0]) if fields and fields[0].isdigit() else -1
        if err != 0:
            raise BearerError(f"+NETOPEN: {err} ({SIMCOM_ERRORS.get(err, 'unknown')}): the MMS context did not open")

    def down(self) -> None:
        try:
            self.channel.command_then_urc(
                "AT+NETCLOSE", "+NETCLOSE:", timeout=self.profile.timeout_for("AT+NETCLOSE"), urc_timeout=self.connect_timeout
            )
        except ModemError as error:
            log.info("AT+NETCLOSE: %s", error)
        finally:
            self._unsubscribe_all()

    def open(self, host: str, port: int) -> int:
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

    def close(self, link: int) -> None:
        try:
            # Always asked, even after +IPCLOSE (then it answers +CIPCLOSE: <link>,4 and
            # ERROR): whether a close URC was already seen must not change what is sent.
            self._cmd(f"AT+CIPCLOSE={link}")
        except ModemError as error:
            log.info("AT+CIPCLOSE=%s: %s", link, error)
        finally:
            self._release(link)


DIALECTS: dict[str, type[SocketStack]] = {"quectel": QuectelSockets, "simcom": SimcomSockets}
