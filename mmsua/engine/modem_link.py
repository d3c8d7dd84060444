"""The engine's side of the modem: the driver (mmsua.drivers) wired to the runner.

Start-up runs in its own thread so the API answers at once: open the AT port,
identify, unlock the SIM, read IMSI and own number, start SMS (stored SMS that
arrived while nobody listened come in first), then hand the engine a data path
over the configured bearer. Each SMS goes to :meth:`Engine.receive_sms`, which
keeps it durably; only then is it deleted from the modem.

A modem that restarts (a boot burst) or whose port vanishes (a USB reset, an
unplug) is started again the same way. While its port is absent the status says
so (no modem, no registration, the reason and its time), the data path is
unavailable so queued tasks wait without spending attempts, and the port is
looked for twice a second: the configured path, its by-id link, or the same USB
device under another name (:mod:`mmsua.drivers.replug`).
"""

from __future__ import annotations

import functools
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mmsua.drivers.errors import PortGone, PortUnavailable
from mmsua.drivers.replug import DeviceTree, PortIdentity, find_port_again, identify_port
from mmsua.engine.locations import trusted_hosts
from mmsua.engine.runner import Engine
from mmsua.engine.settings import AgentSettings, parse_proxy
from mmsua.store.records import iso

if TYPE_CHECKING:
    import requests

    from mmsua.drivers.ports import PortChoice

log = logging.getLogger(__name__)

RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
# After the port vanished: quick tries first (a modem that reappeared may still be booting).
RECONNECT_DELAYS = (0.5, 1.0, 2.0, 2.0, 2.0, 5.0, 10.0, 30.0)
PORT_POLL = 0.5  # how often an absent port is looked for: back well within 10 s of reappearing
RADIO_EVERY = 30.0  # s between readings of registration, operator and signal (a status bar's signal moves)
SMS_START_WAIT = 30.0  # a send while SMS is being set up (after the data path came up) waits this long
# Registration states in which no data path can come up (unknown: try, the retries cope).
_OFF_NETWORK = ("searching", "denied")
_REGISTRATION = {
    "home": "home", "sms-only-home": "home", "roaming": "roaming", "sms-only-roaming": "roaming",
    "searching": "searching", "denied": "denied",
}


class BearerDataPath:
    """A driver bearer as the engine's DataPath: up on first use, down when idle.

    ``on_result(reason)``: after each bring-up, None when it worked, else why not
    (so `mmsua status` can say why the data path is in error)."""

    def __init__(self, bearer: Any, registered: Callable[[], bool],
                 on_result: Callable[[str | None], None] | None = None) -> None:
        self.bearer = bearer
        self._registered = registered
        self._lock = threading.Lock()
        self._on_result = on_result or (lambda reason: None)

    def session(self) -> requests.Session:
        brought_up = False
        try:
            with self._lock:
                if self.bearer.state != "up":
                    log.info("bringing up the MMS data path")
                    brought_up = True
                    self.bearer.up()
                session = self.bearer.session()
        except Exception as exc:
            self._on_result(str(exc) or type(exc).__name__)  # outside the lock: it publishes the status
            raise
        if brought_up:
            self._on_result(None)
        return session

    def release(self) -> None:
        with self._lock:
            if self.bearer.state == "up":
                log.info("releasing the MMS data path (idle)")
                self.bearer.down()

    def available(self) -> bool:
        # A bearer that failed last time ("error") is tried again by the retry backoff;
        # only a modem off the network keeps the tasks waiting.
        return self._registered()

    @property
    def state(self) -> str:
        return str(self.bearer.state)


class LazyBearer:
    """A bearer built at its first ``up()``: the internal-TCP bearer is a requests
    adapter, so building it at start would load requests (~16 MB) in a daemon that
    may idle for hours before its first MMS."""

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self.built: Any = None

    @property
    def state(self) -> str:
        return str(self.built.state) if self.built is not None else "down"

    def up(self) -> None:
        if self.built is None:
            self.built = self._build()
        self.built.up()

    def down(self) -> None:
        if self.built is not None:
            self.built.down()

    def session(self) -> requests.Session:
        if self.built is None:
            self.up()
        return self.built.session()


class BearerUnavailable(Exception):
    """The configured bearer cannot work on this machine (``bearer``: it, if it was made)."""

    def __init__(self, reason: str, bearer: Any = None) -> None:
        super().__init__(reason)
        self.bearer = bearer


def ppp_data_port(at_port: str, configured: str = "", ports: Any = None) -> str:
    """The port pppd dials on: ``data_port`` from the settings, else the same USB
    modem's data interface (Quectel, SIMCom tables in mmsua.drivers.ports)."""
    if configured:
        return configured
    from mmsua.drivers.ports import data_port_for

    choice = data_port_for(at_port, ports)
    if choice is None:
        raise BearerUnavailable(
            f"the PPP bearer needs the modem's second (data) port and none is known for {at_port}: "
            "set data_port (e.g. /dev/ttyUSB3) in the modem settings"
        )
    log.info("PPP data port %s (%s)", choice.device, choice.reason)
    return choice.device


# Settings the bearer is built from: a change to any of them builds it again.
BEARER_FIELDS = ("bearer", "apn", "cid", "pdp_type", "mms_context", "apn_user", "apn_password", "apn_auth", "interface",
                 "data_port", "proxy", "chained_io")


class ModemLink:
    """The AT driver as the agent's backend (mmsua.engine.interfaces.ModemBackend).

    ``on_sim(identity)``: called at each start right after the SIM is read (IMSI, SPN,
    own number) and before the data path and SMS start; it may call :meth:`set_settings`
    so the first network step already uses the carrier's settings."""

    def __init__(self, settings: AgentSettings, engine: Engine, on_state: Callable[[], None] | None = None,
                 on_sim: Callable[[dict[str, Any]], None] | None = None, devices: DeviceTree | None = None) -> None:
        """``devices``: where /dev, by-id links and sysfs are (tests); the system's by default."""
        self.name = "at"
        self.settings = settings
        self.devices = devices
        self.engine = engine
        self.on_state = on_state or (lambda: None)
        self.on_sim = on_sim
        self._bearer_lock = threading.Lock()  # one bearer at a time: start-up vs. new settings
        self._bearer_installed = False
        self.channel: Any = None
        self.modem: Any = None
        self.sms: Any = None
        self.bearer: Any = None
        self.identity: Any = None
        self.imsi: str | None = None
        self.spn: str | None = None
        self.gid1: str | None = None  # EF-GID1, hex: tells an MVNO's SIM from its host's (carrier rules)
        self.sim_number: str | None = None
        self.registration = "unknown"
        self.operator_name: str | None = None
        self.signal: int | None = None
        self.error: str | None = None
        self.error_at: float | None = None  # when start-up last failed (status shows it)
        self.bearer_error: str | None = None  # why there is no MMS data path (pppd missing...)
        self.data_path_error: tuple[str, float] | None = None  # the last failure to bring it up, and when
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._unsubscribe: list[Callable[[], None]] = []  # URC subscriptions on the current channel
        self.restarts = 0  # modem resets handled since start
        self._reset_seen = threading.Event()
        self._restart_thread: threading.Thread | None = None
        self._restart_lock = threading.Lock()
        self.port: str | None = None  # where the AT port was opened last (the configured path, a by-id link...)
        self.port_identity: PortIdentity | None = None  # what finds it again after a replug
        self.gone_at: float | None = None  # when the port vanished; None while it is there
        self._sms_ready = threading.Event()
        self._radio_due = threading.Event()  # a registration URC: read operator and signal now
        self._radio_lock = threading.Lock()  # a reading is applied whole, or not after the modem went
        self._radio_generation = 0
        self._radio_thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._bring_up, name="mmsua-modem", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout: float) -> bool:
        """Tests and the doctor: until start-up succeeded (False after ``timeout``)."""
        return self._ready.wait(timeout)

    def stop(self) -> None:
        with self._restart_lock:  # a restart is started under it: none starts from now on
            self._stop.set()
            restart = self._restart_thread
        self._radio_due.set()  # the radio watch wakes and ends
        for thread in (self._thread, restart, self._radio_thread):
            if thread is not None and thread is not threading.current_thread():
                thread.join(10)
        self.engine.set_data_path(None)
        self._unsubscribe_all()
        for action in (
            lambda: self.sms and self.sms.stop(),
            lambda: self.bearer and self.bearer.down(),
            lambda: self.channel and self.channel.close(),
        ):
            try:
                action()
            except Exception as exc:  # the port may already be gone
                log.debug("modem shutdown step: %s", exc)

    def _unsubscribe_all(self) -> None:
        subscriptions, self._unsubscribe = self._unsubscribe, []
        for unsubscribe in subscriptions:
            unsubscribe()

    # -- a modem reset mid-session ------------------------------------------------

    def _on_reset(self, line: str) -> None:
        """The modem restarted (RDY...): echo, CNMI, storages, contexts and sockets are gone.
        Start it again on another thread (this is the URC dispatcher, which must keep
        running); resets arriving meanwhile (a brown-out loop) fold into one more round."""
        log.warning("the modem restarted (%s); setting it up again", line)
        self._schedule_restart()

    def _on_port_gone(self, channel: Any, error: PortGone) -> None:
        """The AT port vanished (USB reset, unplug): say so at once, then look for it again."""
        if self._stop.is_set() or channel is not self.channel:
            return  # closed on purpose, or an older channel's late news
        self._ready.clear()
        self._sms_ready.clear()
        self._note_vanished(error)
        log.warning("%s; looking for it again every %.1f s", self.error, PORT_POLL)
        self.on_state()
        self._schedule_restart()

    def _note_vanished(self, error: PortGone) -> None:
        self.gone_at = time.time()
        self.error, self.error_at = f"the modem's port vanished: {error.url} ({error.reason})", self.gone_at
        self._forget_modem()

    def _forget_modem(self) -> None:
        """Nothing the modem said holds once it is gone or failed to start (no stale status);
        the data path is unavailable meanwhile (see _usable)."""
        with self._radio_lock:
            self._radio_generation += 1  # a reading in flight is of the modem that went: dropped
            self.identity = self.operator_name = self.signal = None
            self.registration = "unknown"
            self.engine.handset.roaming = False

    def _schedule_restart(self) -> None:
        self._reset_seen.set()
        with self._restart_lock:
            self._restart_thread = self._one_thread(self._restart_thread, self._restart, "mmsua-modem-restart")

    def _one_thread(self, running: threading.Thread | None, target: Callable[[], None],
                    name: str) -> threading.Thread | None:
        """``running`` while it runs, else a new thread on ``target``; none once stopping
        (called under _restart_lock, which stop() takes to set _stop)."""
        if self._stop.is_set() or (running is not None and running.is_alive()):
            return running
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        return thread

    def _restart(self) -> None:
        while self._reset_seen.is_set() and not self._stop.is_set():
            self._reset_seen.clear()
            self._ready.clear()
            # SMS stop first: nothing is read while the modem is being set up again.
            self._unsubscribe_all()
            self._close_quietly()
            # The bearer's context and sockets died with the reset: nothing to take down.
            self.engine.set_data_path(None)
            with self._bearer_lock:
                self.bearer, self._bearer_installed = None, False
            self._bring_up()
            self.restarts += 1

    # -- start-up -------------------------------------------------------------

    def _bring_up(self) -> None:
        """Start the modem, retrying with backoff (a modem plugged in late, a reset at boot);
        meanwhile the daemon keeps serving the store. An absent device node is waited
        for without attempts; its reappearing is tried at once."""
        failures, last = 0, ""
        while not self._stop.is_set():
            choice = self._find_port()
            if choice is None:
                self._note_absent()
                if self._wait_for_port(None):
                    return
                failures = 0
                continue
            try:
                self._open(choice)
            except Exception as exc:  # ModemError and friends
                if isinstance(exc, PortGone) and not isinstance(exc, PortUnavailable) and self.gone_at is None:
                    self._note_vanished(exc)  # under the start-up itself
                elif self.gone_at is None or not isinstance(exc, PortUnavailable):
                    self.error, self.error_at = str(exc), time.time()  # (absent again: "vanished" still says why)
                self._forget_modem()
                delay = self._retry_delay(failures)
                failures += 1
                (log.error if str(exc) != last else log.debug)("modem start-up failed: %s; trying again in %.1f s", exc, delay)
                last = str(exc)
                self._unsubscribe_all()
                self._close_quietly()
                self.on_state()
                if self._wait_for_port(delay):
                    return
                continue
            if self.gone_at is not None:
                log.info("the modem is back at %s (%s)", choice.device, choice.reason)
            self.error = self.error_at = self.gone_at = None
            self._ready.set()
            self.engine.wake()  # the data path is usable from now on: queued work goes
            self.on_state()
            self._start_radio_watch()
            return

    def _retry_delay(self, failures: int) -> float:
        if self.gone_at is None:
            return RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
        delay = RECONNECT_DELAYS[min(failures, len(RECONNECT_DELAYS) - 1)]
        # A pyserial URL has no device node to watch: trying to open it is the only poll.
        return delay if self.port_identity is None or self.port_identity.is_device else min(delay, 2.0)

    def _find_port(self) -> PortChoice | None:
        """Where the configured port is now (None: absent); what finds it is learnt at each start."""
        configured = self.settings.port
        if self.port_identity is None or self.port_identity.configured != configured:
            self.port_identity = identify_port(configured, tree=self._devices())
        return find_port_again(self.port_identity, self._devices())

    def _devices(self) -> DeviceTree:
        from mmsua.drivers import replug

        return self.devices or replug.SYSTEM

    def _note_absent(self) -> None:
        if self.gone_at is not None:
            return  # the status already says it vanished, and when
        reason = str(PortUnavailable(self.settings.port, "no such device"))  # as opening it would say
        if self.error != reason:
            self.error, self.error_at = reason, time.time()
            log.error("modem start-up failed: %s; looking for it every %.1f s", reason, PORT_POLL)
            self.on_state()

    def _wait_for_port(self, delay: float | None) -> bool:
        """Wait ``delay`` seconds (None: until the port is there), less when the port
        comes back after being absent (a replug is tried at once). True: stopping."""
        deadline = None if delay is None else time.monotonic() + delay
        absent = delay is None
        while deadline is None or time.monotonic() < deadline:
            step = PORT_POLL if deadline is None else min(PORT_POLL, max(0.0, deadline - time.monotonic()))
            if self._stop.wait(step):
                return True
            present = self._find_port() is not None
            if present and absent:
                return False
            absent = absent or not present
        return self._stop.is_set()

    def _close_quietly(self) -> None:
        for thing in (self.sms, self.channel):
            try:
                if thing is not None:
                    (thing.stop if thing is self.sms else thing.close)()
            except Exception as exc:
                log.debug("closing after a failed start: %s", exc)
        self._sms_ready.clear()
        self.sms = self.channel = None

    def _usable(self) -> bool:
        """The data path may come up: the port is there and the modem on the network."""
        channel = self.channel
        return channel is not None and channel.is_open and self.gone_at is None and self.registration not in _OFF_NETWORK

    def _open(self, choice: PortChoice) -> None:
        from mmsua.drivers.at.channel import AtChannel
        from mmsua.drivers.modem import Modem
        from mmsua.drivers.sms import SmsService

        s = self.settings
        self.port = choice.device
        self.channel = AtChannel(choice.device, baudrate=s.baudrate, rtscts=s.rtscts).open()
        self.modem = Modem(self.channel, pin=s.pin or None)
        self.identity = self.modem.start(profile_override=None if s.profile in ("", "auto") else s.profile)
        self.modem.unlock()
        # A modem may power up in flight mode (EG25-G under eg25-manager): it never registers otherwise.
        if self.modem.radio_on() != 1:
            log.info("the modem was in flight mode; radio switched on")
        self.imsi = _quiet(self.modem.imsi)
        self.spn = _quiet(self.modem.service_provider)
        self.gid1 = _quiet(self.modem.gid1)
        self.sim_number = _quiet(self.modem.own_number)
        if self.imsi:
            self.engine.handset.mcc = self.imsi[:3]
        self.engine.learn_own_number(self.sim_number)
        identity = self.sim_identity()
        if identity is not None and self.on_sim is not None:
            self.on_sim(identity)  # carrier settings complete before the first network step
        # URCs on before the query: a change between the two is then never missed (the
        # retrievals waiting for the network rely on hearing it).
        self._unsubscribe.append(self.modem.on_registration(self._on_registration))
        _quiet(self.modem.enable_registration_urcs)
        self._refresh_registration()
        # The data path first, so notifications that waited on the modem are retrieved at once.
        with self._bearer_lock:
            self._install_bearer()
        # SMS: everything kept earlier but not yet deleted on the modem goes first.
        # watch_full: the store filling later (another program, class-2 SMS) is noticed too.
        self.sms = SmsService(self.channel, self.modem.profile, on_sms=self._on_sms, watch_full=True)
        self.sms.start(collect=False, worker=True)
        self._delete_kept()
        self._sms_ready.set()
        for incoming in self.sms.collect_stored(everywhere=True):
            self._on_sms(incoming)
        self._unsubscribe.append(self.modem.on_reset(self._on_reset))
        channel = self.channel
        self._unsubscribe.append(channel.subscribe_port_gone(lambda error: self._on_port_gone(channel, error)))
        if not channel.is_open:  # gone before anyone listened
            raise PortGone(choice.device, "vanished during start-up")
        learnt = identify_port(s.port, choice.node, self._devices())
        self.port_identity = learnt if self.port_identity is None else self.port_identity.merged(learnt)
        log.info("modem ready: %s %s, %s", self.identity.manufacturer, self.identity.model, self.registration)

    def _install_bearer(self) -> None:
        self._bearer_installed = True
        try:
            self.bearer = self._make_bearer()
        except BearerUnavailable as exc:
            # SMS still work; retrievals wait (until expiry) for the data path to be fixed.
            log.error("no MMS data path: %s", exc)
            self.bearer_error = str(exc)
            self.data_path_error = (str(exc), time.time())
            self.bearer = exc.bearer
            self.engine.set_data_path(None)
        else:
            self.bearer_error = self.data_path_error = None
            self.engine.set_data_path(BearerDataPath(self.bearer, self._usable, self._data_path_result))

    def _data_path_result(self, reason: str | None) -> None:
        if reason is None and self.data_path_error is None:
            return  # up again, as it was: nothing to tell
        self.data_path_error = None if reason is None else (reason, time.time())
        self.on_state()

    def set_settings(self, settings: AgentSettings) -> None:
        """New settings (carrier provisioning): a changed APN, cid, PDP type, credentials,
        proxy or bearer kind builds the bearer and the data path again. The port, profile
        and PIN take effect at the next start."""
        with self._bearer_lock:
            old, self.settings = self.settings, settings
            if not self._bearer_installed or all(getattr(old, name) == getattr(settings, name) for name in BEARER_FIELDS):
                return  # not built yet (start-up builds it from these) or nothing it uses changed
            log.info("MMS data path settings changed; building it again")
            self.engine.set_data_path(None)
            previous, self.bearer = self.bearer, None
            try:
                if previous is not None and previous.state == "up":
                    previous.down()
            except Exception as exc:  # the old context may already be gone
                log.warning("taking the old MMS data path down: %s", exc)
            self._install_bearer()
        self.on_state()

    def _make_bearer(self) -> Any:
        s = self.settings
        proxy = parse_proxy(s.proxy) if s.proxy else None
        if s.bearer == "interface":
            from mmsua.drivers.bearers.interface import InterfaceBearer

            return InterfaceBearer(s.interface or None, proxy=proxy, ipv6=s.pdp_type.upper() == "IPV6",
                                   allowed_hosts=trusted_hosts(s))  # the MMSC may be on a private address
        if s.bearer == "ppp":
            from mmsua.drivers.bearers.ppp import PppBearer, ppp_available

            # PPP takes a whole port: the modem's second one, never the AT port SMS uses.
            bearer = PppBearer(ppp_data_port(self.port or s.port, s.data_port), s.cid, proxy=proxy, user=s.apn_user or None,
                               allowed_hosts=trusted_hosts(s))
            missing = ppp_available()
            if missing:
                raise BearerUnavailable(f"the PPP bearer cannot run here: {missing}", bearer)
            return bearer
        channel, profile, pdp, chained_io = self.channel, self.modem.profile, self._pdp_settings(), s.chained_io

        def build() -> Any:
            from mmsua.drivers.bearers.internal_tcp import InternalTcpBearer

            return InternalTcpBearer(channel, profile, pdp, proxy=proxy, chained_io=chained_io)

        # A profile without a socket dialect fails at once, with the driver's reason.
        return LazyBearer(build) if profile.socket_dialect else build()

    def _pdp_settings(self) -> Any:
        from mmsua.drivers.pdp import PdpSettings

        s = self.settings
        return PdpSettings(cid=s.cid, apn=s.apn, pdp_type=s.pdp_type, username=s.apn_user or None,
                           password=s.apn_password or None, auth=s.apn_auth, context=s.mms_context)

    # -- SMS --------------------------------------------------------------------

    def _on_sms(self, incoming: Any) -> None:
        """Keep it, then let the modem delete it (never the other way round).

        The start-up listing and the +CMTI reader may both hand up the same SMS; the
        store keeps it once, and the delete names its PDU, so the second delete (or
        a late one, after the network reused the index for a new SMS) deletes nothing."""
        sms_id = self.engine.receive_sms(incoming.pdu_hex, incoming.tpdu_length, incoming.storage, incoming.index)
        if incoming.storage is not None and incoming.index is not None:
            try:
                if self.sms.acknowledge_stored(incoming.storage, incoming.index, pdu_hex=incoming.pdu_hex):
                    self.engine.store.mark_sms_deleted(sms_id)
            except Exception as exc:  # kept in the store; deleted on the next start
                log.warning("SMS %s/%s kept but not deleted from the modem: %s", incoming.storage, incoming.index, exc)

    def _delete_kept(self) -> None:
        """Delete what an earlier run kept but did not get deleted. A kill after AT+CMGD
        but before the mark leaves the slot free, and the network may have stored a new
        SMS there since: the delete names the PDU, so only our own goes."""
        for kept in self.engine.store.undeleted_sms(self.engine.handset.modem):
            try:
                if kept.storage is None or kept.index is None:
                    continue
                if self.sms.acknowledge_stored(kept.storage, kept.index, pdu_hex=kept.pdu_hex):
                    self.engine.store.mark_sms_deleted(kept.id)
            except Exception as exc:
                log.warning("could not delete kept SMS %s/%s: %s", kept.storage, kept.index, exc)

    def submissions(self, address: str, text: str, *, status_report: bool) -> list[Callable[[], int]]:
        """One step per SMS-SUBMIT segment (the engine's SmsPort)."""
        from mmsua.codec.sms import split_text_submit

        pdus = split_text_submit(address, text, reference=random.randrange(256), request_status_report=status_report)
        return [functools.partial(self.send_pdu, pdu.hex, pdu.tpdu_length) for pdu in pdus]

    def send_pdu(self, pdu_hex: str, tpdu_length: int) -> int:
        # The data path is offered before SMS is set up (retrievals go at once), and the
        # engine runs sends from then on: a send in that moment waits for SMS.
        deadline = time.monotonic() + SMS_START_WAIT
        while not self._sms_ready.wait(0.1):
            if self._stop.is_set() or self.channel is None or not self._usable() or time.monotonic() > deadline:
                raise RuntimeError("the modem is not ready to send SMS")
        sms = self.sms
        if sms is None:
            raise RuntimeError("the modem is not ready to send SMS")
        return int(sms.send_pdu(pdu_hex, tpdu_length))

    # -- state ------------------------------------------------------------------

    def _on_registration(self, registration: Any) -> None:
        self._set_registration(registration.state)
        self._radio_due.set()  # operator and signal, read off this (the URC dispatcher's) thread

    def _start_radio_watch(self) -> None:
        with self._restart_lock:
            self._radio_thread = self._one_thread(self._radio_thread, self._watch_radio, "mmsua-radio")

    def _watch_radio(self) -> None:
        """Registration, operator and signal read again every RADIO_EVERY s, and at once after a
        registration URC: read only at start, a modem that registered later showed no operator
        or signal, and the signal never moved."""
        while not self._stop.is_set():
            self._radio_due.wait(RADIO_EVERY)
            self._radio_due.clear()
            if not self._stop.is_set() and self._ready.is_set():
                self._refresh_registration()

    def _refresh_registration(self) -> None:
        # Operator and signal first, so the state event of a new registration carries them; a
        # registration a URC already told has had its event, so a change here sends another
        # (the MQTT bridge publishes each event's status: it went out with signal null).
        generation = self._radio_generation
        reg = _quiet(self.modem.registration)
        operator = _quiet(self.modem.operator)
        signal = _quiet(self.modem.signal)
        with self._radio_lock:
            if generation != self._radio_generation:
                return  # the modem vanished while it was asked: its answers say nothing now
            before = (self.registration, self.operator_name, self.signal)
            self.operator_name = getattr(operator, "name", None)
            self.signal = getattr(signal, "percent", None)
            if reg is not None:
                self._set_registration(reg.state)
            if self.registration == before[0] and (self.operator_name, self.signal) != before[1:]:
                self.on_state()

    def _set_registration(self, state: str) -> None:
        new = _REGISTRATION.get(state, "unknown")
        if new != self.registration:
            self.registration = new
            self.engine.handset.roaming = new == "roaming"
            self.engine.wake()  # back on the network: retrievals waiting for the data path go now
            self.on_state()

    def status(self) -> dict[str, Any]:
        identity = self.identity
        state = getattr(self.bearer, "state", "down") if self.bearer is not None else ("error" if self.error else "down")
        if self.bearer_error or self.gone_at is not None:
            state = "error"
        return {
            "modem": None if identity is None else {"manufacturer": identity.manufacturer, "model": identity.model,
                                                    "revision": identity.revision, "imei": identity.imei},
            "operator": self.operator_name,
            "signal": self.signal,
            "registration": self.registration,
            "data_path": state if state in ("up", "down", "error") else "down",
            # Why, and when (ISO 8601 UTC): the last failures, null once it worked again.
            "modem_error": None if self.error is None else {"reason": self.error, "at": iso(self.error_at)},
            "data_path_error": None if self.data_path_error is None
            else {"reason": self.data_path_error[0], "at": iso(self.data_path_error[1])},
        }

    def sim_identity(self) -> dict[str, Any] | None:
        if not self.imsi:
            return None
        return {"imsi": self.imsi, "spn": self.spn or "", "gid1": self.gid1 or "", "own_number": self.sim_number}


def _quiet(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:  # optional facts: a modem that lacks them still works
        log.info("%s: %s", getattr(call, "__name__", "query"), exc)
        return None
