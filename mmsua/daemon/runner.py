"""`mmsua daemon`: config → carrier settings → engine → API server, until SIGTERM.

Order matters for nothing-lost: the engine starts (and resumes whatever a crash
interrupted) before the socket opens; on SIGTERM the socket closes first so no
new request arrives while the engine finishes its current step and stops.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mmsua import provisioning
from mmsua.api.events import Event, MessageDeleted, MessageReceived, MessageUpdated, ModemState
from mmsua.config import Config, ConfigError
from mmsua.daemon.hook import MessageHook
from mmsua.daemon.memory import give_back_heap, return_free_memory
from mmsua.daemon.server import ApiServer, ensure_no_other_daemon

log = logging.getLogger("mmsua.daemon")
AgentFactory = Callable[..., Any]  # (settings) -> agent; the default also takes several modems' settings


def default_agent_factory(settings: Any, modems: dict[str, Any] | None = None) -> Any:
    """``modems``: several modems' settings by name (the first's are ``settings``)."""
    from mmsua.engine.agent import UserAgent
    from mmsua.engine.picture_child import fit_in_child

    # Memory after a day's traffic (bench/daemon_memory.py): pictures are fitted in a child
    # process, so Pillow and a photo's pixels never stay in the daemon; and when a task
    # queue goes idle, the heap a retrieval or a send freed is given back.
    return UserAgent(settings, after_work=give_back_heap, picture_fitter=fit_in_child, modems=modems)


def sim_identity(agent: Any, modem: str | None = None) -> provisioning.SimIdentity | None:
    """What the engine read from the SIM (IMSI, SPN, GID1) of ``modem`` (None: the only one), when it offers it."""
    read = getattr(agent, "sim_identity", None)
    if read is None:
        return None
    try:
        info = read() if modem is None else read(modem)
    except Exception as error:  # a SIM that cannot be read leaves the config as it is
        log.warning("cannot read the SIM's identity for carrier settings: %s", error)
        return None
    if not info or not info.get("imsi"):
        return None
    try:
        return provisioning.SimIdentity(str(info["imsi"]), str(info.get("spn") or ""), str(info.get("gid1") or ""), info.get("mnc_length"))
    except provisioning.ProvisioningError as error:
        log.warning("SIM identity unusable for carrier settings: %s", error)
        return None


def provision(config: Config, agent: Any, modem: str | None = None) -> Config:
    """Fill carrier settings from the SIM's carrier (of ``modem``; None: the only one) and hand
    them to its engine if they changed."""
    sim = sim_identity(agent, modem)
    if sim is None:
        return config
    original = config
    own = ((agent.sim_identity() if modem is None else agent.sim_identity(modem)) or {}).get("own_number")
    if own:
        from mmsua.config import apply_sim

        config = apply_sim(config, {"identity.own_number": own})
    config = apply_carrier_rules(config, sim)
    try:
        updated, match = provisioning.apply(config, sim)
        _log_match(config, match)
    except provisioning.ProvisioningError as error:
        log.warning("carrier database: %s", error)
        updated = config
    if updated.values != original.values:
        update = getattr(agent, "update_settings", None)
        if update is not None:
            if modem is None:
                update(updated.to_agent_settings())
            else:
                update(updated.to_agent_settings(), modem)
        else:
            log.warning("the engine cannot take new settings while running; restart with them in the config")
    return updated


def _log_match(config: Config, match: provisioning.Match) -> None:
    if match.chosen is not None:
        log.info("carrier settings: %s (%s)", match.chosen.describe(), match.reason)
    elif not _carrier_values_missing(config):
        # The config (or --apn, --mmsc, --proxy) gives the MMS settings: the database is not needed.
        log.debug("carrier settings not looked up: %s", match.reason)
    else:
        # Only a problem when the config leaves MMS settings to the database.
        on_purpose = not config["carrier.auto"]
        level = logging.WARNING if config.check_ready() and not on_purpose else logging.INFO
        log.log(level, "carrier settings not chosen: %s", match.reason)
        for candidate in match.candidates:
            log.log(level, "  candidate: %s", candidate.describe())


def apply_carrier_rules(config: Config, sim: provisioning.SimIdentity) -> Config:
    """The SIM's carrier rules (limits, headers; docs/carriers.md) where the user set nothing."""
    from mmsua.carriers import apply
    from mmsua.carriers.rules import RulesError

    try:
        updated, entry = apply.apply(config, sim.imsi, sim.spn, sim.gid1, sim.mnc_length)
    except (RulesError, ConfigError) as error:
        log.warning("carrier rules not used: %s", error)
        return config
    if entry is None:
        log.info("no carrier rules for MCC/MNC %s/%s…: Android's defaults apply", sim.mcc, sim.imsi[3:6])
    else:
        log.info("carrier rules: %s", entry.describe())
    return updated


class Daemon:
    """The running daemon; ``run()`` blocks until ``stop()`` or SIGTERM/SIGINT."""

    def __init__(self, config: Config, socket_path: Path | None = None, agent_factory: AgentFactory | None = None,
                 *, probe_sim: bool = True) -> None:
        self.config = config
        self.probe_sim = probe_sim
        self.socket_path = socket_path
        self.agent_factory = agent_factory or default_agent_factory
        self.agent: Any = None
        self.server: ApiServer | None = None
        self.dbus: Any = None  # the org.ofono.mms service (mmsua.dbus), when dbus.bus is set
        self.mqtt: Any = None  # the MQTT bridge (mmsua.mqtt), when mqtt.url is set
        self.hook: MessageHook | None = None
        self.rules: Any = None  # mmsua.rules' RuleRunner, when the config has [[rules]]
        self.notifier: Any = None  # mmsua.notify's Notifier, when a notify.* setting is on
        self._stop = threading.Event()
        self._signal: int | None = None  # the signal that asked us to stop (logged after the wait)
        self._wake_lock = threading.Lock()
        self._wake_w: int | None = None  # run()'s wake-up pipe: a signal's byte (set_wakeup_fd) or stop()'s
        self.configs: dict[str, Config] = {}  # each modem's, provisioned from its SIM (the first's is self.config)
        self._provisioned: dict[str, threading.Event] = {}
        self._provision_lock = threading.Lock()
        self._several = False
        self._engine_lock = threading.Lock()  # one request at a time into the engine, from the socket or D-Bus

    def start(self) -> None:
        names = self.config.modem_names()
        self._several = len(names) > 1
        self.configs = {name: resolve_backend(self.config.for_modem(name)) for name in names}
        self._provisioned = {name: threading.Event() for name in names}
        # Refuse before touching the modem when another daemon already serves the socket.
        ensure_no_other_daemon(Path(self.socket_path) if self.socket_path else None)
        for name in names:
            self._probe_sim(name)
        self.config = self.configs[names[0]]
        settings = {name: config.to_agent_settings() for name, config in self.configs.items()}
        first = settings[names[0]]
        self.agent = self.agent_factory(first, settings) if self._several else self.agent_factory(first)
        command = self.config["hooks.on_message"]
        if command:
            self.hook = MessageHook(command, self.config["hooks.timeout"])
            self.agent.subscribe(self.hook.on_event)
        self.rules = _start_rules(self.config, self.agent, self._engine_lock, list(self.configs))
        self.notifier = _start_notifier(self.config, self.agent)
        self.agent.subscribe(_log_event)
        self.agent.subscribe(self._on_modem_state)
        start = getattr(self.agent, "start", None)
        if start is not None:
            start()
        self._provision_once()
        for name, config in self.configs.items():
            for missing in config.check_ready():
                log.warning("not set yet%s (the carrier database may fill it once the SIM is read): %s",
                            f" for modem {name}" if self._several else "", missing)
        self.server = ApiServer(self.agent, self.socket_path, self._engine_lock)
        self.server.start()
        if self.config["dbus.bus"]:
            self.dbus = _start_dbus(self.config, self.agent, self._engine_lock)
        if self.config["mqtt.url"]:
            self.mqtt = _start_mqtt(self.config, self.agent, self._engine_lock)
        log.info("daemon ready (store %s)", self.config.store_path())
        return_free_memory()

    def _probe_sim(self, name: str) -> None:
        """The SIM read before the engine starts, when the carrier settings are still missing.
        ModemManager reads the SIM itself (its link's on_sim provisions); its port is not ours to open."""
        config = self.configs[name]
        if (self.probe_sim and config["modem.backend"] == "at" and config["carrier.auto"]
                and _carrier_values_missing(config)):
            from mmsua.daemon import simprobe

            identity = simprobe.probe(config)
            if identity is not None:
                self.configs[name] = provision(config, _Identity(identity))
                self._provisioned[name].set()

    def stop(self) -> None:
        self._stop.set()
        with self._wake_lock:
            if self._wake_w is not None:
                try:
                    os.write(self._wake_w, b"\0")
                except OSError:  # full: a wake-up is already waiting
                    pass

    def _on_modem_state(self, event: Event) -> None:
        # The engine reads the SIM on its own thread; provision as soon as it has.
        if isinstance(event, ModemState) and not all(done.is_set() for done in self._provisioned.values()):
            threading.Thread(target=self._provision_once, name="provision", daemon=True).start()

    def _provision_once(self) -> None:
        """Each modem's carrier settings, once its SIM has been read."""
        provisioned = False
        with self._provision_lock:
            for name, done in self._provisioned.items():
                modem = name if self._several else None
                if done.is_set() or sim_identity(self.agent, modem) is None:
                    continue
                done.set()
                self.configs[name] = provision(self.configs[name], self.agent, modem)
                provisioned = True
            self.config = next(iter(self.configs.values()))
        if provisioned:
            return_free_memory()  # the carrier database's parse is garbage now

    def shutdown(self) -> None:
        if self.mqtt is not None:
            self.mqtt.stop()
            self.mqtt = None
        if self.dbus is not None:
            self.dbus.stop()
            self.dbus = None
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.hook is not None:
            self.hook.stop()
        for worker in (self.rules, self.notifier):
            if worker is not None:
                worker.stop()
        stop = getattr(self.agent, "stop", None)
        if stop is not None:
            stop()
        log.info("daemon stopped")

    def run(self) -> None:
        wake_r, wake_w = os.pipe()
        os.set_blocking(wake_w, False)
        with self._wake_lock:
            self._wake_w = wake_w
        main = threading.current_thread() is threading.main_thread()
        previous = {}
        previous_fd = -1
        if main:
            for signum in (signal.SIGTERM, signal.SIGINT):
                previous[signum] = signal.signal(signum, self._on_signal)
            previous_fd = signal.set_wakeup_fd(wake_w, warn_on_full_buffer=False)
        try:
            self.start()
            while not self._stop.is_set() and self._signal is None:
                select.select([wake_r], [], [])
                os.read(wake_r, 512)
            if self._signal is not None:
                log.info("%s received; shutting down", signal.Signals(self._signal).name)
        finally:
            self.shutdown()
            if main:
                signal.set_wakeup_fd(previous_fd)
                for signum, handler in previous.items():
                    signal.signal(signum, handler)
            with self._wake_lock:
                self._wake_w = None
                os.close(wake_w)
            os.close(wake_r)

    def _on_signal(self, signum: int, frame: object) -> None:
        # Only a plain assignment here: the handler runs between any two bytecodes of the
        # main thread, which may be inside an Event's or a logger's lock; setting an Event
        # here deadlocked a daemon on SIGTERM (a stress run). The signal's byte on the
        # wake-up fd (set_wakeup_fd, written at C level) wakes the loop in run().
        self._signal = signum


def _start_dbus(config: Config, agent: Any, lock: threading.Lock) -> Any:
    """The third transport (docs/dbus.md); DbusUnavailable says why it cannot run."""
    from mmsua import dbus

    return dbus.start(agent, config["dbus.bus"], config.path("dbus.attachments") or config.store_path() / "dbus",
                      delivery_reports=config["reports.delivery"], mmsc=config["mms.mmsc"], apn=config["mms.apn"],
                      proxy=config["mms.proxy"], lock=lock, delete=config["dbus.delete"])


def mqtt_settings(config: Config) -> Any:
    """The bridge's settings from the config's mqtt.* values (None: off); MqttConfigError says what is wrong."""
    from mmsua import mqtt

    return mqtt.settings_from({name: config[name] for name in config if name.startswith("mqtt.")})


def _start_mqtt(config: Config, agent: Any, lock: threading.Lock) -> Any:
    """The MQTT bridge (docs/mqtt.md); it connects in the background and keeps trying."""
    from mmsua import mqtt

    names = agent.modem_names() if hasattr(agent, "modem_names") else None
    return mqtt.start(agent, mqtt_settings(config), lock=lock, modems=names)


def _start_rules(config: Config, agent: Any, lock: threading.Lock, modems: list[str] | None = None) -> Any:
    """The config's [[rules]] at work (docs/rules.md); they reach the engine as a client, under its lock."""
    from mmsua import rules
    from mmsua.daemon.client import LocalClient

    runner = rules.start(config, LocalClient(agent, lock), agent.subscribe, modems)
    if runner is not None:
        log.info("rules: %d loaded", len(runner.rules))
        for rule in runner.rules:
            log.info("  rule %s", rule.describe())
    return runner


def _start_notifier(config: Config, agent: Any) -> Any:
    """Desktop, ntfy and hook announcements of new messages (docs/operations.md "Notifications")."""
    from mmsua import notify

    notifier = notify.start(config, getattr(agent, "conversation_muted", None))
    if notifier is not None:
        agent.subscribe(notifier.on_event)
        log.info("notifications: %s", ", ".join(notifier.describe()))
    return notifier


def resolve_backend(config: Config) -> Config:
    """``modem.backend = auto`` made "at" or "modemmanager" once, before anything opens the port
    (ModemManager is asked whether it manages the modem; mmsua.engine.backend)."""
    if config["modem.backend"] != "auto":
        return config
    from mmsua.engine.backend import choose_backend

    choice = choose_backend(config.to_agent_settings(), in_child=True)  # dbus-fast stays out of the daemon (memory)
    # The AT driver, as always, is no news on a machine without ModemManager.
    log.log(logging.INFO if choice.backend == "modemmanager" else logging.DEBUG, "driver backend: %s (%s)",
            choice.backend, choice.reason)
    return config.with_values({"modem.backend": choice.backend}, f"auto: {choice.reason}")


def _carrier_values_missing(config: Config) -> bool:
    return any(item.startswith(("mms.apn", "mms.mmsc")) for item in config.check_ready())


class _Identity:
    """A SIM identity read before the engine exists, in the shape provision() reads."""

    def __init__(self, identity: dict[str, Any]) -> None:
        self._identity = identity

    def sim_identity(self) -> dict[str, Any]:
        return self._identity

    def update_settings(self, settings: Any) -> None:
        pass  # the engine is built afterwards, from the provisioned config


_LOGGED: dict[int, tuple[str, tuple[tuple[str, str], ...]]] = {}  # message id: (state, reports) last logged


def _log_event(event: Event) -> None:
    """One log line per change of a message, so the journal tells each message's story:
    its state, then each recipient's report (a report leaves the state at "sent", so an
    update repeating the state is a report's line, or nothing when nothing changed)."""
    if isinstance(event, (MessageReceived, MessageUpdated)):
        from mmsua.textsafe import clean_line

        data = event.data
        reports = tuple((r.address, r.status.value) for r in data.recipients)
        last_state, last_reports = _LOGGED.pop(data.id, ("", ()))
        _LOGGED[data.id] = (data.state.value, reports)
        while len(_LOGGED) > 1000:
            _LOGGED.pop(next(iter(_LOGGED)))
        if isinstance(event, MessageUpdated) and data.state.value == last_state:
            for address, status in sorted(set(reports) - set(last_reports)):
                if status not in ("pending", "unknown"):
                    log.info("message %s report from %s: %s", data.id, clean_line(address, limit=60), status)
            return
        error = f" ({clean_line(data.error, limit=120)})" if data.error else ""
        log.info(
            "message %s %s %s %s: %s%s", data.id, data.direction, data.kind,
            "received" if isinstance(event, MessageReceived) else "updated", data.state.value, error,
        )
    elif isinstance(event, MessageDeleted):
        log.info("message %s deleted (conversation %s)", event.data.id, event.data.conversation_id)
    elif isinstance(event, ModemState):
        log.info("modem: registration %s, data path %s", event.data.registration, event.data.data_path)


def check(config: Config) -> list[str]:
    """Problems that stop the daemon from starting at all.

    Only the modem port is required up front: the MMS APN and MMSC may still come
    from the carrier database once the SIM is read (see :func:`provision`).
    """
    problems = []
    several = len(config.modem_names()) > 1
    ports: dict[str, str] = {}
    for name in config.modem_names():
        try:
            one = config.for_modem(name)
            one.to_agent_settings()
        except ConfigError as error:
            return [str(error)]
        problems += [f"[modems.{name}] {item}" if several else item for item in one.check_ready()
                     if item.startswith("modem.port")]
        port = one["modem.port"]
        if port and port in ports:  # two drivers on one AT port would steal each other's answers
            problems.append(f"modems {ports[port]} and {name} both have modem.port {port!r}: give each its own")
        ports.setdefault(port, name)
    return problems
