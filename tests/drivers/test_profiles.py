"""Profile selection from identification, the override by name, and what each profile promises."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mmsua.drivers.modem import ModemIdentity
from mmsua.drivers.pdp import PdpDialect
from mmsua.drivers.profile import BEARER_INTERNAL_TCP
from mmsua.drivers.vendors import UnknownProfile, all_profiles, get_profile, select_profile
from mmsua.drivers.vendors.quectel.pdp import QuectelPdp
from mmsua.drivers.vendors.quectel.sockets import QuectelSockets

IDENTITIES = [
    # (manufacturer, model, profile) — the answers the real logs show (modem-dialects §2.3)
    ("Quectel", "EC25", "quectel"),
    ("Quectel", "EG25", "quectel"),
    ("Quectel", "BG96", "quectel"),
    ("Quectel", "EM06", "quectel"),
    ("Quectel_Ltd", "Quectel_M95", "quectel-serial"),
    ("FOXCOM MODEM", "Quectel_M26", "quectel-serial"),
    ("SIMCOM INCORPORATED", "SIMCOM_SIM7600E-H", "simcom"),
    ("SIMCOM INCORPORATED", "SIMCOM_SIM7000G", "simcom"),
    ("SIMCOM_Ltd", "SIMCOM_SIM800L", "simcom-sim800"),
    ("huawei", "E3372", "huawei"),
    ("Huawei Technologies Co., Ltd.", "ME909s-120", "huawei"),
    ("Sierra Wireless, Incorporated", "MC7455", "sierra"),
    ("u-blox", "LARA-R211", "ublox"),
    ("u-blox", "TOBY-L201", "ublox"),
    ("QUALCOMM INCORPORATED", "M6280", "generic"),
    (" WAVECOM MODEM", "MULTIBAND 900E 1800", "generic"),
    ("Telit", "HE910-D", "generic"),
    ("", "", "generic"),
]


@pytest.mark.parametrize(("manufacturer", "model", "expected"), IDENTITIES)
def test_selection(manufacturer: str, model: str, expected: str) -> None:
    assert select_profile(ModemIdentity(manufacturer, model, "", "")).name == expected


def test_override_by_name_and_unknown_name() -> None:
    identity = ModemIdentity("Quectel", "EC25", "", "")
    assert select_profile(identity, "generic").name == "generic"
    assert get_profile(" Huawei ").name == "huawei"
    with pytest.raises(UnknownProfile, match="known: generic"):
        get_profile("nokia")


def test_every_profile_is_consistent() -> None:
    names = [p.name for p in all_profiles()]
    assert len(names) == len(set(names))
    for profile in all_profiles():
        assert profile.bearers, profile.name
        # a profile offering the internal stack names the class that drives it
        assert (BEARER_INTERNAL_TCP in profile.bearers) == (profile.sockets is not None), profile.name
        assert isinstance(profile.pdp, PdpDialect)
        assert profile.timeout_for("AT+CGACT=1,2") >= 60, profile.name
        assert profile.timeout_for("AT+CSQ") is None
        if profile.direct_delivery_ok is False:
            assert profile.cnma_command is None


def test_quectel_dialect() -> None:
    q = get_profile("quectel")
    assert q.sockets is not None and q.sockets.load() is QuectelSockets and q.socket_dialect == "quectel" and isinstance(q.pdp, QuectelPdp)
    assert q.sms_ready.poll == "AT+QINISTAT" and "+QIND: SMS DONE" in q.sms_ready.urcs
    assert q.cnmi_modes[0] == 1  # Qualcomm-based firmware refuse CNMI mode 2
    assert q.timeout_for("AT+QIACT=2") == 150.0


def test_adding_a_vendor_is_one_folder(tmp_path, monkeypatch) -> None:
    """A folder dropped into the vendors package is found: no registry list to edit."""
    import sys

    import mmsua.drivers.vendors as vendors

    (tmp_path / "telit").mkdir()
    (tmp_path / "telit" / "__init__.py").write_text(
        "from mmsua.drivers.profile import Profile\n"
        'PROFILES = (Profile(name="telit", description="Telit LE910", manufacturer_patterns=("telit",)),)\n'
    )
    monkeypatch.setattr(vendors, "__path__", [*vendors.__path__, str(tmp_path)])
    try:
        found = vendors.discover()
        assert [p.name for p in found.profiles][-1] == "generic"
        assert {p.name for p in found.profiles} == {p.name for p in all_profiles()} | {"telit"}
        assert found.select(ModemIdentity("Telit", "LE910C4-EU", "", "")).name == "telit"
    finally:
        sys.modules.pop("mmsua.drivers.vendors.telit", None)


def test_chained_io_auto_is_off_until_a_family_is_proven() -> None:
    # No real log shows a module taking a command before its last answer ended (docs/driver.md).
    for profile in all_profiles():
        assert not profile.chained_io_proven, profile.name
        assert profile.chained_io("auto") is False and profile.chained_io("off") is False
        assert profile.chained_io("on") is True
    proven = replace(get_profile("quectel"), chained_io_proven=True)
    assert proven.chained_io("auto") is True and proven.chained_io("off") is False
    with pytest.raises(ValueError, match="not one of auto, on, off"):
        proven.chained_io("yes")
    # The config's choices (mmsua.engine.settings, kept free of driver imports) are the driver's.
    from mmsua.drivers.profile import CHAINED_IO
    from mmsua.engine.settings import CHAINED_IO as SETTING_CHOICES

    assert SETTING_CHOICES == CHAINED_IO
