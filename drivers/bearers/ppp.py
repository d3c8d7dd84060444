"""Bearer 3: PPP on the modem's data port with pppd, then as the interface bearer.

How it works: pppd opens the modem's *second* AT/modem port (Quectel and
SIMCom interface 3; a Huawei stick's "modem" port), runs a chat script that
dials the MMS context (``ATD*99***<cid>#``, answered ``CONNECT``), and brings up
``pppN`` with ``nodefaultroute`` so the Pi's internet keeps its route. Requests
are then bound to pppN's address (:class:`InterfaceBearer`). Needs pppd, the
ppp kernel module (/dev/ppp) and usually root (or CAP_NET_ADMIN). The SMS port
stays with the AT channel: PPP takes its whole port.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterable
from typing import Any

import requests

from .base import DOWN, ERROR, UP, BearerError
from .interface import InterfaceBearer, interface_ipv4


def ppp_available() -> str | None:
    """None when PPP can run here, else the reason it cannot."""
    if shutil.which("pppd") is None and not os.path.exists("/usr/sbin/pppd"):
        return "pppd is not installed (apt install ppp)"
    if not os.path.exists("/dev/ppp"):
        return "/dev/ppp does not exist (the ppp_generic kernel module is not loaded)"
    return None


def chat_script(cid: int) -> str:
    """The chat(8) script that dials the MMS context."""
    return (
        "ABORT 'NO CARRIER' ABORT 'ERROR' ABORT 'NO DIALTONE' ABORT 'BUSY' "
        f"'' AT OK ATE0 OK 'ATD*99***{cid}#' CONNECT ''"
    )


def pppd_arguments(port: str, cid: int, unit: int, *, baudrate: int = 115200, user: str | None = None) -> list[str]:
    """The pppd command line: no default route, no DNS change, fixed unit number."""
    pppd = shutil.which("pppd") or "/usr/sbin/pppd"
    args = [
        pppd, port, str(baudrate), "nodetach", "noauth", "nodefaultroute", "noipdefault", "local",
        "crtscts", "novj", "nopcomp", "noaccomp", "lcp-echo-interval", "30", "lcp-echo-failure", "4",
        "unit", str(unit), "connect", f"/usr/sbin/chat -v {chat_script(cid)}",
    ]
    if user:
        args += ["user", user]
    return args


class PppBearer:
    """pppd on ``port`` dialling ``cid``; then requests bound to pppN."""

    def __init__(
        self,
        port: str,
        cid: int,
        *,
        unit: int = 7,
        proxy: tuple[str, int] | None = None,
        user: str | None = None,
        up_timeout: float = 45.0,
        allowed_hosts: Iterable[str] = (),
    ) -> None:
        """``allowed_hosts``: as for InterfaceBearer (the MMSC may be on a private address)."""
        self.port = port
        self.cid = cid
        self.unit = unit
        self.proxy = proxy
        self.user = user
        self.up_timeout = up_timeout
        self.allowed_hosts = tuple(allowed_hosts)
        self.state = DOWN
        self._process: subprocess.Popen[bytes] | None = None
        self._inner: InterfaceBearer | None = None

    @property
    def interface(self) -> str:
        return f"ppp{self.unit}"

    def up(self) -> None:
        reason = ppp_available()
        if reason:
            self.state = ERROR
            raise BearerError(f"the PPP bearer cannot run here: {reason}")
        self._process = subprocess.Popen(pppd_arguments(self.port, self.cid, self.unit, user=self.user), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + self.up_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                err = (self._process.stderr.read() if self._process.stderr else b"").decode(errors="replace")[-400:]
                self.state = ERROR
                raise BearerError(f"pppd exited with status {self._process.returncode} before {self.interface} came up: {err}")
            try:
                address = interface_ipv4(self.interface)
            except BearerError:
                time.sleep(0.5)
                continue
            self._inner = InterfaceBearer(self.interface, source_address=address, proxy=self.proxy,
                                          allowed_hosts=self.allowed_hosts)
            self._inner.up()
            self.state = UP
            return
        self.down()
        self.state = ERROR
        raise BearerError(f"{self.interface} did not get an address within {self.up_timeout:g} s")

    def session(self) -> requests.Session:
        if self.state != UP or self._inner is None:
            raise BearerError("the PPP bearer is not up (call up() first)")
        return self._inner.session()

    def down(self) -> None:
        if self._inner is not None:
            self._inner.down()
            self._inner = None
        process: Any = self._process
        self._process = None
        if process is not None and process.poll() is None:
            process.terminate()  # pppd hangs up (LCP terminate, then the modem's NO CARRIER)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.state = DOWN
