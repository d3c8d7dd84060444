"""The modem profile registry.

``select_profile(identity)`` picks the most specific profile whose patterns
match the identification (a model match beats a manufacturer-only match; the
generic 3GPP profile is the fallback); ``get_profile(name)`` is the config
override. Adding a vendor: one module here exposing ``PROFILE`` (and listing it
in ``_MODULES``) plus its fixtures in hw_fixtures/.
"""

from __future__ import annotations

from typing import Protocol

from ..errors import ModemError
from . import generic, huawei, quectel, sierra, simcom, ublox
from .base import Profile

__all__ = ["PROFILES", "Profile", "get_profile", "select_profile", "UnknownProfile"]

PROFILES: tuple[Profile, ...] = (
    quectel.PROFILE,
    quectel.SERIAL_PROFILE,
    simcom.PROFILE,
    simcom.SIM800_PROFILE,
    huawei.PROFILE,
    sierra.PROFILE,
    ublox.PROFILE,
    generic.PROFILE,
)

_BY_NAME = {profile.name: profile for profile in PROFILES}


class UnknownProfile(ModemError):
    """A profile name from config that no module defines."""


class _Identified(Protocol):
    manufacturer: str
    model: str


def get_profile(name: str) -> Profile:
    try:
        return _BY_NAME[name.strip().lower()]
    except KeyError:
        raise UnknownProfile(f"no modem profile named {name!r}; known: {', '.join(sorted(_BY_NAME))}") from None


def select_profile(identity: _Identified, override: str | None = None) -> Profile:
    """The profile for this modem: ``override`` by name if given, else the best match."""
    if override:
        return get_profile(override)
    best, best_score = generic.PROFILE, 0
    for profile in PROFILES:
        # The model string is also searched for the vendor: a Quectel M26 resold
        # as "FOXCOM MODEM" still says "Quectel_M26" in its model.
        score = max(
            profile.specificity(identity.manufacturer, identity.model),
            profile.specificity(identity.model, identity.model),
        )
        if score > best_score:
            best, best_score = profile, score
    return best
