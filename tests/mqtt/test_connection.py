"""Reaching the broker: mqtts:// with the config's CA file, a user and a password from a file,
against a real mosquitto that takes only TLS and known users; refusals are said, not raised;
a broker that comes after the daemon is joined when it does."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mqttclient import Broker, Watcher, free_port, mosquitto_binary, start_mosquitto
from simagent import wait_for

USER, PASSWORD = "pi1", "correct horse"


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def secure() -> Iterator[tuple[Broker, Path]]:
    """(broker on localhost, its directory with ca.crt): TLS from a test CA, password_file users only."""
    pytest.importorskip("paho.mqtt.client", reason="the mqtt extra (paho-mqtt) is not installed")
    binary, passwd = mosquitto_binary(), shutil.which("mosquitto_passwd")
    if binary is None or passwd is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (apt-get install openssl): no test certificates")
    directory = Path(tempfile.mkdtemp(prefix="mmsua-mqtts-"))
    directory.chmod(0o755)  # mosquitto started as root reads them as its own user
    d = str(directory)
    _run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.crt",
         "-days", "2", "-subj", "/CN=mmsua test CA")
    _run("openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/server.key", "-out", f"{d}/server.csr",
         "-subj", "/CN=localhost")
    (directory / "san.ext").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _run("openssl", "x509", "-req", "-in", f"{d}/server.csr", "-CA", f"{d}/ca.crt", "-CAkey", f"{d}/ca.key", "-CAcreateserial",
         "-out", f"{d}/server.crt", "-days", "2", "-extfile", f"{d}/san.ext")
    _run(passwd, "-c", "-b", f"{d}/passwd", USER, PASSWORD)
    for path in directory.iterdir():
        path.chmod(0o644)
    port = free_port()
    config = (f"listener {port} 127.0.0.1\ncafile {d}/ca.crt\ncertfile {d}/server.crt\nkeyfile {d}/server.key\n"
              f"allow_anonymous false\npassword_file {d}/passwd\n")
    with start_mosquitto(binary, directory, config, port) as broker:
        yield Broker("localhost", port, broker.process), directory
    shutil.rmtree(directory, ignore_errors=True)


def settings_for(broker: Broker, directory: Path, password: str, ca: bool = True) -> Any:
    from mmsua.mqtt import settings_from

    secret = directory / f"pw-{len(password)}"
    secret.write_text(password + "\n")
    return settings_from({"mqtt.url": f"mqtts://{broker.host}:{broker.port}", "mqtt.ca_file": str(directory / "ca.crt") if ca else "",
                          "mqtt.username": USER, "mqtt.password_file": str(secret), "mqtt.node": "secure", "mqtt.modem": "usb0"})


def test_the_bridge_over_tls_with_a_user_and_a_password_file(agent, secure) -> None:
    from mmsua import mqtt

    broker, directory = secure
    settings = settings_for(broker, directory, PASSWORD)
    assert mqtt.probe(settings) is None
    watcher = Watcher(broker, [f"{settings.base}/availability"], ca_file=str(directory / "ca.crt"), username=USER, password=PASSWORD)
    bridge = mqtt.start(agent, settings)
    try:
        assert bridge.connected.wait(30)
        watcher.wait(f"{settings.base}/availability", lambda m: m.payload == b"online")
    finally:
        bridge.stop()
        watcher.stop()


def test_a_wrong_password_or_an_unknown_ca_is_said(agent, secure, caplog) -> None:
    from mmsua import mqtt

    broker, directory = secure
    refused = mqtt.probe(settings_for(broker, directory, "wrong"))
    assert refused is not None and "refused" in refused
    untrusted = mqtt.probe(settings_for(broker, directory, PASSWORD, ca=False))  # the system's CAs do not know the test CA
    assert untrusted is not None and "certificate" in untrusted.lower()
    caplog.set_level(logging.WARNING, logger="mmsua.mqtt")
    bridge = mqtt.start(agent, settings_for(broker, directory, "wrong"))
    try:  # said in the log; it keeps trying, and the daemon goes on
        wait_for("the refusal logged", lambda: any("refused the connection" in r.getMessage() for r in caplog.records))
        assert not bridge.connected.is_set()
    finally:
        bridge.stop()


def test_plain_mqtt_to_the_tls_port_is_not_taken(secure) -> None:
    from mmsua import mqtt
    from mmsua.mqtt import settings_from

    broker, _ = secure
    with socket.create_connection((broker.host, broker.port), timeout=5):
        pass  # the port is open: the refusal below is the protocol's
    problem = mqtt.probe(settings_from({"mqtt.url": f"mqtt://{broker.host}:{broker.port}"}), timeout=5)
    assert problem is not None


def test_a_broker_that_comes_later_is_joined_when_it_does(agent, tmp_path, caplog) -> None:
    """The bridge starts with no broker (the daemon runs on), says so once, and connects when one listens."""
    from mmsua import mqtt
    from mmsua.mqtt import settings_from

    binary = mosquitto_binary()
    if binary is None:
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    caplog.set_level(logging.WARNING, logger="mmsua.mqtt")
    port = free_port()
    bridge = mqtt.start(agent, settings_from({"mqtt.url": f"mqtt://127.0.0.1:{port}", "mqtt.node": "late", "mqtt.modem": "usb0"}))
    try:
        wait_for("cannot reach, logged", lambda: any("cannot reach" in r.getMessage() for r in caplog.records))
        with start_mosquitto(binary, tmp_path, f"listener {port} 127.0.0.1\nallow_anonymous true\n", port):
            assert bridge.connected.wait(120), "the bridge did not join the broker that came"
            assert sum("cannot reach" in r.getMessage() for r in caplog.records) == 1  # said once, not at each retry
    finally:
        bridge.stop()
