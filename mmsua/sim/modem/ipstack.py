"""What both vendor TCP/IP stacks share: a table of links over real loopback sockets.

A stack sees its modem only through `StackHost` (the lock, the contexts, URCs), so
this module and the vendor stacks import no modem; the modem holds its stack.
"""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from mmsua.sim.modem.netstack import TcpLink
from mmsua.sim.modem.records import Context

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Link:
    link_id: int
    cid: int
    tcp: TcpLink
    mode: int = 0  # Quectel access mode / SIMCom 1 = manual receive
    rx: bytearray = field(default_factory=bytearray)
    received: int = 0  # total bytes that arrived
    read: int = 0  # total bytes the host read
    notified: bool = False  # a "data waiting" URC is out and not drained yet
    connected: bool = False
    peer_closed: bool = False


class StackHost(Protocol):
    """The modem as its IP stack needs it."""

    lock: threading.RLock
    contexts: dict[int, Context]
    on_tcp_connect: Callable[[int], None] | None

    @property
    def generation(self) -> int:
        """Bumps on every reboot: a link of an older generation is dead."""
        ...

    def urc(self, text: str) -> None: ...


class IpStack(ABC):
    """A vendor's internal TCP/IP stack; subclasses say how data and closes are announced."""

    def __init__(self, host: StackHost) -> None:
        self.host = host
        self.links: dict[int, Link] = {}
        self._all_tcp: list[TcpLink] = []
        self._workers: list[threading.Thread] = []
        self.reset()

    def reset(self) -> None:
        """Power-on defaults (the links themselves are closed by close_all)."""
        self.net_open = False
        self.socket_cid = 1
        self.rx_manual = False
        self.last_ip_error = 0

    def close_all(self) -> None:
        for link in list(self.links.values()):
            link.tcp.close()
        self.links.clear()

    def join_threads(self) -> None:
        """Wait for socket threads after close_all(); call without holding the lock."""
        for t in list(self._workers):
            t.join(timeout=5)
        for tcp in list(self._all_tcp):
            tcp.join()

    def start_link(self, link_id: int, cid: int, host: str, port: int, mode: int, on_result: Callable[[Link, bool], None]) -> None:
        """Connect in the background; `on_result(link, ok)` runs under the lock afterwards."""
        modem = self.host
        gen = modem.generation
        link: Link

        def on_data(data: bytes) -> None:
            with modem.lock:
                if self.links.get(link_id) is link and gen == modem.generation:
                    link.rx += data
                    link.received += len(data)
                    self.link_data(link)

        def on_closed() -> None:
            with modem.lock:
                if self.links.get(link_id) is link and gen == modem.generation and link.connected:
                    link.connected = False
                    link.peer_closed = True
                    self.link_closed(link)

        tcp = TcpLink(on_data, on_closed)
        link = Link(link_id, cid, tcp, mode)
        self.links[link_id] = link
        self._all_tcp.append(tcp)

        ctx = modem.contexts.get(cid)
        families = _families(ctx.address, ctx.address6) if ctx is not None else ()

        def connect() -> None:
            err: OSError | None = None
            try:
                tcp.connect(host, port, families=families)
                if modem.on_tcp_connect is not None:
                    modem.on_tcp_connect(tcp.local_port)
                ok = True
            except OSError as exc:
                self.last_ip_error = 566
                ok = False
                err = exc
            with modem.lock:
                if gen != modem.generation or self.links.get(link_id) is not link:
                    tcp.close()
                    return
                link.connected = ok
                if not ok:
                    del self.links[link_id]
                    log.info("link %s to %s:%s failed: %s", link_id, host, port, err)
                on_result(link, ok)

        worker = threading.Thread(target=connect, name=f"simmodem-connect-{link_id}", daemon=True)
        self._workers = [w for w in self._workers if w.is_alive()] + [worker]
        worker.start()

    def take(self, link: Link, limit: int) -> bytes:
        """Up to `limit` received bytes, as the host reads them."""
        data = bytes(link.rx[:limit])
        del link.rx[:limit]
        link.read += len(data)
        if not link.rx:
            link.notified = False
        return data

    @abstractmethod
    def context_lost(self, cid: int, *, by_host: bool) -> None:
        """The context under `cid` went down (the host deactivated it, or the network did)."""

    @abstractmethod
    def link_data(self, link: Link) -> None:
        """Bytes arrived on `link` (already in link.rx): announce them."""

    @abstractmethod
    def link_closed(self, link: Link) -> None:
        """The far end closed `link`: announce it."""


def _families(address: str, address6: str) -> tuple[int, ...]:
    """The IP versions a context can reach: the ones it has an address of."""
    return tuple(v for v, have in ((4, address), (6, address6)) if have)
