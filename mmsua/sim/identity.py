"""Who is behind a connection: the simulated GGSN's map of source ports to MSISDNs.

A carrier knows which subscriber a packet comes from by its PDP address and
injects it (X-MSISDN) at the proxy; here every handset connection leaves from
127.0.0.1, so the emulated modem registers the local port of each socket it opens.
"""

from __future__ import annotations

import threading


class Identities:
    def __init__(self) -> None:
        self._ports: dict[int, str] = {}
        self._lock = threading.Lock()

    def bind(self, port: int, msisdn: str) -> None:
        with self._lock:
            self._ports[port] = msisdn

    def who(self, port: int) -> str | None:
        with self._lock:
            return self._ports.get(port)
