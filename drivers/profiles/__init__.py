"""The modem profile registry.

``select_profile(identity)`` picks the most specific profile whose patterns
match the identification (a model match beats a manufacturer-only match; the
generic 3GPP profile is the fallback); ``get_profile(name)`` is the config
override. Adding a vendor is one module in this package exposing ``PROFILE``
(or ``PROFILES``, a tuple, for several) — it is found by :func:`discover`, no
list to edit — plus its fixtures in hw_fixtures/<vendor>/.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Protocol

from ..errors import ModemError
from . import generic
from .base import Profile

__all__ = ["PROFILES", "Profile", "discover", "get_profile", "select_profile", "UnknownProfile"]


def discover() -> tuple[Profile, ...]:
    """Every profile defined by a module of this package (by module name; generic last)."""
    found: list[Profile] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in ("base", "generic") or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "PROFILES", None) or (module.PROFILE,))
    return (*found, generic.PROFILE)


PROFILES: tuple[Profile, ...] = discover()

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
