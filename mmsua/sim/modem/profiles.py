"""The emulated dialects by name: every vendor module's dialects, and their profiles."""

from __future__ import annotations

from mmsua.sim.modem.dialect import Dialect
from mmsua.sim.modem.profile import Profile
from mmsua.sim.modem.vendors import generic, quectel, simcom

DIALECTS: dict[str, Dialect] = {d.profile.key: d for module in (generic, quectel, simcom) for d in module.DIALECTS}
PROFILES: dict[str, Profile] = {key: d.profile for key, d in DIALECTS.items()}
ALIASES = {alias: d.profile.key for d in DIALECTS.values() for alias in d.aliases}


def get_dialect(name: str) -> Dialect:
    key = ALIASES.get(name.lower(), name.lower())
    try:
        return DIALECTS[key]
    except KeyError:
        raise ValueError(f"unknown modem profile {name!r}; known: {', '.join(PROFILES)}") from None


def get_profile(name: str) -> Profile:
    return get_dialect(name).profile
