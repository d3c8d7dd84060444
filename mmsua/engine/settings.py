"""The user agent's settings, as one frozen value (mmsua.config builds it), with the
defaults and choices the configuration offers for them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

# Android's assumption when the carrier states no limit (issue 6); headers take a margin.
DEFAULT_MAX_MESSAGE_SIZE = 300 * 1024
DEFAULT_USER_AGENT = "mmsua/0.1"
# Some carriers refuse MMS requests without an x-wap-profile (e.g. HTTP 412), so one is
# always sent: by default the UAProf URL Android's MMS stack sends, which carriers know.
DEFAULT_UAPROF = "http://www.google.com/oha/rdf/ua-profile-kila.xml"
RETRIEVAL_POLICIES = ("auto", "manual", "reject")
ROAMING_POLICIES = ("auto", "defer")
AUTO_FETCH = ("anyone", "contacts")  # whose MMS are fetched without asking
BEARERS = ("modem", "interface", "ppp")
MMS_CONTEXTS = ("auto", "own")
PDP_TYPES = ("IP", "IPV6", "IPV4V6")
AUTH_METHODS = ("none", "pap", "chap")


@dataclass(frozen=True, slots=True)
class AgentSettings:
    # Carrier HTTP.
    mmsc_url: str = ""
    proxy: str = ""  # "host:port" or "[v6]:port"; empty: no proxy
    user_agent: str = DEFAULT_USER_AGENT
    uaprof_url: str = DEFAULT_UAPROF  # x-wap-profile; the same default as the config, so it is always sent
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
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
    send_read_reports: bool = True  # answer read-report requests when a message is opened
    # Sending.
    delivery_report: bool = False
    read_report: bool = False
    expiry_seconds: int = 7 * 24 * 3600
    sms_fallback: bool = False  # resend as SMS automatically after a permanent MMS failure
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
    port: str = ""
    baudrate: int = 115200
    rtscts: bool = False  # hardware flow control on a UART
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
        if self.context_idle_grace < 0:
            problems.append(f"context_idle_grace {self.context_idle_grace} must not be negative")
        if self.exchange_timeout <= 0:
            problems.append(f"exchange_timeout {self.exchange_timeout} must be positive")
        if self.max_message_size < 4096:
            problems.append(f"max_message_size {self.max_message_size} is too small for any MMS")
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
