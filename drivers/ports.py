"""Finding the modem's AT port when none is configured.

First the USB ids: a table per vendor says which USB interface carries AT
commands (e.g. a Quectel EG25-G exposes four ttyUSB ports; AT is interface 2,
the third). Then /dev/serial/by-id gives a stable name for the chosen port.
Where the table has no answer (an unknown device, or a family whose layout
varies), each candidate port is probed with ``AT`` and the first that answers
``OK`` wins. The choice always comes with the reason, for the logs and doctor.

The table is every vendor's ``Profile.usb`` (drivers/vendors/<vendor>/profile.py:
ModemManager's udev rules and the vendors' USB interface descriptions, as
summarised in modem-dialects.md §1).
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ModemError
from .profile import UsbModem
from .vendors import usb_modems

__all__ = ["NoModemFound", "PortChoice", "SerialPort", "UsbModem", "by_id_links", "choose_port", "data_port_for",
           "describe_ports", "list_serial_ports", "probe_at", "usb_modems"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class SerialPort:
    """One serial port as the system lists it."""

    device: str
    vid: int | None = None
    pid: int | None = None
    interface_number: int | None = None
    manufacturer: str | None = None
    product: str | None = None
    serial_number: str | None = None
    usb_path: str | None = None  # the USB device (bus path) the port belongs to


@dataclass(frozen=True, slots=True)
class PortChoice:
    device: str  # the stable /dev/serial/by-id path when there is one
    reason: str
    node: str  # the /dev/tty* it resolves to


class NoModemFound(ModemError):
    """No port looks like, or answers like, a modem."""


_IF_IN_LOCATION = re.compile(r":\d+\.(\d+)$")


def _interface_from_location(location: str | None) -> int | None:
    match = _IF_IN_LOCATION.search(location or "")
    return int(match.group(1)) if match else None


def list_serial_ports() -> list[SerialPort]:
    """The system's serial ports, via pyserial's list_ports."""
    from serial.tools import list_ports

    found = []
    for info in list_ports.comports():
        location = getattr(info, "location", None)
        found.append(
            SerialPort(
                device=info.device,
                vid=info.vid,
                pid=info.pid,
                interface_number=_interface_from_location(location),
                manufacturer=info.manufacturer,
                product=info.product,
                serial_number=info.serial_number,
                usb_path=location.split(":", 1)[0] if location else None,
            )
        )
    return found


def by_id_links(directory: str | os.PathLike[str] = "/dev/serial/by-id") -> dict[str, str]:
    """Map resolved device node -> /dev/serial/by-id link (stable across re-plugs)."""
    links: dict[str, str] = {}
    folder = Path(directory)
    if not folder.is_dir():
        return links
    for link in sorted(folder.iterdir()):
        try:
            links.setdefault(os.path.realpath(link), str(link))
        except OSError:
            continue
    return links


def probe_at(device: str, *, timeout: float = 1.0, baudrate: int = 115200) -> bool:
    """True if ``device`` answers ``AT`` with ``OK`` (ESC first: a pending prompt is cancelled, not sent)."""
    import serial

    try:
        with serial.serial_for_url(device, baudrate=baudrate, timeout=0.1, write_timeout=timeout) as port:
            port.reset_input_buffer()
            port.write(b"\x1b\rAT\r")
            deadline = time.monotonic() + timeout
            seen = b""
            while time.monotonic() < deadline:
                seen += port.read(64)
                if b"OK" in seen:
                    return True
                if b"ERROR" in seen:
                    return True  # it speaks AT, it just disliked the ESC line
    except (OSError, ValueError, serial.SerialException) as error:
        log.info("probing %s: %s", device, error)
    return False


def _describe(port: SerialPort) -> str:
    ids = f"{port.vid:04x}:{port.pid:04x}" if port.vid is not None and port.pid is not None else "no USB ids"
    return f"{port.device} ({ids}, interface {port.interface_number})"


def choose_port(
    ports: Sequence[SerialPort] | None = None,
    *,
    links: dict[str, str] | None = None,
    probe: Callable[[str], bool] | None = probe_at,
) -> PortChoice:
    """The modem's AT port and why it was chosen (NoModemFound with what was seen)."""
    ports = list_serial_ports() if ports is None else list(ports)
    links = by_id_links() if links is None else links

    def stable(device: str) -> str:
        return links.get(os.path.realpath(device), links.get(device, device))

    def choice(port: SerialPort, reason: str) -> PortChoice:
        device = stable(port.device)
        if device != port.device:
            reason += f"; stable name {device}"
        return PortChoice(device, reason, port.device)

    table = usb_modems()
    probe_later: list[tuple[SerialPort, str]] = []
    for port in sorted(ports, key=lambda p: p.device):
        if port.vid is None or port.pid is None:
            continue
        known = table.get((port.vid, port.pid))
        if known is None:
            continue
        ids = f"{port.vid:04x}:{port.pid:04x}"
        if known.at_interface is None:
            probe_later.append((port, f"{known.vendor} {known.model} ({ids}) has no fixed AT interface"))
        elif port.interface_number == known.at_interface:
            note = f" ({known.note})" if known.note else ""
            return choice(port, f"{known.vendor} {known.model} ({ids}), interface {known.at_interface} is the AT port{note}")
    # Unknown USB serial devices, then everything else that looks like a modem tty.
    seen = {p.device for p, _ in probe_later}
    for port in sorted(ports, key=lambda p: p.device):
        if port.device in seen or not _modem_like(port):
            continue
        if port.vid is None or port.pid is None or (port.vid, port.pid) not in table:
            probe_later.append((port, "not in the USB table"))
    if probe is not None:
        for port, why in probe_later:
            if probe(port.device):
                return choice(port, f"{_describe(port)} answered AT ({why})")
    seen_text = ", ".join(_describe(p) for p in ports) or "no serial ports at all"
    raise NoModemFound(
        "no modem AT port found (seen: " + seen_text + "). Plug the modem in, check `lsusb`, "
        "stop ModemManager if it holds the port, or give --port"
    )


def _modem_like(port: SerialPort) -> bool:
    name = os.path.basename(port.device)
    return name.startswith(("ttyUSB", "ttyACM")) or port.vid is not None


def data_port_for(at_port: str, ports: Sequence[SerialPort] | None = None) -> PortChoice | None:
    """The PPP-capable second port of the same USB modem as ``at_port`` (None if the table has none).

    PPP takes its whole port, so it must not be the AT port the SMS side uses.
    """
    ports = list_serial_ports() if ports is None else list(ports)
    node = os.path.realpath(at_port)
    at = next((p for p in ports if os.path.realpath(p.device) == node or p.device == at_port), None)
    if at is None or at.vid is None or at.pid is None:
        return None
    known = usb_modems().get((at.vid, at.pid))
    if known is None or known.data_interface is None:
        return None
    for port in ports:
        if port.usb_path == at.usb_path and port.interface_number == known.data_interface and port.device != at.device:
            return PortChoice(port.device, f"{known.vendor} {known.model}: interface {known.data_interface} is the data (PPP) port", port.device)
    return None


def describe_ports(ports: Iterable[SerialPort]) -> list[dict[str, Any]]:
    """For doctor --json: what the system shows."""
    table = usb_modems()
    return [
        {
            "device": p.device,
            "usb_id": f"{p.vid:04x}:{p.pid:04x}" if p.vid is not None and p.pid is not None else None,
            "interface": p.interface_number,
            "known_as": (lambda k: f"{k.vendor} {k.model}" if k else None)(table.get((p.vid or -1, p.pid or -1))),
        }
        for p in ports
    ]
