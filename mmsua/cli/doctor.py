"""`mmsua doctor`: can MMS work with this modem, SIM, network and carrier settings?

Runs, in order: say which driver backend the daemon would use (the AT driver, or
ModemManager when it manages the modem: then mmsua.cli.doctor_mm asks it the same
questions), find the port, open it, identify the modem, SIM, registration,
signal, SMS settings, the MMS APN's data context and one HTTP request to the
MMSC through the carrier's proxy over the chosen bearer. Each step prints OK or
what is wrong and what to do; a step whose prerequisite failed is skipped. The
exit status is 0 only when every step passed (warnings allowed).

Settings are the daemon's (``mmsua.config``): ``--config FILE`` (or the default
config file), then the same command-line options, then — as the daemon does once
the SIM is read — the SIM's carrier from the carrier database for what is unset.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

log = logging.getLogger(__name__)

OK, WARN, FAIL, SKIP = "ok", "warn", "fail", "skip"

# A modem just plugged in searches for several seconds (longer on a first attach
# or a weak signal) before it registers; doctor waits that long, and says so.
REGISTRATION_WAIT = 30.0


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: str
    detail: str
    advice: str = ""
    modem: str | None = None  # with several modems: whose check it is


def register(subparsers: argparse._SubParsersAction) -> None:
    from mmsua import config

    parser = subparsers.add_parser(
        "doctor",
        help="check modem, SIM, network, SMS and the MMS data path step by step",
        description="Check, step by step, that MMS can work: modem, SIM, registration, signal, "
        "SMS settings, the MMS APN's data context and an HTTP request to the MMSC through the proxy. "
        "Without --port it looks for the modem's AT port. Stop the daemon first: doctor does not open a port "
        "another program holds. Exit status 0 when MMS can work (warnings allowed), 69 when the port cannot "
        "be used, 1 when a later step failed, 78 for a bad configuration.",
    )
    # The daemon's settings: --config FILE and the same options (--port, --apn, --mmsc,
    # --proxy, --bearer, --cid, --interface...), so doctor checks what the daemon will use.
    config.add_arguments(parser)
    parser.add_argument("--baud", type=int, default=None, help="UART speed (USB ports ignore it; default modem.baudrate)")
    parser.add_argument("--pin", help="the SIM PIN, if the SIM asks for one (default modem.pin)")
    parser.add_argument("--username", help="MMS APN username (default mms.username)")
    parser.add_argument("--password", help="MMS APN password (default mms.password)")
    parser.add_argument("--auth", default=None, choices=config.AUTH_METHODS, help="APN authentication (default mms.auth, or pap with a username)")
    parser.add_argument("--data-port", help="for --bearer ppp: the modem's data port (e.g. /dev/ttyUSB3)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the MMSC")
    parser.add_argument("--modem", metavar="NAME", help="with [modems.<name>] tables: check only this modem (default: each in turn)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.set_defaults(func=run)


@dataclass(frozen=True, slots=True)
class Settings:
    """What doctor checks with: the daemon's merged config (file, then command line)
    plus doctor's own options. ``origin`` says where the MMS settings came from."""

    port: str
    baud: int
    rtscts: bool
    profile: str | None
    pin: str | None
    apn: str
    cid: int
    pdp_type: str
    context: str  # auto: ride on an active context on the MMS APN (shared internet APN); own: always cid
    username: str | None
    password: str | None
    auth: str
    mmsc: str
    proxy: tuple[str, int] | None
    bearer: str
    interface: str
    data_port: str | None
    timeout: float
    origin: str
    headers: tuple[tuple[str, str], ...] = ()  # the daemon's carrier headers (User-Agent, UAProf, httpParams)


def settings_from(args: argparse.Namespace, cfg: Any) -> Settings:
    """Doctor's settings from a ``mmsua.config.Config`` and doctor-only options; raises ConfigError."""
    username = args.username if args.username is not None else cfg["mms.username"]
    password = args.password if args.password is not None else cfg["mms.password"]
    auth = args.auth or cfg["mms.auth"]
    if auth == "none" and username and cfg.source("mms.auth") == "default" and not args.auth:
        auth = "pap"  # a username with no method named: PAP is what carriers use
    profile = cfg["modem.profile"]
    return Settings(
        port=cfg["modem.port"],
        baud=args.baud if args.baud is not None else cfg["modem.baudrate"],
        rtscts=cfg["modem.rtscts"],
        profile=None if profile in ("", "auto") else profile,
        pin=args.pin if args.pin is not None else (cfg["modem.pin"] or None),
        apn=cfg["mms.apn"],
        cid=cfg["mms.cid"],
        pdp_type=cfg["mms.pdp_type"],
        context=cfg["mms.context"],
        username=username or None,
        password=password or None,
        auth=auth,
        mmsc=cfg["mms.mmsc"],
        proxy=cfg.proxy(),
        bearer=cfg["mms.bearer"],
        interface=cfg["mms.interface"],
        data_port=args.data_port,
        timeout=args.timeout,
        origin=f"APN from {cfg.source('mms.apn')}, MMSC from {cfg.source('mms.mmsc')}",
        headers=_carrier_headers(cfg),
    )


def _carrier_headers(cfg: Any) -> tuple[tuple[str, str], ...]:
    """The headers the daemon sends the MMSC with this config; raises ConfigError."""
    from mmsua.addresses import country_for
    from mmsua.engine.carrier_headers import carrier_headers

    own = cfg["identity.own_number"] or None
    return tuple(carrier_headers(cfg.to_agent_settings(), own, country_for(cfg["identity.country"] or None)).items())


class _Doctor:
    def __init__(self, args: argparse.Namespace, cfg: Any, on_check: Callable[[Check], None] | None = None,
                 modem: str | None = None, automation: bool = True, modems: list[str] | None = None) -> None:
        """``modem``: the one of several modems checked (``cfg`` is its config); ``automation``:
        also check the rules and notifications (once, not per modem)."""
        self.args = args
        self.config = cfg
        self.s = settings_from(args, cfg)
        self.checks: list[Check] = []
        self.on_check = on_check  # each check as it is made: a refused APN takes ~40 s of retries
        self.modem = modem
        self.automation = automation
        self.modems = modems  # every modem's name, for the rules that name one

    def add(self, name: str, status: str, detail: str, advice: str = "") -> bool:
        self.checks.append(Check(name, status, detail, advice, self.modem))
        if self.on_check is not None:
            self.on_check(self.checks[-1])
        return status in (OK, WARN)

    def skip_rest(self, names: list[str], why: str) -> None:
        done = {c.name for c in self.checks}
        for name in names:
            if name not in done:
                self.add(name, SKIP, why)

    STEPS = ["backend", "port", "open", "identify", "sim", "registration", "signal", "sms", "mms-context", "mmsc"]

    def run(self) -> list[Check]:
        from mmsua.drivers.at.channel import AtChannel
        from mmsua.drivers.errors import ModemError

        if self.automation:
            self._automation()
        if self._backend() == "modemmanager":
            from mmsua.cli import doctor_mm

            doctor_mm.run(self)
            self.skip_rest(doctor_mm.STEPS, "an earlier step failed")
            return self.checks
        port = self._port()
        if port is None:
            self.skip_rest(self.STEPS, "no modem port")
            return self.checks
        from mmsua.cli.port_check import check_port

        problem = check_port(port)
        if problem is not None:
            # Said before opening: a second reader on the port would steal the daemon's answers.
            self.add("open", FAIL, problem.what, problem.advice)
            self.skip_rest(self.STEPS, "the port did not open")
            return self.checks
        channel = AtChannel(port, baudrate=self.s.baud, rtscts=self.s.rtscts)
        try:
            channel.open()
        except ModemError as error:
            self.add("open", FAIL, str(error), "check the device exists, you are in the 'dialout' group, and ModemManager does not hold the port (docs/operations.md, 'ModemManager')")
            self.skip_rest(self.STEPS, "the port did not open")
            return self.checks
        self.add("open", OK, f"{port} answers AT")
        try:
            self._modem_steps(channel)
        finally:
            channel.close()
        self.skip_rest(self.STEPS, "an earlier step failed")
        return self.checks

    def mqtt_step(self) -> None:
        """With [mqtt] set: can the daemon's bridge reach the broker? A WARN, not a FAIL: MMS works without it."""
        from mmsua import mqtt
        from mmsua.daemon.runner import mqtt_settings

        try:
            settings = mqtt_settings(self.config)
            problem = mqtt.probe(settings) if settings is not None else None
        except (mqtt.MqttConfigError, mqtt.MqttUnavailable) as error:
            self.add("mqtt", WARN, str(error), "fix [mqtt] in the config (docs/mqtt.md)")
            return
        if problem is None:
            self.add("mqtt", OK, f"{settings.describe()} accepts the bridge's connection")
        else:
            self.add("mqtt", WARN, problem, "start the broker or fix mqtt.url, mqtt.username and the password (docs/mqtt.md); "
                     "the daemon keeps trying")

    def _automation(self) -> None:
        """The config's rules and notifications, as the daemon will load them (only when set)."""
        from mmsua import notify, rules

        try:
            loaded = rules.load(self.config, self.modems)
        except rules.RuleError as error:
            self.add("rules", FAIL, str(error), "fix the rule: docs/rules.md; the daemon does not start with it")
            return
        try:
            notify.check(self.config)
        except notify.NotifyError as error:
            self.add("notify", FAIL, str(error), "fix the notify setting: docs/operations.md, \"Notifications\"")
            return
        if loaded:
            self.add("rules", OK, f"{len(loaded)} loaded: " + "; ".join(rule.describe() for rule in loaded))
        announced = notify.describe(self.config)
        if announced:
            self.add("notify", OK, "new messages announced by " + ", ".join(announced))

    def _backend(self) -> str:
        """The driver backend the daemon would use (modem.backend; auto asks ModemManager), said first."""
        from mmsua.engine.backend import choose_backend

        choice = choose_backend(self.config.to_agent_settings())
        self.add("backend", OK, f"{choice.backend}: {choice.reason}")
        return choice.backend

    def _port(self) -> str | None:
        from mmsua.cli.port_check import modem_manager_warning
        from mmsua.drivers.ports import NoModemFound, choose_port

        if self.s.port:
            warning = modem_manager_warning(self.s.port)
            if warning:
                self.add("port", WARN, f"{self.s.port} (given)", warning)
            else:
                self.add("port", OK, f"{self.s.port} (given)")
            return self.s.port
        try:
            choice = choose_port()
        except NoModemFound as error:
            self.add("port", FAIL, str(error), "plug the modem in or give --port")
            return None
        warning = modem_manager_warning(choice.device)
        self.add("port", WARN if warning else OK, f"{choice.device}: {choice.reason}", warning or "")
        return choice.device

    def _modem_steps(self, channel: Any) -> None:
        from mmsua.drivers.errors import ModemError
        from mmsua.drivers.modem import Modem, SimError
        from mmsua.drivers.vendors import UnknownProfile

        modem = Modem(channel, pin=self.s.pin)
        try:
            identity = modem.start(profile_override=self.s.profile)
        except UnknownProfile as error:
            self.add("identify", FAIL, str(error), "give one of the names listed, or leave --profile out")
            return
        except ModemError as error:
            self.add("identify", FAIL, str(error), "the port answers but not like a modem: is this the AT port?")
            return
        profile = modem.profile
        assert profile is not None
        self.add("identify", OK, f"{identity.manufacturer} {identity.model} ({identity.revision}), IMEI {identity.imei}; profile {profile.name}")
        try:
            modem.unlock()
            modem.radio_on()
            imsi = modem.imsi()
        except SimError as error:
            self.add("sim", FAIL, str(error), "give --pin, or unlock the SIM in a phone")
            return
        except ModemError as error:
            self.add("sim", FAIL, str(error), "check the SIM is inserted and seated; some modems need a power cycle after inserting it")
            return
        spn = modem.service_provider()
        gid1 = modem.gid1()
        rules = self._carrier_defaults(imsi, spn, gid1)
        self.add("sim", OK, f"ready; IMSI {imsi[:5]}… (MCC {imsi[:3]}, MNC {imsi[3:5]}/{imsi[3:6]})" + (f", provider {spn}" if spn else "")
                 + (f", GID1 {gid1}" if gid1 else "") + f"; carrier rules: {rules}")
        reg = modem.registration()
        if not reg.registered and reg.state != "denied":
            if self.on_check is not None:  # a person watching; --json prints only the result
                print(f"      registration: {reg.state}; waiting up to {REGISTRATION_WAIT:g} s for the network", flush=True)
            reg = modem.wait_for_registration(REGISTRATION_WAIT)
        if reg.state in ("home", "roaming"):
            tech = f" on {reg.technology}" if reg.technology else ""
            self.add("registration", OK, f"registered ({reg.state}{tech}, from {reg.source})")
        elif reg.state in ("sms-only-home", "sms-only-roaming"):
            self.add("registration", WARN, f"registered for SMS only ({reg.state})", "MMS notifications arrive, but retrieval needs data service: check the SIM's data plan")
        else:
            self.add("registration", FAIL, f"not registered ({reg.state}) after {REGISTRATION_WAIT:g} s", "check the antenna, the SIM's plan and coverage; 'denied' means the network refuses this SIM")
            return
        signal = modem.signal()
        if signal.percent is None:
            self.add("signal", WARN, "unknown", "the modem does not report it now; MMS may still work")
        elif signal.percent < 15:
            self.add("signal", WARN, f"weak: {signal.percent}% ({signal.rssi_dbm} dBm)", "move the antenna or the modem; large MMS may time out")
        else:
            self.add("signal", OK, f"{signal.percent}% ({signal.rssi_dbm} dBm" + (f", RSRP {signal.rsrp_dbm:g} dBm" if signal.rsrp_dbm is not None else "") + ")")
        if not self._sms_step(channel, profile):
            return
        self._data_steps(channel, profile)

    def _carrier_defaults(self, imsi: str, spn: str | None, gid1: str | None) -> str:
        """Fill what the config leaves unset from the SIM's carrier rules and the carrier
        database, as the daemon does; says which rules entry applies and what it sets."""
        from mmsua import provisioning
        from mmsua.carriers import apply
        from mmsua.carriers.rules import RulesError
        from mmsua.config import ConfigError

        filled, entry = self.config, None
        try:
            sim = provisioning.SimIdentity(imsi, spn or "", gid1 or "")
            filled, entry = apply.apply(filled, imsi, sim.spn, sim.gid1)
            filled, _match = provisioning.apply(filled, sim)
        except (provisioning.ProvisioningError, RulesError, ConfigError) as error:
            log.info("carrier settings not used: %s", error)
        if filled.values != self.config.values:
            try:
                self.s = settings_from(self.args, filled)
            except ConfigError as error:
                log.warning("carrier settings unusable: %s", error)
                return "not used (a value is unusable)"
            self.config = filled
        return _rules_summary(self.config) if entry is not None else "none for this SIM (Android's defaults)"

    def _sms_step(self, channel: Any, profile: Any) -> bool:
        from mmsua.drivers.errors import ModemError
        from mmsua.drivers.sms import SmsService

        sms = SmsService(channel, profile)
        try:
            settings = sms.start(worker=False, collect=False)
        except ModemError as error:
            return self.add("sms", FAIL, str(error), "the modem's SMS part is not usable: try again after 'SMS DONE', check the SIM")
        finally:
            sms.stop()
        delivery = "direct (+CMT)" if settings.direct else "stored (+CMTI)"
        usage = f", {settings.used}/{settings.total} used" if settings.total else ""
        detail = f"PDU mode, storage {settings.storages[0]}{usage}, delivery {delivery}, CNMI={','.join(map(str, settings.cnmi))}"
        if settings.total and settings.used is not None and settings.used >= settings.total:
            return self.add("sms", WARN, detail + " — storage FULL", "new SMS (and MMS notifications) wait at the network until messages are deleted")
        return self.add("sms", OK, detail)

    def _data_steps(self, channel: Any, profile: Any) -> None:
        from mmsua.drivers.bearers.base import BearerError
        from mmsua.drivers.errors import ModemError
        from mmsua.drivers.pdp import PdpSettings

        s = self.s
        if not s.apn:
            self.add("mms-context", FAIL, "no MMS APN given", "give --apn or mms.apn in the config file (the carrier's MMS APN, often 'mms' or the data APN)")
            return
        try:
            proxy = s.proxy
            settings = PdpSettings(s.cid, s.apn, s.pdp_type, s.username, s.password, s.auth, context=s.context)
        except ValueError as error:
            self.add("mms-context", FAIL, str(error), "fix the setting")
            return
        try:
            bearer = self._bearer(channel, profile, settings, proxy)
            bearer.up()
        except (ModemError, BearerError) as error:
            self.add("mms-context", FAIL, f"{s.bearer} bearer: {error}", "check the APN, its username/password, and the cid (it must not be the internet one)")
            return
        where = ", ".join(getattr(bearer, "addresses", []) or [getattr(bearer, "source_address", "") or ""])
        pdp = getattr(bearer, "pdp", None)
        on = f"the internet's active cid {pdp.cid}, shared" if pdp is not None and pdp.shared is not None else f"cid {s.cid}"
        self.add("mms-context", OK, f"{s.bearer} bearer up on {on} (APN {s.apn})" + (f", address {where}" if where else "") + f"; {s.origin}")
        try:
            self._http_step(bearer, proxy)
        finally:
            try:
                bearer.down()
            except (ModemError, BearerError) as error:
                self.add("cleanup", WARN, f"could not take the MMS context down: {error}")

    def _bearer(self, channel: Any, profile: Any, settings: Any, proxy: tuple[str, int] | None) -> Any:
        from mmsua.drivers.bearers.base import BearerError

        if self.s.bearer == "modem":
            from mmsua.drivers.bearers.internal_tcp import InternalTcpBearer

            return InternalTcpBearer(channel, profile, settings, proxy=proxy)
        if self.s.bearer == "interface":
            from mmsua.drivers.bearers.interface import InterfaceBearer

            if not self.s.interface:
                raise BearerError("give --interface (the interface up on the MMS APN)")
            return InterfaceBearer(self.s.interface, proxy=proxy, ipv6=settings.pdp_type.upper() == "IPV6",
                                   allowed_hosts=self._mmsc_hosts())
        from mmsua.drivers.bearers.ppp import PppBearer

        if not self.s.data_port:
            raise BearerError("give --data-port (the modem's second AT/PPP port)")
        return PppBearer(self.s.data_port, settings.cid, proxy=proxy, allowed_hosts=self._mmsc_hosts())

    def _mmsc_hosts(self) -> tuple[str, ...]:
        """The MMSC's host, which the interface bearer may reach on a private address as the daemon does."""
        from urllib.parse import urlsplit

        host = urlsplit(self.s.mmsc).hostname if self.s.mmsc else None
        return (host,) if host else ()

    def _http_step(self, bearer: Any, proxy: tuple[str, int] | None) -> None:
        import requests

        if not self.s.mmsc:
            self.add("mmsc", FAIL, "no MMSC URL given", "give --mmsc (the carrier's MMSC URL)")
            return
        session = bearer.session()
        session.headers.clear()
        # The daemon's User-Agent, UAProf and carrier headers: some MMS proxies refuse other clients.
        headers = dict(self.s.headers)
        session.headers.update({"User-Agent": headers.pop("User-Agent", ""), "Accept": "*/*, application/vnd.wap.mms-message", **headers})
        via = f" via proxy {proxy[0]}:{proxy[1]}" if proxy else ""
        try:
            response = session.get(self.s.mmsc, timeout=self.s.timeout)
            response.close()
        except requests.RequestException as error:
            self.add("mmsc", FAIL, f"no HTTP answer from {self.s.mmsc}{via}: {error}", "check --mmsc and --proxy against the carrier's MMS settings")
            return
        answered = f"{self.s.mmsc}{via} answered HTTP {response.status_code} {response.reason}".rstrip()
        if response.status_code in (401, 403, 407):
            # A refusal, unlike the 404/405 a bare GET commonly gets: MMS would be refused the same way.
            advice = ("most carriers' MMSCs take requests only through their MMS proxy: give --proxy (mms.proxy)"
                      if proxy is None else
                      "check --proxy and --mmsc against the carrier's MMS settings; some carriers accept only a "
                      "handset's User-Agent (--user-agent, mms.uaprof)")
            self.add("mmsc", WARN, f"{answered}: the request was refused", advice)
            return
        if response.status_code in (404, 410):
            # The host and proxy work, but a wrong path answers exactly like an MMSC that
            # refuses a bare GET: this cannot be told apart without sending an MMS.
            self.add("mmsc", WARN, f"{answered}: the server answers, but nothing is at that path",
                     "many MMSCs answer a plain GET so, and a wrong path answers the same: compare --mmsc with the "
                     "carrier's MMSC URL character for character (path, port, trailing slash)")
            return
        # Any other HTTP answer proves the path; MMSCs commonly answer a bare GET with 405 or 400.
        self.add("mmsc", OK, answered)


def _rules_summary(cfg: Any) -> str:
    """The carrier rules entry and what it set, with where each value came from."""
    shown = [f"{key} = {cfg[key]!r} ({cfg.source(key)})" for key in RULES_SHOWN if cfg.source(key).startswith("carrier rules")]
    return f"{cfg['carrier.rules']}; " + "; ".join(shown) if shown else cfg["carrier.rules"]


RULES_SHOWN = ("mms.max_size", "mms.user_agent", "mms.uaprof", "mms.uaprof_header", "mms.headers", "mms.close_connection",
               "mms.recipient_limit", "messaging.sms_to_mms_threshold", "mms.group")


def run(args: argparse.Namespace) -> int:
    import json

    from mmsua import config, exit_codes
    from mmsua.textsafe import clean_line

    try:
        cfg = config.from_args(args)
        names = cfg.modem_names()
        several = len(names) > 1
        if args.modem is not None:
            cfg.for_modem(args.modem)  # ConfigError naming the modems there are
            names = [args.modem]
        doctors = [_Doctor(args, cfg.for_modem(name), on_check=None if args.json else _print_check,
                           modem=name if several else None, automation=index == 0, modems=cfg.modem_names())
                   for index, name in enumerate(names)]
    except config.ConfigError as error:
        if args.json:
            print(json.dumps({"ok": False, "checks": [asdict(Check("config", FAIL, str(error), "fix the config file or the option"))]}, indent=2))
        else:
            print(f"FAIL  config        {clean_line(str(error))}")
            print("MMS cannot work yet: fix the configuration.")
        return exit_codes.CONFIG
    checks: list[Check] = []
    for doctor in doctors:
        if doctor.modem is not None and not args.json:
            print(f"modem {doctor.modem}:", flush=True)
        checks += doctor.run()
    if cfg["mqtt.url"]:
        last = doctors[-1]
        last.modem, before = None, len(last.checks)  # the broker is the daemon's, not one modem's
        last.mqtt_step()
        checks += last.checks[before:]
    failed = [c for c in checks if c.status == FAIL]
    ok = not failed and all(c.status != SKIP for c in checks)
    if args.json:
        print(json.dumps({"ok": ok, "checks": [asdict(c) for c in checks]}, indent=2))
    else:
        warned = any(c.status == WARN for c in checks)
        print(("MMS can work, but read the WARN lines above." if warned else "MMS can work.") if ok
              else "MMS cannot work yet: fix the first FAIL above.")
    if ok:
        return exit_codes.OK
    if failed and failed[0].name in ("port", "open"):
        return exit_codes.UNAVAILABLE
    return exit_codes.FAILURE


def _print_check(c: Check) -> None:
    from mmsua.textsafe import clean_line

    marks = {OK: "OK  ", WARN: "WARN", FAIL: "FAIL", SKIP: "SKIP"}
    print(f"{marks[c.status]}  {c.name:<13} {clean_line(c.detail)}", flush=True)
    if c.advice and c.status in (FAIL, WARN):
        print(f"      {'':<13} → {clean_line(c.advice)}", flush=True)
