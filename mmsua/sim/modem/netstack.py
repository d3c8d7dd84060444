"""Real TCP sockets behind the emulated modem's internal TCP/IP stack.

The simulated carrier's network is the loopback interface: a link may only
connect to a loopback address (anything else fails as unreachable), so nothing
leaves the machine. Each link has one reader thread that hands received bytes
(and the close) to callbacks; the AT dialect modules decide what the host sees.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable


def resolve_loopback(host: str, port: int, families: tuple[int, ...] = (4, 6)) -> tuple[str, int]:
    """The loopback address for host, or OSError when it is not on the simulated network.

    ``families``: the IP versions the context has an address of; an IPv6-only context
    cannot reach an IPv4 host (and a names resolve to the loopback of a version it has)."""
    if host.lower() in ("localhost", "mmsc.sim", "proxy.sim"):
        host = "127.0.0.1" if 4 in families else "::1"
    try:
        addr = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise OSError(f"unknown host {host!r} on the simulated network") from None
    if addr.version not in families:
        raise OSError(f"{host} is an IPv{addr.version} address and the context has no IPv{addr.version} address")
    if not addr.is_loopback:
        raise OSError(f"{host} is not reachable from the simulated network")
    return str(addr), port


class TcpLink:
    """One connected socket; `on_data(bytes)` and `on_closed()` run on its reader thread."""

    def __init__(self, on_data: Callable[[bytes], None], on_closed: Callable[[], None]) -> None:
        self._on_data = on_data
        self._on_closed = on_closed
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._closing = False
        self.local_port = 0
        self.remote: tuple[str, int] = ("", 0)
        self.sent = 0

    def connect(self, host: str, port: int, timeout: float = 5.0, families: tuple[int, ...] = (4, 6)) -> None:
        addr = resolve_loopback(host, port, families)
        sock = socket.create_connection(addr, timeout=timeout)
        sock.settimeout(None)
        self._sock = sock
        self.remote = addr
        self.local_port = sock.getsockname()[1]
        self._thread = threading.Thread(target=self._read_loop, name=f"simmodem-tcp-{self.local_port}", daemon=True)
        self._thread.start()

    def send(self, data: bytes) -> bool:
        if self._sock is None or self._closing:
            return False
        try:
            self._sock.sendall(data)
        except OSError:
            return False
        self.sent += len(data)
        return True

    def close(self) -> None:
        self._closing = True
        sock, self._sock = self._sock, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def join(self) -> None:
        """Wait for the reader thread (never call it holding the modem's lock)."""
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    def _read_loop(self) -> None:
        sock = self._sock
        while sock is not None:
            try:
                data = sock.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            self._on_data(data)
        if not self._closing:
            self._on_closed()
