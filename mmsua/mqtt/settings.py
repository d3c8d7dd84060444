"""The bridge's settings, read from the config's ``mqtt.*`` values (docs/mqtt.md).

Pure: the daemon hands over the values as a mapping, so this package never imports
``mmsua.config`` (the import-linter contract). Errors are :class:`MqttConfigError`.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SEGMENT = re.compile(r"[A-Za-z0-9_-]{1,64}")  # a topic level that is also a Home Assistant node/object id
PREFIX = re.compile(r"[A-Za-z0-9_-]{1,64}(/[A-Za-z0-9_-]{1,64}){0,3}")
MAX_PASSWORD_FILE = 4096


class MqttConfigError(ValueError):
    """An ``mqtt.*`` value that cannot work."""


@dataclass(frozen=True, slots=True)
class MqttSettings:
    host: str
    port: int
    tls: bool
    ca_file: str = ""
    username: str = ""
    password: str = ""
    client_id: str = ""
    prefix: str = "mmsua"
    node: str = "node"
    modem: str = "modem"
    discovery: bool = True
    discovery_prefix: str = "homeassistant"
    notify_to: tuple[str, ...] = ()
    inline_max: int = 65536  # pictures up to this many bytes also go base64 inside the event
    max_payload: int = 1024 * 1024  # an inbound command larger than this is refused unread
    fetch_allow: tuple[str, ...] = ()  # URL prefixes a send may fetch a picture from
    fetch_max: int = 1024 * 1024
    fetch_timeout: float = 10.0
    keepalive: int = 30

    @property
    def base(self) -> str:
        return f"{self.prefix}/{self.node}/{self.modem}"

    @property
    def effective_client_id(self) -> str:
        return self.client_id or f"mmsua-{self.node}-{self.modem}"

    def describe(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


def default_node() -> str:
    """The host name, cut to a topic level (a Pi's is 'raspberrypi')."""
    name = re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname().split(".")[0])[:64].strip("-")
    return name or "node"


def parse_url(url: str) -> tuple[str, int, bool]:
    """``mqtt://host[:port]`` or ``mqtts://host[:port]``: (host, port, tls)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise MqttConfigError(f"mqtt.url {url!r}: {error}") from None
    if parts.scheme not in ("mqtt", "mqtts"):
        raise MqttConfigError(f"mqtt.url must be mqtt://host[:port] or mqtts://host[:port], got {url!r}")
    if not parts.hostname:
        raise MqttConfigError(f"mqtt.url {url!r} names no host")
    if parts.username or parts.password or (parts.path not in ("", "/")) or parts.query or parts.fragment:
        raise MqttConfigError(f"mqtt.url {url!r}: only scheme, host and port (user and password are mqtt.username, mqtt.password)")
    tls = parts.scheme == "mqtts"
    return parts.hostname, port or (8883 if tls else 1883), tls


def _password(values: Mapping[str, Any], env: Mapping[str, str]) -> str:
    given = [name for name in ("mqtt.password", "mqtt.password_file", "mqtt.password_env") if values.get(name)]
    if len(given) > 1:
        raise MqttConfigError(f"give the MQTT password one way only, not {' and '.join(given)}")
    if values.get("mqtt.password_file"):
        path = Path(str(values["mqtt.password_file"])).expanduser()
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_PASSWORD_FILE + 1)
        except OSError as error:
            raise MqttConfigError(f"mqtt.password_file {path}: {error.strerror or error}") from None
        if len(data) > MAX_PASSWORD_FILE:
            raise MqttConfigError(f"mqtt.password_file {path}: longer than {MAX_PASSWORD_FILE} bytes")
        return data.decode("utf-8", "replace").rstrip("\r\n")
    if values.get("mqtt.password_env"):
        name = str(values["mqtt.password_env"])
        if name not in env:
            raise MqttConfigError(f"mqtt.password_env: the environment variable {name} is not set")
        return env[name]
    return str(values.get("mqtt.password") or "")


def _allow(prefixes: list[str]) -> tuple[str, ...]:
    for prefix in prefixes:
        parts = urlsplit(prefix)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MqttConfigError(f"mqtt.fetch_allow: {prefix!r} is not an http:// or https:// URL")
        if not parts.path:
            raise MqttConfigError(f"mqtt.fetch_allow: {prefix!r} needs a path, at least '/' (a bare host would match 'host.evil.example')")
    return tuple(prefixes)


def settings_from(values: Mapping[str, Any], env: Mapping[str, str] | None = None) -> MqttSettings | None:
    """The settings from the config's ``mqtt.*`` values, or None when ``mqtt.url`` is empty (off)."""
    url = str(values.get("mqtt.url") or "")
    if not url:
        return None
    host, port, tls = parse_url(url)
    node = str(values.get("mqtt.node") or "") or default_node()
    modem = str(values.get("mqtt.modem") or "modem")
    prefix = str(values.get("mqtt.prefix") or "mmsua")
    for name, value in (("mqtt.node", node), ("mqtt.modem", modem)):
        if not SEGMENT.fullmatch(value):
            raise MqttConfigError(f"{name} {value!r}: letters, digits, '_' and '-' only, 1 to 64 (it is a topic level)")
    if not PREFIX.fullmatch(prefix):
        raise MqttConfigError(f"mqtt.prefix {prefix!r}: up to 4 levels of letters, digits, '_' and '-' joined by '/'")
    discovery_prefix = str(values.get("mqtt.discovery_prefix") or "homeassistant")
    if not PREFIX.fullmatch(discovery_prefix):
        raise MqttConfigError(f"mqtt.discovery_prefix {discovery_prefix!r}: letters, digits, '_' and '-' joined by '/'")
    ca_file = str(values.get("mqtt.ca_file") or "")
    if ca_file and not tls:
        raise MqttConfigError("mqtt.ca_file is for an mqtts:// broker; mqtt.url is mqtt://")
    client_id = str(values.get("mqtt.client_id") or "")
    if len(client_id) > 128:
        raise MqttConfigError("mqtt.client_id: at most 128 characters")
    timeout = int(values.get("mqtt.fetch_timeout", 10))
    if not 1 <= timeout <= 120:
        raise MqttConfigError("mqtt.fetch_timeout: 1 to 120 seconds")
    return MqttSettings(
        host=host, port=port, tls=tls, ca_file=str(Path(ca_file).expanduser()) if ca_file else "",
        username=str(values.get("mqtt.username") or ""), password=_password(values, os.environ if env is None else env),
        client_id=client_id, prefix=prefix, node=node, modem=modem,
        discovery=bool(values.get("mqtt.discovery", True)), discovery_prefix=discovery_prefix,
        notify_to=tuple(values.get("mqtt.notify_to") or ()), inline_max=int(values.get("mqtt.inline_max", 65536)),
        max_payload=max(1024, int(values.get("mqtt.max_payload", 1024 * 1024))),
        fetch_allow=_allow(list(values.get("mqtt.fetch_allow") or ())), fetch_max=int(values.get("mqtt.fetch_max", 1024 * 1024)),
        fetch_timeout=float(timeout),
    )
