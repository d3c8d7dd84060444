"""The D-Bus service's life: inside `mmsua daemon --dbus`, on the system bus, refusing a bus
where mmsd-tng already serves, and giving the name back when it stops."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from busclient import FRIEND, run, wait_for

sys.path.insert(0, str(Path(__file__).parents[1] / "daemon"))
from daemonproc import DaemonProcess  # noqa: E402 - the daemon tests' process helper

SERVICE = "/org/ofono/mms/modemmanager"


def owner(env: dict[str, str]) -> bool:
    result = run(["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                  "--method", "org.freedesktop.DBus.NameHasOwner", "org.ofono.mms"], env)
    return "true" in result.stdout


def test_a_second_service_is_refused_and_the_name_comes_back(agent, served, bus_address, tmp_path: Path, bus_env) -> None:
    from mmsua import dbus

    with pytest.raises(dbus.DbusUnavailable, match="already served.*mmsd-tng"):
        dbus.start(agent, "session", tmp_path / "other", address=bus_address)
    assert owner(bus_env)
    served.stop()
    wait_for("org.ofono.mms released", lambda: not owner(bus_env))


def test_the_system_bus_when_asked(agent, bus_address, tmp_path: Path, bus_env, monkeypatch) -> None:
    """`bus = "system"` connects to the system bus (here the private one, by its address variable)."""
    from mmsua import dbus

    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", bus_address)
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    service = dbus.start(agent, "system", tmp_path / "att")
    try:
        assert service.bus_type.name == "SYSTEM" and owner(bus_env)
    finally:
        service.stop()
    with pytest.raises(dbus.DbusUnavailable, match="no D-Bus bus"):
        dbus.start(agent, "both", tmp_path / "att")


def test_no_bus_is_a_clear_error(agent, tmp_path: Path) -> None:
    from mmsua import dbus

    with pytest.raises(dbus.DbusUnavailable, match="cannot use the D-Bus session bus"):
        dbus.start(agent, "session", tmp_path / "att", address=f"unix:path={tmp_path}/no-bus-here")


def test_mmsua_daemon_dbus_serves_the_daemon_s_messages(carrier, me, bus_env, bus_address, tmp_path: Path, monkeypatch) -> None:
    """The real daemon process with --dbus: a D-Bus client sees the MMS it receives; SIGTERM
    gives the name back. The config's [dbus] section does the same without the option."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus_address)
    handset = carrier.add_handset(me)
    daemon = DaemonProcess(carrier, handset, tmp_path, extra=["--dbus"])
    daemon.start()
    try:
        wait_for("org.ofono.mms owned", lambda: owner(bus_env))
        carrier.send_mms(FRIEND, [me], subject="over the daemon", text="hi")

        def listed() -> str | None:
            text = run(["gdbus", "call", "--session", "--dest", "org.ofono.mms", "--object-path", SERVICE,
                        "--method", "org.ofono.mms.Service.GetMessages"], bus_env).stdout
            return text if "over the daemon" in text else None

        text = wait_for("GetMessages lists the received MMS", listed)
        assert "'Status': <'received'>" in text and str(tmp_path / "store" / "dbus") in text
    finally:
        assert daemon.terminate() == 0
    assert not owner(bus_env)

    config = tmp_path / "config.toml"
    config.write_text('[dbus]\nbus = "session"\n')
    again = DaemonProcess(carrier, handset, tmp_path, config=config)
    again.start()
    try:
        wait_for("org.ofono.mms owned from the config", lambda: owner(bus_env))
    finally:
        assert again.terminate() == 0
