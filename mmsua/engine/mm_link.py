"""The engine's side of ModemManager: the second driver backend.

The agent runs it instead of :class:`.modem_link.ModemLink` when ModemManager
manages the modem (docs/driver.md, "ModemManager"). Start-up runs on its own
thread: reach ModemManager, find the modem, read the SIM (carrier settings come
from it as with AT), install the data path (a ModemManager bearer), watch
Messaging, then take the SMS already waiting. Each received SMS is handed to
the engine, and only once the engine has kept it is it deleted from the modem:
a WAP push (ModemManager joined its segments; mmsua's codec decodes the push),
a status report, and, unless ``modem.mm_text_sms`` is off, a text. Binary SMS
that are not WAP push are left for whoever wants them.

When ModemManager stops, restarts or loses the modem, the status says so, the
data path is withdrawn (queued tasks wait without spending attempts), and the
modem is looked for again.
"""

from __future__ import annotations

import collections
import functools
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from mmsua.engine.locations import trusted_hosts
from mmsua.engine.modem_link import _OFF_NETWORK, _REGISTRATION, BEARER_FIELDS, RETRY_DELAYS, SMS_START_WAIT, BearerDataPath
from mmsua.engine.runner import Engine
from mmsua.engine.settings import AgentSettings, parse_proxy
from mmsua.store.records import iso

if TYPE_CHECKING:
    from mmsua.drivers.modemmanager.client import ModemManagerClient
    from mmsua.drivers.modemmanager.facts import ModemFacts, SimFacts, SmsFacts

log = logging.getLogger(__name__)

HANDLED_MEMORY = 2000  # Sms paths already taken: an Added and a State change may both name one
WSP_PUSH_TYPES = (0x06, 0x07)  # WSP Push and ConfirmedPush PDU types (WAP-230 8.2.1), the second octet
Connect = Callable[[str], "ModemManagerClient"]


class ModemManagerUnavailable(Exception):
    """ModemManager is not there, or manages no modem mmsua may use (the reason says which)."""


class ModemManagerLink:
    """The ModemManager backend (mmsua.engine.interfaces.ModemBackend)."""

    def __init__(self, settings: AgentSettings, engine: Engine, on_state: Callable[[], None] | None = None,
                 on_sim: Callable[[dict[str, Any]], None] | None = None, connect: Connect | None = None) -> None:
        self.name = "modemmanager"
        self.settings = settings
        self.engine = engine
        self.on_state = on_state or (lambda: None)
        self.on_sim = on_sim
        self._connect = connect or _connect
        self.client: ModemManagerClient | None = None
        self.modem: ModemFacts | None = None
        self.sim: SimFacts | None = None
        self.bearer: Any = None
        self.bearer_error: str | None = None
        self.error: str | None = None
        self.error_at: float | None = None
        self.data_path_error: tuple[str, float] | None = None
        self.registration = "unknown"
        self._stop = threading.Event()
        self._lost = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._bearer_lock = threading.Lock()
        self._sms_lock = threading.Lock()
        self._handled: collections.OrderedDict[str, None] = collections.OrderedDict()

    # -- life ---------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="mmsua-modemmanager", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout: float) -> bool:
        return self._ready.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._lost.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(15)
        self._teardown()

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                self._bring_up()
            except Exception as error:  # ModemManager away, no modem yet, a call refused
                self._teardown()
                reason = str(error) or type(error).__name__
                if reason != self.error:
                    log.error("ModemManager backend: %s; trying again", reason)
                    self.error, self.error_at = reason, time.time()
                    self.on_state()
                delay = RETRY_DELAYS[min(failures, len(RETRY_DELAYS) - 1)]
                failures += 1
                if self._stop.wait(delay):
                    return
                continue
            failures = 0
            self.error = self.error_at = None
            self._ready.set()
            self.engine.wake()
            self.on_state()
            client = self.client
            while not self._stop.is_set() and not self._lost.is_set() and client is not None and not client.bus.closed.is_set():
                self._lost.wait(1.0)  # the bus closing sets no event of ours: looked at each second
            if self._stop.is_set():
                return
            self._teardown()  # first: nothing stale is shown beside the error
            self.error, self.error_at = "ModemManager lost the modem (or stopped)", time.time()
            log.warning("%s; looking for it again", self.error)
            self.on_state()

    def _teardown(self) -> None:
        self._ready.clear()
        self.engine.set_data_path(None)
        with self._bearer_lock:
            bearer, self.bearer = self.bearer, None
        if bearer is not None:
            try:
                bearer.down()
            except Exception as error:  # ModemManager may be gone already
                log.debug("bearer down: %s", error)
        client, self.client = self.client, None
        if client is not None:
            client.close()
        self.modem = None
        self.registration = "unknown"
        self.engine.handset.roaming = False

    def _bring_up(self) -> None:
        self._lost.clear()
        self.client = client = self._connect(self.settings.mm_bus)
        if not client.running():
            raise ModemManagerUnavailable(f"ModemManager is not running on the {self.settings.mm_bus} bus")
        port = self.settings.port
        modem = next((m for m in client.modems() if m.serves(port)), None)
        if modem is None:
            raise ModemManagerUnavailable(f"ModemManager manages no modem {'at ' + port if port else 'yet'}")
        if not modem.has_messaging:
            # ModemManager offers Messaging once the modem is enabled with its SIM unlocked; mmsua
            # does not enable a modem someone disabled (flight mode): it looks again with back-off.
            raise ModemManagerUnavailable(f"ModemManager's modem {modem.path} offers no Messaging yet: it is disabled "
                                          "or its SIM locked (`mmcli -m any -e` enables it)")
        self.modem = modem
        self._set_registration(modem.registration)
        self.sim = client.sim(modem.sim) if modem.sim else None
        if self.sim is not None and self.sim.imsi:
            self.engine.handset.mcc = self.sim.imsi[:3]
        self.engine.learn_own_number(modem.own_numbers[0] if modem.own_numbers else None)
        identity = self.sim_identity()
        if identity is not None and self.on_sim is not None:
            self.on_sim(identity)  # carrier settings before the first network step
        # Watch before listing: an SMS arriving in between is in the list or its signal comes.
        client.watch_modem(modem.path, self._on_signal)
        with self._bearer_lock:
            self._install_bearer()
        for path in client.messages(modem.path):
            self._consider(path)
        log.info("ModemManager modem ready: %s %s (%s), %s", modem.manufacturer, modem.model, modem.path, self.registration)

    # -- the data path ---------------------------------------------------------------------------

    def _install_bearer(self) -> None:
        try:
            self.bearer = self._make_bearer()
        except Exception as error:
            log.error("no MMS data path: %s", error)
            self.bearer_error = str(error)
            self.data_path_error = (str(error), time.time())
            self.engine.set_data_path(None)
            return
        self.bearer_error = self.data_path_error = None
        self.engine.set_data_path(BearerDataPath(self.bearer, self._usable, self._data_path_result))

    def _make_bearer(self) -> Any:
        s = self.settings
        proxy = parse_proxy(s.proxy) if s.proxy else None
        if s.bearer == "interface":
            from mmsua.drivers.bearers.interface import InterfaceBearer

            return InterfaceBearer(s.interface or None, proxy=proxy, ipv6=s.pdp_type.upper() == "IPV6",
                                   allowed_hosts=trusted_hosts(s))
        if s.bearer == "ppp":
            raise ModemManagerUnavailable("mms.bearer = ppp needs the AT backend: ModemManager holds the data port")
        if not s.apn:
            raise ModemManagerUnavailable("no MMS APN (mms.apn) for a ModemManager bearer")
        from mmsua.drivers.modemmanager.bearer import MmBearer

        assert self.client is not None and self.modem is not None
        return MmBearer(self.client, self.modem.path, s.apn, ip_type=s.pdp_type, user=s.apn_user, password=s.apn_password,
                        auth=s.apn_auth, proxy=proxy, allowed_hosts=tuple(trusted_hosts(s)), reuse=s.mms_context == "auto")

    def _data_path_result(self, reason: str | None) -> None:
        if reason is None and self.data_path_error is None:
            return
        self.data_path_error = None if reason is None else (reason, time.time())
        self.on_state()

    def _usable(self) -> bool:
        return self.client is not None and self._ready.is_set() and self.registration not in _OFF_NETWORK

    def set_settings(self, settings: AgentSettings) -> None:
        with self._bearer_lock:
            old, self.settings = self.settings, settings
            if self.client is None or all(getattr(old, name) == getattr(settings, name) for name in BEARER_FIELDS):
                return
            log.info("MMS data path settings changed; building it again")
            self.engine.set_data_path(None)
            previous, self.bearer = self.bearer, None
            try:
                if previous is not None and previous.state == "up":
                    previous.down()
            except Exception as error:
                log.warning("taking the old MMS data path down: %s", error)
            self._install_bearer()
        self.on_state()

    # -- signals ---------------------------------------------------------------------------------

    def _on_signal(self, signal: tuple[str, str, str, list[Any]]) -> None:
        from mmsua.drivers.modemmanager import names

        path, interface, member, body = signal
        modem = self.modem
        if modem is None:
            return
        if interface == names.MESSAGING and member == "Added" and path == modem.path and len(body) == 2:
            if body[1] is True and isinstance(body[0], str):
                self._consider(body[0])
        elif interface == names.PROPERTIES and member == "PropertiesChanged" and len(body) >= 2:
            changed = body[1] if isinstance(body[1], dict) else {}
            if body[0] == names.SMS and changed.get("State") == names.SMS_STATE_RECEIVED:
                self._consider(path)  # a multipart SMS whose last segment came
            elif path == modem.path:
                self._refresh()
        elif interface == names.OBJECT_MANAGER and member == "InterfacesRemoved" and body and body[0] == modem.path:
            self._lost.set()
        elif member == "NameOwnerChanged" and len(body) == 3 and body[0] == names.SERVICE and body[2] == "":
            self._lost.set()

    def _refresh(self) -> None:
        client, modem = self.client, self.modem
        if client is None or modem is None:
            return
        try:
            self.modem = client.modem(modem.path)
        except Exception as error:
            log.debug("reading the modem again: %s", error)
            return
        self._set_registration(self.modem.registration)
        self.on_state()

    def _set_registration(self, state: str) -> None:
        new = _REGISTRATION.get(state, "unknown")
        if new != self.registration:
            self.registration = new
            self.engine.handset.roaming = new == "roaming"
            self.engine.wake()

    # -- receiving ---------------------------------------------------------------------------------

    def _consider(self, path: str) -> None:
        """Take one Sms object if it is complete and mmsua's: kept by the engine, then deleted."""
        from mmsua.drivers.modemmanager import names
        from mmsua.drivers.modemmanager.bus import DbusError

        client, modem = self.client, self.modem
        if client is None or modem is None:
            return
        with self._sms_lock:
            if path in self._handled:
                return
            try:
                sms = client.sms(path)
            except DbusError as error:
                log.debug("SMS %s gone before it was read: %s", path, error)
                return
            if sms.state != names.SMS_STATE_RECEIVED:
                return  # a multipart SMS still receiving (its State change brings it back), or a sent one
            taken = self._take(sms)
            self._handled[path] = None
            while len(self._handled) > HANDLED_MEMORY:
                self._handled.popitem(last=False)
            if not taken:
                return
            try:
                client.delete_sms(modem.path, path)
            except DbusError as error:  # kept; a later start finds it again and the store dedupes a push
                log.warning("SMS %s kept but not deleted from the modem: %s", path, error)

    def _take(self, sms: SmsFacts) -> bool:
        """Hand one received SMS to the engine; False: not mmsua's, left on the modem."""
        from mmsua.drivers.modemmanager import names

        if sms.pdu_type == names.PDU_STATUS_REPORT:
            outcome = names.delivery_outcome(sms.delivery_state)
            ours = outcome != "unknown" and self.engine.receive_status(sms.message_reference, sms.number or None, outcome)
            if not ours:  # another app's report (Chatty's SMS) stays for it when mmsua shares the modem's SMS
                log.info("status report %s names no SMS mmsua sent: %s", sms.path,
                         "deleted" if self.settings.mm_text_sms else "left for other programs")
            return ours or self.settings.mm_text_sms
        if sms.data:
            if len(sms.data) >= 2 and sms.data[1] in WSP_PUSH_TYPES:
                self.engine.receive_push(sms.data)
                return True
            log.info("binary SMS %s is no WAP push: left for other programs", sms.path)
            return False
        if not self.settings.mm_text_sms:
            return False
        self.engine.receive_text(sms.number, sms.text, sms_time(sms.timestamp))
        return True

    # -- sending -----------------------------------------------------------------------------------

    def submissions(self, address: str, text: str, *, status_report: bool) -> list[Callable[[], int]]:
        """One step: ModemManager splits the text itself and names its last segment's TP-MR."""
        return [functools.partial(self._send, address, text, status_report)]

    def _send(self, address: str, text: str, status_report: bool) -> int:
        if not self._ready.wait(SMS_START_WAIT) or self._stop.is_set():
            raise ModemManagerUnavailable("the modem is not ready to send SMS")
        client, modem = self.client, self.modem
        if client is None or modem is None:
            raise ModemManagerUnavailable("the modem is not ready to send SMS")
        return client.send_text(modem.path, address, text, delivery_report=status_report)

    # -- state ---------------------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        modem = self.modem
        state = getattr(self.bearer, "state", "down") if self.bearer is not None else ("error" if self.error else "down")
        if self.bearer_error or (self.error and modem is None):
            state = "error"
        return {
            "modem": None if modem is None else {"manufacturer": modem.manufacturer, "model": modem.model,
                                                 "revision": modem.revision, "imei": modem.imei},
            "operator": (modem.operator_name or modem.operator_code or None) if modem is not None else None,
            "signal": modem.signal if modem is not None else None,
            "registration": self.registration,
            "data_path": state if state in ("up", "down", "error") else "down",
            "modem_error": None if self.error is None else {"reason": self.error, "at": iso(self.error_at)},
            "data_path_error": None if self.data_path_error is None
            else {"reason": self.data_path_error[0], "at": iso(self.data_path_error[1])},
        }

    def sim_identity(self) -> dict[str, Any] | None:
        sim = self.sim
        if sim is None or not sim.imsi:
            return None
        own = self.modem.own_numbers[0] if self.modem is not None and self.modem.own_numbers else None
        return {"imsi": sim.imsi, "spn": sim.spn, "gid1": sim.gid1.hex().upper(), "own_number": own,
                "mnc_length": sim.mnc_length}


def _connect(bus: str) -> ModemManagerClient:
    from mmsua.drivers.modemmanager.client import ModemManagerClient

    return ModemManagerClient.connect(bus)


_OLD_TIME = re.compile(r"^(\d{12})([+-]\d{1,2})?$")  # ModemManager before 1.2: YYMMDDhhmmss and the zone in hours


def sms_time(stamp: str) -> float | None:
    """ModemManager's Timestamp (ISO 8601; older versions a compact form) as unix time."""
    match = _OLD_TIME.match(stamp)  # first: Python's ISO parser reads these digits as another date
    if match is None:
        try:
            when = datetime.fromisoformat(stamp)
        except ValueError:
            return None
        return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()
    digits, zone = match.groups()
    try:
        local = datetime.strptime(digits, "%y%m%d%H%M%S")
    except ValueError:
        return None
    offset = timedelta(hours=int(zone or 0))
    return local.replace(tzinfo=timezone(offset)).timestamp()
