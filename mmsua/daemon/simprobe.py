"""Read the SIM's identity before the engine starts, so carrier settings are complete
before the first network step.

Only used when the config leaves the MMS APN or MMSC to the carrier database: the
daemon opens the AT port, unlocks the SIM if it asks, reads IMSI, service provider
name and own number, and closes the port again; the engine then opens it for good.
Any failure leaves provisioning to the engine's own start-up (see runner.provision).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("mmsua.daemon")


def probe(config: Any) -> dict[str, Any] | None:
    """``{imsi, spn, gid1, own_number}`` from the modem of ``config``, or None when it cannot be read."""
    from mmsua.drivers.at.channel import AtChannel
    from mmsua.drivers.errors import ModemError
    from mmsua.drivers.modem import Modem

    profile = config["modem.profile"]
    try:
        channel = AtChannel(config["modem.port"], baudrate=config["modem.baudrate"]).open()
    except (ModemError, OSError) as error:
        log.info("SIM not read before start (%s); the engine will read it", error)
        return None
    try:
        modem = Modem(channel, pin=config["modem.pin"] or None)
        modem.start(profile_override=None if profile in ("", "auto") else profile)
        modem.unlock()
        imsi = modem.imsi()
        spn = _quiet(modem.service_provider)
        gid1 = _quiet(modem.gid1)
        own = _quiet(modem.own_number)
    except (ModemError, OSError) as error:
        log.info("SIM not read before start (%s); the engine will read it", error)
        return None
    finally:
        channel.close()
    return {"imsi": imsi, "spn": spn or "", "gid1": gid1 or "", "own_number": own}


def _quiet(read: Any) -> Any:
    from mmsua.drivers.errors import ModemError

    try:
        return read()
    except ModemError:
        return None
