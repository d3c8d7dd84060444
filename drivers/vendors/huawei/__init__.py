"""Huawei: the profile (profile.py, USB ids there), ^HCSQ (signal.py), URC names (urcs.py)."""

from __future__ import annotations

from .profile import PROFILE

PROFILES = (PROFILE,)
