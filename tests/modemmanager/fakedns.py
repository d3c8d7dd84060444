"""A carrier's DNS server for tests: answers A queries for the names it is given, NXDOMAIN
for the rest, and records every name it was asked (so a test sees who asked it)."""

from __future__ import annotations

import socket
import struct
import threading


class FakeDns:
    def __init__(self, names: dict[str, str], host: str = "127.0.0.9", port: int = 53) -> None:
        self.names = {name.lower(): address for name, address in names.items()}
        self.asked: list[str] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))  # PermissionError without root for port 53: the caller skips
        self.address = self.sock.getsockname()
        self._thread = threading.Thread(target=self._serve, name="fake-dns", daemon=True)

    def __enter__(self) -> FakeDns:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()
        self._thread.join(5)

    def _serve(self) -> None:
        while True:
            try:
                query, peer = self.sock.recvfrom(512)
            except OSError:
                return
            ident = query[:2]
            offset, labels = 12, []
            while query[offset]:
                labels.append(query[offset + 1:offset + 1 + query[offset]].decode())
                offset += 1 + query[offset]
            question = query[12:offset + 5]
            name = ".".join(labels)
            self.asked.append(name)
            address = self.names.get(name.lower())
            if address is None:
                reply = ident + struct.pack("!HHHHH", 0x8183, 1, 0, 0, 0) + question
            else:
                answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + socket.inet_aton(address)
                reply = ident + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0) + question + answer
            try:
                self.sock.sendto(reply, peer)
            except OSError:
                return
