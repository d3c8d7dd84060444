"""mmsd-tng's D-Bus API (``org.ofono.mms``) over the typed API: a third transport (docs/dbus.md).

A thin adapter, as the socket server is: it calls an ``Api`` (the engine's UserAgent
in the daemon) and never reaches into the engine. The D-Bus library (dbus-fast) is
the optional ``dbus`` extra; importing this package needs none of it, only
:func:`start` does, and says how to install it when it is missing.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mmsua.api.methods import Api
    from mmsua.dbus.runner import DbusService

EXTRA_HINT = "pip install 'mmsua[dbus]'"


class DbusUnavailable(RuntimeError):
    """The D-Bus service cannot run: the extra is missing, no bus, or the name is taken."""


def check_available() -> None:
    """Raise DbusUnavailable, saying how to install it, when the dbus extra is missing (the
    daemon asks before it opens the modem, so a missing extra costs no start-up)."""
    try:
        import dbus_fast  # noqa: F401 - only to say what is missing
    except ImportError:
        raise DbusUnavailable(f"the D-Bus API needs the dbus extra, which is not installed: {EXTRA_HINT}") from None


def start(api: Api, bus: str, attachments: Path, *, delivery_reports: bool = False, mmsc: str = "", apn: str = "",
          proxy: str = "", address: str | None = None, lock: threading.Lock | None = None, delete: str = "delete") -> DbusService:
    """Serve ``api`` as org.ofono.mms on ``bus`` (session or system, or the bus at ``address``)
    until ``stop()``. The rest is what the service shows of the daemon's config: the
    UseDeliveryReports it starts with, the MMS settings ViewSettings lists. ``lock``: held
    around each call into ``api``, shared with the daemon's socket server so the engine sees
    one request at a time. ``delete``: what a client's Delete does, "delete" (mmsd-tng's) or
    "hide" (gone from D-Bus, kept for mmsua's other clients)."""
    check_available()
    from mmsua.dbus.adapter import CarrierSettings, ServiceSettings
    from mmsua.dbus.files import AttachmentFiles
    from mmsua.dbus.runner import DbusService

    service = DbusService(api, bus, AttachmentFiles(attachments), ServiceSettings(use_delivery_reports=delivery_reports),
                          CarrierSettings(mmsc, apn, proxy), address, lock, hide=delete == "hide")
    service.start()
    return service
