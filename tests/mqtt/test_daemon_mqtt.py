"""`mmsua daemon` with [mqtt]: two real daemons, each on its own simulated modem, share one
mosquitto; both are visible (availability, Home Assistant devices) and addressable by topic.
A daemon that dies is marked offline by its last will. `mmsua doctor` reports the broker."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mqttclient import FRIEND, PEER, images, png, sent_by
from simagent import wait_for

sys.path.append(str(Path(__file__).parents[1] / "daemon"))
from daemonproc import DaemonProcess  # noqa: E402 - the daemon tests' process helper


@pytest.fixture
def workdir() -> Iterator[Path]:
    # Short: the daemon's API socket lives here and AF_UNIX paths are limited to ~107 bytes.
    path = Path(tempfile.mkdtemp(prefix="mmsua-mq-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def mqtt_config(directory: Path, broker: Any, node: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "config.toml"
    path.write_text(f'[mqtt]\nurl = "mqtt://{broker.host}:{broker.port}"\nnode = "{node}"\nmodem = "usb0"\nnotify_to = ["{PEER}"]\n')
    return path


def test_two_daemons_on_one_broker_are_each_visible_and_addressable(carrier, broker, watcher, workdir: Path) -> None:
    numbers = {"pi1": "+15550129101", "pi2": "+15550129102"}
    fleet = watcher("mmsua/+/usb0/availability", "mmsua/+/usb0/result", "mmsua/+/usb0/message/received", "homeassistant/+/+/+/config")
    daemons: dict[str, DaemonProcess] = {}
    try:
        for node, number in numbers.items():
            handset = carrier.add_handset(number)
            daemons[node] = DaemonProcess(carrier, handset, workdir / node, config=mqtt_config(workdir / node, broker, node))
            daemons[node].start()
        for node in numbers:
            fleet.wait(f"mmsua/{node}/usb0/availability", lambda m: m.payload == b"online", f"{node} online")
            wait_for(f"{node}'s Home Assistant device", lambda node=node: any(
                m.json().get("device", {}).get("identifiers") == [f"mmsua_{node}_usb0"] for m in fleet.on_prefix("homeassistant")))

        # Addressable: each command goes out of its own modem, with its picture.
        pictures = {"pi1": png((255, 0, 0)), "pi2": png((0, 0, 255))}
        for node, picture in pictures.items():
            fleet.publish(f"mmsua/{node}/usb0/command/send", {"id": f"from-{node}", "to": PEER,
                                                             "attachments": [{"data_b64": base64.b64encode(picture).decode()}]})
        for node, number in numbers.items():
            result = fleet.wait(f"mmsua/{node}/usb0/result", lambda m, node=node: m.json()["id"] == f"from-{node}").json()
            assert result["ok"], result
            stored = wait_for(f"the MMSC has {node}'s MMS", lambda number=number: sent_by(carrier, number))
            assert [images(s) for s in stored] == [[pictures[node]]]

        # A received MMS shows on its own daemon's topic only, with its picture.
        from mmsua.codec.multipart import Part

        picture = png((9, 9, 9))
        carrier.send_mms(FRIEND, [numbers["pi2"]], subject="for pi2", parts=(Part.make(picture, "image/png", name="p.png"),))
        event = fleet.wait("mmsua/pi2/usb0/message/received", lambda m: m.json()["event_type"] == "received").json()
        part = next(p for p in event["parts"] if p["content_type"].startswith("image/"))
        assert base64.b64decode(part["data_b64"]) == picture and event["subject"] == "for pi2"
        assert not fleet.on("mmsua/pi1/usb0/message/received")

        # A daemon killed outright: the broker publishes its last will; the other stays online.
        daemons["pi1"].kill()
        fleet.wait("mmsua/pi1/usb0/availability", lambda m: m.payload == b"offline", "pi1's last will")
        assert fleet.on("mmsua/pi2/usb0/availability")[-1].payload == b"online"
        assert daemons["pi2"].terminate() == 0
        fleet.wait("mmsua/pi2/usb0/availability", lambda m: m.payload == b"offline", "pi2 offline after SIGTERM")
    finally:
        for daemon in daemons.values():
            daemon.kill()


def test_two_daemons_with_two_modems_each_all_four_visible_and_addressable(carrier, broker, watcher, workdir: Path) -> None:
    """A fleet (docs/mqtt.md): two Pis on one broker, each daemon driving two modems from
    [modems.<name>] tables. Every modem has its own topics, status and Home Assistant device;
    a command on a modem's topic goes out of that modem; a message received on one shows on its topic only."""
    numbers = {("pi3", "sim1"): "+15550129111", ("pi3", "sim2"): "+15550129112",
               ("pi4", "sim1"): "+15550129121", ("pi4", "sim2"): "+15550129122"}
    fleet = watcher("mmsua/+/+/availability", "mmsua/+/+/status", "mmsua/+/+/result", "mmsua/+/+/message/received",
                    "homeassistant/+/+/+/config")
    daemons: dict[str, DaemonProcess] = {}
    try:
        for node in ("pi3", "pi4"):
            handsets = {modem: carrier.add_handset(number) for (n, modem), number in numbers.items() if n == node}
            config = workdir / node / "config.toml"
            config.parent.mkdir(parents=True)
            config.write_text(f'[mqtt]\nurl = "mqtt://{broker.host}:{broker.port}"\nnode = "{node}"\n'
                              + "".join(f'\n[modems.{modem}.modem]\nport = "{h.pty_path}"\n' for modem, h in handsets.items()))
            daemons[node] = DaemonProcess(carrier, handsets["sim1"], workdir / node, config=config)
            daemons[node].start()
        for (node, modem), number in numbers.items():
            base = f"mmsua/{node}/{modem}"
            fleet.wait(f"{base}/availability", lambda m: m.payload == b"online", f"{base} online")
            fleet.wait(f"{base}/status", lambda m, number=number: m.json()["own_number"] == number, f"{base}'s own status")
            wait_for(f"{base}'s Home Assistant device", lambda node=node, modem=modem: any(
                m.json().get("device", {}).get("identifiers") == [f"mmsua_{node}_{modem}"] for m in fleet.on_prefix("homeassistant")))

        for node, modem in numbers:
            fleet.publish(f"mmsua/{node}/{modem}/command/send", {"id": f"{node}-{modem}", "to": PEER, "text": f"from {modem}",
                                                                "attachments": [{"data_b64": base64.b64encode(png()).decode()}]})
        for (node, modem), number in numbers.items():
            result = fleet.wait(f"mmsua/{node}/{modem}/result", lambda m, key=f"{node}-{modem}": m.json()["id"] == key).json()
            assert result["ok"], result
            assert wait_for(f"the MMSC has {node}/{modem}'s MMS", lambda number=number: sent_by(carrier, number))

        carrier.send_sms(numbers[("pi4", "sim2")], "for pi4 sim2", originator=FRIEND)
        event = fleet.wait("mmsua/pi4/sim2/message/received", lambda m: m.json().get("text") == "for pi4 sim2").json()
        assert event["event_type"] == "received"
        assert not [m for key in numbers if key != ("pi4", "sim2")
                    for m in fleet.on(f"mmsua/{key[0]}/{key[1]}/message/received") if m.json().get("text") == "for pi4 sim2"]
    finally:
        for daemon in daemons.values():
            daemon.kill()


def test_the_daemon_refuses_a_bad_mqtt_section(carrier, workdir: Path) -> None:
    config = workdir / "config.toml"
    config.write_text('[mqtt]\nurl = "http://broker.lan"\n')
    daemon = DaemonProcess(carrier, carrier.add_handset("+15550129103"), workdir, config=config)
    result = subprocess.run(daemon.argv(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 78 and "mqtt.url must be mqtt://host" in result.stderr and "Traceback" not in result.stderr


def doctor(config: Path) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-m", "mmsua", "doctor", "--config", str(config), "--port", "/nonexistent/ttyUSB9",
                             "--json"], capture_output=True, text=True, timeout=120)
    assert "Traceback" not in result.stderr
    return {c["name"]: c for c in json.loads(result.stdout)["checks"]}


def test_doctor_reports_the_broker(broker, workdir: Path) -> None:
    reachable = doctor(mqtt_config(workdir / "up", broker, "pi9"))["mqtt"]
    assert reachable["status"] == "ok" and str(broker.port) in reachable["detail"]
    import socket

    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
        config = workdir / "down.toml"
        config.write_text(f'[mqtt]\nurl = "mqtt://127.0.0.1:{port}"\n')
        down = doctor(config)["mqtt"]
    assert down["status"] == "warn" and "cannot reach" in down["detail"] and down["advice"]
