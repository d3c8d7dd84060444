"""Carrier rules into the configuration: the SIM's entry fills what the user left at its default.

Each value is recorded with the entry and the source file it came from, so `mmsua config`
and `mmsua doctor` say why a limit or a header is what it is. A value in the config file
or on the command line always wins; ``carrier.auto = false`` turns the rules off.
"""

from __future__ import annotations

from typing import Any

from mmsua.carriers.rules import CarrierRules, RulesTable, SimKey, packaged
from mmsua.config import Config, apply_rules

# Rules field -> config key.
CONFIG_KEYS = {
    "max_message_size": "mms.max_size",
    "max_image_width": "mms.max_image_width",
    "max_image_height": "mms.max_image_height",
    "user_agent": "mms.user_agent",
    "uaprof_url": "mms.uaprof",
    "uaprof_header": "mms.uaprof_header",
    "close_connection": "mms.close_connection",
    "append_transaction_id": "mms.append_transaction_id",
    "notify_wap_mmsc": "mms.notify_to_location",
    "nai_suffix": "mms.nai_suffix",
    "recipient_limit": "mms.recipient_limit",
    "sms_to_mms_threshold": "messaging.sms_to_mms_threshold",
    "group_mms": "mms.group",
}


def config_values(entry: CarrierRules) -> dict[str, tuple[Any, str]]:
    """The config values ``entry`` states, each with where it came from."""
    values: dict[str, tuple[Any, str]] = {"carrier.rules": (entry.describe(), entry.label)}
    for field, key in CONFIG_KEYS.items():
        value = entry.get(field)
        if value is not None and value != "":
            values[key] = (value, f"{entry.label}: {entry.source_of(field)}")
    headers = entry.headers()
    if headers:
        values["mms.headers"] = (list(headers), f"{entry.label}: {entry.source_of('http_params')}")
    return values


def apply(config: Config, imsi: str, spn: str = "", gid1: str = "", mnc_length: int | None = None,
          table: RulesTable | None = None) -> tuple[Config, CarrierRules | None]:
    """``config`` with the SIM's carrier rules filled in, and the entry used (None: no entry)."""
    if not config["carrier.auto"]:
        return config, None
    entry = (table or packaged()).lookup(SimKey(imsi, spn, gid1, mnc_length))
    if entry is None:
        return config, None
    return apply_rules(config, config_values(entry)), entry
