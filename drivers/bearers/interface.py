"""Bearer 2: a network interface already up on the MMS APN (wwan0, usb0, ppp0).

The default route stays on the Pi's internet link; MMS requests are bound to
the MMS interface's own address (source-address binding), so the kernel sends
them out of that interface when the policy routing or the carrier network
allows it. ``source_address`` can also be given directly (tests bind to 127.0.0.1).
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
from pathlib import Path
from typing import Any

import requests
from requests.adapters import HTTPAdapter

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


class SourceAddressAdapter(HTTPAdapter):
    """An HTTPAdapter whose connections (and proxy connections) bind to one local address."""

    def __init__(self, source_address: str, **kwargs: Any) -> None:
        self.source_address = (source_address, 0)
        super().__init__(**kwargs)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any) -> None:
        pool_kwargs["source_address"] = self.source_address
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        proxy_kwargs["source_address"] = self.source_address
        return super().proxy_manager_for(proxy, **proxy_kwargs)


class InterfaceBearer:
    """requests bound to an interface's address, through the carrier's proxy."""

    def __init__(
        self,
        interface: str | None = None,
        *,
        source_address: str | None = None,
        proxy: tuple[str, int] | None = None,
        ipv6: bool = False,
    ) -> None:
        """``ipv6``: bind to the interface's IPv6 address (an IPV6 MMS APN), not its IPv4 one."""
        if not interface and not source_address:
            raise BearerError("the interface bearer needs an interface name (e.g. wwan0) or a source address")
        self.interface = interface
        self._fixed_address = source_address
        self.proxy = proxy
        self.ipv6 = ipv6
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
            adapter = SourceAddressAdapter(self.source_address)
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
