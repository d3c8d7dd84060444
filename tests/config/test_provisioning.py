"""Carrier settings from serviceproviders.xml (schema serviceproviders.2.dtd) and
Android-format apns-conf files, chosen by the SIM's IMSI, SPN and GID1."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmsua import config, provisioning
from mmsua.cli.main import main
from mmsua.provisioning import SimIdentity

# Written in the real schema: countries > providers > gsm > network-id / apn.
SERVICEPROVIDERS = """<?xml version="1.0"?>
<!DOCTYPE serviceproviders SYSTEM "serviceproviders.2.dtd">
<serviceproviders format="2.0">
<country code="xx">
  <name>Testland</name>
  <provider primary="true">
    <name>Hostnet</name>
    <name xml:lang="xx">Hostnet Mobil</name>
    <gsm>
      <network-id mcc="001" mnc="01"/>
      <apn value="internet.host">
        <usage type="internet"/>
      </apn>
      <apn value="mms.host">
        <usage type="mms"/>
        <name>Hostnet MMS</name>
        <username>mms</username>
        <password>secret</password>
        <authentication method="chap"/>
        <mmsc>http://mmsc.host.example/mms</mmsc>
        <mmsproxy>10.1.1.1:8080</mmsproxy>
      </apn>
    </gsm>
  </provider>
  <provider primary="false">
    <name>Lyca Mobile</name>
    <gsm>
      <network-id mcc="001" mnc="01"/>
      <apn value="data.lyca">
        <plan type="prepaid"/>
        <usage type="internet"/>
      </apn>
      <apn value="data.lyca">
        <usage type="mms"/>
        <mmsc>http://mms.lyca.example/</mmsc>
        <mmsproxy>10.2.2.2:80</mmsproxy>
      </apn>
    </gsm>
  </provider>
  <provider>
    <name>Bare Talk</name>
    <gsm>
      <network-id mcc="001" mnc="01"/>
      <apn value="bare.internet"><usage type="internet"/></apn>
    </gsm>
  </provider>
  <provider>
    <name>Shared One</name>
    <gsm>
      <network-id mcc="001" mnc="02"/>
      <apn value="everything.shared">
        <usage type="mms-internet-hipri"/>
        <mmsc>http://mms.shared.example/</mmsc>
      </apn>
    </gsm>
  </provider>
  <provider>
    <name>Twodigit</name>
    <gsm>
      <network-id mcc="310" mnc="26"/>
      <apn value="mms.two"><usage type="mms"/><mmsc>http://two.example/mms</mmsc></apn>
    </gsm>
  </provider>
  <provider>
    <name>Threedigit</name>
    <gsm>
      <network-id mcc="310" mnc="260"/>
      <apn value="mms.three"><usage type="mms"/><mmsc>http://three.example/mms</mmsc><mmsproxy>[2001:db8::80]:8080</mmsproxy></apn>
    </gsm>
  </provider>
  <provider>
    <name>No Primary A</name>
    <gsm>
      <network-id mcc="001" mnc="03"/>
      <apn value="a.mms"><usage type="mms"/><mmsc>http://a.example/</mmsc></apn>
    </gsm>
  </provider>
  <provider>
    <name>No Primary B</name>
    <gsm>
      <network-id mcc="001" mnc="03"/>
      <apn value="b.mms"><usage type="mms"/><mmsc>http://b.example/</mmsc></apn>
    </gsm>
  </provider>
</country>
</serviceproviders>
"""

# Android's apns-conf.xml form: flat rows, MVNO rules, IP protocol.
APNS_CONF = """<?xml version="1.0" encoding="utf-8"?>
<apns version="8">
  <apn carrier="Host LTE" mcc="001" mnc="05" apn="ims.host" type="default,supl" />
  <apn carrier="Host MMS v6" mcc="001" mnc="05" apn="mms6.host" type="mms" protocol="IPV6"
       mmsc="http://mmsc6.host.example/mms" mmsproxy="2001:db8::1" mmsport="8080" />
  <apn carrier="Budget" mcc="001" mnc="05" apn="mms.budget" type="default,mms"
       mmsc="http://budget.example/mms" mvno_type="imsi" mvno_match_data="00105x9" />
  <apn carrier="Named" mcc="001" mnc="05" apn="mms.named" type="mms"
       mmsc="http://named.example/mms" mvno_type="spn" mvno_match_data="Named Mobile" />
  <apn carrier="Grouped" mcc="001" mnc="05" apn="mms.group" type="mms"
       mmsc="http://group.example/mms" mvno_type="gid" mvno_match_data="BA" />
</apns>
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "serviceproviders.xml"
    path.write_text(SERVICEPROVIDERS)
    return path


@pytest.fixture
def apns(tmp_path: Path) -> Path:
    path = tmp_path / "apns-conf.xml"
    path.write_text(APNS_CONF)
    return path


def test_settings_of_a_network_with_one_mms_provider(db: Path) -> None:
    match = provisioning.find(SimIdentity("00102123456789"), [db])
    assert match.chosen is not None
    assert (match.chosen.provider, match.chosen.apn, match.chosen.mmsc) == ("Shared One", "everything.shared", "http://mms.shared.example/")
    assert match.chosen.shares_internet_apn  # usage mms-internet-hipri: one context for both


def test_spn_picks_the_mvno(db: Path) -> None:
    match = provisioning.find(SimIdentity("001011234567890", spn="Lyca Mobile"), [db])
    assert match.chosen is not None and match.chosen.provider == "Lyca Mobile"
    assert match.chosen.mmsc == "http://mms.lyca.example/" and match.chosen.proxy == "10.2.2.2:80"
    assert match.chosen.shares_internet_apn  # its MMS APN is its internet APN
    assert "service provider name" in match.reason
    # SPNs come padded and in other cases; a name in another language matches too.
    assert provisioning.find(SimIdentity("001011234567890", spn="  LYCA mobile "), [db]).chosen.provider == "Lyca Mobile"
    assert provisioning.find(SimIdentity("001011234567890", spn="Hostnet Mobil"), [db]).chosen.provider == "Hostnet"


def test_no_spn_falls_back_to_the_primary_provider(db: Path) -> None:
    match = provisioning.find(SimIdentity("001011234567890"), [db])
    assert match.chosen is not None and match.chosen.provider == "Hostnet"
    assert "primary" in match.reason
    chosen = match.chosen
    assert (chosen.apn, chosen.username, chosen.password, chosen.auth) == ("mms.host", "mms", "secret", "chap")
    assert not chosen.shares_internet_apn  # mms.host is its own APN
    assert chosen.pdp_type == "IP"


def test_spn_of_a_provider_without_mms_settings_is_not_guessed(db: Path) -> None:
    match = provisioning.find(SimIdentity("001011234567890", spn="Bare Talk"), [db])
    assert match.chosen is None
    assert "Bare Talk has no MMS settings" in match.reason
    assert {c.provider for c in match.candidates} == {"Hostnet", "Lyca Mobile"}


def test_ambiguous_network_lists_every_candidate(db: Path) -> None:
    match = provisioning.find(SimIdentity("001031234567890", spn="Somebody Else"), [db])
    assert match.chosen is None and match.ambiguous
    assert sorted(c.provider for c in match.candidates) == ["No Primary A", "No Primary B"]
    assert "pick one of the candidates" in match.reason


def test_imsi_decides_between_two_and_three_digit_mnc(db: Path) -> None:
    three = provisioning.find(SimIdentity("310260555000111"), [db]).chosen
    assert three is not None and three.provider == "Threedigit" and three.mnc == "260"
    assert three.pdp_type == "IPV6"  # its proxy is an IPv6 literal: the context must carry IPv6
    assert three.proxy == "[2001:db8::80]:8080"
    two = provisioning.find(SimIdentity("310260555000111", mnc_length=2), [db]).chosen
    assert two is not None and two.provider == "Twodigit"
    assert provisioning.find(SimIdentity("310269555000111"), [db]).chosen.provider == "Twodigit"


def test_android_rules_imsi_range_spn_gid_and_ipv6(apns: Path) -> None:
    budget = provisioning.find(SimIdentity("001051923456789"), [apns])
    assert budget.chosen is not None and budget.chosen.provider == "Budget"
    assert budget.chosen.mvno_rule == "imsi=00105x9" and budget.chosen.shares_internet_apn
    named = provisioning.find(SimIdentity("001051123456789", spn="Named Mobile"), [apns])
    assert named.chosen.provider == "Named"
    grouped = provisioning.find(SimIdentity("001051123456789", gid1="BAFF"), [apns])
    assert grouped.chosen.provider == "Grouped"
    host = provisioning.find(SimIdentity("001051123456789"), [apns])
    assert host.chosen is not None and host.chosen.provider == "Host MMS v6"
    assert host.chosen.pdp_type == "IPV6" and host.chosen.proxy == "[2001:db8::1]:8080"
    assert not host.chosen.shares_internet_apn


def test_unknown_network_and_missing_database(db: Path, tmp_path: Path) -> None:
    assert provisioning.find(SimIdentity("999991234567"), [db]).chosen is None
    missing = provisioning.find(SimIdentity("001011234567"), [tmp_path / "absent.xml"])
    assert missing.chosen is None and "mobile-broadband-provider-info" in missing.reason


@pytest.mark.parametrize("imsi", ["", "12345", "00101abc", "1" * 16])
def test_bad_imsi_is_a_clear_error(imsi: str) -> None:
    with pytest.raises(provisioning.ProvisioningError, match="IMSI"):
        SimIdentity(imsi)


def test_broken_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.xml"
    bad.write_text("<serviceproviders><country code='x'>")
    with pytest.raises(provisioning.ProvisioningError, match="cannot read carrier database"):
        provisioning.find(SimIdentity("001011234567"), [bad])
    other = tmp_path / "other.xml"
    other.write_text("<html/>")
    with pytest.raises(provisioning.ProvisioningError, match="neither"):
        provisioning.find(SimIdentity("001011234567"), [other])


def test_apply_fills_only_unset_values_and_names_the_source(db: Path, tmp_path: Path) -> None:
    file = tmp_path / "c.toml"
    file.write_text(f'[mms]\nproxy = "192.0.2.1:3128"\n[carrier]\ndatabases = ["{db}"]\n')
    cfg, match = provisioning.apply(config.load(file), SimIdentity("001011234567890", spn="Lyca Mobile"))
    assert match.chosen.provider == "Lyca Mobile"
    assert cfg["mms.apn"] == "data.lyca" and cfg.source("mms.apn") == "carrier database (serviceproviders.xml: Lyca Mobile)"
    assert cfg["mms.proxy"] == "192.0.2.1:3128" and cfg.source("mms.proxy").startswith("config file")
    off = config.load(file).with_values({"carrier.auto": False}, "command line")
    unchanged, why = provisioning.apply(off, SimIdentity("001011234567890"))
    assert unchanged["mms.apn"] == "" and "carrier.auto is off" in why.reason


def test_config_show_previews_carrier_settings(db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nocfg"))
    monkeypatch.setenv(provisioning.ENV_OVERRIDE, str(db))
    assert main(["config", "--show", "--imsi", "001031234567890"]) == 0
    out = capsys.readouterr().out
    assert "candidate: No Primary A" in out and "candidate: No Primary B" in out
    assert main(["config", "--show", "--imsi", "001011234567890", "--spn", "Lyca Mobile", "--mmsc", "http://mine/"]) == 0
    out = capsys.readouterr().out
    apn_row = next(line for line in out.splitlines() if line.startswith("mms.apn"))
    mmsc_row = next(line for line in out.splitlines() if line.startswith("mms.mmsc"))
    assert "data.lyca" in apn_row and "(carrier database (serviceproviders.xml: Lyca Mobile))" in apn_row
    assert "http://mine/" in mmsc_row and "(command line)" in mmsc_row
    assert "MMS uses the internet APN" in out


REAL = provisioning.SYSTEM_DATABASE


@pytest.mark.skipif(not REAL.exists(), reason=f"{REAL} absent: install the Debian package mobile-broadband-provider-info to test against the real database")
def test_real_database_parses_and_resolves_an_mvno() -> None:
    entries = provisioning._read(REAL)
    assert len(entries) > 300 and any(e.mms for e in entries)
    # giffgaff rides on O2 UK (234/10): several providers share the network, the SPN decides.
    giffgaff = provisioning.find(SimIdentity("234101234567890", spn="giffgaff"), [REAL])
    assert giffgaff.chosen is not None and giffgaff.chosen.provider == "giffgaff"
    assert giffgaff.chosen.mmsc.startswith("http://")
    unnamed = provisioning.find(SimIdentity("234101234567890"), [REAL])
    assert unnamed.chosen is None and unnamed.candidates  # not guessed; candidates listed


def test_streamed_reading_keeps_each_providers_country(tmp_path: Path) -> None:
    # The database is read one provider at a time (memory); each provider still gets
    # the code of the country it is in, also after an earlier country's providers.
    two_countries = SERVICEPROVIDERS.replace(
        "</serviceproviders>",
        """<country code="yy"><name>Otherland</name>
  <provider><name>Far Away</name><gsm><network-id mcc="002" mnc="07"/>
    <apn value="mms.far"><usage type="mms"/><mmsc>http://far.example/mms</mmsc></apn></gsm></provider>
</country>
</serviceproviders>""",
    )
    path = tmp_path / "serviceproviders.xml"
    path.write_text(two_countries)
    far = provisioning.find(SimIdentity("002071234567890"), [path]).chosen
    assert far is not None and (far.provider, far.country, far.apn) == ("Far Away", "yy", "mms.far")
    host = provisioning.find(SimIdentity("001011234567890"), [path]).chosen
    assert host is not None and (host.provider, host.country) == ("Hostnet", "xx")
    path.write_text(two_countries[: len(two_countries) // 2])  # cut short mid-file
    with pytest.raises(provisioning.ProvisioningError, match="cannot read carrier database"):
        provisioning.find(SimIdentity("001011234567890"), [path])
    path.write_text("")
    with pytest.raises(provisioning.ProvisioningError, match="cannot read carrier database"):
        provisioning.find(SimIdentity("001011234567890"), [path])
