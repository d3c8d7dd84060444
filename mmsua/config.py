"""Configuration: TOML file, command line, carrier database and SIM, each value with its source.

Precedence, lowest first: built-in default, SIM (what the modem reports), carrier
rules (rules.json, see mmsua.carriers), carrier database (serviceproviders.xml, see
mmsua.provisioning), the config file, the command line. Every value remembers where it came from, so ``mmsua config
--show`` can say why a setting is what it is.

The file is ``$XDG_CONFIG_HOME/mmsua/config.toml`` unless ``--config`` names
another; a missing default file is fine, a missing named file is an error.
Unknown keys are errors (a typo must not silently leave a carrier setting unset).
"""

from __future__ import annotations

import argparse
import difflib
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmsua import paths
from mmsua.api.shapes import SINGLE_MODEM
from mmsua.engine.settings import (
    AUTH_METHODS,
    AUTO_FETCH,
    BACKENDS,
    BEARERS,
    CHAINED_IO,
    DEFAULT_LONG_SMS_CONFIRM_PARTS,
    DEFAULT_MAX_IMAGE_HEIGHT,
    DEFAULT_MAX_IMAGE_WIDTH,
    DEFAULT_MAX_MESSAGE_SIZE,
    DEFAULT_SMS_TO_MMS_THRESHOLD,
    DEFAULT_UAPROF,
    DEFAULT_UAPROF_HEADER,
    DEFAULT_USER_AGENT,
    GROUP_MMS,
    HEADER_NAME,
    MMS_CONTEXTS,
    MODEM_SECTIONS,
    PDP_TYPES,
    RETRIEVAL_POLICIES,
    ROAMING_POLICIES,
    SEND_VIA,
    AgentSettings,
    check_modem_names,
    is_header,
)
from mmsua.engine.settings import parse_proxy as parse_engine_proxy

DEFAULT = "default"
COMMAND_LINE = "command line"
SIM = "SIM"
CARRIER = "carrier database"
RULES = "carrier rules"
FILE = "config file"

DEFAULT_MAX_SIZE = DEFAULT_MAX_MESSAGE_SIZE


class ConfigError(ValueError):
    """The configuration is unreadable or holds a value that cannot work."""


@dataclass(frozen=True, slots=True)
class Key:
    name: str  # dotted: section.key, as in the TOML file
    kind: type
    default: Any
    help: str
    choices: tuple[str, ...] = ()
    flag: str | None = None  # the command-line option that sets it, if any
    secret: bool = False  # shown masked by `config --show`


KEYS: tuple[Key, ...] = (
    Key("modem.backend", str, "auto", "the driver: at (mmsua owns the AT port), modemmanager (through ModemManager's "
        "D-Bus API), auto (ModemManager when it manages the modem, else at)", choices=BACKENDS, flag="--backend"),
    Key("modem.mm_bus", str, "system", "the bus ModemManager is on: system, session, or a D-Bus address"),
    Key("modem.mm_text_sms", bool, True, "with ModemManager: take text SMS too (false leaves them to another "
        "app, e.g. Chatty; WAP push and status reports are always taken)"),
    Key("modem.port", str, "", "serial port or pyserial URL of the modem's AT channel (with ModemManager: which of "
        "its modems, by any of its ports; empty: the first)", flag="--port"),
    Key("modem.profile", str, "auto", "modem profile (auto, generic, quectel, simcom, huawei, sierra, ublox)", flag="--profile"),
    Key("modem.baudrate", int, 115200, "serial speed"),
    Key("modem.rtscts", bool, False, "hardware flow control (RTS/CTS), for a UART wired with it"),
    Key("modem.chained_io", str, "auto", "write the next socket read or send before the modem has finished answering "
        "the one before (faster big MMS over the modem's TCP stack): auto (only where the modem is proven to take it; "
        "none is yet), on, off (docs/driver.md)", choices=CHAINED_IO),
    Key("modem.pin", str, "", "SIM PIN, when the SIM asks for one", secret=True),
    Key("mms.apn", str, "", "APN of the MMS data context", flag="--apn"),
    Key("mms.cid", int, 2, "PDP context id used for MMS", flag="--cid"),
    Key("mms.username", str, "", "APN user name"),
    Key("mms.password", str, "", "APN password", secret=True),
    Key("mms.auth", str, "none", "APN authentication", choices=AUTH_METHODS),
    Key("mms.pdp_type", str, "IP", "PDP type of the MMS context", choices=PDP_TYPES, flag="--pdp-type"),
    Key("mms.context", str, "auto", "auto: use a context already active on the MMS APN (the internet's, when they "
        "share it) and never take it down; own: always activate mms.cid", choices=MMS_CONTEXTS, flag="--context"),
    Key("mms.context_idle_grace", int, 30, "seconds the MMS context stays up after the last exchange"),
    Key("mms.bearer", str, "modem", "how HTTP reaches the MMSC", choices=BEARERS, flag="--bearer"),
    Key("mms.interface", str, "", "network interface for bearer=interface (wwan0, usb0, ppp0)", flag="--interface"),
    Key("mms.mmsc", str, "", "MMSC URL", flag="--mmsc"),
    Key("mms.proxy", str, "", "MMS proxy as host:port (empty: none)", flag="--proxy"),
    Key("mms.user_agent", str, DEFAULT_USER_AGENT, "User-Agent header sent to the MMSC", flag="--user-agent"),
    Key("mms.uaprof", str, DEFAULT_UAPROF, "UAProf URL sent to the MMSC (in the mms.uaprof_header header)"),
    Key("mms.uaprof_header", str, DEFAULT_UAPROF_HEADER, "the header the UAProf URL goes in (x-wap-profile; Verizon: Profile)"),
    Key("mms.headers", list, [], "extra HTTP headers for the MMSC as \"Name: value\"; ##LINE1##, ##LINE1NOCOUNTRYCODE##, ##NAI## are filled in"),
    Key("mms.close_connection", bool, False, "send Connection: close on every MMSC request"),
    Key("mms.append_transaction_id", bool, False, "fetch a Content-Location that ends in '=' with the transaction id "
        "appended (carrier rules: AOSP enabledTransID)"),
    Key("mms.notify_to_location", bool, False, "post M-NotifyResp.ind and M-Acknowledge.ind to the message's "
        "Content-Location instead of the MMSC (carrier rules: AOSP enabledNotifyWapMMSC)"),
    Key("mms.nai_suffix", str, "", "suffix appended to identity.nai before ##NAI## is base64-encoded"),
    Key("mms.max_size", int, DEFAULT_MAX_SIZE, "largest message the carrier accepts, in bytes", flag="--max-size"),
    Key("mms.recipient_limit", int, 0, "most recipients per MMS the carrier takes (0: no limit known)"),
    Key("mms.group", bool, True, "the carrier delivers group MMS (one message to several recipients; Android's default true)"),
    Key("mms.max_image_width", int, DEFAULT_MAX_IMAGE_WIDTH, "widest picture sent, in pixels (a portrait picture: its height); "
        "larger ones are scaled down (AOSP's default maxImageWidth)"),
    Key("mms.max_image_height", int, DEFAULT_MAX_IMAGE_HEIGHT, "tallest picture sent, in pixels (a portrait picture: its width) "
        "(AOSP's default maxImageHeight)"),
    Key("mms.trusted_hosts", list, [], "hosts besides the MMSC's whose Content-Locations are fetched automatically"),
    Key("mms.exchange_timeout", int, 300, "seconds a whole HTTP exchange with the MMSC may take"),
    Key("policy.retrieval", str, "auto", "what to do with a notification", choices=RETRIEVAL_POLICIES, flag="--retrieval"),
    Key("policy.roaming", str, "defer", "retrieval while roaming", choices=ROAMING_POLICIES),
    Key("policy.max_retrieve_size", int, 0, "defer notifications larger than this (0: mms.max_size)"),
    Key("policy.auto_fetch", str, "anyone", "whose MMS are fetched without asking: anyone, or only numbers in the "
        "contacts (the others wait for `mmsua fetch`)", choices=AUTO_FETCH),
    Key("reports.delivery", bool, False, "ask for delivery reports on sent messages"),
    Key("reports.read", bool, False, "ask for read reports on sent messages"),
    Key("reports.send_read_reports", bool, False, "answer read-report requests when a message is opened "
        "(off: the sender is not told when you read it)"),
    Key("reports.report_allowed", bool, True, "allow the MMSC to send delivery reports about received messages"),
    Key("messaging.send_via", str, "auto", "SMS or MMS: auto (text to one person as SMS, MMS when it must), "
        "sms (SMS wherever it can carry the message), mms (always MMS)", choices=SEND_VIA),
    Key("messaging.group_mms", str, "auto", "a text to several people as one group MMS: auto (the carrier's rule), "
        "on, off (one SMS to each)", choices=GROUP_MMS),
    Key("messaging.sms_to_mms_threshold", int, DEFAULT_SMS_TO_MMS_THRESHOLD,
        "a text needing more SMS than this goes as MMS (Android's smsToMmsTextThreshold; 0: never)"),
    Key("messaging.long_sms_confirm_parts", int, DEFAULT_LONG_SMS_CONFIRM_PARTS,
        "ask before sending a text of more SMS than this, each charged as one (0: never ask)"),
    Key("sms.fallback", bool, False, "resend as SMS automatically when an MMS send fails for good"),
    Key("mms.send_once", bool, False, "never POST an MMS again after a stop mid-POST (at-most-once): mark it failed instead"),
    Key("sms.segment_timeout", int, 600, "seconds an incomplete concatenated SMS waits for its other segments"),
    Key("identity.own_number", str, "", "own phone number (else from the SIM or the network)"),
    Key("identity.nai", str, "", "the subscriber's NAI, for carriers whose headers carry ##NAI##", secret=True),
    Key("identity.country", str, "", "ISO country code for normalising national numbers (e.g. GB)"),
    Key("store.path", str, "", "directory of the message store", flag="--store"),
    Key("contacts.path", str, "", "a vCard file, or a folder of .vcf files (khard, vdirsyncer), giving names to numbers"),
    Key("carrier.auto", bool, True, "fill unset MMS settings from the SIM's carrier (serviceproviders.xml)"),
    Key("carrier.databases", list, [], "carrier database files (default: mobile-broadband-provider-info's)"),
    Key("carrier.rules", str, "", "the carrier rules entry in use (filled from the SIM; docs/carriers.md)"),
    Key("hooks.on_message", list, [], "command run for each received message, as an argument list"),
    Key("hooks.timeout", int, 30, "seconds before the on-message command is stopped"),
    Key("automation.per_sender", int, 5, "rules acting at most on one sender's messages per automation.window (each rule that "
        "acts counts one); stops reply loops (docs/rules.md)"),
    Key("automation.total", int, 30, "rules acting at most on everyone's messages per automation.window"),
    Key("automation.window", int, 3600, "seconds over which the two rule limits count"),
    Key("notify.desktop", str, "off", "announce new messages as desktop notifications (org.freedesktop.Notifications on "
        "the session bus; needs the dbus extra): on, off, or auto (on when a session bus exists)", choices=("off", "on", "auto")),
    Key("notify.ntfy", str, "", "announce new messages on this ntfy topic URL, e.g. https://ntfy.sh/a-long-secret-topic; empty: off"),
    Key("notify.ntfy_token", str, "", "ntfy access token (sent as Authorization: Bearer)", secret=True),
    Key("notify.hook", str, "", "also hand new messages to this registered target (e.g. mqtt: docs/rules.md)"),
    Key("notify.show_text", bool, True, "put the message's text in notifications (off: only who sent it)"),
    Key("notify.timeout", int, 10, "seconds one notification may take before it is given up"),
    Key("dbus.bus", str, "", "serve mmsd-tng's D-Bus API (org.ofono.mms) on this bus: session or system; empty: off "
        "(`mmsua daemon --dbus`; needs the dbus extra)", choices=("", "session", "system")),
    Key("dbus.attachments", str, "", "directory of the attachment files D-Bus clients read (default: <store.path>/dbus)"),
    Key("dbus.delete", str, "delete", "what a D-Bus client's Delete does: delete (as mmsd-tng) or hide (kept for mmsua's "
        "other clients, gone from D-Bus)", choices=("delete", "hide")),
    # The MQTT bridge (docs/mqtt.md); mmsua.mqtt checks these values when the daemon starts it.
    Key("mqtt.url", str, "", "the MQTT broker, mqtt://host[:port] or mqtts://host[:port] (needs the mqtt extra). Empty: off"),
    Key("mqtt.ca_file", str, "", "CA certificates for an mqtts:// broker (default: the system's)"),
    Key("mqtt.username", str, "", "MQTT user name"),
    Key("mqtt.password", str, "", "MQTT password (or mqtt.password_file, mqtt.password_env)", secret=True),
    Key("mqtt.password_file", str, "", "a file holding the MQTT password"),
    Key("mqtt.password_env", str, "", "an environment variable holding the MQTT password"),
    Key("mqtt.client_id", str, "", "MQTT client id (default: mmsua-<node>-<modem>)"),
    Key("mqtt.prefix", str, "mmsua", "first topic level(s); topics are <prefix>/<node>/<modem>/..."),
    Key("mqtt.node", str, "", "this machine's name in topics (default: the host name)"),
    Key("mqtt.modem", str, "modem", "this modem's name in topics"),
    Key("mqtt.discovery", bool, True, "publish Home Assistant MQTT discovery configs"),
    Key("mqtt.discovery_prefix", str, "homeassistant", "Home Assistant's discovery prefix"),
    Key("mqtt.notify_to", list, [], "recipients of a plain-text notify command (Home Assistant's notify entity)"),
    Key("mqtt.inline_max", int, 65536, "pictures up to this many bytes are also inline (base64) in the received event"),
    Key("mqtt.max_payload", int, 1048576, "largest inbound command, in bytes"),
    Key("mqtt.fetch_allow", list, [], "URL prefixes a send command may fetch a picture from (a camera's snapshot URL)"),
    Key("mqtt.fetch_max", int, 1048576, "largest picture fetched from a URL, in bytes"),
    Key("mqtt.fetch_timeout", int, 10, "seconds a URL fetch may take"),
)
KEYS_BY_NAME: dict[str, Key] = {key.name: key for key in KEYS}
# The keys a carrier database entry can fill.
CARRIER_KEYS = ("mms.apn", "mms.username", "mms.password", "mms.auth", "mms.pdp_type", "mms.mmsc", "mms.proxy")


@dataclass(frozen=True, slots=True)
class Value:
    value: Any
    source: str


@dataclass(frozen=True, slots=True)
class Config:
    """The merged settings. ``config["mms.apn"]`` is the value, ``config.source("mms.apn")`` its origin."""

    values: Mapping[str, Value]
    file: Path | None = None
    rules: tuple[Mapping[str, Any], ...] = ()  # the file's [[rules]] tables, checked by mmsua.rules
    # The file's [modems.<name>] tables (several modems, one daemon): each modem's own values.
    modems: tuple[tuple[str, Mapping[str, Any]], ...] = ()

    def __getitem__(self, name: str) -> Any:
        return self.values[name].value

    def source(self, name: str) -> str:
        return self.values[name].source

    def __iter__(self) -> Iterator[str]:
        return iter(KEYS_BY_NAME)

    def with_values(self, updates: Mapping[str, Any], source: str, *, overrides: tuple[str, ...] | None = None) -> Config:
        """A copy with ``updates`` applied from ``source``.

        ``overrides`` lists the kinds of source this one beats (e.g. a carrier
        database entry beats defaults and the SIM, not the config file); None
        means it beats every source (the file, the command line).
        """
        merged = dict(self.values)
        for name, raw in updates.items():
            key = _key(name)
            if overrides is not None and _source_kind(merged[name].source) not in overrides:
                continue
            merged[name] = Value(_coerce(key, raw, source), source)
        return Config(merged, self.file, self.rules, self.modems)

    def modem_names(self) -> list[str]:
        """The daemon's modems, the first first: the [modems.<name>] tables, or the one "modem"."""
        return [name for name, _ in self.modems] or [SINGLE_MODEM]

    def for_modem(self, name: str) -> Config:
        """One modem's config: everything above, and its [modems.<name>] table's values over it
        (over the command line too: a flag like --port cannot say which modem it means)."""
        own = dict(self.modems).get(name)
        if own is None:
            if self.modems or name != SINGLE_MODEM:
                raise ConfigError(f"no modem {name!r}; the modems are {', '.join(self.modem_names())}")
            return self
        where = f"{FILE} {self.file} [modems.{name}]" if self.file else f"[modems.{name}]"
        return Config(self.with_values(own, where).values, self.file, self.rules)

    def path(self, name: str) -> Path | None:
        value = self[name]
        return Path(value).expanduser() if value else None

    def store_path(self) -> Path:
        return self.path("store.path") or paths.store_dir()

    def proxy(self) -> tuple[str, int] | None:
        return parse_proxy(self["mms.proxy"])

    def check_ready(self) -> list[str]:
        """What is still missing before the daemon can move MMS (empty when ready)."""
        missing = []
        if not self["modem.port"] and self["modem.backend"] != "modemmanager":  # auto is decided before this is asked
            missing.append("modem.port (--port): the modem's AT port, e.g. /dev/ttyUSB2")
        if not self["mms.mmsc"]:
            missing.append("mms.mmsc (--mmsc): the carrier's MMSC URL")
        if self["mms.bearer"] != "interface" and not self["mms.apn"]:
            missing.append("mms.apn (--apn): the carrier's MMS APN")
        if self["mms.bearer"] == "interface" and not self["mms.interface"]:
            missing.append("mms.interface (--interface): the interface that carries the MMS APN")
        return missing

    def to_agent_settings(self) -> AgentSettings:
        """The engine's settings (mmsua.engine.settings.AgentSettings) built from this config."""
        return agent_settings(self)


def _source_kind(source: str) -> str:
    for kind in (CARRIER, RULES, FILE):
        if source.startswith(kind):
            return kind
    return source


def _key(name: str) -> Key:
    try:
        return KEYS_BY_NAME[name]
    except KeyError:
        raise ConfigError(f"{unknown_setting(name)}; known settings: {', '.join(KEYS_BY_NAME)}") from None


# Where a person finds every setting; `config --show` cannot help: it reads the same file.
SETTINGS_TABLE = "the settings table under 'Configuration' in docs/operations.md"


def unknown_setting(name: str) -> str:
    """'unknown setting X', with the closest known name when there is one (a typo)."""
    close = difflib.get_close_matches(name, KEYS_BY_NAME, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown setting {name!r}{hint}"


def parse_proxy(text: str) -> tuple[str, int] | None:
    """``host:port`` or ``[v6addr]:port``; empty is no proxy (ConfigError for any other text)."""
    try:
        return parse_engine_proxy(text)
    except ValueError as error:
        raise ConfigError(str(error)) from None


def _coerce(key: Key, raw: Any, source: str) -> Any:
    where = f"{key.name} (from {source})"
    if key.kind is bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.lower() in ("true", "yes", "1", "on", "false", "no", "0", "off"):
            return raw.lower() in ("true", "yes", "1", "on")
        raise ConfigError(f"{where}: expected true or false, got {raw!r}")
    if key.kind is int:
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise ConfigError(f"{where}: expected a whole number, got {raw!r}")
        try:
            number = int(raw)
        except ValueError:
            raise ConfigError(f"{where}: expected a whole number, got {raw!r}") from None
        if number < 0:
            raise ConfigError(f"{where}: must not be negative")
        return number
    if key.kind is list:
        if isinstance(raw, str) and key.name == "hooks.on_message":
            raise ConfigError(f"{where}: give the command as a list of arguments, e.g. [\"/usr/local/bin/forward\", \"--to\", \"me\"]; it is never run through a shell")
        if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
            raise ConfigError(f"{where}: expected a list of strings")
        if key.name == "mms.headers":
            for header in raw:
                if not is_header(header):
                    raise ConfigError(f"{where}: {header!r} is not a header as \"Name: value\" on one line")
        return list(raw)
    if not isinstance(raw, (str, int)) or isinstance(raw, bool):
        raise ConfigError(f"{where}: expected text, got {raw!r}")
    value = str(raw)
    if key.choices:
        normal = value.upper() if key.name == "mms.pdp_type" else value.lower()
        if normal not in key.choices:
            raise ConfigError(f"{where}: {value!r} is not one of {', '.join(key.choices)}")
        value = normal
    if key.name == "mms.proxy":
        parse_proxy(value)
    if key.name == "mms.uaprof_header" and not HEADER_NAME.fullmatch(value):
        raise ConfigError(f"{where}: {value!r} is not an HTTP header name")
    if key.name == "notify.ntfy" and value and not value.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: the ntfy topic must be an http:// or https:// URL, got {value!r}")
    if key.name == "mms.mmsc" and value and not value.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: the MMSC must be an http:// or https:// URL, got {value!r}")
    return value


def defaults() -> Config:
    return Config({key.name: Value(list(key.default) if key.kind is list else key.default, DEFAULT) for key in KEYS})


def read_file(path: Path) -> dict[str, Any]:
    """The file's settings as dotted names; errors name the file and the problem."""
    try:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error.strerror or error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    flat: dict[str, Any] = {}
    for section, table in document.items():
        if section == "rules":
            flat["rules"] = _rule_tables(path, table)
            continue
        if section == "modems":
            flat["modems"] = _modem_tables(path, table)
            continue
        if not isinstance(table, dict):
            raise ConfigError(f"config file {path}: {section!r} must be a [section], not a value")
        for name, value in table.items():
            dotted = f"{section}.{name}"
            if dotted not in KEYS_BY_NAME:
                raise ConfigError(f"config file {path}: {unknown_setting(dotted)}; the known ones are in {SETTINGS_TABLE}")
            flat[dotted] = value
    return flat


MAX_RULES = 100


def _rule_tables(path: Path, value: Any) -> list[dict[str, Any]]:
    """[[rules]]: a list of tables, read as they are; mmsua.rules checks what they say."""
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise ConfigError(f"config file {path}: rules are written as [[rules]] tables (docs/rules.md)")
    if len(value) > MAX_RULES:
        raise ConfigError(f"config file {path}: {len(value)} rules; at most {MAX_RULES}")
    return list(value)


def _modem_tables(path: Path, value: Any) -> tuple[tuple[str, dict[str, Any]], ...]:
    """[modems.<name>]: each modem's [modems.<name>.modem], .mms, .identity, .carrier values,
    as dotted names; checked like the file's own sections."""
    if not isinstance(value, dict) or not value or not all(isinstance(table, dict) for table in value.values()):
        raise ConfigError(f"config file {path}: modems are written as [modems.<name>] tables (docs/operations.md)")
    try:
        check_modem_names(list(value))
    except ValueError as error:
        raise ConfigError(f"config file {path}: {error}") from None
    modems = []
    for name, table in value.items():
        flat: dict[str, Any] = {}
        for section, keys in table.items():
            if section not in MODEM_SECTIONS or not isinstance(keys, dict):
                raise ConfigError(f"config file {path}: [modems.{name}] holds {', '.join(MODEM_SECTIONS)} settings "
                                  f"(e.g. [modems.{name}.modem] port = ...), not {section!r}")
            for key, item in keys.items():
                dotted = f"{section}.{key}"
                if dotted not in KEYS_BY_NAME:
                    raise ConfigError(f"config file {path}: [modems.{name}]: {unknown_setting(dotted)}")
                flat[dotted] = item
        modems.append((name, flat))
    return tuple(modems)


def load(config_path: Path | str | None = None, cli: Mapping[str, Any] | None = None) -> Config:
    """Defaults, then the file (named or the XDG default), then command-line values."""
    config = defaults()
    named = config_path is not None
    path = Path(config_path).expanduser() if config_path is not None else paths.config_file()
    if named or path.exists():
        config = Config(config.values, path)
        settings = read_file(path)
        config = Config(config.values, path, tuple(settings.pop("rules", ())), settings.pop("modems", ()))
        config = config.with_values(settings, f"{FILE} {path}")
        for name in config.modem_names():
            config.for_modem(name)  # each modem's values checked now, as the file's own are
    if cli:
        given = {name: value for name, value in cli.items() if value is not None}
        config = config.with_values(given, COMMAND_LINE)
    return config


def apply_carrier(config: Config, values: Mapping[str, Any], description: str) -> Config:
    """Fill carrier settings from the database where neither file nor command line set them."""
    unknown = set(values) - set(CARRIER_KEYS)
    if unknown:
        raise ConfigError(f"not carrier settings: {', '.join(sorted(unknown))}")
    return config.with_values(values, f"{CARRIER} ({description})", overrides=(DEFAULT, SIM, CARRIER))


# The keys carrier rules (mmsua.carriers) can fill.
RULES_KEYS = ("mms.user_agent", "mms.uaprof", "mms.uaprof_header", "mms.headers", "mms.close_connection", "mms.nai_suffix",
              "mms.append_transaction_id", "mms.notify_to_location",
              "mms.max_size", "mms.max_image_width", "mms.max_image_height", "mms.recipient_limit", "mms.group",
              "messaging.sms_to_mms_threshold", "carrier.rules")


def apply_rules(config: Config, values: Mapping[str, tuple[Any, str]]) -> Config:
    """Fill values from a carrier rules entry, each ``(value, where from)``, where neither
    the file nor the command line set them."""
    unknown = set(values) - set(RULES_KEYS)
    if unknown:
        raise ConfigError(f"not carrier rules settings: {', '.join(sorted(unknown))}")
    for name, (value, where) in values.items():
        config = config.with_values({name: value}, f"{RULES} ({where})", overrides=(DEFAULT, SIM, RULES))
    return config


def apply_sim(config: Config, values: Mapping[str, Any]) -> Config:
    """Values the SIM or the network reported (e.g. the own number), weakest after defaults."""
    return config.with_values(values, SIM, overrides=(DEFAULT, SIM))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``--config`` and one option per key that has a flag."""
    parser.add_argument("--config", metavar="FILE", help=f"config file (default {paths.config_file()})")
    for key in KEYS:
        if key.flag is None:
            continue
        kwargs: dict[str, Any] = {"dest": _dest(key), "default": None, "help": key.help}
        if key.kind is int:
            kwargs["type"] = int
            kwargs["metavar"] = "N"
        elif key.choices:
            kwargs["choices"] = key.choices
            kwargs["type"] = str.upper if key.name == "mms.pdp_type" else str.lower
        else:
            kwargs["metavar"] = key.flag.lstrip("-").upper().replace("-", "_")
        parser.add_argument(key.flag, **kwargs)


def _dest(key: Key) -> str:
    return "cfg_" + key.name.replace(".", "_")


def from_args(args: argparse.Namespace) -> Config:
    cli = {key.name: getattr(args, _dest(key), None) for key in KEYS if key.flag is not None}
    return load(getattr(args, "config", None), cli)


def show(config: Config) -> list[tuple[str, str, str]]:
    """Rows of (key, shown value, source) for ``mmsua config --show``; secrets masked."""
    rows = []
    for key in KEYS:
        value = config[key.name]
        if key.secret and value:
            shown = "********"
        elif key.kind is bool:
            shown = "true" if value else "false"
        elif key.kind is list:
            shown = " ".join(repr(item) for item in value) if value else ""
        else:
            shown = str(value)
        if key.name == "store.path" and not value:
            shown = f"{config.store_path()}"
        rows.append((key.name, shown, config.source(key.name)))
    return rows


def agent_settings(config: Config) -> AgentSettings:
    """The engine's settings from the merged config."""
    store = config["store.path"] or str(paths.store_dir())
    try:
        return AgentSettings(
            mmsc_url=config["mms.mmsc"],
            proxy=config["mms.proxy"],
            user_agent=config["mms.user_agent"],
            uaprof_url=config["mms.uaprof"],
            uaprof_header=config["mms.uaprof_header"],
            extra_headers=tuple(config["mms.headers"]),
            close_connection=config["mms.close_connection"],
            append_transaction_id=config["mms.append_transaction_id"],
            notify_to_location=config["mms.notify_to_location"],
            nai=config["identity.nai"],
            nai_suffix=config["mms.nai_suffix"],
            recipient_limit=config["mms.recipient_limit"],
            carrier_group_mms=config["mms.group"],
            carrier=config["carrier.rules"],
            max_message_size=config["mms.max_size"],
            max_image_width=config["mms.max_image_width"],
            max_image_height=config["mms.max_image_height"],
            trusted_hosts=tuple(config["mms.trusted_hosts"]),
            exchange_timeout=float(config["mms.exchange_timeout"]),
            retrieval_policy=config["policy.retrieval"],
            roaming_policy=config["policy.roaming"],
            max_auto_retrieve_size=config["policy.max_retrieve_size"],
            auto_fetch=config["policy.auto_fetch"],
            allow_delivery_reports=config["reports.report_allowed"],
            send_read_reports=config["reports.send_read_reports"],
            delivery_report=config["reports.delivery"],
            read_report=config["reports.read"],
            sms_fallback=config["sms.fallback"],
            send_via=config["messaging.send_via"],
            group_mms=config["messaging.group_mms"],
            sms_to_mms_threshold=config["messaging.sms_to_mms_threshold"],
            long_sms_confirm_parts=config["messaging.long_sms_confirm_parts"],
            send_once=config["mms.send_once"],
            segment_timeout=float(config["sms.segment_timeout"]),
            own_number=config["identity.own_number"],
            country_code=config["identity.country"],
            backend=config["modem.backend"],
            mm_bus=config["modem.mm_bus"],
            mm_text_sms=config["modem.mm_text_sms"],
            port=config["modem.port"],
            baudrate=config["modem.baudrate"],
            rtscts=config["modem.rtscts"],
            chained_io=config["modem.chained_io"],
            profile=config["modem.profile"],
            pin=config["modem.pin"],
            apn=config["mms.apn"],
            cid=config["mms.cid"],
            pdp_type=config["mms.pdp_type"],
            mms_context=config["mms.context"],
            context_idle_grace=float(config["mms.context_idle_grace"]),
            apn_user=config["mms.username"],
            apn_password=config["mms.password"],
            apn_auth=config["mms.auth"],
            bearer=config["mms.bearer"],
            interface=config["mms.interface"],
            store_path=store,
            contacts_path=str(config.path("contacts.path") or ""),
            on_message_command=tuple(config["hooks.on_message"]),
            on_message_timeout=config["hooks.timeout"],
        )
    except ValueError as error:
        raise ConfigError(str(error)) from None
