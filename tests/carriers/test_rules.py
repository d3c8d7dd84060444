"""The committed carrier rules table and its lookup, on real entries."""

from __future__ import annotations

import json
import os

import pytest

from mmsua import config
from mmsua.carriers import apply
from mmsua.carriers.rules import RULES_FILE, RulesError, SimKey, load, packaged, parse

AOSP_MESSAGING = "LineageOS/android_packages_apps_Messaging"
AOSP_CARRIERCONFIG = "GrapheneOS-Archive/platform_packages_apps_CarrierConfig"


def test_the_table_has_every_carrier_the_sources_give_each_with_its_sources() -> None:
    table = packaged()
    assert len(table) == 184 and len(table.by_network) == 181
    for entries in table.by_network.values():
        for entry in entries:
            assert entry.sources and all(len(s.commit) == 40 and s.repo in (AOSP_MESSAGING, AOSP_CARRIERCONFIG) for s in entry.sources)
            assert all(source in entry.sources for _, source in entry.value_sources)


def test_att_by_its_three_digit_mnc() -> None:
    entry = packaged().lookup(SimKey("310410123456789"))
    assert entry is not None and (entry.name, entry.mcc, entry.mnc) == ("AT&T", "310", "410")
    assert entry.get("max_message_size") == 1048576 and entry.get("recipient_limit") == 10
    assert entry.headers() == () and entry.get("user_agent") is None
    assert "assets/carrier_config_310410.xml" in entry.source_of("max_message_size")


def test_verizon_profile_header_http_params_and_quirks() -> None:
    entry = packaged().lookup(SimKey("311480123456789"))
    assert entry is not None and entry.name == "Verizon"
    assert entry.get("uaprof_header") == "Profile"
    assert entry.headers() == ("x-up-calling-line-id: 1##LINE1NOCOUNTRYCODE##", "X-VzW-MDN: 1##LINE1NOCOUNTRYCODE##")
    assert entry.get("close_connection") is True and entry.get("sms_to_mms_threshold") == 7
    assert entry.get("email_gateway") == "6245" and entry.get("alias_enabled") is True
    assert entry.get("notify_wap_mmsc") is True and entry.get("append_transaction_id") is True
    assert entry.get("max_message_size") == 1258291 and entry.get("recipient_limit") == 20


def test_nai_header_and_suffix_of_a_cdma_carrier() -> None:
    entry = packaged().lookup(SimKey("310120123456789"))
    assert entry is not None
    assert entry.headers() == ("X-MDN: ##LINE1##", "Proxy-Authorization: Basic ##NAI##")
    assert entry.get("nai_suffix") == ":pcs"


@pytest.mark.parametrize("gid1", ["BA01450000000000", "ba01450000000000", "BA01450000000000FFFF"])
def test_an_mvno_is_told_from_its_host_by_gid1(gid1: str) -> None:
    entry = packaged().lookup(SimKey("311480123456789", gid1=gid1))
    assert entry is not None and entry.name == "XFINITY Mobile" and dict(entry.match) == {"gid1": "BA01450000000000"}
    assert entry.get("uaprof_header") == "Profile"  # the host's rules carry over
    other = packaged().lookup(SimKey("311480123456789", gid1="BA01270000000001"))
    assert other is not None and other.name == "Verizon" and other.match == ()


def test_an_mvno_is_told_by_an_imsi_range() -> None:
    fi = packaged().lookup(SimKey("310260971234567"))
    tmo = packaged().lookup(SimKey("310260123456789"))
    assert fi is not None and fi.name == "Fi Network" and tmo is not None and tmo.name == "T-Mobile"


def test_two_digit_mnc_and_no_entry() -> None:
    o2 = packaged().lookup(SimKey("234101234567890"))
    assert o2 is not None and (o2.name, o2.mnc) == ("O2", "10")
    assert packaged().lookup(SimKey("234101234567890", mnc_length=3)) is None  # the SIM says 234/101
    assert packaged().lookup(SimKey("262011234567890")) is None
    assert packaged().lookup(SimKey("not-an-imsi")) is None


def test_the_users_config_wins_and_every_value_says_where_it_came_from(tmp_path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[mms]\nmax_size = 600000\nuser_agent = "MyPhone/1"\n')
    filled, entry = apply.apply(config.load(path), "311480123456789")
    assert entry is not None
    assert filled["mms.max_size"] == 600000 and filled.source("mms.max_size").startswith("config file")
    assert filled["mms.user_agent"] == "MyPhone/1"
    assert filled["mms.uaprof_header"] == "Profile"
    assert filled.source("mms.uaprof_header") == f"carrier rules (Verizon 311/480: {AOSP_CARRIERCONFIG} assets/carrier_config_311480.xml@c41d9b2a6c)"
    assert filled["mms.recipient_limit"] == 20 and filled["messaging.sms_to_mms_threshold"] == 7 and filled["mms.group"] is True
    settings = filled.to_agent_settings()
    assert settings.close_connection and settings.carrier.startswith("Verizon 311/480 (")
    assert settings.extra_headers == ("x-up-calling-line-id: 1##LINE1NOCOUNTRYCODE##", "X-VzW-MDN: 1##LINE1NOCOUNTRYCODE##")


def test_carrier_auto_off_leaves_the_defaults() -> None:
    off = config.load(os.devnull, {"carrier.auto": False})
    filled, entry = apply.apply(off, "311480123456789")
    assert entry is None and filled.values == off.values


def test_a_damaged_table_is_refused_with_a_clear_error(tmp_path) -> None:
    document = json.loads(RULES_FILE.read_text())
    document["entries"][3]["values"]["max_message_size"] = "big"
    with pytest.raises(RulesError, match="entry 3: max_message_size must be int"):
        parse(document)
    document["entries"][3]["values"]["max_message_size"] = 1000
    document["entries"][5]["mcc"] = "31"
    with pytest.raises(RulesError, match="entry 5: bad MCC/MNC"):
        parse(document)
    with pytest.raises(RulesError, match="not a carrier rules table"):
        parse([])
    bad = tmp_path / "rules.json"
    bad.write_text("{not json")
    with pytest.raises(RulesError, match="rules.json"):
        load(bad)
