"""The daemon's start-up logic: carrier provisioning from the engine's SIM identity."""

from __future__ import annotations

from pathlib import Path

import pytest
from bookagent import BookAgent

from mmsua import config
from mmsua.daemon.runner import check, provision

DATABASE = """<?xml version="1.0"?>
<serviceproviders format="2.0"><country code="xx">
  <provider><name>Example Mobile</name><gsm><network-id mcc="001" mnc="01"/>
    <apn value="mms.example"><usage type="mms"/><mmsc>http://mmsc.example/mms</mmsc><mmsproxy>10.0.0.1:8080</mmsproxy></apn>
  </gsm></provider>
</country></serviceproviders>
"""


class SimAgent(BookAgent):
    def __init__(self, identity: dict | None) -> None:
        super().__init__()
        self.identity = identity
        self.updates: list = []

    def sim_identity(self) -> dict | None:
        return self.identity

    def update_settings(self, settings) -> None:
        self.updates.append(settings)


def configured(tmp_path: Path, **cli) -> config.Config:
    database = tmp_path / "sp.xml"
    database.write_text(DATABASE)
    file = tmp_path / "c.toml"
    file.write_text(f'[carrier]\ndatabases = ["{database}"]\n')
    return config.load(file, cli)


def test_provision_fills_and_hands_new_settings_to_the_engine(tmp_path: Path) -> None:
    agent = SimAgent({"imsi": "001011234567890", "spn": "Example Mobile", "own_number": "+15550100001"})
    result = provision(configured(tmp_path, **{"mms.proxy": "192.0.2.9:80"}), agent)
    assert result["mms.apn"] == "mms.example" and result.source("mms.apn").startswith("carrier database")
    assert result["mms.proxy"] == "192.0.2.9:80"  # the command line wins
    assert result["identity.own_number"] == "+15550100001" and result.source("identity.own_number") == "SIM"
    [settings] = agent.updates
    assert settings.apn == "mms.example" and settings.mmsc_url == "http://mmsc.example/mms" and settings.proxy == "192.0.2.9:80"


def test_provision_leaves_config_alone_without_a_sim_or_a_match(tmp_path: Path) -> None:
    base = configured(tmp_path)
    assert provision(base, SimAgent(None)) is base
    unknown = SimAgent({"imsi": "999991234567890"})
    assert provision(base, unknown)["mms.apn"] == "" and unknown.updates == []
    broken = SimAgent({"imsi": "not-an-imsi"})
    assert provision(base, broken) is base


def test_provision_applies_the_sims_carrier_rules_and_the_engine_gets_them(tmp_path: Path) -> None:
    # XFINITY Mobile rides on Verizon's 311/480 and is told apart by the SIM's GID1.
    agent = SimAgent({"imsi": "311480123456789", "spn": "", "gid1": "BA01450000000000FFFF", "own_number": "+13125550123"})
    result = provision(configured(tmp_path, **{"mms.max_size": 500000}), agent)
    assert result["mms.max_size"] == 500000 and result.source("mms.max_size") == "command line"
    assert result.source("mms.uaprof_header").startswith("carrier rules (XFINITY Mobile 311/480, gid1 BA01450000000000: ")
    [settings] = agent.updates
    assert settings.carrier.startswith("XFINITY Mobile 311/480, gid1 BA01450000000000 (")
    assert settings.uaprof_header == "Profile" and settings.close_connection and settings.recipient_limit == 20
    assert settings.sms_to_mms_threshold == 7 and settings.carrier_group_mms and settings.max_message_size == 500000


def test_only_the_port_is_required_to_start() -> None:
    assert check(config.load("/dev/null", {"modem.port": "/dev/ttyUSB2"})) == []
    [problem] = check(config.load("/dev/null"))
    assert problem.startswith("modem.port")


def test_memory_helpers_call_glibc_and_are_no_ops_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from mmsua.daemon import memory

    calls: list[tuple[str, tuple[int, ...]]] = []

    class FakeLibc:
        def mallopt(self, *args: int) -> int:
            calls.append(("mallopt", args))
            return 1

        def malloc_trim(self, *args: int) -> int:
            calls.append(("malloc_trim", args))
            return 1

    monkeypatch.setattr(memory, "_libc", FakeLibc)
    memory.fewer_malloc_arenas()
    memory.return_free_memory()
    assert calls == [("mallopt", (memory.M_ARENA_MAX, 2)), ("malloc_trim", (0,))]
    monkeypatch.setattr(memory, "_libc", lambda: None)  # musl, macOS: nothing to call, nothing raised
    memory.fewer_malloc_arenas()
    memory.return_free_memory()


def test_the_signal_handler_only_sets_flags(tmp_path: Path) -> None:
    # The handler runs between any two bytecodes of the main thread, which may be inside
    # logging or an event publish holding a lock: a handler that logged could wait on a
    # lock its own thread holds (a SIGTERM right after start once hung the daemon).
    import logging
    import signal

    from mmsua.daemon.runner import Daemon

    daemon = Daemon(config.load(None, {"modem.port": "/dev/null"}), tmp_path / "api.sock", probe_sim=False)
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    root, level = logging.getLogger(), logging.getLogger().level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        daemon._on_signal(signal.SIGTERM, None)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert records == []
    assert daemon._signal == signal.SIGTERM  # run() sees it when the wake-up fd wakes its loop


def test_with_apn_mmsc_and_proxy_given_an_unknown_carrier_is_not_worth_a_log_line(tmp_path: Path, caplog) -> None:
    import logging

    given = configured(tmp_path, **{"mms.apn": "mms.own", "mms.mmsc": "http://mmsc.own/mms", "mms.proxy": "10.1.1.1:80"})
    with caplog.at_level(logging.INFO, logger="mmsua"):
        provision(given, SimAgent({"imsi": "999991234567890"}))
    assert not [r for r in caplog.records if r.levelno >= logging.INFO and "carrier settings" in r.getMessage()]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="mmsua"):  # with the MMSC left to the database it is news
        provision(configured(tmp_path), SimAgent({"imsi": "999991234567890"}))
    assert any("carrier settings not chosen" in r.getMessage() for r in caplog.records)
