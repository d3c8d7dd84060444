"""The second driver backend: a modem that ModemManager manages, over its D-Bus API.

ModemManager (the org.freedesktop.ModemManager1 service) owns the modem's ports;
mmsua asks it for what the AT driver reads itself: SMS and WAP push through the
Messaging interface, sending through Messaging.Create and Sms.Send, the MMS data
path through a bearer, and the modem's, network's and SIM's facts. Names and
types follow ModemManager's D-Bus API reference
(https://www.freedesktop.org/software/ModemManager/api/latest/).

Like the rest of the driver it imports nothing of mmsua but the driver, and it
moves bytes and facts, not MMS. dbus-fast (the ``dbus`` extra) is imported only
by :mod:`.bus`, so importing this package needs none of it.
"""

from .facts import BearerFacts, ModemFacts, SimFacts, SmsFacts

__all__ = ["BearerFacts", "ModemFacts", "SimFacts", "SmsFacts"]
