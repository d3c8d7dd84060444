"""ModemManager's objects as frozen values, read from their D-Bus properties.

Every value comes from another process and is checked here: types, lengths and
counts are bounded, and anything out of shape reads as absent, never as an error
that stops the modem.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import names

MAX_TEXT = 40_000  # characters: 255 concatenated UCS-2 segments hold 17,085
MAX_DATA = 64 * 1024  # bytes: 255 segments of 134 octets, with room
MAX_SHORT = 256  # numbers, names, identifiers, paths
MAX_ITEMS = 64  # own numbers, ports, bearers, DNS servers


def text(props: Mapping[str, Any], name: str, limit: int = MAX_SHORT) -> str:
    value = props.get(name)
    return value[:limit] if isinstance(value, str) else ""


def number(props: Mapping[str, Any], name: str, default: int = 0) -> int:
    value = props.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def flag(props: Mapping[str, Any], name: str) -> bool:
    return props.get(name) is True


def texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(item[:MAX_SHORT] for item in value[:MAX_ITEMS] if isinstance(item, str))


def octets(value: Any, limit: int = MAX_DATA) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value[:limit])
    if isinstance(value, (list, tuple)) and all(isinstance(b, int) and 0 <= b < 256 for b in value[:limit]):
        return bytes(value[:limit])
    return b""


@dataclass(frozen=True, slots=True)
class ModemFacts:
    """A modem object: who it is, where it is, and what the network says."""

    path: str
    manufacturer: str = ""
    model: str = ""
    revision: str = ""
    imei: str = ""
    primary_port: str = ""
    ports: tuple[str, ...] = ()  # port names as ModemManager lists them (ttyUSB2, cdc-wdm0, wwan0)
    device: str = ""  # the sysfs path of the USB device
    sim: str = ""  # the Sim object's path ("/" or "": none)
    own_numbers: tuple[str, ...] = ()
    signal: int | None = None  # percent
    registration: str = "unknown"
    operator_name: str = ""
    operator_code: str = ""
    bearers: tuple[str, ...] = ()
    has_messaging: bool = False

    @classmethod
    def of(cls, path: str, interfaces: Mapping[str, Mapping[str, Any]]) -> ModemFacts:
        modem = interfaces.get(names.MODEM, {})
        gpp = interfaces.get(names.MODEM_3GPP, {})
        quality = modem.get("SignalQuality")
        signal = quality[0] if isinstance(quality, (list, tuple)) and quality and isinstance(quality[0], int) else None
        ports = modem.get("Ports")
        port_names = tuple(p[0][:MAX_SHORT] for p in ports[:MAX_ITEMS] if isinstance(p, (list, tuple)) and p
                           and isinstance(p[0], str)) if isinstance(ports, (list, tuple)) else ()
        sim = text(modem, "Sim")
        return cls(
            path=path,
            manufacturer=text(modem, "Manufacturer"),
            model=text(modem, "Model"),
            revision=text(modem, "Revision"),
            imei=text(gpp, "Imei") or text(modem, "EquipmentIdentifier"),
            primary_port=text(modem, "PrimaryPort"),
            ports=port_names,
            device=text(modem, "Device", 1024),
            sim="" if sim == "/" else sim,
            own_numbers=texts(modem.get("OwnNumbers")),
            signal=signal if signal is not None and 0 <= signal <= 100 else None,
            registration=names.REGISTRATION.get(number(gpp, "RegistrationState", 4), "unknown") if gpp else "unknown",
            operator_name=text(gpp, "OperatorName"),
            operator_code=text(gpp, "OperatorCode"),
            bearers=texts(modem.get("Bearers")),
            has_messaging=names.MESSAGING in interfaces,
        )

    def serves(self, port: str) -> bool:
        """Whether ``port`` (a device path, a by-id link, or a bare name) is one of this modem's
        ports. ModemManager names them under /dev: ttyUSB2, cdc-wdm0, or pts/3 for a pty."""
        if not port:
            return True
        wanted = {port, os.path.basename(port), port.removeprefix("/dev/")}
        try:
            real = os.path.realpath(port)
            wanted |= {os.path.basename(real), real.removeprefix("/dev/")}
        except OSError:
            pass
        names = {self.primary_port, *self.ports} - {""}
        return bool(wanted & (names | {"/dev/" + name for name in names}))


@dataclass(frozen=True, slots=True)
class SimFacts:
    imsi: str = ""
    operator_identifier: str = ""  # MCC and MNC, so its length tells the MNC's
    spn: str = ""
    gid1: bytes = b""
    iccid: str = ""

    @classmethod
    def of(cls, props: Mapping[str, Any]) -> SimFacts:
        imsi = text(props, "Imsi", 15)
        return cls(imsi=imsi if imsi.isdigit() else "", operator_identifier=text(props, "OperatorIdentifier", 6),
                   spn=text(props, "OperatorName", 64), gid1=octets(props.get("Gid1"), 128),
                   iccid=text(props, "SimIdentifier", 22))

    @property
    def mnc_length(self) -> int | None:
        code = self.operator_identifier
        return len(code) - 3 if code.isdigit() and len(code) in (5, 6) else None


@dataclass(frozen=True, slots=True)
class SmsFacts:
    path: str
    state: int = 0
    pdu_type: int = 0
    number: str = ""
    text: str = ""
    data: bytes = b""
    timestamp: str = ""
    message_reference: int = 0
    delivery_state: int = names.DELIVERY_UNKNOWN

    @classmethod
    def of(cls, path: str, props: Mapping[str, Any]) -> SmsFacts:
        return cls(path=path, state=number(props, "State"), pdu_type=number(props, "PduType"),
                   number=text(props, "Number", 64), text=text(props, "Text", MAX_TEXT), data=octets(props.get("Data")),
                   timestamp=text(props, "Timestamp", 64), message_reference=number(props, "MessageReference"),
                   delivery_state=number(props, "DeliveryState", names.DELIVERY_UNKNOWN))


@dataclass(frozen=True, slots=True)
class IpConfig:
    method: int = 0  # MMBearerIpMethod: 1 PPP, 2 static, 3 DHCP
    address: str = ""
    prefix: int = 0
    dns: tuple[str, ...] = ()

    @classmethod
    def of(cls, props: Any) -> IpConfig:
        if not isinstance(props, Mapping):
            return cls()
        servers = tuple(text(props, f"dns{n}", 64) for n in range(1, 4))
        return cls(method=number(props, "method"), address=text(props, "address", 64), prefix=number(props, "prefix"),
                   dns=tuple(s for s in servers if s))


@dataclass(frozen=True, slots=True)
class BearerFacts:
    path: str
    connected: bool = False
    interface: str = ""
    apn: str = ""
    ip4: IpConfig = IpConfig()
    ip6: IpConfig = IpConfig()

    @classmethod
    def of(cls, path: str, props: Mapping[str, Any]) -> BearerFacts:
        settings = props.get("Properties")
        apn = text(settings, "apn") if isinstance(settings, Mapping) else ""
        return cls(path=path, connected=flag(props, "Connected"), interface=text(props, "Interface", 15), apn=apn,
                   ip4=IpConfig.of(props.get("Ip4Config")), ip6=IpConfig.of(props.get("Ip6Config")))
