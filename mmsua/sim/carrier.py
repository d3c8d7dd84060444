"""`SimulatedCarrier`: the whole simulated network from one object.

    with SimulatedCarrier(profile="quectel-eg25g") as carrier:
        phone = carrier.add_handset("+15550100001")
        # point mmsua at phone.serial_url (in-process) or phone.pty_path (any program),
        # APN carrier.apn, MMSC carrier.mmsc_url, proxy carrier.proxy

Stopping it (leaving the `with`) ends every thread and socket it started and
removes its temporary directory.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mmsua.sim  # noqa: F401  (registers the simmodem:// URL handler)
from mmsua.sim import registry
from mmsua.sim.faults import MmscFaults
from mmsua.sim.friend import Friend
from mmsua.sim.identity import Identities
from mmsua.sim.mmsc import Mailbox, Mmsc, StoredMessage
from mmsua.sim.modem.core import EmulatedModem, Network, Timing
from mmsua.sim.modem.line import ModemLine
from mmsua.sim.modem.profiles import get_profile
from mmsua.sim.modem.pty import PtyPort
from mmsua.sim.personalities import get_personality
from mmsua.sim.proxy import MmsProxy
from mmsua.sim.scheduler import Scheduler
from mmsua.sim.smsc import Plan, Smsc

if TYPE_CHECKING:
    from mmsua.engine.settings import AgentSettings

_names = itertools.count(1)
FRIEND_ADDRESS = "127.0.0.2"  # the scripted friend's "PDP address": the proxy knows it by it
INTERNET_APN = "internet"  # the handsets' internet APN (the LTE default bearer's, when there is one)


@dataclass(slots=True)
class Handset:
    """A subscriber with an emulated modem."""

    msisdn: str
    modem: EmulatedModem
    line: ModemLine
    name: str
    serial_url: str
    pty: PtyPort | None = None

    @property
    def pty_path(self) -> str | None:
        """Stable path of the serial device (a symlink to the current /dev/pts/N)."""
        return str(self.pty.path) if self.pty is not None else None

    # faults
    def reboot(self, flood: int = 1) -> None:
        self.modem.reboot(flood=flood)

    def mute(self, on: bool = True) -> None:
        self.modem.mute(on)

    def garbage(self, data: bytes | None = None, length: int = 16) -> None:
        self.modem.inject_garbage(data, length)

    def vanish(self) -> None:
        """The port goes (a USB reset): the module keeps running and storing SMS."""
        self.line.vanish()

    def reappear(self) -> None:
        self.line.reappear()

    def unplug(self) -> None:
        """The port goes with the module's power: SMS wait in the network meanwhile."""
        self.modem.power_off()
        self.line.vanish()

    def replug(self) -> None:
        """Back, under another device node, booting (boot burst, SIM, registration)."""
        self.line.reappear()
        self.modem.power_on()


class SimulatedCarrier:
    def __init__(
        self,
        profile: str = "quectel-eg25g",
        line_rate: float | None = None,
        proxy: bool = True,
        *,
        friend: bool | str = False,
        apn: str = "mms",
        max_message_size: int | None = None,
        require_ua_headers: bool = False,
        timing: Timing | None = None,
        push_plan: Plan | None = None,
        operator: str | None = None,
        subscriber_by_address: dict[str, str] | None = None,
        require_proxy: bool = False,
        mms_ipv6_only: bool = False,
        default_bearer: bool = False,
        one_context_per_apn: bool = False,
        personality: str = "default",
    ) -> None:
        """``personality``: how this carrier differs (mmsua/sim/personalities.py: default,
        strict-ua, 1mb, ack-quirks); ``max_message_size`` and ``operator`` override its own.
        ``subscriber_by_address``: source IP address -> MSISDN, for HTTP that does not
        come through an emulated modem's TCP stack (mmsua's interface bearer on lo).
        ``require_proxy``: the MMSC refuses (403) requests that skip the MMS proxy.
        ``mms_ipv6_only``: an IPv6-only MMS network (T-Mobile US): MMSC and proxy on ::1,
        the MMS APN's context activates only as IPV6 (an IP one is refused, +CME ERROR 193).
        ``default_bearer``: each modem has cid 1 active on the internet APN once registered
        (the LTE default bearer); with ``apn="internet"`` MMS shares it.
        ``one_context_per_apn``: the network refuses a second active context on one APN
        (+CME ERROR 203)."""
        self.profile = get_profile(profile).key
        self.personality = get_personality(personality)
        max_message_size = max_message_size if max_message_size is not None else self.personality.max_message_size
        operator = operator if operator is not None else self.personality.operator
        self.line_rate = line_rate
        self.apn = apn
        self.operator = operator
        self.timing = timing or Timing()
        self._want_proxy = proxy
        self._friend_number = friend if isinstance(friend, str) else ("+15550100099" if friend else None)
        by_address = dict(subscriber_by_address or {})
        if self._friend_number and proxy:
            by_address[FRIEND_ADDRESS] = self._friend_number
        self.identities = Identities(by_address)
        self.mailbox = Mailbox()
        self.scheduler: Scheduler | None = None
        self._friend_scheduler: Scheduler | None = None
        self.smsc: Smsc | None = None
        self.mmsc: Mmsc | None = None
        self._proxy: MmsProxy | None = None
        self.friend: Friend | None = None
        self.handsets: dict[str, Handset] = {}
        self._dir: Path | None = None
        self._lock = threading.Lock()
        if require_proxy and not proxy:
            raise ValueError("require_proxy needs the proxy")
        if mms_ipv6_only and self._friend_number:
            raise ValueError("the scripted friend reaches the network over IPv4; not with mms_ipv6_only")
        self.mms_ipv6_only = mms_ipv6_only
        self.default_bearer = default_bearer
        self.one_context_per_apn = one_context_per_apn
        self._host = "::1" if mms_ipv6_only else "127.0.0.1"
        self._new_mmsc = functools.partial(Mmsc, max_message_size=max_message_size, require_ua_headers=require_ua_headers,
                                           push_plan=push_plan, require_proxy=require_proxy, host=self._host,
                                           strict_ua=self.personality.strict_ua, ack_quirks=self.personality.ack_quirks,
                                           transaction_id_in_location=self.personality.transaction_id_in_location)
        self.running = False

    # ------------------------------------------------------------- lifecycle
    def start(self) -> SimulatedCarrier:
        self._dir = Path(tempfile.mkdtemp(prefix="mmsua-sim-"))
        self.scheduler = Scheduler()
        self.smsc = Smsc(self.scheduler)
        self.mmsc = self._new_mmsc(self.smsc, identities=self.identities, mailbox=self.mailbox).start()
        if self._want_proxy:
            self._proxy = MmsProxy(self.identities, host=self._host).start()
        if self._friend_number:
            self._friend_scheduler = Scheduler("sim-friend")
            self.friend = Friend(self._friend_number, self.mmsc.url, self._friend_scheduler, proxy=self.proxy,
                                 address=FRIEND_ADDRESS if self._proxy is not None else None)
            self.smsc.attach(self._friend_number, self.friend)
        self.running = True
        return self

    def stop(self) -> None:
        if not self.running:
            return
        self.running = False
        for sched in (self._friend_scheduler, self.scheduler):
            if sched is not None:
                sched.stop()
        if self.friend is not None:
            self.friend.close()
        for handset in self.handsets.values():
            if handset.pty is not None:
                handset.pty.stop()
            registry.unregister(handset.name)
            handset.modem.close()
        for handset in self.handsets.values():
            handset.modem.join_network_threads()
        if self._proxy is not None:
            self._proxy.stop()
        if self.mmsc is not None:
            self.mmsc.stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self) -> SimulatedCarrier:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -------------------------------------------------------------- handsets
    def add_handset(
        self,
        msisdn: str,
        *,
        profile: str | None = None,
        pin: str | None = None,
        line_rate: float | None = None,
        capacity: dict[str, int] | None = None,
        pty: bool = True,
        name: str | None = None,
        imsi: str | None = None,
        cfun: int = 1,
        gid1: str = "",
        iccid: str = "",
    ) -> Handset:
        """A subscriber with an emulated modem, powered on and registered to the network
        (``cfun=4``: it powers up in flight mode and registers only after AT+CFUN=1)."""
        if not self.running or self.smsc is None or self._dir is None:
            raise RuntimeError("start the carrier first")
        number = next(_names)
        name = name or f"sim{number}"
        network = Network(
            operator=self.operator, mcc_mnc=self.personality.mcc_mnc, apns={self.apn.lower(): ("", ""), INTERNET_APN: ("", "")},
            ipv6_only=frozenset({self.apn.lower()}) if self.mms_ipv6_only else frozenset(),
            default_bearer=INTERNET_APN if self.default_bearer else "", one_context_per_apn=self.one_context_per_apn,
        )
        modem = EmulatedModem(
            get_profile(profile or self.profile), msisdn=msisdn, imsi=imsi or self.personality.imsi(number), gid1=gid1, imei=f"8612340500{number:05d}",
            pin=pin, capacity=capacity, network=network, timing=self.timing, cfun=cfun, iccid=iccid,
        )
        modem.on_submit = lambda tpdu: self.smsc.submit(msisdn, tpdu)  # type: ignore[union-attr]
        modem.on_tcp_connect = lambda port: self.identities.bind(port, msisdn)
        line = ModemLine(modem, line_rate if line_rate is not None else self.line_rate)
        url = registry.register(name, line)
        port = PtyPort(line, self._dir / f"tty{name.upper()}").start() if pty else None
        handset = Handset(msisdn, modem, line, name, url, port)
        with self._lock:
            self.handsets[msisdn] = handset
        self.smsc.attach(msisdn, modem)
        modem.power_on()
        return handset

    # ---------------------------------------------------------------- access
    @property
    def mmsc_url(self) -> str:
        assert self.mmsc is not None, "start the carrier first"
        return self.mmsc.url

    @property
    def proxy(self) -> str | None:
        """"127.0.0.1:PORT" (or "[::1]:PORT") of the MMS proxy the handsets must use, or None."""
        return self._proxy.address if self._proxy is not None else None

    @property
    def proxy_server(self) -> MmsProxy | None:
        return self._proxy

    @property
    def faults(self) -> MmscFaults:
        assert self.mmsc is not None, "start the carrier first"
        return self.mmsc.faults

    def agent_settings(self, handset: Handset | str, store_path: str | os.PathLike[str], **changes: Any) -> AgentSettings:
        """mmsua's AgentSettings for one of this carrier's handsets (a Handset or its MSISDN):
        its in-process simmodem:// port, this carrier's APN, MMSC and proxy, a User-Agent and
        x-wap-profile, and retries quick enough for a simulated network. ``changes``
        override any field (``retrieval_policy="manual"``, ``bearer="interface"``...)."""
        from mmsua.engine.settings import AgentSettings

        phone = self.handsets[handset] if isinstance(handset, str) else handset
        return AgentSettings(
            port=phone.serial_url, apn=self.apn, mmsc_url=self.mmsc_url, proxy=self.proxy or "",
            user_agent="mmsua-sim/1.0", uaprof_url="http://uaprof.example/mmsua.xml", store_path=os.fspath(store_path),
            country_code="US", retry_initial=0.05, retry_max=0.2, http_timeout=3,
            pdp_type="IPV6" if self.mms_ipv6_only else "IP",
        ).with_changes(**changes)

    def send_sms(self, to: str, text: str, *, originator: str = "+15550107777", plan: Plan | None = None) -> list[bytes]:
        """A plain text SMS from someone on the network."""
        assert self.smsc is not None, "start the carrier first"
        return self.smsc.text(to, text, originator=originator, plan=plan)

    def send_mms(self, sender: str, to: list[str], **kwargs: Any) -> StoredMessage:
        """An MMS from someone on the network (notified to each handset in `to`)."""
        assert self.mmsc is not None, "start the carrier first"
        return self.mmsc.send_from(sender, to, **kwargs)

    def settle(self, timeout: float = 5.0) -> bool:
        """Wait until the network has nothing scheduled (tests)."""
        ok = True
        for sched in (self.scheduler, self._friend_scheduler):
            if sched is not None:
                ok = sched.idle(timeout) and ok
        return ok

    def describe(self) -> dict[str, object]:
        """What a client needs to reach this carrier."""
        return {
            "personality": self.personality.name,
            "apn": self.apn,
            "mmsc": self.mmsc_url,
            "proxy": self.proxy,
            "friend": self._friend_number,
            "handsets": {h.msisdn: {"serial_url": h.serial_url, "pty": h.pty_path, "profile": h.modem.profile.key} for h in self.handsets.values()},
        }
