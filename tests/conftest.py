"""Shared test settings: where the read-only third-party material lives, and
Hypothesis limits that suit a 2-core CI machine."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

settings.register_profile(
    "mmsua", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("mmsua")


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the checkout; tests that need it skip with the reason when absent."""
    if not SHARED.is_dir():
        pytest.skip(f"third-party material not found at {SHARED} (it sits beside the checkout in the project workspace)")
    return SHARED
