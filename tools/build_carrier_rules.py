"""Build mmsua/carriers/rules.json, the per-carrier MMS rules, from public AOSP data.

Sources (each a git directory read with ``git show``, so a bare mirror works):

- the AOSP Messaging app's per-network overlays ``res/xml-mccXXX-mncYYY/mms_config.xml``
  and its base ``res/xml/mms_config.xml`` (Android's defaults), e.g.
  LineageOS/android_packages_apps_Messaging;
- AOSP CarrierConfig's ``assets/carrier_config_MCCMNC.xml``, whose ``<carrier_config>``
  blocks may be narrowed to an MVNO by ``gid1``, ``spn`` (a regular expression) or
  ``imsi`` (a regular expression), e.g. platform_packages_apps_CarrierConfig at the
  last commit before the files were re-keyed by carrier id;
- optionally mobile-broadband-provider-info's serviceproviders.xml, for names only.

Where both give a value for one network, CarrierConfig's wins (Android reads carrier
config first). Only values are carried over, each with the repository, path and
commit it came from. Usage:

    python tools/build_carrier_rules.py \\
        --messaging /path/to/Messaging.git --messaging-repo LineageOS/android_packages_apps_Messaging \\
        --carrierconfig /path/to/CarrierConfig.git --carrierconfig-repo OWNER/NAME --carrierconfig-commit SHA \\
        --names /usr/share/mobile-broadband-provider-info/serviceproviders.xml \\
        --out mmsua/carriers/rules.json
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_FILE = 1024 * 1024  # no carrier file comes near this; a bigger one is not what we expect
# Source key -> (our field, kind). Kinds: int, bool, str; "limit" ints use -1 for "none" (stored as 0).
FIELDS: dict[str, tuple[str, str]] = {
    "enabledMMS": ("mms_enabled", "bool"),
    "maxMessageSize": ("max_message_size", "int"),
    "recipientLimit": ("recipient_limit", "limit"),
    "smsToMmsTextThreshold": ("sms_to_mms_threshold", "limit"),
    "smsToMmsTextLengthThreshold": ("sms_to_mms_text_length_threshold", "limit"),
    "enableGroupMms": ("group_mms", "bool"),
    "userAgent": ("user_agent", "str"),
    "uaProfUrl": ("uaprof_url", "str"),
    "uaProfTagName": ("uaprof_header", "str"),
    "httpParams": ("http_params", "str"),
    "naiSuffix": ("nai_suffix", "str"),
    "mmsCloseConnection": ("close_connection", "bool"),
    "supportHttpCharsetHeader": ("http_charset_header", "bool"),
    "httpSocketTimeout": ("http_socket_timeout_ms", "int"),
    "aliasEnabled": ("alias_enabled", "bool"),
    "aliasMinChars": ("alias_min_chars", "int"),
    "aliasMaxChars": ("alias_max_chars", "int"),
    "emailGatewayNumber": ("email_gateway", "str"),
    "enabledNotifyWapMMSC": ("notify_wap_mmsc", "bool"),
    "enabledTransID": ("append_transaction_id", "bool"),
    "supportMmsContentDisposition": ("content_disposition", "bool"),
    "enableMMSDeliveryReports": ("delivery_reports", "bool"),
    "enableMMSReadReports": ("read_reports", "bool"),
    "maxSubjectLength": ("max_subject_length", "int"),
    "maxMessageTextSize": ("max_text_size", "limit"),
    "maxImageHeight": ("max_image_height", "int"),
    "maxImageWidth": ("max_image_width", "int"),
    "enableMultipartSMS": ("multipart_sms", "bool"),
    "sendMultipartSmsAsSeparateMessages": ("multipart_sms_as_separate", "bool"),
}
# CarrierConfig blocks that name the MVNO they narrow to.
NAME_KEYS = ("carrier_name_string", "cdma_home_registered_plmn_name_string")
# Android's defaults for what a carrier does not state and res/xml/mms_config.xml does not
# give (android.support.v7.mms.CarrierConfigValuesLoader's *_DEFAULT constants).
ANDROID_DEFAULTS: dict[str, Any] = {
    "group_mms": True,
    "uaprof_header": "x-wap-profile",
    "close_connection": False,
    "alias_enabled": False,
    "notify_wap_mmsc": False,
    "append_transaction_id": False,
    "content_disposition": True,
}
_OVERLAY = re.compile(r"^res/xml-mcc(\d{3})-mnc(\d{2,3})/mms_config\.xml$")
_ASSET = re.compile(r"^assets/carrier_config_(\d{3})(\d{2,3})\.xml$")


class BuildError(Exception):
    pass


@dataclass(frozen=True)
class Repo:
    git_dir: Path
    name: str
    commit: str

    def files(self) -> list[str]:
        out = _git(self.git_dir, "ls-tree", "-r", "--name-only", self.commit)
        return out.decode().splitlines()

    def read(self, path: str) -> bytes:
        data = _git(self.git_dir, "show", f"{self.commit}:{path}")
        if len(data) > MAX_FILE:
            raise BuildError(f"{self.name}:{path} is {len(data)} bytes, more than {MAX_FILE}")
        return data

    def source(self, path: str) -> dict[str, str]:
        return {"repo": self.name, "path": path, "commit": self.commit}


def _git(git_dir: Path, *args: str) -> bytes:
    try:
        return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True, capture_output=True).stdout
    except subprocess.CalledProcessError as error:
        raise BuildError(f"git {' '.join(args)} in {git_dir}: {error.stderr.decode(errors='replace').strip()}") from None


def resolve(git_dir: Path, name: str, commit: str) -> Repo:
    full = _git(git_dir, "rev-parse", f"{commit}^{{commit}}").decode().strip()
    return Repo(git_dir, name, full)


def _value(kind: str, raw: str, where: str) -> Any:
    raw = raw.strip()
    if kind == "str":
        return raw
    if kind == "bool":
        if raw.lower() not in ("true", "false"):
            raise BuildError(f"{where}: expected true or false, got {raw!r}")
        return raw.lower() == "true"
    try:
        number = int(raw)
    except ValueError:
        raise BuildError(f"{where}: expected a number, got {raw!r}") from None
    if kind == "limit" and number < 0:
        return 0  # Android's -1: no limit / never
    if number < 0:
        raise BuildError(f"{where}: negative {raw!r}")
    return number


def _mms_values(block: ET.Element, where: str) -> dict[str, Any]:
    """The MMS keys of one block; Messaging writes values as text, CarrierConfig as value=."""
    values: dict[str, Any] = {}
    for element in block:
        name = element.get("name", "")
        if name not in FIELDS or element.tag not in ("int", "bool", "boolean", "string"):
            continue
        field, kind = FIELDS[name]
        raw = element.get("value") if element.get("value") is not None else (element.text or "")
        values[field] = _value(kind, raw, f"{where} {name}")
    return values


def _parse(data: bytes, where: str) -> ET.Element:
    if b"<!ENTITY" in data:  # entity expansion is the one XML attack expat still allows
        raise BuildError(f"{where}: entity declarations are not expected")
    try:
        return ET.fromstring(data)
    except ET.ParseError as error:
        raise BuildError(f"{where}: {error}") from None


def read_messaging(repo: Repo) -> tuple[dict[tuple[str, str], tuple[dict[str, Any], str]], dict[str, Any], str]:
    """Per network: (values, path); and the base file's values (Android's defaults) and path."""
    networks: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
    for path in repo.files():
        found = _OVERLAY.match(path)
        if found:
            values = _mms_values(_parse(repo.read(path), path), path)
            if values:
                networks[(found.group(1), found.group(2))] = (values, path)
    base_path = "res/xml/mms_config.xml"
    base = _mms_values(_parse(repo.read(base_path), base_path), base_path)
    return networks, base, base_path


@dataclass
class Block:
    match: dict[str, str]
    values: dict[str, Any]
    name: str


def read_carrierconfig(repo: Repo) -> dict[tuple[str, str], tuple[list[Block], str]]:
    """Per network: its blocks (the unfiltered first, then MVNO ones) and the file's path."""
    networks: dict[tuple[str, str], tuple[list[Block], str]] = {}
    for path in repo.files():
        found = _ASSET.match(path)
        if not found or found.group(1) == "001":  # 001: the test network
            continue
        root = _parse(repo.read(path), path)
        blocks = []
        for block in root.iter("carrier_config"):
            match = dict(block.attrib)
            if set(match) - {"gid1", "spn", "imsi"}:
                continue  # a block for one device model (device=) says nothing of the carrier
            names = [e.text.strip() for e in block if e.get("name") in NAME_KEYS and e.text and e.text.strip()]
            blocks.append(Block(match, _mms_values(block, path), names[0] if names else ""))
        if any(b.values for b in blocks):
            networks[(found.group(1), found.group(2))] = (blocks, path)
    return networks


def read_names(path: Path | None) -> dict[tuple[str, str], tuple[str, str]]:
    """(MCC, MNC) -> (provider name, ISO country) from serviceproviders.xml; the primary provider first."""
    if path is None:
        return {}
    data = path.read_bytes()
    root = _parse(data, str(path))
    # Rank: a primary provider, then the one listing most networks (an MVNO lists its host's one).
    best: dict[tuple[str, str], tuple[tuple[bool, int], str, str]] = {}
    for country in root.iter("country"):
        code = country.get("code", "").upper()
        for provider in country.iter("provider"):
            name_element = provider.find("name")
            name = (name_element.text or "").strip() if name_element is not None else ""
            networks = [(n.get("mcc", ""), n.get("mnc", "")) for n in provider.iter("network-id")]
            rank = (provider.get("primary") == "true", len(set(networks)))
            for key in networks if name else ():
                if key not in best or rank > best[key][0]:
                    best[key] = (rank, name, code)
    return {key: (name, code) for key, (_rank, name, code) in best.items()}


def _name_for(names: dict[tuple[str, str], tuple[str, str]], mcc: str, mnc: str) -> tuple[str, str]:
    if (mcc, mnc) in names:
        return names[(mcc, mnc)]
    for (m, n), value in names.items():  # "04" against "004"
        if m == mcc and n.isdigit() and int(n) == int(mnc) and len(n) != len(mnc):
            return value
    return "", ""


def build(messaging: Repo, carrierconfig: Repo, names_path: Path | None, names_label: str) -> dict[str, Any]:
    overlays, base, base_path = read_messaging(messaging)
    configs = read_carrierconfig(carrierconfig)
    names = read_names(names_path)
    entries: list[dict[str, Any]] = []
    for mcc, mnc in sorted(set(overlays) | set(configs)):
        name, country = _name_for(names, mcc, mnc)
        values: dict[str, Any] = {}
        fields_from: dict[str, int] = {}
        sources: list[dict[str, str]] = []
        if (mcc, mnc) in overlays:
            overlay, path = overlays[(mcc, mnc)]
            sources.append(messaging.source(path))
            values.update(overlay)
            fields_from.update(dict.fromkeys(overlay, len(sources) - 1))
        blocks: list[Block] = []
        if (mcc, mnc) in configs:
            blocks, path = configs[(mcc, mnc)]
            sources.append(carrierconfig.source(path))
            for block in blocks:
                if not block.match:
                    values.update(block.values)
                    fields_from.update(dict.fromkeys(block.values, len(sources) - 1))
        entries.append(_entry(mcc, mnc, name, country, {}, values, fields_from, sources))
        for block in blocks:
            if block.match and (block.values or block.name):
                variant = {**values, **block.values}
                variant_from = {**fields_from, **dict.fromkeys(block.values, len(sources) - 1)}
                label = block.name or name
                entries.append(_entry(mcc, mnc, label, country, block.match, variant, variant_from, sources))
    return {
        "format": 1,
        "about": "Per-carrier MMS rules; built by tools/build_carrier_rules.py (docs/carriers.md). Do not edit by hand.",
        "sources": {
            "messaging": {"repo": messaging.name, "commit": messaging.commit},
            "carrierconfig": {"repo": carrierconfig.name, "commit": carrierconfig.commit},
            "names": names_label,
        },
        "defaults": {"values": {**ANDROID_DEFAULTS, **base}, "source": messaging.source(base_path)},
        "entries": entries,
    }


def _entry(mcc: str, mnc: str, name: str, country: str, match: dict[str, str], values: dict[str, Any],
           fields_from: dict[str, int], sources: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "mcc": mcc, "mnc": mnc, "name": name, "country": country, "match": dict(sorted(match.items())),
        "values": dict(sorted(values.items())), "value_source": dict(sorted(fields_from.items())),
        "sources": list(sources),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messaging", type=Path, required=True, help="git directory of the AOSP Messaging app")
    parser.add_argument("--messaging-repo", default="LineageOS/android_packages_apps_Messaging")
    parser.add_argument("--messaging-commit", default="HEAD")
    parser.add_argument("--carrierconfig", type=Path, required=True, help="git directory of AOSP CarrierConfig")
    parser.add_argument("--carrierconfig-repo", default="GrapheneOS-Archive/platform_packages_apps_CarrierConfig")
    parser.add_argument("--carrierconfig-commit", default="c41d9b2a6cc517e88511e52fa8eca976476592cf",
                        help="the last commit with MCCMNC-named files (the next re-keys them by carrier id)")
    parser.add_argument("--names", type=Path, help="serviceproviders.xml (mobile-broadband-provider-info), for names")
    parser.add_argument("--names-label", default="mobile-broadband-provider-info serviceproviders.xml")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        messaging = resolve(args.messaging, args.messaging_repo, args.messaging_commit)
        carrierconfig = resolve(args.carrierconfig, args.carrierconfig_repo, args.carrierconfig_commit)
        table = build(messaging, carrierconfig, args.names, args.names_label if args.names else "")
    except (BuildError, OSError) as error:
        print(f"build_carrier_rules: {error}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(table, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    networks = {(e["mcc"], e["mnc"]) for e in table["entries"]}
    print(f"{len(table['entries'])} entries ({len(networks)} networks, "
          f"{sum(1 for e in table['entries'] if e['match'])} MVNO refinements) -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
