from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import pytest

from mmsua import config, paths
from mmsua.cli.main import main


@pytest.fixture(autouse=True)
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path / "run"))
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_paths_follow_xdg_and_the_socket_fallback(xdg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert paths.config_file() == xdg / "cfg" / "mmsua" / "config.toml"
    assert paths.data_dir() == xdg / "data" / "mmsua"
    assert paths.socket_path() == xdg / "run" / "mmsua" / "api.sock"
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert paths.socket_path() == Path(f"/tmp/mmsua-{os.getuid()}/api.sock")
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/ignored")  # the spec says: ignore relative paths
    assert paths.config_dir() == Path.home() / ".config" / "mmsua"


def test_private_dir_is_0700(xdg: Path) -> None:
    target = xdg / "a" / "b"
    target.mkdir(parents=True, mode=0o755)
    target.chmod(0o755)
    paths.ensure_private_dir(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o700


def test_defaults_when_there_is_no_file() -> None:
    cfg = config.load()
    assert cfg["mms.max_size"] == 300 * 1024
    assert cfg.source("mms.apn") == "default"
    assert cfg.file is None


def test_precedence_default_file_cli(xdg: Path) -> None:
    write(paths.config_file(), '[mms]\napn = "file.apn"\nmmsc = "http://file/mms"\n[modem]\nport = "/dev/ttyUSB9"\n')
    cfg = config.load(cli={"mms.apn": "cli.apn", "mms.mmsc": None})
    assert cfg["mms.apn"] == "cli.apn" and cfg.source("mms.apn") == "command line"
    assert cfg["mms.mmsc"] == "http://file/mms" and cfg.source("mms.mmsc") == f"config file {paths.config_file()}"
    assert cfg.source("mms.cid") == "default"


def test_carrier_and_sim_fill_only_what_nobody_set(tmp_path: Path) -> None:
    path = write(tmp_path / "c.toml", '[mms]\nproxy = "10.0.0.1:8080"\n')
    cfg = config.load(path, {"mms.apn": "mine"})
    cfg = config.apply_carrier(cfg, {"mms.apn": "db.apn", "mms.proxy": "1.2.3.4:80", "mms.mmsc": "http://db/mms"}, "test.xml: Example")
    assert cfg["mms.apn"] == "mine"
    assert cfg["mms.proxy"] == "10.0.0.1:8080"
    assert cfg["mms.mmsc"] == "http://db/mms" and cfg.source("mms.mmsc") == "carrier database (test.xml: Example)"
    cfg = config.apply_sim(cfg, {"identity.own_number": "+447700900123"})
    assert cfg.source("identity.own_number") == "SIM"
    # A value from the file beats the SIM.
    cfg2 = config.apply_sim(config.load(write(tmp_path / "o.toml", '[identity]\nown_number = "+1"\n')), {"identity.own_number": "+2"})
    assert cfg2["identity.own_number"] == "+1"


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("[mms]\napn = \n", "not valid TOML"),
        ('[mms]\napnn = "x"\n', "unknown setting 'mms.apnn'"),
        ('[mms]\ncid = "two"\n', "expected a whole number"),
        ('[mms]\nbearer = "carrier-pigeon"\n', "not one of modem, interface, ppp"),
        ('[mms]\nmmsc = "mmsc.example/mms"\n', "http:// or https://"),
        ('[mms]\nproxy = "2001:db8::1:8080"\n', "in brackets"),
        ('[mms]\nproxy = "host:99999"\n', "port must be"),
        ('[hooks]\non_message = "forward --to me"\n', "never run through a shell"),
        ('[reports]\ndelivery = "maybe"\n', "true or false"),
        ('apn = "top-level"\n', "must be a [section]"),
    ],
)
def test_bad_config_files_are_clear_errors(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(config.ConfigError) as caught:
        config.load(path)
    assert fragment in str(caught.value)


def test_a_named_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="cannot read config file"):
        config.load(tmp_path / "nope.toml")


def test_proxy_forms() -> None:
    assert config.parse_proxy("10.0.0.1:8080") == ("10.0.0.1", 8080)
    assert config.parse_proxy("[2001:db8::1]:8080") == ("2001:db8::1", 8080)
    assert config.parse_proxy("http://proxy.example:3128/") == ("proxy.example", 3128)
    assert config.parse_proxy("proxy.example") == ("proxy.example", 80)
    assert config.parse_proxy("") is None


def test_agent_settings_carry_every_value(tmp_path: Path) -> None:
    path = write(
        tmp_path / "full.toml",
        """
[modem]
port = "/dev/ttyUSB2"
profile = "quectel"
pin = "1234"
[mms]
apn = "mms.example"
cid = 3
pdp_type = "ipv6"
mmsc = "http://[2001:db8::5]/mms"
proxy = "[2001:db8::1]:8080"
user_agent = "Phone/1.0"
uaprof = "http://example/uaprof.xml"
max_size = 614400
bearer = "interface"
interface = "wwan0"
[policy]
retrieval = "manual"
[reports]
delivery = true
[hooks]
on_message = ["/bin/true", "--flag"]
timeout = 5
[store]
path = "%s"
"""
        % (tmp_path / "store"),
    )
    settings = config.load(path).to_agent_settings()
    assert settings.port == "/dev/ttyUSB2" and settings.profile == "quectel" and settings.pin == "1234"
    assert settings.apn == "mms.example" and settings.cid == 3 and settings.pdp_type == "IPV6"
    assert settings.proxy == "[2001:db8::1]:8080" and settings.mmsc_url == "http://[2001:db8::5]/mms"
    assert settings.user_agent == "Phone/1.0" and settings.uaprof_url == "http://example/uaprof.xml"
    assert settings.max_message_size == 614400
    assert settings.bearer == "interface" and settings.interface == "wwan0"
    assert settings.retrieval_policy == "manual" and settings.delivery_report is True
    assert settings.on_message_command == ("/bin/true", "--flag") and settings.on_message_timeout == 5
    assert settings.store_path == str(tmp_path / "store")


def test_cli_flags_reach_the_config() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    config.add_arguments(parser)
    args = parser.parse_args(
        ["--port", "/dev/ttyUSB2", "--apn", "mms.example", "--mmsc", "http://mmsc.example/mms", "--proxy", "10.0.0.1:8080", "--bearer", "modem", "--store", "/tmp/x"]
    )
    cfg = config.from_args(args)
    for key, value in [("modem.port", "/dev/ttyUSB2"), ("mms.apn", "mms.example"), ("mms.mmsc", "http://mmsc.example/mms"), ("mms.proxy", "10.0.0.1:8080"), ("mms.bearer", "modem"), ("store.path", "/tmp/x")]:
        assert cfg[key] == value and cfg.source(key) == "command line"


@pytest.mark.parametrize("show", [["--show"], []], ids=["--show", "no flag"])
def test_config_show_prints_value_and_source(xdg: Path, capsys: pytest.CaptureFixture[str], show: list[str]) -> None:
    """`mmsua config` shows with or without --show: showing is its only job."""
    write(paths.config_file(), '[mms]\nmmsc = "http://file/mms"\n[modem]\npin = "4321"\n')
    assert main(["config", *show, "--apn", "cli.apn"]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line for line in out.splitlines() if line.strip() and not line.startswith(" ")}
    assert "cli.apn" in rows["mms.apn"] and "(command line)" in rows["mms.apn"]
    assert "http://file/mms" in rows["mms.mmsc"] and f"(config file {paths.config_file()})" in rows["mms.mmsc"]
    assert "(default)" in rows["mms.cid"]
    assert "4321" not in out and "********" in rows["modem.pin"]


def test_config_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--show", "--json", "--mmsc", "http://m/mms"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["mms.mmsc"] == {"value": "http://m/mms", "source": "command line"}


def test_config_show_bad_file_exits_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "bad.toml", "[mms]\ncid = -1\n")
    assert main(["config", "--show", "--config", str(path)]) == 78
    assert "must not be negative" in capsys.readouterr().err


def test_example_config_is_valid_and_complete() -> None:
    example = Path(config.__file__).parent / "data" / "config.example.toml"
    flat = config.read_file(example)
    # Every setting is documented in the example (commented or not).
    text = example.read_text()
    for key in config.KEYS:
        assert key.name.split(".")[1] in text, key.name
    config.load(example).to_agent_settings()
    assert flat  # at least some settings are active in the example


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to give a directory to another user")
def test_a_private_dir_owned_by_someone_else_is_refused(tmp_path: Path) -> None:
    trap = tmp_path / "mmsua-trap"
    trap.mkdir(mode=0o777)
    os.chown(trap, 65534, 65534)  # nobody: what another user could pre-create in /tmp
    with pytest.raises(PermissionError, match="belongs to uid 65534"):
        paths.ensure_private_dir(trap)


# config key -> the AgentSettings field it sets (the carrier.* keys are the daemon's own).
SETTINGS_FIELD = {
    "modem.port": "port", "modem.profile": "profile", "modem.baudrate": "baudrate", "modem.pin": "pin",
    "modem.rtscts": "rtscts", "modem.chained_io": "chained_io", "sms.segment_timeout": "segment_timeout",
    "modem.backend": "backend", "modem.mm_bus": "mm_bus", "modem.mm_text_sms": "mm_text_sms",
    "mms.apn": "apn", "mms.cid": "cid", "mms.username": "apn_user", "mms.password": "apn_password", "mms.auth": "apn_auth",
    "mms.pdp_type": "pdp_type", "mms.bearer": "bearer", "mms.interface": "interface", "mms.mmsc": "mmsc_url",
    "mms.proxy": "proxy", "mms.user_agent": "user_agent", "mms.uaprof": "uaprof_url", "mms.max_size": "max_message_size",
    "mms.max_image_width": "max_image_width", "mms.max_image_height": "max_image_height",
    "policy.retrieval": "retrieval_policy", "policy.roaming": "roaming_policy", "policy.max_retrieve_size": "max_auto_retrieve_size",
    "reports.delivery": "delivery_report", "reports.read": "read_report", "reports.send_read_reports": "send_read_reports",
    "reports.report_allowed": "allow_delivery_reports", "sms.fallback": "sms_fallback", "mms.send_once": "send_once", "identity.own_number": "own_number",
    "identity.country": "country_code", "store.path": "store_path", "hooks.on_message": "on_message_command",
    "hooks.timeout": "on_message_timeout", "mms.context": "mms_context", "mms.context_idle_grace": "context_idle_grace",
    "mms.trusted_hosts": "trusted_hosts", "mms.exchange_timeout": "exchange_timeout",
    "mms.uaprof_header": "uaprof_header", "mms.headers": "extra_headers", "mms.close_connection": "close_connection",
    "mms.append_transaction_id": "append_transaction_id", "mms.notify_to_location": "notify_to_location",
    "mms.nai_suffix": "nai_suffix", "identity.nai": "nai", "mms.recipient_limit": "recipient_limit",
    "mms.group": "carrier_group_mms", "carrier.rules": "carrier",
    "messaging.send_via": "send_via", "messaging.group_mms": "group_mms",
    "messaging.sms_to_mms_threshold": "sms_to_mms_threshold", "messaging.long_sms_confirm_parts": "long_sms_confirm_parts",
    "policy.auto_fetch": "auto_fetch", "contacts.path": "contacts_path",
}
DAEMON_ONLY = {"carrier.auto", "carrier.databases", "dbus.bus", "dbus.attachments", "dbus.delete",
               *(key.name for key in config.KEYS if key.name.startswith("mqtt.")),  # the MQTT bridge's (docs/mqtt.md)
               # the daemon's rules (mmsua.rules) and notifier (mmsua.notify) read these
               "automation.per_sender", "automation.total", "automation.window", "notify.desktop", "notify.ntfy",
               "notify.ntfy_token", "notify.hook", "notify.show_text", "notify.timeout"}


def _other_value(key: config.Key, tmp_path: Path):
    """A valid value for ``key`` that differs from its default."""
    special = {"mms.proxy": "10.9.9.9:3128", "mms.mmsc": "http://mmsc.other.example/mms", "store.path": str(tmp_path / "s"),
               "contacts.path": str(tmp_path / "contacts"),
               "identity.own_number": "+447700900123", "identity.country": "GB", "mms.max_size": 614400,
               "hooks.on_message": ["/bin/true"], "modem.baudrate": 921600, "mms.trusted_hosts": ["content.example"],
               "mms.uaprof_header": "Profile", "mms.headers": ["X-MDN: ##LINE1##"]}
    if key.name in special:
        return special[key.name]
    if key.choices:
        return next(c for c in key.choices if c.lower() != str(key.default).lower())
    if key.kind is bool:
        return not key.default
    if key.kind is int:
        return key.default + 7
    return f"other-{key.name}"


@pytest.mark.parametrize("key", [k for k in config.KEYS if k.name not in DAEMON_ONLY], ids=lambda k: k.name)
def test_every_setting_reaches_the_engine(key: config.Key, tmp_path: Path) -> None:
    # A new config key that the engine never sees fails here until it is mapped.
    assert set(SETTINGS_FIELD) == {k.name for k in config.KEYS} - DAEMON_ONLY
    value = _other_value(key, tmp_path)
    default = config.load(os.devnull).to_agent_settings()
    changed = config.load(os.devnull, {key.name: value}).to_agent_settings()
    field = SETTINGS_FIELD[key.name]
    expected = tuple(value) if isinstance(value, list) else value
    got = getattr(changed, field)
    assert (got.upper() if key.choices else got) == (expected.upper() if key.choices else expected), (key.name, got)
    assert got != getattr(default, field)
    assert config.load(os.devnull, {key.name: value}).source(key.name) == "command line"


def test_modems_tables_give_each_modem_its_own_values_over_the_shared_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path / "m.toml", '[mms]\napn = "shared"\nmmsc = "http://mmsc.example/"\n\n'
                 '[modems.home.modem]\nport = "/dev/ttyUSB2"\n\n[modems.work]\nmodem.port = "/dev/ttyUSB5"\nmms.apn = "work.mms"\n')
    loaded = config.load(path, {"modem.port": "/dev/ttyACM0"})
    assert loaded.modem_names() == ["home", "work"]
    home, work = loaded.for_modem("home"), loaded.for_modem("work")
    assert (home["modem.port"], home["mms.apn"]) == ("/dev/ttyUSB2", "shared")  # its table beats the command line
    assert (work["modem.port"], work["mms.apn"], work["mms.mmsc"]) == ("/dev/ttyUSB5", "work.mms", "http://mmsc.example/")
    assert work.source("mms.apn").endswith("[modems.work]")
    assert config.load(write(tmp_path / "one.toml", "")).modem_names() == ["modem"]
    assert main(["config", "--config", str(path), "--modem", "work"]) == 0
    assert "/dev/ttyUSB5" in capsys.readouterr().out


@pytest.mark.parametrize("text, said", [
    ('[modems.a]\nport = "/dev/x"\n', "holds modem, mms, identity, carrier settings"),
    ('[modems.a.mqtt]\nurl = "mqtt://x"\n', "not 'mqtt'"),
    ('[modems.a.modem]\nprot = "/dev/x"\n', "unknown setting 'modem.prot' (did you mean 'modem.port'?)"),
    ('[modems."a b".modem]\nport = "/dev/x"\n', "modem name 'a b'"),
    ('[modems.a.mms]\ncid = -1\n', "must not be negative"),
    ("modems = 3\n", "[modems.<name>] tables"),
])
def test_a_bad_modems_table_is_refused_naming_what_is_wrong(tmp_path: Path, text: str, said: str) -> None:
    with pytest.raises(config.ConfigError, match=re.escape(said)):
        config.load(write(tmp_path / "bad.toml", text))
