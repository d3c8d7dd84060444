"""Generic 3GPP: the 27.007/27.005 fallback profile (profile.py) and the URC names of modems without a folder (urcs.py)."""

from __future__ import annotations

from .profile import PROFILE

PROFILES = (PROFILE,)
