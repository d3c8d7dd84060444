"""tools/build_carrier_rules.py on two small git repositories shaped like the AOSP sources."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASE = """<mms_config version="4"><int name="maxMessageSize">307200</int><int name="recipientLimit">-1</int></mms_config>"""
OVERLAY = """<?xml version="1.0" encoding="utf-8"?>
<mms_config version="4">
    <int name="maxMessageSize">1048576</int>
    <int name="recipientLimit">10</int>
    <string name="httpParams">X-MDN: ##LINE1##</string>
    <bool name="enableGroupMms">false</bool>
    <int name="maxImageHeight">1944</int>
    <bool name="allowAttachAudio">false</bool>
</mms_config>"""
ASSET = """<carrier_config_list>
    <carrier_config>
        <int name="maxMessageSize" value="2097152" />
        <boolean name="mmsCloseConnection" value="true" />
        <string name="uaProfTagName">Profile</string>
        <boolean name="rtt_supported_bool" value="true" />
    </carrier_config>
    <carrier_config gid1="BA01450000000000">
        <string name="carrier_name_string">Example MVNO</string>
        <int name="recipientLimit" value="5" />
    </carrier_config>
    <carrier_config device="shamu"><int name="maxMessageSize" value="1" /></carrier_config>
</carrier_config_list>"""
NAMES = """<?xml version="1.0"?><!DOCTYPE serviceproviders SYSTEM "serviceproviders.2.dtd">
<serviceproviders format="2.0"><country code="us">
  <provider><name>An MVNO</name><gsm><network-id mcc="310" mnc="410"/></gsm></provider>
  <provider><name>Example Net</name><gsm><network-id mcc="310" mnc="410"/><network-id mcc="310" mnc="411"/></gsm></provider>
</country></serviceproviders>"""


def _repo(path: Path, files: dict[str, str]) -> str:
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git = ["git", "-C", str(path), "-c", "user.name=t", "-c", "user.email=t@example"]
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "data"], check=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()


def _build(tmp_path: Path, asset: str = ASSET) -> tuple[int, str, Path]:
    messaging = tmp_path / "messaging"
    carrierconfig = tmp_path / "carrierconfig"
    _repo(messaging, {"res/xml/mms_config.xml": BASE, "res/xml-mcc310-mnc410/mms_config.xml": OVERLAY})
    commit = _repo(carrierconfig, {"assets/carrier_config_310410.xml": asset, "assets/carrier_config_001001.xml": asset})
    names = tmp_path / "sp.xml"
    names.write_text(NAMES)
    out = tmp_path / "rules.json"
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "build_carrier_rules.py"), "--messaging", str(messaging / ".git"),
                          "--carrierconfig", str(carrierconfig / ".git"), "--carrierconfig-commit", commit,
                          "--carrierconfig-repo", "example/CarrierConfig", "--names", str(names), "--out", str(out)],
                         capture_output=True, text=True)
    return run.returncode, run.stdout + run.stderr, out


def test_values_merge_with_their_sources_and_mvno_blocks_become_entries(tmp_path: Path) -> None:
    status, output, out = _build(tmp_path)
    assert status == 0, output
    assert "2 entries (1 networks, 1 MVNO refinements)" in output
    table = json.loads(out.read_text())
    base, mvno = table["entries"]  # the test network 001/001 and the device= block are left out
    assert (base["mcc"], base["mnc"], base["name"], base["match"]) == ("310", "410", "Example Net", {})
    assert base["values"] == {"max_message_size": 2097152, "recipient_limit": 10, "http_params": "X-MDN: ##LINE1##",
                              "group_mms": False, "max_image_height": 1944, "close_connection": True, "uaprof_header": "Profile"}
    sources = base["sources"]
    assert sources[0]["path"] == "res/xml-mcc310-mnc410/mms_config.xml" and sources[1]["repo"] == "example/CarrierConfig"
    assert sources[base["value_source"]["max_message_size"]]["path"] == "assets/carrier_config_310410.xml"  # CarrierConfig wins
    assert sources[base["value_source"]["http_params"]]["path"] == "res/xml-mcc310-mnc410/mms_config.xml"
    assert mvno["name"] == "Example MVNO" and mvno["match"] == {"gid1": "BA01450000000000"}
    assert mvno["values"]["recipient_limit"] == 5 and mvno["values"]["uaprof_header"] == "Profile"
    assert table["defaults"]["values"]["max_message_size"] == 307200 and table["defaults"]["values"]["recipient_limit"] == 0


@pytest.mark.parametrize("asset,words", [
    ('<carrier_config_list><carrier_config><int name="maxMessageSize" value="big" /></carrier_config></carrier_config_list>', "expected a number"),
    ('<!DOCTYPE x [<!ENTITY a "aaaa">]><carrier_config_list/>', "entity declarations"),
    ("<carrier_config_list>", "carrier_config_310410.xml"),
])
def test_bad_source_files_stop_the_build_with_the_file_named(tmp_path: Path, asset: str, words: str) -> None:
    status, output, out = _build(tmp_path, asset)
    assert status == 1 and words in output and not out.exists()
