"""Helpers for tests that replay hw_fixtures transcripts through the real driver code."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import mmsua.drivers  # noqa: F401  (registers the replay:// URL handler)
from mmsua.drivers import vendors
from mmsua.drivers.at.channel import AtChannel

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "hw_fixtures"
# hw_fixtures/<vendor>/ for every folder of drivers/vendors/: a new vendor's fixtures are checked too.
VENDOR_DIRS = tuple(info.name for info in pkgutil.iter_modules(vendors.__path__) if not info.name.startswith("_"))


def fixture_path(rel: str) -> Path:
    path = FIXTURES / rel
    assert path.is_file(), f"missing fixture {path}"
    return path


def replay_channel(rel: str, *, default_timeout: float = 10.0) -> AtChannel:  # the answer ends a wait at once
    """An open AtChannel on the transcript (its sync ESC/AT is the transcript's first host lines)."""
    return AtChannel(f"replay://{fixture_path(rel)}", default_timeout=default_timeout).open()


def assert_played(channel: AtChannel) -> None:
    """Every line of the transcript was reached: the driver did exactly what the modem log shows."""
    left = channel.serial.unconsumed()  # type: ignore[union-attr]
    assert left == [], f"transcript lines never reached: {left[:5]}"


def vendor_fixtures() -> list[Path]:
    return sorted(p for d in VENDOR_DIRS for p in (FIXTURES / d).rglob("*.txt"))


def no_sleep(_seconds: float) -> None:
    """Back-off delays in tests: the transcript decides what happens next, not the clock."""


class Inbox(list):
    """The layer above in SMS tests: keeps what SmsService hands up."""

    def __init__(self) -> None:
        super().__init__()
        import threading

        self.arrived = threading.Event()

    @property
    def items(self) -> list:
        return self

    def __call__(self, sms: object) -> None:
        self.append(sms)
        self.arrived.set()
