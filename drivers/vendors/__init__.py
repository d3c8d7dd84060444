"""The vendors: one folder each under drivers/vendors/, plus any an installed package adds.

A vendor is a package exposing ``PROFILES``, a tuple of :class:`~mmsua.drivers.profile.Profile`
(drivers/vendors/quectel/: profile, socket stack, PDP dialect, signal query, URC
names, USB ids). The folders here are found by scanning this package, no list to
edit; another distribution adds a vendor through the ``mmsua.vendors`` entry-point
group, naming a module with ``PROFILES`` (like a folder here), a tuple of profiles
or one profile::

    [project.entry-points."mmsua.vendors"]
    telit = "mmsua_telit"

Everything is loaded once, on first use (:func:`reload` loads again); a plugin that
fails to import, names something that is not a profile or reuses a profile's name
raises :class:`VendorPluginError` saying which plugin and why. ``select_profile``
picks the most specific profile matching the identification (a model match beats
a manufacturer-only match; the generic 27.007 profile is the fallback);
``get_profile`` is the config override.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import pkgutil
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import Protocol

from ..at.urcs import STANDARD, UrcTable
from ..errors import ModemError
from ..profile import Profile, UsbModem

__all__ = [
    "ENTRY_POINT_GROUP",
    "Profile",
    "UnknownProfile",
    "VendorPluginError",
    "Vendors",
    "all_profiles",
    "discover",
    "get_profile",
    "known_urcs",
    "reload",
    "select_profile",
    "usb_modems",
    "vendors",
]

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "mmsua.vendors"
_FALLBACK = "generic"


class UnknownProfile(ModemError):
    """A profile name from config that no vendor defines."""


class VendorPluginError(ModemError):
    """An installed vendor plugin that cannot be used (the message names it and says why)."""


class _Identified(Protocol):
    @property
    def manufacturer(self) -> str: ...

    @property
    def model(self) -> str: ...


def _profiles_of(value: object, where: str) -> tuple[Profile, ...]:
    """The profiles a vendor module, tuple or profile gives; VendorPluginError otherwise."""
    if isinstance(value, ModuleType):
        if not hasattr(value, "PROFILES"):
            raise VendorPluginError(f"{where}: module {value.__name__} has no PROFILES (a tuple of Profile)")
        value = value.PROFILES
    if isinstance(value, Profile):
        return (value,)
    if isinstance(value, (tuple, list)) and value and all(isinstance(p, Profile) for p in value):
        return tuple(value)
    raise VendorPluginError(f"{where}: expected a Profile, a tuple of them or a module with PROFILES, got {value!r}")


def _folders() -> tuple[tuple[Profile, ...], tuple[Profile, ...]]:
    """(every folder's profiles by folder name, the generic fallback's)."""
    found: list[Profile] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name == _FALLBACK or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(_profiles_of(module, f"drivers/vendors/{info.name}"))
    fallback = _profiles_of(importlib.import_module(f"{__name__}.{_FALLBACK}"), f"drivers/vendors/{_FALLBACK}")
    return tuple(found), fallback


def _plugins() -> tuple[Profile, ...]:
    """The profiles of every ``mmsua.vendors`` entry point, in name order."""
    found: list[Profile] = []
    for entry in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        dist = entry.dist
        source = f" from {dist.name} {dist.version}" if dist is not None else ""
        where = f"vendor plugin {entry.name!r} ({ENTRY_POINT_GROUP}: {entry.name} = {entry.value}{source})"
        try:
            value = entry.load()
        except Exception as error:  # whatever the plugin raised, said with its name
            raise VendorPluginError(f"{where} failed to load: {type(error).__name__}: {error}") from error
        profiles = _profiles_of(value, where)
        log.info("%s adds %s", where, ", ".join(p.name for p in profiles))
        found.extend(profiles)
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Vendors:
    """Every known profile (folders, then plugins, the generic fallback last) and what
    the layers below read from all of them at once: URC names and USB ids."""

    profiles: tuple[Profile, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for profile in self.profiles:
            if profile.name in seen:
                raise VendorPluginError(f"two vendors define a profile named {profile.name!r}; profile names must be unique")
            seen.add(profile.name)

    @property
    def fallback(self) -> Profile:
        return self.profiles[-1]

    def get(self, name: str) -> Profile:
        wanted = name.strip().lower()
        for profile in self.profiles:
            if profile.name == wanted:
                return profile
        known = ", ".join(sorted(p.name for p in self.profiles))
        raise UnknownProfile(f"no modem profile named {name!r}; known: {known}")

    def select(self, identity: _Identified, override: str | None = None) -> Profile:
        """The profile for this modem: ``override`` by name if given, else the best match."""
        if override:
            return self.get(override)
        best, best_score = self.fallback, 0
        for profile in self.profiles:
            # The model string is also searched for the vendor: a Quectel M26 resold
            # as "FOXCOM MODEM" still says "Quectel_M26" in its model.
            score = max(
                profile.specificity(identity.manufacturer, identity.model),
                profile.specificity(identity.model, identity.model),
            )
            if score > best_score:
                best, best_score = profile, score
        return best

    def urcs(self) -> UrcTable:
        return STANDARD.merged(*(p.urcs for p in self.profiles))

    def usb_modems(self) -> dict[tuple[int, int], UsbModem]:
        table: dict[tuple[int, int], UsbModem] = {}
        for profile in self.profiles:
            for modem in profile.usb:
                table.setdefault(modem.ids, modem)
        return table


def discover(*, plugins: bool = True) -> Vendors:
    """Scan the folders (and the entry points) now, without touching the loaded set."""
    folders, fallback = _folders()
    return Vendors((*folders, *(_plugins() if plugins else ()), *fallback))


_lock = threading.Lock()
_loaded: tuple[Vendors, UrcTable] | None = None


def _state() -> tuple[Vendors, UrcTable]:
    global _loaded
    with _lock:
        if _loaded is None:
            found = discover()
            _loaded = found, found.urcs()
        return _loaded


def vendors() -> Vendors:
    """The vendors, loaded on first use."""
    return _state()[0]


def reload() -> Vendors:
    """Load again (after a plugin was installed or removed in this process)."""
    global _loaded
    with _lock:
        _loaded = None
    return vendors()


def all_profiles() -> tuple[Profile, ...]:
    return vendors().profiles


def get_profile(name: str) -> Profile:
    return vendors().get(name)


def select_profile(identity: _Identified, override: str | None = None) -> Profile:
    return vendors().select(identity, override)


def known_urcs() -> UrcTable:
    """27.005/27.007's URC names with every vendor's (merged once per load)."""
    return _state()[1]


def usb_modems() -> dict[tuple[int, int], UsbModem]:
    """(vid, pid) -> the USB modem, from every vendor."""
    return vendors().usb_modems()
