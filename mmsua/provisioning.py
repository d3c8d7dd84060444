"""Carrier settings for a SIM, from mobile-broadband-provider-info.

The Debian package mobile-broadband-provider-info installs serviceproviders.xml
(schema serviceproviders.2.dtd): countries hold providers; a provider's ``gsm``
element lists ``network-id mcc= mnc=`` and ``apn value=`` entries whose
``usage type=`` is internet, mms, wap, ia or mms-internet-hipri(-fota) and which
may carry ``mmsc``, ``mmsproxy`` (HOST:PORT), ``username``, ``password`` and
``authentication method=``. A provider marked ``primary="true"`` is the network
that MVNOs with the same MCC/MNC ride on.

Several providers often share one MCC/MNC. Existing daemons take the first; here
the SIM decides: its service provider name (EF_SPN) is matched against provider
names, the IMSI decides between 2- and 3-digit MNCs (and, in Android-format
apns-conf files, ``mvno_type="imsi"`` ranges such as ``310260x1``, ``spn`` and
``gid`` rules), then the primary provider; what stays ambiguous is reported
with every candidate, never guessed. The serviceproviders schema has no IP type;
an Android ``protocol="IPV6"`` entry or an IPv6 literal MMSC/proxy makes the MMS
context IPv6.
"""

from __future__ import annotations

import ipaddress
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mmsua.config import Config, apply_carrier

SYSTEM_DATABASE = Path("/usr/share/mobile-broadband-provider-info/serviceproviders.xml")
ENV_OVERRIDE = "MMSUA_SERVICEPROVIDERS"  # path(s), separated by os.pathsep
MMS_USAGES = ("mms", "mms-internet-hipri", "mms-internet-hipri-fota")
SHARED_USAGES = ("mms-internet-hipri", "mms-internet-hipri-fota")


class ProvisioningError(ValueError):
    """The carrier database cannot be read, or the SIM identity is unusable."""


@dataclass(frozen=True, slots=True)
class SimIdentity:
    """What the SIM tells about its carrier."""

    imsi: str
    spn: str = ""  # service provider name, EF_SPN (AT+CRSM or a vendor command)
    gid1: str = ""  # group identifier level 1, hex, when the modem reports it
    mnc_length: int | None = None  # from EF_AD when known; else the database decides

    def __post_init__(self) -> None:
        if not (self.imsi.isdigit() and 6 <= len(self.imsi) <= 15):
            raise ProvisioningError(f"IMSI must be 6 to 15 digits, got {self.imsi!r}")
        if self.mnc_length not in (None, 2, 3):
            raise ProvisioningError(f"MNC length must be 2 or 3, got {self.mnc_length!r}")

    @property
    def mcc(self) -> str:
        return self.imsi[:3]


@dataclass(frozen=True, slots=True)
class CarrierSettings:
    provider: str
    country: str
    mcc: str
    mnc: str
    apn: str
    mmsc: str
    proxy: str  # host:port, [v6]:port, or empty
    username: str = ""
    password: str = ""
    auth: str = "none"
    pdp_type: str = "IP"
    shares_internet_apn: bool = False  # MMS goes over the internet APN's context
    primary: bool = False
    mvno_rule: str = ""  # the Android-format MVNO rule that matched, e.g. "spn=Lyca"
    names: tuple[str, ...] = ()  # every name the provider is known by
    database: str = ""

    def describe(self) -> str:
        shared = ", shared with internet" if self.shares_internet_apn else ""
        proxy = f" via {self.proxy}" if self.proxy else ""
        return f"{self.provider} ({self.mcc}/{self.mnc}): APN {self.apn!r}{shared} [{self.pdp_type}], MMSC {self.mmsc}{proxy}"

    def config_values(self) -> dict[str, str]:
        """The config keys (mmsua.config.CARRIER_KEYS) this entry fills."""
        return {
            "mms.apn": self.apn,
            "mms.mmsc": self.mmsc,
            "mms.proxy": self.proxy,
            "mms.username": self.username,
            "mms.password": self.password,
            "mms.auth": self.auth,
            "mms.pdp_type": self.pdp_type,
        }

    def _key(self) -> tuple[str, str, str, str]:
        return (self.apn, self.mmsc, self.proxy, self.pdp_type)


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome: one chosen entry, or the candidates and why none was chosen."""

    chosen: CarrierSettings | None
    candidates: tuple[CarrierSettings, ...]
    reason: str

    @property
    def ambiguous(self) -> bool:
        return self.chosen is None and len(self.candidates) > 1


@dataclass(slots=True)
class _Entry:
    settings: CarrierSettings
    mvno_type: str = ""
    mvno_data: str = ""
    mms: bool = True  # False: the provider is listed without MMS settings


def database_paths(explicit: Sequence[Path | str] | None = None) -> list[Path]:
    """The files to read: explicit ones, else $MMSUA_SERVICEPROVIDERS, else the system file."""
    if explicit:
        return [Path(p) for p in explicit]
    env = os.environ.get(ENV_OVERRIDE, "")
    if env:
        return [Path(p) for p in env.split(os.pathsep) if p]
    return [SYSTEM_DATABASE]


def find(sim: SimIdentity, databases: Sequence[Path | str] | None = None) -> Match:
    """Choose the MMS settings for ``sim``; see the module docstring for the order of rules."""
    paths = [p for p in database_paths(databases) if p.exists()]
    if not paths:
        return Match(None, (), "no carrier database: install the Debian package mobile-broadband-provider-info or set the MMS settings by hand")
    entries: list[_Entry] = []
    for path in paths:
        entries.extend(e for e in _read(path) if _network_matches(sim, e.settings.mcc, e.settings.mnc))
    return choose(sim, entries)


def choose(sim: SimIdentity, entries: Iterable[_Entry]) -> Match:
    matching = [e for e in entries if _network_matches(sim, e.settings.mcc, e.settings.mnc)]
    if not matching:
        return Match(None, (), f"no provider in the carrier database for MCC {sim.mcc} and IMSI {sim.imsi[:6]}…")
    # The longest MNC that matches wins: an IMSI 310260… is 310/260, not 310/26.
    longest = max(len(e.settings.mnc) for e in matching)
    matching = [e for e in matching if len(e.settings.mnc) == longest]

    ruled = [e for e in matching if e.mvno_type]
    hits = [e for e in ruled if _mvno_matches(sim, e.mvno_type, e.mvno_data)]
    if hits:
        return _settle(hits, "the SIM matches the MVNO rule " + ", ".join(sorted({e.settings.mvno_rule for e in hits})))
    # Entries reserved for an MVNO whose rule the SIM fails are not this SIM's.
    matching = [e for e in matching if not e.mvno_type]
    if not matching:
        return Match(None, tuple(e.settings for e in ruled), "every entry for this network belongs to an MVNO whose rule the SIM does not match")

    chosen, reason = _narrow(sim, matching)
    with_mms = [e for e in chosen if e.mms]
    if not with_mms:
        others = [e for e in matching if e.mms]
        names = ", ".join(sorted({e.settings.provider for e in chosen}))
        return Match(None, tuple(_unique(e.settings for e in others)), f"{reason}, but {names} has no MMS settings in the carrier database; set mms.apn/mms.mmsc/mms.proxy")
    if len(with_mms) < len(chosen) and len({e.settings.provider for e in chosen}) > 1:
        # Several providers remain and some have no MMS entry: the SIM may be one of those.
        return Match(None, tuple(_unique(e.settings for e in with_mms)), f"{len({e.settings.provider for e in chosen})} providers share this network and nothing on the SIM tells them apart; set mms.apn/mms.mmsc/mms.proxy or pick one of the candidates")
    return _settle(with_mms, reason)


def _narrow(sim: SimIdentity, matching: list[_Entry]) -> tuple[list[_Entry], str]:
    """The providers the SIM points at, and why: SPN, then the only one, then the primary."""
    if sim.spn.strip():
        wanted = _normal(sim.spn)
        exact = [e for e in matching if any(_normal(n) == wanted for n in e.settings.names)]
        if exact:
            return exact, f"the SIM's service provider name {sim.spn!r} names the provider"
        partial = [e for e in matching if any(_contains_word(_normal(n), wanted) or _contains_word(wanted, _normal(n)) for n in e.settings.names)]
        if partial:
            return partial, f"the SIM's service provider name {sim.spn!r} and the provider's name contain one another"
    providers = {e.settings.provider for e in matching}
    if len(providers) == 1:
        return matching, "the only provider for this network"
    primary = [e for e in matching if e.settings.primary]
    if primary:
        spn_note = f"the SPN {sim.spn!r} names none of them" if sim.spn.strip() else "the SIM reports no SPN"
        return primary, f"the primary provider of this network ({spn_note})"
    return matching, ""


def _settle(entries: list[_Entry], reason: str) -> Match:
    """One choice when every remaining entry agrees on the MMS settings, else the list."""
    candidates = tuple(_unique(e.settings for e in entries))
    distinct = {c._key() for c in candidates}
    if len(distinct) == 1:
        agree = "" if len(candidates) == 1 else f"; {len(candidates)} entries agree"
        return Match(candidates[0], candidates, (reason or "all candidates agree") + agree)
    why = reason + ", but " if reason else ""
    return Match(None, candidates, f"{why}{len(distinct)} different MMS settings remain; set mms.apn/mms.mmsc/mms.proxy or pick one of the candidates")


def _unique(items: Iterable[CarrierSettings]) -> list[CarrierSettings]:
    seen: set[tuple] = set()
    out = []
    for item in items:
        marker = (item.provider, *item._key())
        if marker not in seen:
            seen.add(marker)
            out.append(item)
    return out


def _network_matches(sim: SimIdentity, mcc: str, mnc: str) -> bool:
    if mcc != sim.mcc or not mnc.isdigit():
        return False
    if sim.mnc_length is not None and len(mnc) != sim.mnc_length:
        return False
    return sim.imsi[3 : 3 + len(mnc)] == mnc


def _mvno_matches(sim: SimIdentity, kind: str, data: str) -> bool:
    if kind == "spn":
        return bool(sim.spn.strip()) and _normal(sim.spn) == _normal(data)
    if kind == "imsi":
        # Android's rule: the pattern matches the IMSI prefix, 'x' matches any digit.
        pattern = data.strip().lower()
        return bool(pattern) and len(sim.imsi) >= len(pattern) and all(p in ("x", d) for p, d in zip(pattern, sim.imsi, strict=False))
    if kind == "gid":
        return bool(sim.gid1) and sim.gid1.lower().startswith(data.strip().lower())
    return False


def _normal(name: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", name.casefold()).split())


def _contains_word(haystack: str, needle: str) -> bool:
    return bool(needle) and re.search(rf"(?:^| ){re.escape(needle)}(?: |$)", haystack) is not None


def _ip_literal(host: str) -> int | None:
    try:
        return ipaddress.ip_address(host.strip("[]")).version
    except ValueError:
        return None


def _pdp_type(mmsc: str, proxy: str, stated: str = "") -> str:
    stated = stated.upper().replace("IPV4", "IP") if stated else ""
    if stated in ("IP", "IPV6", "IPV4V6"):
        return stated
    hosts = [urlsplit(mmsc).hostname or ""] if mmsc else []
    if proxy:
        hosts.append(proxy.rsplit(":", 1)[0] if not proxy.startswith("[") else proxy[1 : proxy.index("]")])
    versions = {_ip_literal(h) for h in hosts} - {None}
    return "IPV6" if versions == {6} else "IP"


def _read(path: Path) -> list[_Entry]:
    # Streamed, one provider (or apn row) at a time, each element cleared once read:
    # the whole tree of serviceproviders.xml was 82,000 objects (4.5 MB) in the
    # daemon's heap, and freed heap does not go back to the system.
    try:
        events = ET.iterparse(path, events=("start", "end"))
        _, root = next(events)
        if root.tag == "serviceproviders":
            return list(_read_serviceproviders(events, str(path)))
        if root.tag == "apns":
            return list(_read_android(_android_rows(events), str(path)))
    except (OSError, ET.ParseError, StopIteration) as error:
        raise ProvisioningError(f"cannot read carrier database {path}: {error or 'empty file'}") from None
    raise ProvisioningError(f"{path}: neither serviceproviders.xml nor an Android apns-conf file (root <{root.tag}>)")


def _text(element: ET.Element, tag: str) -> str:
    found = element.find(tag)
    return (found.text or "").strip() if found is not None else ""


def _read_serviceproviders(events: Iterable[tuple[str, Any]], database: str) -> Iterable[_Entry]:
    code = ""
    for event, element in events:
        if event == "start" and element.tag == "country":
            code = element.get("code", "")
        elif event == "end" and element.tag == "provider":
            yield from _provider_entries(element, code, database)
            element.clear()


def _provider_entries(provider: ET.Element, code: str, database: str) -> Iterable[_Entry]:
    names = tuple(n.text.strip() for n in provider.findall("name") if n.text and n.text.strip())
    gsm = provider.find("gsm")
    if gsm is None or not names:
        return
    networks = [(n.get("mcc", ""), n.get("mnc", "")) for n in gsm.findall("network-id")]
    apns = gsm.findall("apn")
    internet = {a.get("value", "") for a in apns if _usage(a) == "internet"}
    primary = provider.get("primary") == "true"
    if not any(_usage(a) in MMS_USAGES for a in apns):
        for mcc, mnc in networks:
            bare = CarrierSettings(names[0], code, mcc, mnc, "", "", "", primary=primary, names=names, database=database)
            yield _Entry(bare, mms=False)
    for apn in apns:
        usage = _usage(apn)
        if usage not in MMS_USAGES:
            continue
        value = apn.get("value", "").strip()
        mmsc = _text(apn, "mmsc")
        proxy = _text(apn, "mmsproxy")
        auth_el = apn.find("authentication")
        auth = auth_el.get("method", "none") if auth_el is not None else "none"
        for mcc, mnc in networks:
            settings = CarrierSettings(
                provider=names[0], country=code, mcc=mcc, mnc=mnc, apn=value, mmsc=mmsc, proxy=proxy,
                username=_text(apn, "username"), password=_text(apn, "password"), auth=auth,
                pdp_type=_pdp_type(mmsc, proxy),
                shares_internet_apn=usage in SHARED_USAGES or value in internet,
                primary=primary, names=names, database=database,
            )
            yield _Entry(settings)


def _usage(apn: ET.Element) -> str:
    usage = apn.find("usage")
    return usage.get("type", "") if usage is not None else ""


_ANDROID_AUTH = {"0": "none", "1": "pap", "2": "chap", "3": "chap"}


def _android_rows(events: Iterable[tuple[str, Any]]) -> list[dict[str, str]]:
    rows = []
    for event, element in events:
        if event == "end" and element.tag == "apn":
            rows.append(dict(element.attrib))
            element.clear()
    return rows


def _read_android(rows: list[dict[str, str]], database: str) -> Iterable[_Entry]:
    """Android's apns-conf.xml: flat <apn> elements with attributes, MVNO rules included."""
    internet: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        types = {t.strip() for t in row.get("type", "").split(",")}
        if "default" in types or not types - {""}:
            internet.setdefault((row.get("mcc", ""), row.get("mnc", "")), set()).add(row.get("apn", ""))
    for row in rows:
        types = {t.strip() for t in row.get("type", "").split(",")}
        if "mms" not in types and "*" not in types:
            continue
        mcc, mnc = row.get("mcc", ""), row.get("mnc", "")
        proxy_host, port = row.get("mmsproxy", "").strip(), row.get("mmsport", "").strip()
        if proxy_host and ":" in proxy_host and not proxy_host.startswith("["):
            proxy_host = f"[{proxy_host}]"  # a bare IPv6 address
        proxy = f"{proxy_host}:{port}" if proxy_host and port else proxy_host
        mmsc = row.get("mmsc", "").strip()
        apn = row.get("apn", "").strip()
        kind, data = row.get("mvno_type", ""), row.get("mvno_match_data", "")
        carrier = row.get("carrier", "").strip() or f"{mcc}/{mnc}"
        settings = CarrierSettings(
            provider=carrier, country="", mcc=mcc, mnc=mnc, apn=apn, mmsc=mmsc, proxy=proxy,
            username=row.get("user", ""), password=row.get("password", ""),
            auth=_ANDROID_AUTH.get(row.get("authtype", ""), "none"),
            pdp_type=_pdp_type(mmsc, proxy, row.get("protocol", "")),
            shares_internet_apn="default" in types or "*" in types or apn in internet.get((mcc, mnc), set()),
            mvno_rule=f"{kind}={data}" if kind else "", names=(carrier,), database=database,
        )
        yield _Entry(settings, mvno_type=kind, mvno_data=data)


def apply(config: Config, sim: SimIdentity) -> tuple[Config, Match]:
    """``config`` with unset carrier settings filled for ``sim``.

    Values from the config file or the command line always win; the database only
    fills what they leave at the default.
    """
    if not config["carrier.auto"]:
        return config, Match(None, (), "carrier.auto is off: carrier settings come from the config only")
    match = find(sim, config["carrier.databases"] or None)
    if match.chosen is not None:
        chosen = match.chosen
        config = apply_carrier(config, chosen.config_values(), f"{Path(chosen.database).name}: {chosen.provider}")
    return config, match
