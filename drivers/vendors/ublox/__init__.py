"""u-blox: the profile (profile.py, USB ids there), URC names (urcs.py)."""

from __future__ import annotations

from .profile import PROFILE

PROFILES = (PROFILE,)
