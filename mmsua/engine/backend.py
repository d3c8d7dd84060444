"""Which driver backend runs the modem: the AT driver, or ModemManager.

``modem.backend = auto`` asks ModemManager (on ``modem.mm_bus``, without starting
it) whether it manages the modem, that is a modem with ``modem.port`` among its
ports, or any modem when no port is given. Then mmsua works through it instead of
fighting it for the port; otherwise mmsua owns the AT port itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from mmsua.engine.settings import AgentSettings

log = logging.getLogger(__name__)
PROBE_TIMEOUT = 5.0  # seconds for the whole question: a bus that does not answer means AT


@dataclass(frozen=True, slots=True)
class BackendChoice:
    backend: str  # "at" or "modemmanager"
    reason: str


def choose_backend(settings: AgentSettings, timeout: float = PROBE_TIMEOUT) -> BackendChoice:
    if settings.backend == "at":
        return BackendChoice("at", "modem.backend = at")
    if settings.backend == "modemmanager":
        return BackendChoice("modemmanager", "modem.backend = modemmanager")
    if "://" in settings.port:
        return BackendChoice("at", f"{settings.port} is a pyserial URL, which only the AT driver opens")
    found = managing_modem(settings.mm_bus, settings.port, timeout)
    if isinstance(found, str):
        return BackendChoice("at", found)
    path, primary = found
    return BackendChoice("modemmanager", f"ModemManager manages the modem ({path}, port {primary or '?'})")


def managing_modem(bus: str, port: str, timeout: float = PROBE_TIMEOUT) -> str | tuple[str, str]:
    """(modem path, its primary port) when ModemManager manages the modem, else why not."""
    from mmsua.drivers.modemmanager.bus import DbusError
    from mmsua.drivers.modemmanager.client import ModemManagerClient

    try:
        client = ModemManagerClient.connect(bus, timeout)
    except DbusError as error:
        return f"no ModemManager to ask ({error})"
    try:
        if not client.running():
            return f"ModemManager is not running on the {bus} bus"
        for modem in client.modems():
            if modem.serves(port):
                return modem.path, modem.primary_port
        return f"ModemManager manages no modem {'at ' + port if port else 'now'}"
    except DbusError as error:
        return f"ModemManager did not answer ({error})"
    finally:
        client.close()
