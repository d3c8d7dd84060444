"""Quectel: profiles (profile.py, USB ids there), the TCP stack over AT (sockets.py), the context commands (pdp.py), +QCSQ (signal.py), URC names (urcs.py)."""

from __future__ import annotations

from .profile import PROFILE, SERIAL_PROFILE

PROFILES = (PROFILE, SERIAL_PROFILE)
