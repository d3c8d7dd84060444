"""The MMS data path through a ModemManager bearer.

``up()`` uses a bearer already connected on the MMS APN (the internet's, when the
carrier shares it; NetworkManager's, usually) as it is, or creates one on the MMS
APN and connects it. HTTP then leaves by the bearer's interface and address
(:class:`..bearers.interface.InterfaceBearer`), and names are resolved with the
bearer's DNS servers. ``down()`` disconnects and deletes only a bearer mmsua
created: one that NetworkManager, or anyone else, made is never touched.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from ..bearers.base import DOWN, ERROR, UP, BearerError
from . import names
from .bus import DbusError
from .facts import BearerFacts

if TYPE_CHECKING:
    import requests

    from ..bearers.interface import InterfaceBearer
    from .client import ModemManagerClient

log = logging.getLogger(__name__)


class MmBearer:
    def __init__(self, client: ModemManagerClient, modem: str, apn: str, *, ip_type: str = "IP", user: str = "",
                 password: str = "", auth: str = "none", proxy: tuple[str, int] | None = None,
                 allowed_hosts: tuple[str, ...] = (), reuse: bool = True) -> None:
        """``reuse``: take a bearer already connected on the APN (mms.context = auto)."""
        self.client = client
        self.modem = modem
        self.apn = apn
        self.ip_type = ip_type.upper()
        self.user, self.password, self.auth = user, password, auth
        self.proxy = proxy
        self.allowed_hosts = allowed_hosts
        self.reuse = reuse
        self.state = DOWN
        self.path: str | None = None
        self.owned = False  # created by mmsua: only then disconnected and deleted
        self.facts: BearerFacts | None = None
        self._http: InterfaceBearer | None = None
        self._lock = threading.Lock()

    def up(self) -> None:
        with self._lock:
            try:
                self._up()
            except (BearerError, DbusError) as error:
                self._release()  # one of ours that came up unusable is not left connected
                self.state = ERROR
                raise BearerError(f"the ModemManager bearer on APN {self.apn!r} did not come up: {error}") from None
            self.state = UP

    def _up(self) -> None:
        facts = self._shared() if self.reuse else None
        if facts is None:
            if self.path is None or not self.owned:
                self.path = self.client.create_bearer(self.modem, self.apn, ip_type=self.ip_type, user=self.user,
                                                      password=self.password, auth=self.auth)
                self.owned = True
                log.info("created ModemManager bearer %s on APN %s", self.path, self.apn)
            self.client.connect_bearer(self.path)
            facts = self.client.bearer(self.path)
        elif facts.path != self.path:
            self.path, self.owned = facts.path, False
            log.info("using the connected bearer %s on APN %s as it is", facts.path, facts.apn)
        if not facts.connected or not facts.interface:
            raise BearerError(f"bearer {facts.path} is not connected to a network interface")
        if facts.ip4.method == names.IP_METHOD_PPP or facts.ip6.method == names.IP_METHOD_PPP:
            # ModemManager hands the data port over for PPP; NetworkManager runs pppd on it, mmsua does not.
            raise BearerError(f"bearer {facts.path} is PPP on {facts.interface}: ModemManager leaves pppd to "
                              "NetworkManager; set mms.bearer = \"interface\" with the interface pppd brings up")
        self.facts = facts
        from ..bearers.interface import InterfaceBearer

        ipv6 = self.ip_type == "IPV6" or (not facts.ip4.address and not facts.ip4.dns and bool(facts.ip6.address))
        config = facts.ip6 if ipv6 else facts.ip4
        self._http = InterfaceBearer(facts.interface, source_address=config.address or None, proxy=self.proxy, ipv6=ipv6,
                                     allowed_hosts=self.allowed_hosts, dns_servers=config.dns or facts.ip4.dns + facts.ip6.dns)
        self._http.up()

    def _shared(self) -> BearerFacts | None:
        """A bearer already connected on the MMS APN (mmsua's own from before counts too)."""
        for facts in self.client.bearers(self.modem):
            if facts.connected and facts.apn.lower() == self.apn.lower():
                return facts
        return None

    def session(self) -> requests.Session:
        http = self._http
        if self.state != UP or http is None:
            raise BearerError("the ModemManager bearer is not up (call up() first)")
        return http.session()

    def down(self) -> None:
        with self._lock:
            self._release()

    def _release(self) -> None:
        if self._http is not None:
            self._http.down()
            self._http = None
        path, owned = self.path, self.owned
        self.state = DOWN
        if path is None or not owned:
            return  # someone else's: it stays as it is
        self.path, self.owned = None, False
        try:
            self.client.disconnect_bearer(path)
        except DbusError as error:  # ModemManager or the modem already dropped it
            log.info("disconnecting bearer %s: %s", path, error)
        try:
            self.client.delete_bearer(self.modem, path)
        except DbusError as error:
            log.info("deleting bearer %s: %s", path, error)
        log.info("released ModemManager bearer %s", path)
