"""Per-carrier MMS rules (rules.json, built by tools/build_carrier_rules.py) and their lookup.

An entry is keyed by MCC/MNC; MVNO entries of one network add a ``match`` on the
SIM's GID1, SPN or IMSI, the way AOSP CarrierConfig narrows its ``<carrier_config>``
blocks: GID1 equal (hex, any case; the SIM's ``FF`` padding ignored), SPN and IMSI
as whole-string regular expressions (case-insensitive; SPN ``null`` means no SPN).
The most specific matching entry wins; a network without entries gives None.
Values an entry does not state stay unset (None), except group MMS, which Android
enables unless the carrier says otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from mmsua.engine.settings import is_header

RULES_FILE = Path(__file__).with_name("rules.json")
MAX_RULES_FILE = 4 * 1024 * 1024
# What an entry may state, with its type (rules.json's "values").
FIELD_TYPES: dict[str, type] = {
    "max_message_size": int, "recipient_limit": int, "sms_to_mms_threshold": int, "group_mms": bool,
    "user_agent": str, "uaprof_url": str, "uaprof_header": str, "http_params": str, "nai_suffix": str,
    "close_connection": bool, "alias_enabled": bool, "alias_min_chars": int, "alias_max_chars": int,
    "email_gateway": str, "notify_wap_mmsc": bool, "append_transaction_id": bool, "content_disposition": bool,
    "delivery_reports": bool, "read_reports": bool, "max_subject_length": int, "max_text_size": int,
    "max_image_width": int, "max_image_height": int, "mms_enabled": bool, "http_charset_header": bool,
    "http_socket_timeout_ms": int, "multipart_sms": bool, "multipart_sms_as_separate": bool,
    "sms_to_mms_text_length_threshold": int,
}
ANDROID_GROUP_MMS_DEFAULT = True  # CarrierConfigValuesLoader.CONFIG_ENABLE_GROUP_MMS_DEFAULT


class RulesError(ValueError):
    """rules.json is unreadable or not in the expected shape."""


@dataclass(frozen=True, slots=True)
class Source:
    repo: str
    path: str
    commit: str

    def describe(self) -> str:
        return f"{self.repo} {self.path}@{self.commit[:10]}"


@dataclass(frozen=True, slots=True)
class CarrierRules:
    """One entry: the network, the MVNO match if any, the stated values and where each came from."""

    mcc: str
    mnc: str
    name: str = ""
    country: str = ""
    match: tuple[tuple[str, str], ...] = ()  # (kind, pattern): gid1, spn, imsi
    values: tuple[tuple[str, Any], ...] = ()
    value_sources: tuple[tuple[str, Source], ...] = ()
    sources: tuple[Source, ...] = ()
    _by_name: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_name.update(self.values)

    def get(self, name: str) -> Any:
        """The stated value (None when the entry says nothing)."""
        if name not in FIELD_TYPES:
            raise KeyError(name)
        if name == "group_mms" and name not in self._by_name:
            return ANDROID_GROUP_MMS_DEFAULT
        return self._by_name.get(name)

    def source_of(self, name: str) -> str:
        """Where ``name``'s value comes from, for `config --show` and doctor."""
        for field_name, source in self.value_sources:
            if field_name == name:
                return source.describe()
        if name == "group_mms":
            return "Android's default for a carrier that states none"
        return ""

    @property
    def label(self) -> str:
        who = self.name or "carrier"
        narrowed = "".join(f", {kind} {pattern}" for kind, pattern in self.match)
        return f"{who} {self.mcc}/{self.mnc}{narrowed}"

    def describe(self) -> str:
        """E.g. "Verizon 311/480 (LineageOS/... res/xml-mcc311-mnc480/mms_config.xml@46d8c06e4a; ...)"."""
        return f"{self.label} ({'; '.join(s.describe() for s in self.sources)})"

    def headers(self) -> tuple[str, ...]:
        """httpParams as "Name: value" templates (macros ##LINE1## etc. still in them)."""
        return parse_http_params(self.get("http_params") or "")


def parse_http_params(text: str) -> tuple[str, ...]:
    """Android's httpParams: "Name: value|Name: value"; pairs without a name or value are dropped."""
    headers = []
    for pair in text.split("|"):
        name, _, value = pair.partition(":")
        header = f"{name.strip()}: {value.strip()}"
        if is_header(header):
            headers.append(header)
    return tuple(headers)


@dataclass(frozen=True, slots=True)
class SimKey:
    """What the SIM offers for the lookup."""

    imsi: str
    spn: str = ""
    gid1: str = ""
    mnc_length: int | None = None


class RulesTable:
    """The loaded table: entries by (MCC, MNC)."""

    def __init__(self, entries: Iterable[CarrierRules], about: Mapping[str, Any] | None = None) -> None:
        self.by_network: dict[tuple[str, str], list[CarrierRules]] = {}
        for entry in entries:
            self.by_network.setdefault((entry.mcc, entry.mnc), []).append(entry)
        self.about = dict(about or {})

    def __len__(self) -> int:
        return sum(len(entries) for entries in self.by_network.values())

    def lookup(self, sim: SimKey) -> CarrierRules | None:
        """The entry for this SIM: its network (3-digit MNC first unless the SIM says 2), then
        the MVNO entry matching most of GID1/SPN/IMSI, else the network's own entry."""
        imsi = sim.imsi
        if not (imsi.isdigit() and 5 <= len(imsi) <= 15):
            return None
        lengths = (sim.mnc_length,) if sim.mnc_length in (2, 3) else (3, 2)
        for length in lengths:
            entries = self.by_network.get((imsi[:3], imsi[3:3 + (length or 2)]))
            if entries:
                matching = [e for e in entries if all(_matches(sim, kind, p) for kind, p in e.match)]
                if matching:
                    return max(matching, key=lambda e: len(e.match))
        return None


def _matches(sim: SimKey, kind: str, pattern: str) -> bool:
    if kind == "gid1":
        wanted = pattern.strip().lower()
        have = sim.gid1.strip().lower()
        return bool(have) and (have == wanted or have.rstrip("f") == wanted.rstrip("f"))
    if kind == "spn":
        if pattern.lower() == "null":
            return not sim.spn.strip()
        return bool(sim.spn) and _fullmatch(pattern, sim.spn)
    if kind == "imsi":
        return _fullmatch(pattern, sim.imsi)
    return False  # a kind we do not know narrows to nothing, as in CarrierConfig


def _fullmatch(pattern: str, text: str) -> bool:
    try:
        return re.fullmatch(pattern, text, re.IGNORECASE) is not None
    except re.error:
        return False


def parse(document: Any) -> RulesTable:
    """The table from rules.json's parsed JSON; RulesError names the first bad entry."""
    if not isinstance(document, dict) or document.get("format") != 1 or not isinstance(document.get("entries"), list):
        raise RulesError("not a carrier rules table (format 1)")
    entries = []
    for index, raw in enumerate(document["entries"]):
        try:
            entries.append(_entry(raw))
        except (KeyError, TypeError, ValueError) as error:
            raise RulesError(f"entry {index}: {error}") from None
    return RulesTable(entries, document.get("sources"))


def _entry(raw: dict[str, Any]) -> CarrierRules:
    mcc, mnc = str(raw["mcc"]), str(raw["mnc"])
    if not (mcc.isdigit() and len(mcc) == 3 and mnc.isdigit() and len(mnc) in (2, 3)):
        raise ValueError(f"bad MCC/MNC {mcc!r}/{mnc!r}")
    sources = tuple(Source(str(s["repo"]), str(s["path"]), str(s["commit"])) for s in raw["sources"])
    values = []
    for name, value in dict(raw["values"]).items():
        kind = FIELD_TYPES.get(name)
        if kind is None:
            continue  # a field a newer builder added: not ours to use
        if type(value) is not kind:
            raise ValueError(f"{name} must be {kind.__name__}, got {value!r}")
        values.append((name, value))
    value_sources = tuple((name, sources[int(i)]) for name, i in dict(raw["value_source"]).items() if name in FIELD_TYPES)
    match = tuple((str(k), str(v)) for k, v in dict(raw.get("match") or {}).items())
    return CarrierRules(mcc, mnc, str(raw.get("name", "")), str(raw.get("country", "")), match,
                        tuple(values), value_sources, sources)


def load(path: Path | None = None) -> RulesTable:
    """The table in ``path`` (default: the packaged rules.json)."""
    path = path or RULES_FILE
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_RULES_FILE + 1)
    except OSError as error:
        raise RulesError(f"cannot read {path}: {error.strerror or error}") from None
    if len(data) > MAX_RULES_FILE:
        raise RulesError(f"{path} is larger than {MAX_RULES_FILE} bytes")
    try:
        return parse(json.loads(data))
    except ValueError as error:
        raise RulesError(f"{path}: {error}") from None


@lru_cache(maxsize=1)
def packaged() -> RulesTable:
    """The packaged table, read once."""
    return load()
