"""SIMCom: profiles (profile.py, USB ids there), the TCP stack over AT (sockets.py), URC names (urcs.py)."""

from __future__ import annotations

from .profile import PROFILE, SIM800_PROFILE

PROFILES = (PROFILE, SIM800_PROFILE)
