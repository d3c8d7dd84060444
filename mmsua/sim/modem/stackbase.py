"""What both vendor TCP/IP dialects share: a table of links over real loopback sockets."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mmsua.sim.modem.netstack import TcpLink

if TYPE_CHECKING:
    from mmsua.sim.modem.core import EmulatedModem

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


class StackBase:
    def _init_stacks(self: EmulatedModem) -> None:
        self.links: dict[int, Link] = {}
        self._all_tcp: list[TcpLink] = []
        self._workers: list[threading.Thread] = []

    def _reset_stacks(self: EmulatedModem) -> None:
        self.net_open = False
        self.socket_cid = 1
        self.rx_manual = False
        self.last_ip_error = 0

    def _close_all_links(self: EmulatedModem) -> None:
        for link in list(self.links.values()):
            link.tcp.close()
        self.links.clear()

    def join_network_threads(self) -> None:
        """Wait for socket threads after close(); call without holding the lock."""
        for t in list(self._workers):
            t.join(timeout=5)
        for tcp in list(self._all_tcp):
            tcp.join()

    def _start_link(self: EmulatedModem, link_id: int, cid: int, host: str, port: int, mode: int, on_result) -> None:
        """Connect in the background; `on_result(link, ok)` runs under the lock afterwards."""
        gen = self._generation
        link: Link

        def on_data(data: bytes) -> None:
            with self.lock:
                if self.links.get(link_id) is link and gen == self._generation:
                    link.rx += data
                    link.received += len(data)
                    self._link_data(link)

        def on_closed() -> None:
            with self.lock:
                if self.links.get(link_id) is link and gen == self._generation and link.connected:
                    link.connected = False
                    link.peer_closed = True
                    self._link_closed(link)

        tcp = TcpLink(on_data, on_closed)
        link = Link(link_id, cid, tcp, mode)
        self.links[link_id] = link
        self._all_tcp.append(tcp)

        ctx = self.contexts.get(cid)
        families = _families(ctx.address, ctx.address6) if ctx is not None else ()

        def connect() -> None:
            try:
                tcp.connect(host, port, families=families)
                if self.on_tcp_connect is not None:
                    self.on_tcp_connect(tcp.local_port)
                ok = True
            except OSError as exc:
                self.last_ip_error = 566
                ok = False
                err = exc
            with self.lock:
                if gen != self._generation or self.links.get(link_id) is not link:
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

    def _take(self: EmulatedModem, link: Link, limit: int) -> bytes:
        data = bytes(link.rx[:limit])
        del link.rx[:limit]
        link.read += len(data)
        if not link.rx:
            link.notified = False
        return data

    def _context_lost(self: EmulatedModem, cid: int, *, by_host: bool) -> None:
        doomed = [link for link in self.links.values() if link.cid == cid]
        if self.profile.ip_stack == "quectel":
            if not by_host:
                self.urc(f'+QIURC: "pdpdeact",{cid}')
            for link in doomed:
                link.tcp.close()
                link.connected = False
        elif self.profile.ip_stack == "simcom" and self.net_open and cid == self.socket_cid:
            self.net_open = False
            if not by_host:
                self.urc("+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY")
            for link in doomed:
                link.tcp.close()
                del self.links[link.link_id]

    def _link_data(self: EmulatedModem, link: Link) -> None:
        if self.profile.ip_stack == "quectel":
            self._q_link_data(link)
        else:
            self._s_link_data(link)

    def _link_closed(self: EmulatedModem, link: Link) -> None:
        if self.profile.ip_stack == "quectel":
            self.urc(f'+QIURC: "closed",{link.link_id}')
        else:
            self.urc(f"+IPCLOSE: {link.link_id},1")  # 1 = closed by the remote side


def _families(address: str, address6: str) -> tuple[int, ...]:
    """The IP versions a context can reach: the ones it has an address of."""
    return tuple(v for v, have in ((4, address), (6, address6)) if have)
