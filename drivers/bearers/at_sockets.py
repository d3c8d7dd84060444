"""TCP sockets inside the modem, over AT: what every vendor's socket stack shares.

A vendor with a stack subclasses :class:`SocketStack` in its folder
(drivers/vendors/quectel/sockets.py, drivers/vendors/simcom/sockets.py) and its
profile names the class (``Profile.sockets``). The interface:
``up``/``down`` (the stack on the MMS context), ``open``, ``send``,
``receive_many`` (what is buffered now, in back-to-back reads), ``wait_readable``
(until a data or close URC), ``close``. URCs are followed in
:class:`_LinkEvents` so none is lost between a read and a wait.

IPv6 hosts: both manuals take the remote host as one quoted string, "IP address or
domain name", and the context's type (QICSGP <context_type> 2, CGDCONT "IPV6") decides
the family; an IPv6 address goes in as written, without brackets (u-blox's SARA-R4
manual §18.2.3 states that form for its socket commands). No public log of an IPv6
QIOPEN/CIPOPEN was found: the emulator is the only proof (tests/engine/test_ipv6_only.py).
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..answers.fields import after_prefix, split_fields
from ..errors import AtCommandError, ModemError
from ..pdp import PdpContext
from .base import BearerError, ConnectionClosed

if TYPE_CHECKING:  # a Profile names its SocketStack class
    from ..profile import Profile

log = logging.getLogger(__name__)

READ_CHUNK = 1500  # QIRD and CIPRXGET=2 both return at most 1500 per read
# Bytes one chain of back-to-back reads may gather before the caller sees them: bounds
# what a streamed body holds (a chain costs one host round trip, ~0.5 ms, per window).
RECEIVE_WINDOW = 32 * 1024

# A host name (RFC 1123 labels; "_" tolerated, as some carrier hosts have one) or an
# IPv4 address; IPv6 addresses are checked by ipaddress. Nothing else reaches an AT
# command: the host goes between quotes, so a '"' or CR in it would end the argument
# or the command and let whoever wrote the URL (any SMS sender) add his own.
_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")


def checked_host(host: str) -> str:
    """``host`` when it is a host name or an IP address; BearerError otherwise."""
    if ":" in host:
        try:
            return str(ipaddress.IPv6Address(host))
        except ValueError:
            pass
    elif 0 < len(host) <= 253 and all(_LABEL.fullmatch(label) for label in host.removesuffix(".").split(".")):
        return host
    raise BearerError(f"{host[:80]!r} is not a host name or an IP address; it does not go into an AT command")

class _LinkEvents:
    """Data/close notifications per link, from URCs, with a condition to wait on.

    A link id is reused as soon as it is released, and URCs reach the subscribers on the
    channel's dispatcher thread, later than the command answers: the close URC of the
    socket before (+CIPCLOSE: 0,0 after our close, +IPCLOSE/+QIURC "closed" from the
    peer) could land after the id was handed out again and end the new socket at once.
    So a close counts only after the link's open URC (+QIOPEN/+CIPOPEN: <id>,0), which
    the dispatcher delivers after every URC of the socket before."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._data: set[int] = set()
        self._open: set[int] = set()  # links whose open URC came since they were handed out
        self._closed: dict[int, str] = {}
        self._acks: dict[int, list[tuple[int, int]]] = {}
        self.context_lost: str | None = None

    def reset(self, link: int) -> None:
        with self._cond:
            self._data.discard(link)
            self._open.discard(link)
            self._closed.pop(link, None)
            self._acks.pop(link, None)

    def data(self, link: int) -> None:
        with self._cond:
            self._data.add(link)
            self._cond.notify_all()

    def opened(self, link: int) -> None:
        with self._cond:
            self._open.add(link)

    def closed(self, link: int, reason: str) -> None:
        with self._cond:
            if link not in self._open:
                log.debug("close of an earlier socket %s ignored: %s", link, reason)
                return
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

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every vendor's open() (third-party ones too) writes the host into an AT
        # command: each is wrapped here, so none can forget the check.
        super().__init_subclass__(**kwargs)
        vendor_open = cls.__dict__.get("open")
        if vendor_open is not None and not getattr(vendor_open, "_host_checked", False):
            @functools.wraps(vendor_open)
            def open_checked(self: SocketStack, host: str, port: int) -> int:
                return int(vendor_open(self, checked_host(host), port))

            open_checked._host_checked = True  # type: ignore[attr-defined]  # marks the wrapper, so a subclass is not wrapped twice
            cls.open = open_checked  # type: ignore[method-assign]  # the vendor's method, behind the check

    def __init__(
        self,
        channel: Any,
        profile: Profile,
        pdp: PdpContext,
        *,
        connect_timeout: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        chained: bool = False,
    ) -> None:
        self.channel = channel
        self.profile = profile
        self.pdp = pdp
        self.connect_timeout = connect_timeout
        # Reads (and a vendor's sends) back to back, each written before the answer to the
        # one before has ended (modem.chained_io); False: one command at a time, V.250's order.
        self.chained = chained
        self._sleep = sleep
        self.events = _LinkEvents()
        self._unsubscribe: Callable[[], None] | None = None
        self._in_use: set[int] = set()
        self._lock = threading.Lock()
        self._dropped: str | None = None  # why the network took the MMS context down, until it is back

    @property
    def send_chunk(self) -> int:
        return self.profile.socket_chunk

    def _cmd(self, cmd: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.profile.timeout_for(cmd))
        return self.channel.command(cmd, **kwargs)

    def _subscribe(self) -> None:
        if self._unsubscribe is None:
            off_urc = self.channel.subscribe(self._on_any_urc)
            # The AT port closed or vanished: every socket is over, readers must not wait on.
            off_gone = self.channel.subscribe_port_gone(
                lambda error: self.events.all_closed(f"the modem's AT channel is over: {error}", range(self.max_links)))

            def unsubscribe() -> None:
                off_urc()
                off_gone()

            self._unsubscribe = unsubscribe

    def _unsubscribe_all(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
            # Taken down: no URC will announce data or a close any more, so nobody may wait for one.
            self.events.all_closed("the MMS data path was taken down", range(self.max_links))

    # -- a context the network drops

    def _on_any_urc(self, urc: Any) -> None:
        cid = dropped_cid(urc_line(urc))
        if cid is not None and cid == self.pdp.cid:
            self.context_dropped(f"the network deactivated the MMS context {cid} ({urc_line(urc)})")
            return
        self._on_urc(urc)

    def context_dropped(self, reason: str) -> None:
        """The network took the MMS context down (the vendor's URC, or 27.007's +CGEV): every
        socket on it is over, and the context is down until the next connection brings it up."""
        self.events.all_closed(reason, range(self.max_links))
        with self._lock:
            self._dropped = reason

    def _context_back(self) -> None:
        """Before a connection: a context the network dropped is down, so activate it first.
        A connection straight on it fails (QIOPEN 561) until the idle release, a minute on."""
        with self._lock:
            reason, self._dropped = self._dropped, None
        if reason is None:
            return
        log.warning("%s: activating it again before the next connection", reason)
        try:
            self._reactivate()
        except BaseException:
            with self._lock:  # still down: the attempt after this one tries again
                self._dropped = self._dropped or reason
            raise

    def _reactivate(self) -> None:
        """Bring the dropped context up again (27.007: it reads as inactive, so activate())."""
        self.pdp.activate()

    def _context_up(self) -> None:
        """``up()`` activates the context whatever happened before: no drop is pending then."""
        with self._lock:
            self._dropped = None

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

    def _connect(self, link: int, cmd: str, urc_name: str, *, release_on_error: bool = True) -> int:
        """Run a connect command answered OK then ``<urc_name> <link>,<err>``; returns err.

        The link is released when the command itself fails (unless ``release_on_error``
        is False: the caller keeps it while it recovers, and releases it itself)."""
        wanted = f"{urc_name}{link},"
        try:
            _response, urc = self.channel.command_then_urc(
                cmd,
                urc_name,
                timeout=self.profile.timeout_for(cmd),
                urc_timeout=self.connect_timeout,
                match=lambda u: urc_line(u).replace(" ", "").startswith(wanted),
            )
        except ModemError:
            if release_on_error:
                self._release(link)
            raise
        fields = split_fields(after_prefix(urc_line(urc), urc_name.rstrip(":")))
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

    def receive_many(self, link: int, need: int | None) -> tuple[bytes, bool]:
        """What is buffered, up to ``need`` bytes (None: not known; a window then). Returns
        (bytes in order, whether the last read was full, i.e. more is probably buffered).

        Chained (``self.chained``): back-to-back counted reads (AtChannel.command_chain), the
        next read going out as soon as the modem announces a full one, so the line never
        idles between two answers. Reads are always of the largest size: the count of reads,
        not their size, follows ``need`` (ceil(need / READ_CHUNK) at most), so a read never
        asks past the bytes wanted by more than the one chunk the last read takes.
        Not chained: one read, its answer awaited before anything else is written."""
        self.events.clear_data(link)
        command, prefix = self._read_command(link, READ_CHUNK)
        if not self.chained:
            return self._receive_one(link, command, prefix)
        budget = RECEIVE_WINDOW if need is None else max(1, min(need, RECEIVE_WINDOW))
        asked = READ_CHUNK

        def follow(header: str) -> str | None:
            nonlocal asked
            count, more = self._read_header(header)
            if asked >= budget or not (count >= READ_CHUNK or more):
                return None  # enough asked for, or the buffer is drained
            asked += READ_CHUNK
            return command

        outcomes = self.channel.command_chain(
            command, follow, binary_prefix=prefix, timeout=self.profile.timeout_for(command))
        data = bytearray()
        failed: AtCommandError | None = None
        full = False
        for outcome in outcomes:
            if isinstance(outcome, AtCommandError):
                failed = failed or outcome
                full = False
                continue
            if isinstance(outcome, ModemError):  # an error final of another kind: not a read's answer
                raise outcome
            data += outcome.data
            full = len(outcome.data) >= READ_CHUNK
        if failed is not None:
            # A close URC printed before the ERROR reaches the subscribers later: wait for it.
            self.channel.urcs_delivered()
            if not self.events.is_closed(link):
                raise failed
        # An ERROR read takes nothing from the buffer, so the bytes of the others are in order;
        # after the peer closed, some firmware answers ERROR once the buffer is drained.
        return bytes(data), full and failed is None

    def _receive_one(self, link: int, command: str, prefix: str) -> tuple[bytes, bool]:
        """One counted read, one command at a time (modem.chained_io off)."""
        try:
            response = self._cmd(command, binary_prefix=prefix)
        except AtCommandError:
            # After the peer closed and the buffer drained some firmware answer ERROR; a
            # close URC printed before the ERROR reaches the subscribers later: wait for it.
            self.channel.urcs_delivered()
            if self.events.is_closed(link):
                return b"", False
            raise
        data = bytes(response.data or b"")
        return data, len(data) >= READ_CHUNK

    def _read_header(self, line: str) -> tuple[int, bool]:
        """(bytes this read returned, whether the modem says more is buffered) from the line
        announcing them; the vendor's stack says where the count is (and a remainder, if any)."""
        fields = split_fields(line.partition(":")[2])
        count = int(fields[0]) if fields and fields[0].isdigit() else 0
        return count, False

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


def urc_line(urc: Any) -> str:
    return (getattr(urc, "line", None) or str(urc)).strip()


def dropped_cid(line: str) -> int | None:
    """The cid of a 27.007 §10.1.19 network deactivation: ``+CGEV: NW PDN DEACT <cid>`` or
    ``+CGEV: NW DEACT <PDP_type>,<PDP_addr>[,<cid>]``; None for any other line."""
    upper = line.upper()
    if not upper.startswith("+CGEV:"):
        return None
    event = after_prefix(line, "+CGEV").strip()
    for words, position in (("NW PDN DEACT", 0), ("NW DEACT", 2)):
        if event.upper().startswith(words):
            fields = split_fields(event[len(words):])
            if len(fields) > position and fields[position].strip().isdigit():
                return int(fields[position])
            return None
    return None
