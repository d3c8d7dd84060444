"""The user agent's settings, as one frozen value (mmsua.config builds it), with the
defaults and choices the configuration offers for them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# Android's assumption when the carrier states no limit (issue 6); headers take a margin.
DEFAULT_MAX_MESSAGE_SIZE = 300 * 1024
DEFAULT_MAX_IMAGE_WIDTH, DEFAULT_MAX_IMAGE_HEIGHT = 640, 480
# What AOSP's MMS stack sends when the device states nothing of its own (frameworks'
# config_mms_user_agent and config_mms_user_agent_profile_url): MMSCs see it from every
# stock Android phone, so it is the identity least likely to be refused (docs/carriers.md).
DEFAULT_USER_AGENT = "Android-Mms/2.0"
# Some carriers refuse MMS requests without an x-wap-profile (e.g. HTTP 412), so one is
# always sent: by default the UAProf URL Android's MMS stack sends, which carriers know.
DEFAULT_UAPROF = "http://www.google.com/oha/rdf/ua-profile-kila.xml"
DEFAULT_UAPROF_HEADER = "x-wap-profile"  # Android's uaProfTagName default; Verizon wants "Profile"
HEADER_NAME = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}")  # an HTTP header name (RFC 9110 token)
RETRIEVAL_POLICIES = ("auto", "manual", "reject")
ROAMING_POLICIES = ("auto", "defer")
AUTO_FETCH = ("anyone", "contacts")  # whose MMS are fetched without asking
BEARERS = ("modem", "interface", "ppp")
MMS_CONTEXTS = ("auto", "own")
BACKENDS = ("auto", "at", "modemmanager")  # modem.backend
PDP_TYPES = ("IP", "IPV6", "IPV4V6")
AUTH_METHODS = ("none", "pap", "chap")
SEND_VIA = ("auto", "sms", "mms")  # messaging.send_via; docs/api.md "SMS or MMS"
GROUP_MMS = ("auto", "on", "off")  # messaging.group_mms; auto follows carrier_group_mms
# modem.chained_io: socket reads and sends written back to back (mmsua.drivers.profile.CHAINED_IO).
CHAINED_IO = ("auto", "on", "off")
# Several modems in one daemon (issue 15): [modems.<name>] tables, each a modem's own settings.
MODEM_NAME = re.compile(r"[A-Za-z0-9_-]{1,32}")  # a name goes into MQTT topics and command lines as it is
MAX_MODEMS = 16
MODEM_SECTIONS = ("modem", "mms", "identity", "carrier")  # what a [modems.<name>] table may set


def check_modem_names(names: list[str]) -> list[str]:
    """The names as given, or ValueError saying what is wrong with them."""
    if len(names) > MAX_MODEMS:
        raise ValueError(f"{len(names)} modems; at most {MAX_MODEMS}")
    for name in names:
        if not isinstance(name, str) or not MODEM_NAME.fullmatch(name):
            raise ValueError(f"modem name {name!r}: 1 to 32 letters, digits, '-' or '_'")
    if len(set(names)) != len(names):
        raise ValueError("two modems have the same name")
    return names
# Android's smsToMmsTextThreshold: a text of more SMS than this goes as MMS. AOSP's default
# is -1, no conversion (CarrierConfigManager KEY_MMS_SMS_TO_MMS_TEXT_THRESHOLD_INT and
# packages/apps/Messaging res/xml/mms_config.xml); here 0 (or less) means the same.
DEFAULT_SMS_TO_MMS_THRESHOLD = 0
DEFAULT_LONG_SMS_CONFIRM_PARTS = 5  # a text of more SMS than this is confirmed first (each is charged)


@dataclass(frozen=True, slots=True)
class AgentSettings:
    # Carrier HTTP.
    mmsc_url: str = ""
    proxy: str = ""  # "host:port" or "[v6]:port"; empty: no proxy
    user_agent: str = DEFAULT_USER_AGENT
    uaprof_url: str = DEFAULT_UAPROF  # x-wap-profile; the same default as the config, so it is always sent
    uaprof_header: str = DEFAULT_UAPROF_HEADER  # the header the UAProf URL goes in (carrier rules: uaProfTagName)
    # The carrier's extra headers (httpParams) as "Name: value"; ##LINE1##, ##LINE1NOCOUNTRYCODE##
    # and ##NAI## are filled per request (mmsua.engine.carrier_headers).
    extra_headers: tuple[str, ...] = ()
    nai: str = ""  # the subscriber's Network Access Identifier, for ##NAI## (base64 of nai + nai_suffix)
    nai_suffix: str = ""
    close_connection: bool = False  # "Connection: close" on every MMSC request (mmsCloseConnection)
    # Carrier quirks (AOSP SmsManager MMS_CONFIG_APPEND_TRANSACTION_ID / _NOTIFY_WAP_MMSC_ENABLED):
    append_transaction_id: bool = False  # a Content-Location ending in "=" gets the transaction id appended
    notify_to_location: bool = False  # M-NotifyResp.ind and M-Acknowledge.ind go to the Content-Location
    recipient_limit: int = 0  # most recipients per MMS the carrier takes (0: no limit known)
    carrier: str = ""  # the carrier rules entry in use and its sources (Status.carrier)
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    # The largest picture sent, landscape (a portrait one turns them): AOSP's defaults,
    # CarrierConfigManager KEY_MMS_MAX_IMAGE_WIDTH_INT / _HEIGHT_INT (mms_config maxImageWidth/Height).
    max_image_width: int = DEFAULT_MAX_IMAGE_WIDTH
    max_image_height: int = DEFAULT_MAX_IMAGE_HEIGHT
    http_timeout: float = 60.0  # seconds each wait for the MMSC's bytes may take
    # Seconds a whole HTTP exchange may take, connect to the last byte: a server that
    # trickles its answer must not hold the data path (issue 11). 300 s is 1 MB at GPRS speed.
    exchange_timeout: float = 300.0
    # Hosts besides the MMSC's whose Content-Locations are fetched automatically
    # (a carrier serving content from another host); any other is held as untrusted.
    trusted_hosts: tuple[str, ...] = ()
    # Receiving.
    retrieval_policy: str = "auto"  # auto | manual | reject
    roaming_policy: str = "defer"  # auto | defer
    max_auto_retrieve_size: int = 0  # defer larger notifications (0: the largest message, max_message_size)
    auto_fetch: str = "anyone"  # contacts: defer MMS from numbers not in the contacts
    allow_delivery_reports: bool = True  # Report-Allowed in M-NotifyResp.ind / M-Acknowledge.ind
    # Answer read-report requests when a message is opened: off by default, as a read
    # report tells the sender when you read it (Android's and Spacebar's default too).
    send_read_reports: bool = False
    # Sending.
    delivery_report: bool = False
    read_report: bool = False
    expiry_seconds: int = 7 * 24 * 3600
    sms_fallback: bool = False  # resend as SMS automatically after a permanent MMS failure
    # SMS or MMS (mmsua.engine.send_plan): auto decides per message; sms / mms always, where possible.
    send_via: str = "auto"
    group_mms: str = "auto"  # a text to several people as one group MMS: auto (the carrier's rule), on, off
    carrier_group_mms: bool = True  # the carrier's rule (Android's KEY_MMS_GROUP_MMS_ENABLED_BOOL, default true)
    sms_to_mms_threshold: int = DEFAULT_SMS_TO_MMS_THRESHOLD
    long_sms_confirm_parts: int = DEFAULT_LONG_SMS_CONFIRM_PARTS  # 0: never ask
    send_once: bool = False  # at-most-once: after a stop mid-POST, fail the MMS rather than POST it again
    # Seconds the MMS context stays up after the last exchange: a burst or a group of
    # messages uses one activation (AT+QIACT takes 0.5-2 s on a real network).
    context_idle_grace: float = 30.0
    # Retries.
    retry_initial: float = 30.0
    retry_max: float = 3600.0
    max_attempts: int = 10
    # Identity.
    own_number: str = ""
    country_code: str = ""  # ISO ("GB") or calling code ("44")
    # Modem and data path (passed to mmsua.drivers).
    # Which driver: "at" (mmsua owns the AT port), "modemmanager" (through ModemManager's
    # D-Bus API), "auto" (ModemManager when it manages the modem, else AT).
    backend: str = "auto"
    mm_bus: str = "system"  # ModemManager's bus: system, session, or a D-Bus address (tests)
    mm_text_sms: bool = True  # take text SMS from ModemManager too (false: leave them to Chatty)
    port: str = ""
    baudrate: int = 115200
    rtscts: bool = False  # hardware flow control on a UART
    chained_io: str = "auto"  # socket reads/sends back to back: auto (the profile says), on, off
    profile: str = "auto"
    pin: str = ""
    apn: str = ""
    cid: int = 2
    pdp_type: str = "IP"
    # auto: use a context already active on the MMS APN (the internet's, when MMS shares
    # its APN) and never take it down; own: always activate and release cid.
    mms_context: str = "auto"
    apn_user: str = ""
    apn_password: str = ""
    apn_auth: str = "none"
    bearer: str = "modem"
    interface: str = ""
    data_port: str = ""  # bearer=ppp: the modem's second (PPP) port; empty: found from the USB table
    # Store and integration.
    kept_sms_retention: float = 30 * 24 * 3600  # seconds a handled SMS PDU is kept (duplicate checks)
    segment_timeout: float = 600.0  # seconds an incomplete concatenated SMS waits for its other segments
    store_path: str = ""  # a directory (store.sqlite inside) or a .sqlite file; empty: XDG data dir
    contacts_path: str = ""  # a vCard file or a folder of .vcf files; empty: no names
    on_message_command: tuple[str, ...] = field(default_factory=tuple)
    on_message_timeout: int = 30

    def __post_init__(self) -> None:
        problems = []
        if self.retrieval_policy not in RETRIEVAL_POLICIES:
            problems.append(f"retrieval_policy {self.retrieval_policy!r} is not one of {', '.join(RETRIEVAL_POLICIES)}")
        if self.roaming_policy not in ROAMING_POLICIES:
            problems.append(f"roaming_policy {self.roaming_policy!r} is not one of {', '.join(ROAMING_POLICIES)}")
        if self.auto_fetch not in AUTO_FETCH:
            problems.append(f"auto_fetch {self.auto_fetch!r} is not one of {', '.join(AUTO_FETCH)}")
        if self.mms_context not in MMS_CONTEXTS:
            problems.append(f"mms_context {self.mms_context!r} is not one of {', '.join(MMS_CONTEXTS)}")
        if self.send_via not in SEND_VIA:
            problems.append(f"send_via {self.send_via!r} is not one of {', '.join(SEND_VIA)}")
        if self.chained_io not in CHAINED_IO:
            problems.append(f"chained_io {self.chained_io!r} is not one of {', '.join(CHAINED_IO)}")
        if self.group_mms not in GROUP_MMS:
            problems.append(f"group_mms {self.group_mms!r} is not one of {', '.join(GROUP_MMS)}")
        if self.context_idle_grace < 0:
            problems.append(f"context_idle_grace {self.context_idle_grace} must not be negative")
        if self.exchange_timeout <= 0:
            problems.append(f"exchange_timeout {self.exchange_timeout} must be positive")
        if self.max_message_size < 4096:
            problems.append(f"max_message_size {self.max_message_size} is too small for any MMS")
        if not HEADER_NAME.fullmatch(self.uaprof_header):
            problems.append(f"uaprof_header {self.uaprof_header!r} is not an HTTP header name")
        problems.extend(f"extra header {header!r} is not 'Name: value' on one line" for header in self.extra_headers if not is_header(header))
        if min(self.max_image_width, self.max_image_height) < 16:
            problems.append(f"max_image_width x max_image_height {self.max_image_width}x{self.max_image_height} is too small for a picture")
        if problems:
            raise ValueError("; ".join(problems))

    @property
    def auto_retrieve_limit(self) -> int:
        """The largest notification retrieved without the user's word."""
        return self.max_auto_retrieve_size or self.max_message_size

    def with_changes(self, **changes: Any) -> AgentSettings:
        return replace(self, **changes)

    def store_file(self) -> Path | None:
        """The database file named by ``store_path`` (None: the default place)."""
        if not self.store_path:
            return None
        path = Path(self.store_path).expanduser()
        return path if path.suffix in (".sqlite", ".db", ".sqlite3") else path / "store.sqlite"


# The settings in force: they change once the SIM's carrier is known (UserAgent.update_settings).
SettingsSource = Callable[[], AgentSettings]


def is_header(header: str) -> bool:
    """``header`` is "Name: value" on one line (a carrier's extra header, macros and all)."""
    name, sep, value = header.partition(":")
    return bool(sep and HEADER_NAME.fullmatch(name.strip()) and value.strip()) and not any(c in value for c in "\r\n\0")


def parse_proxy(text: str) -> tuple[str, int] | None:
    """``host:port`` or ``[v6addr]:port`` (IPv6-only MMS APNs have v6 proxies); empty is no proxy.
    ValueError says what is wrong with any other text."""
    text = text.strip()
    if not text:
        return None
    for prefix in ("http://", "https://"):
        if text.startswith(prefix):
            text = text[len(prefix):].rstrip("/")
    if text.startswith("["):
        host, sep, rest = text[1:].partition("]")
        if not sep:
            raise ValueError(f"proxy {text!r}: missing ']' after the IPv6 address")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif text.count(":") == 1:
        host, _, port_text = text.partition(":")
    elif text.count(":") > 1:
        raise ValueError(f"proxy {text!r}: write an IPv6 address in brackets, e.g. [2001:db8::1]:8080")
    else:
        host, port_text = text, ""
    if not host:
        raise ValueError(f"proxy {text!r} has no host")
    if not port_text:
        return host, 80  # WAP 2.0 proxies without a stated port listen on 80
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"proxy {text!r}: port must be a number from 1 to 65535")
    return host, int(port_text)
