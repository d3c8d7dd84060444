"""Bearer 2: a network interface already up on the MMS APN (wwan0, usb0, ppp0).

The default route stays on the Pi's internet link; MMS sockets are pinned to the
MMS interface (SO_BINDTODEVICE) and bound to its own address, so nothing of MMS
leaves by another link. Destinations are checked as resolved, before connecting:
a loopback, link-local or private address is refused unless it is the configured
MMSC's or proxy's (a stranger's notification must not reach the Pi's LAN or its
own services, docs/security.md). ``source_address`` can also be given directly
(tests bind to 127.0.0.x; without an interface nothing is pinned).
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError

from . import dns
from .base import DOWN, ERROR, UP, BearerError

SIOCGIFADDR = 0x8915  # linux/sockios.h


def interface_ipv4(name: str) -> str:
    """The IPv4 address of interface ``name`` (BearerError if it has none or does not exist)."""
    if not name or len(name) > 15 or "/" in name:
        raise BearerError(f"{name!r} is not a network interface name")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            packed = fcntl.ioctl(sock.fileno(), SIOCGIFADDR, struct.pack("256s", name.encode()))
        except OSError as error:
            raise BearerError(
                f"interface {name} has no IPv4 address ({error.strerror}): bring the MMS APN up on it first"
            ) from None
    return socket.inet_ntoa(packed[20:24])


IF_INET6 = "/proc/net/if_inet6"


def interface_ipv6(name: str, table: str = IF_INET6) -> str:
    """A global IPv6 address of interface ``name`` (an IPv6-only MMS APN gives no IPv4 one).

    /proc/net/if_inet6 rows: address (32 hex digits), ifindex, prefix length, scope, flags,
    name; scope 00 is global, 20 link-local (never routed to an MMSC), 10 host (::1 on lo,
    taken only when nothing global is there: tests on the loopback)."""
    if not name or len(name) > 15 or "/" in name:
        raise BearerError(f"{name!r} is not a network interface name")
    try:
        rows = Path(table).read_text().splitlines()
    except OSError as error:
        raise BearerError(f"cannot read the IPv6 addresses ({error.strerror}): is IPv6 enabled?") from None
    for scope in ("00", "10"):
        for row in rows:
            fields = row.split()
            if len(fields) >= 6 and fields[5] == name and fields[3] == scope:
                return str(ipaddress.IPv6Address(bytes.fromhex(fields[0])))
    raise BearerError(f"interface {name} has no global IPv6 address: bring the IPv6 MMS APN up on it first")


class ExchangeWatch:
    """One deadline for a whole HTTP exchange on this thread (issue #11).

    requests' timeout bounds each wait for bytes, so a server that answers one byte a
    second holds a blocking read for ever. The connections of a :class:`GuardedAdapter`
    hand their sockets to the watch of the exchange they serve, and the watch shuts
    them down when the deadline passes: the blocked read ends, and ``expired`` says why.
    """

    _local = threading.local()

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self.reason = f"did not finish within {seconds:g} s"
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def __enter__(self) -> ExchangeWatch:
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()
        ExchangeWatch._local.watch = self
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        ExchangeWatch._local.watch = None

    @staticmethod
    def current() -> ExchangeWatch | None:
        """The watch of the exchange running on this thread, if any."""
        watch: ExchangeWatch | None = getattr(ExchangeWatch._local, "watch", None)
        return watch

    def adopt(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if not self.expired:
                return
        _shut(sock)

    def end(self, reason: str) -> None:
        """End the exchange now (its data path is going): ``reason`` says why."""
        with self._lock:
            if not self.expired:
                self.reason = reason
        self._expire()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


class DestinationRefused(BearerError):
    """A connection the bearer will not make: a loopback, link-local or private address
    that is not the configured MMSC's or proxy's."""


@dataclass(frozen=True, slots=True)
class Route:
    """How a guarded connection is made.

    ``interface``: pin the socket to it (SO_BINDTODEVICE), so nothing leaves by the
    default route; ``source_address``: bind to it; ``checked``: refuse destinations that
    are not global addresses (loopback, link-local, private, shared...) unless the host is
    one of ``allowed_hosts`` (the configured MMSC and proxy). The addresses are checked
    as resolved, and the socket connects to the address checked (no second lookup).
    """

    interface: str | None = None
    source_address: str | None = None
    checked: bool = False
    allowed_hosts: frozenset[str] = frozenset()
    dns_servers: tuple[str, ...] = ()  # resolve names with these (the bearer's), not the system's resolver

    def connect(self, host: str, port: int, timeout: Any, options: Any) -> socket.socket:
        family = socket.AF_UNSPEC
        if self.source_address:
            family = socket.AF_INET6 if ":" in self.source_address else socket.AF_INET
        name = host.strip("[]")
        infos = self._addresses(name, port, family)
        refused: list[str] = []
        error: OSError | None = None
        for af, kind, proto, _, address in infos:
            if not self._allowed(name, str(address[0])):
                refused.append(str(address[0]))
                continue
            sock = socket.socket(af, kind, proto)
            try:
                for level, option, value in options or ():
                    sock.setsockopt(level, option, value)
                if self.interface:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, self.interface.encode())
                if timeout is None or isinstance(timeout, (int, float)):
                    sock.settimeout(timeout)
                if self.source_address:
                    sock.bind((self.source_address, 0))
                sock.connect(address)
                return sock
            except OSError as failure:
                sock.close()
                error = failure
        if error is not None:
            raise error
        raise DestinationRefused(
            f"{host} resolves to {', '.join(refused)}: a loopback, link-local or private address that is "
            "not the configured MMSC's or proxy's; the MMS bearer does not go there")

    def _addresses(self, name: str, port: int, family: int) -> list[Any]:
        if not self.dns_servers or dns.is_address(name):
            return socket.getaddrinfo(name, port, family, socket.SOCK_STREAM)
        found = dns.resolve(name, self.dns_servers, ipv6=family == socket.AF_INET6, interface=self.interface,
                            source_address=self.source_address)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 0, "", (a, port)) for a in found]

    def _allowed(self, host: str, address: str) -> bool:
        if not self.checked or host.lower() in self.allowed_hosts:
            return True
        ip = ipaddress.ip_address(address.split("%")[0])
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return ip.is_global


class _GuardedHTTP(HTTPConnection):
    route: Route = Route()

    def _new_conn(self) -> socket.socket:
        try:
            sock = self.route.connect(self._dns_host, self.port, self.timeout, self.socket_options)
        except DestinationRefused:
            raise
        except OSError as error:
            raise NewConnectionError(self, f"failed to connect to {self.host}:{self.port}: {error}") from error
        watch = ExchangeWatch.current()
        if watch is not None:
            watch.adopt(sock)
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:  # urllib3's own signature, passed through
        watch = ExchangeWatch.current()
        if watch is not None and self.sock is not None:  # a kept-alive connection serves this exchange too
            watch.adopt(self.sock)
        super().request(*args, **kwargs)


class _GuardedHTTPS(_GuardedHTTP, HTTPSConnection):
    pass


def _pools(route: Route) -> dict[str, type[HTTPConnectionPool]]:
    http = type("GuardedHTTPConnection", (_GuardedHTTP,), {"route": route})
    https = type("GuardedHTTPSConnection", (_GuardedHTTPS,), {"route": route})
    return {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https}),
    }


class GuardedAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections (and proxy connections) follow a :class:`Route`
    and end at the :class:`ExchangeWatch`'s deadline."""

    def __init__(self, route: Route | None = None, **kwargs: Any) -> None:
        self.route = route or Route()
        super().__init__(**kwargs)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager.pool_classes_by_scheme = _pools(self.route)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = _pools(self.route)
        return manager


class InterfaceBearer:
    """requests bound to an interface's address, through the carrier's proxy."""

    def __init__(
        self,
        interface: str | None = None,
        *,
        source_address: str | None = None,
        proxy: tuple[str, int] | None = None,
        ipv6: bool = False,
        allowed_hosts: Iterable[str] = (),
        dns_servers: Iterable[str] = (),
    ) -> None:
        """``ipv6``: bind to the interface's IPv6 address (an IPV6 MMS APN), not its IPv4 one.
        ``allowed_hosts``: hosts that may resolve to private addresses (the MMSC's; the
        proxy's always may). ``dns_servers``: the bearer's own (the system's resolver when none)."""
        if not interface and not source_address:
            raise BearerError("the interface bearer needs an interface name (e.g. wwan0) or a source address")
        self.interface = interface
        self._fixed_address = source_address
        self.proxy = proxy
        self.ipv6 = ipv6
        allowed = {host.strip("[]").lower() for host in allowed_hosts if host}
        if proxy is not None:
            allowed.add(proxy[0].strip("[]").lower())
        self.allowed_hosts = frozenset(allowed)
        self.dns_servers = tuple(dns_servers)
        self.state = DOWN
        self.source_address: str | None = None
        self._session: requests.Session | None = None

    def up(self) -> None:
        try:
            find = interface_ipv6 if self.ipv6 else interface_ipv4
            self.source_address = self._fixed_address or find(self.interface or "")
        except BearerError:
            self.state = ERROR
            raise
        self.state = UP

    def session(self) -> requests.Session:
        if self.state != UP or self.source_address is None:
            raise BearerError("the interface bearer is not up (call up() first)")
        if self._session is None:
            session = requests.Session()
            session.trust_env = False  # the OS proxy is not the carrier's MMS proxy
            adapter = GuardedAdapter(Route(self.interface, self.source_address, True, self.allowed_hosts,
                                           self.dns_servers))
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            if self.proxy is not None:
                host = f"[{self.proxy[0]}]" if ":" in self.proxy[0] else self.proxy[0]
                url = f"http://{host}:{self.proxy[1]}"
                session.proxies = {"http": url, "https": url}
            self._session = session
        return self._session

    def down(self) -> None:
        self.state = DOWN
        if self._session is not None:
            self._session.close()
            self._session = None
