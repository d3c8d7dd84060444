"""MMSUA_HYPOTHESIS_SCALE=N (N > 1) runs N times the examples of every codec property
without its own count (those with one scale themselves), for a long local fuzz
hunt; the committed suite runs at the normal size."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

SCALE = int(os.environ.get("MMSUA_HYPOTHESIS_SCALE", "1"))

if SCALE > 1:
    settings.register_profile(
        "mmsua-scaled", max_examples=150 * SCALE, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    settings.load_profile("mmsua-scaled")
