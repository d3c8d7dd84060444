"""A vendor added from outside the tree, through the ``mmsua.vendors`` entry-point group.

The plugin is a distribution written into a temporary folder (a package and its
dist-info with entry_points.txt) put on sys.path, as pip would install it; the
driver finds it by importlib.metadata, selects its profile for the modem it names,
frames with its URC names, knows its USB ids, and plays a recorded fixture with it.
The vendor itself is invented for the test ("Example"); the fixture is the real
Qualcomm M6280 log of hw_fixtures/generic/qualcomm-m6280/.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from hwreplay import assert_played, no_sleep, replay_channel

from mmsua.drivers import vendors
from mmsua.drivers.at.framing import AtFramer, Unsolicited
from mmsua.drivers.modem import Modem
from mmsua.drivers.ports import SerialPort, choose_port

PLUGIN = "mmsua_vendor_example"

PROFILE_SOURCE = textwrap.dedent(
    """
    from mmsua.drivers.at.urcs import UrcTable
    from mmsua.drivers.profile import BEARER_PPP, Profile, UsbModem, timeouts

    PROFILES = (
        Profile(
            name="example-m6280",
            description="the M6280 stick, as a third-party vendor package describes it",
            manufacturer_patterns=("qualcomm",),
            model_patterns=("m6280",),
            init_commands=("AT+CGEREP=2,1",),
            bearers=(BEARER_PPP,),
            timeouts=timeouts(),
            urcs=UrcTable(always=("+EXAMPLEIND:",)),
            usb=(UsbModem(0xFFF0, 0x0001, "Example", "M6280 stick", 1),),
        ),
    )
    """
)


def install(site: Path, entry_points: str, files: dict[str, str]) -> None:
    """A distribution as pip leaves it in site-packages: the package and its dist-info."""
    for name, text in files.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    info = site / "mmsua_vendor_example-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mmsua-vendor-example\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{vendors.ENTRY_POINT_GROUP}]\n{entry_points}\n")


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A site folder on sys.path; afterwards the vendors are loaded again without it."""
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    try:
        yield folder
    finally:
        monkeypatch.undo()
        for name in [m for m in sys.modules if m == PLUGIN or m.startswith(PLUGIN + ".")]:
            del sys.modules[name]
        vendors.reload()


def test_an_installed_vendor_package_is_found_and_plays_a_fixture(site: Path) -> None:
    install(site, f"example = {PLUGIN}", {f"{PLUGIN}/__init__.py": PROFILE_SOURCE})
    loaded = vendors.reload()
    names = [p.name for p in loaded.profiles]
    assert "example-m6280" in names and names[-1] == "generic"  # the fallback stays last
    # Its URC names reach the channel's framer, its USB ids the port finder.
    framer = AtFramer(vendors.known_urcs())
    framer.feed(b"+EXAMPLEIND: 1\r\n")
    assert framer.events() == [Unsolicited("+EXAMPLEIND", "+EXAMPLEIND: 1")]
    choice = choose_port([SerialPort("/dev/ttyUSB1", 0xFFF0, 0x0001, 1)], links={}, probe=None)
    assert "Example M6280 stick" in choice.reason

    with replay_channel("generic/qualcomm-m6280/startup-pin.txt") as channel:
        assert channel.urcs.kind("+EXAMPLEIND: 1") == "always"
        modem = Modem(channel, pin="1234", sleep=no_sleep)
        identity = modem.start()
        assert modem.profile is not None and modem.profile.name == "example-m6280"
        assert identity.model == "M6280"
        assert modem.unlock() == "READY"
        assert modem.radio_on() == 0
        assert modem.imsi() == "111111111111111"
        assert modem.registration().state == "home"
        assert modem.signal().rssi_dbm == -77
        assert_played(channel)


def test_without_the_package_the_same_modem_is_generic(site: Path) -> None:
    with replay_channel("generic/qualcomm-m6280/startup-pin.txt") as channel:
        modem = Modem(channel, pin="1234", sleep=no_sleep)
        modem.start()
        assert modem.profile is not None and modem.profile.name == "generic"


def test_a_plugin_that_fails_to_import_is_named_with_its_error(site: Path) -> None:
    install(site, f"example = {PLUGIN}", {f"{PLUGIN}/__init__.py": "import mmsua_no_such_dependency\n"})
    with pytest.raises(vendors.VendorPluginError) as info:
        vendors.reload()
    message = str(info.value)
    assert "vendor plugin 'example'" in message and "mmsua-vendor-example 1.0" in message
    assert "failed to load: ModuleNotFoundError" in message and "mmsua_no_such_dependency" in message


def test_a_plugin_naming_no_profile_is_refused(site: Path) -> None:
    install(site, f"example = {PLUGIN}:NOT_A_PROFILE", {f"{PLUGIN}/__init__.py": "NOT_A_PROFILE = 42\n"})
    with pytest.raises(vendors.VendorPluginError, match=r"vendor plugin 'example'.*expected a Profile.*got 42"):
        vendors.reload()


def test_a_plugin_reusing_a_profile_name_is_refused(site: Path) -> None:
    source = "from mmsua.drivers.profile import Profile\nPROFILES = (Profile(name='quectel', description='a second quectel'),)\n"
    install(site, f"example = {PLUGIN}", {f"{PLUGIN}/__init__.py": source})
    with pytest.raises(vendors.VendorPluginError, match="two vendors define a profile named 'quectel'"):
        vendors.reload()
