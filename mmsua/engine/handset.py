"""Who and where the handset is: its own number, its country, whether it roams.

The settings name the number and country when the user knows them; otherwise the
number is learnt (from the SIM or a message to us alone) and kept in the store,
and the country follows the SIM's MCC.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from mmsua.addresses import Country, country_for, normalize, participants
from mmsua.engine.settings import SettingsSource
from mmsua.store import ModemScope, Store

log = logging.getLogger(__name__)

OWN_NUMBER_KEY = "own_number"


class Handset:
    def __init__(self, store: Store, settings: SettingsSource, modem: ModemScope | None = None) -> None:
        """``modem``: which of the daemon's modems this is (its messages, kept SMS and learnt
        number in the shared store); None: the only one, named "modem"."""
        self._store = store
        self._settings = settings
        self.modem = modem or ModemScope("modem")
        # The first modem keeps the key a store had before modems had names.
        self._number_key = OWN_NUMBER_KEY if self.modem.primary else f"{OWN_NUMBER_KEY}:{self.modem.name}"
        self.mcc: str | None = None  # from the SIM's IMSI, once read
        self.roaming = False  # from the network registration

    @property
    def country(self) -> Country | None:
        return country_for(self._settings().country_code or None, self.mcc)

    @property
    def own_number(self) -> str | None:
        number = self._settings().own_number or self._store.get_learned(self._number_key)
        return normalize(number, self.country) if number else None

    def learn_own_number(self, number: str | None) -> None:
        """From the SIM (AT+CNUM) or the network; the setting always wins."""
        if number and not self._settings().own_number and not self._store.get_learned(self._number_key):
            self._store.set_learned(self._number_key, normalize(number, self.country))
            log.info("own number learnt: %s", number)

    def people(self, addresses: Iterable[str | None]) -> list[str]:
        """A conversation's participants: these addresses, normalised, less our own number."""
        return participants(addresses, self.own_number, self.country)

    def norm(self, address: str | None) -> str | None:
        return normalize(address, self.country) if address else None
