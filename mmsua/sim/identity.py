"""Who is behind a connection: the simulated GGSN's map of source ports to MSISDNs.

A carrier knows which subscriber a packet comes from by its PDP address and
injects it (X-MSISDN) at the proxy; here every handset connection leaves from
127.0.0.1, so the emulated modem registers the local port of each socket it opens.
Traffic that does not come through an emulated modem's TCP stack (a host interface
bearer) is known by its source address instead (``by_address``).
"""

from __future__ import annotations

import threading


class Identities:
    def __init__(self, by_address: dict[str, str] | None = None) -> None:
        self._ports: dict[int, str] = {}
        self._addresses = dict(by_address or {})
        self._lock = threading.Lock()

    def bind(self, port: int, msisdn: str) -> None:
        with self._lock:
            self._ports[port] = msisdn

    def who(self, port: int, address: str | None = None) -> str | None:
        """The subscriber behind a connection: by the modem socket's port, else by source address."""
        with self._lock:
            return self._ports.get(port) or (self._addresses.get(address) if address else None)
