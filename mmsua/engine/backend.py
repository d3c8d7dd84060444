"""Which driver backend runs the modem: the AT driver, or ModemManager.

``modem.backend = auto`` asks ModemManager (on ``modem.mm_bus``, without starting
it) whether it manages the modem, that is a modem with ``modem.port`` among its
ports, or any modem when no port is given. Then mmsua works through it instead of
fighting it for the port; otherwise mmsua owns the AT port itself.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from dataclasses import dataclass

from mmsua.engine.settings import AgentSettings

log = logging.getLogger(__name__)
PROBE_TIMEOUT = 5.0  # seconds for the whole question: a bus that does not answer means AT


@dataclass(frozen=True, slots=True)
class BackendChoice:
    backend: str  # "at" or "modemmanager"
    reason: str


def choose_backend(settings: AgentSettings, timeout: float = PROBE_TIMEOUT, *, in_child: bool = False) -> BackendChoice:
    """``in_child``: ask from a short-lived child process (the daemon does): dbus-fast,
    asyncio and ssl, 5 MB once loaded, never enter a process that does not use ModemManager."""
    if settings.backend == "at":
        return BackendChoice("at", "modem.backend = at")
    if settings.backend == "modemmanager":
        return BackendChoice("modemmanager", "modem.backend = modemmanager")
    if "://" in settings.port:
        return BackendChoice("at", f"{settings.port} is a pyserial URL, which only the AT driver opens")
    found = (managing_modem_in_child if in_child else managing_modem)(settings.mm_bus, settings.port, timeout)
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


def managing_modem_in_child(bus: str, port: str, timeout: float = PROBE_TIMEOUT) -> str | tuple[str, str]:
    """:func:`managing_modem`, asked by ``python -m mmsua.engine.backend`` and answered as JSON."""
    command = [sys.executable, "-m", "mmsua.engine.backend", bus, port, str(timeout)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout + 30, stdin=subprocess.DEVNULL)
        answer = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else None
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        return f"no ModemManager to ask (the question's process failed: {error})"
    if isinstance(answer, dict) and isinstance(answer.get("why"), str):
        return str(answer["why"])
    if isinstance(answer, dict) and isinstance(answer.get("path"), str) and isinstance(answer.get("port"), str):
        return answer["path"], answer["port"]
    return f"no ModemManager to ask (the question's process answered nothing: {done.stderr.strip()[-200:]})"


def _answer(argv: list[str]) -> int:
    bus, port, timeout = argv[0], argv[1], float(argv[2])
    found = managing_modem(bus, port, timeout)
    print(json.dumps({"why": found} if isinstance(found, str) else {"path": found[0], "port": found[1]}))
    return 0


if __name__ == "__main__":
    sys.exit(_answer(sys.argv[1:]))
