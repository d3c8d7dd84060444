"""A concatenated SMS whose other segments never come expires after the configured
time: its segment is kept raw (nothing is lost) and a clear line is logged."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from pathlib import Path

from mmsua.codec.sms import wap_push_sms
from mmsua.engine.runner import Engine
from mmsua.engine.settings import AgentSettings
from mmsua.store import Store


def test_an_incomplete_set_expires_kept_raw_with_a_log_line(tmp_path: Path, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="mmsua.engine")
    first, _second = wap_push_sms(
        "+447700900123", bytes(range(256)), reference=9, timestamp=datetime(2026, 11, 25, tzinfo=timezone.utc)
    )
    store = Store(tmp_path / "store")
    engine = Engine(store, AgentSettings(segment_timeout=0.2))
    engine.start()
    try:
        time.sleep(0.5)  # the worker has found nothing to do and sleeps (up to 600 s) when the segment comes
        engine.receive_sms(first.hex().upper(), None)
        deadline = time.monotonic() + 10
        while not store.raw_pdus(undecoded=True) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        engine.stop()
    [raw] = store.raw_pdus(undecoded=True)
    assert raw["error"].startswith("incomplete:")
    assert "+447700900123" in raw["error"] and "missing 2" in raw["error"]
    [line] = [r.getMessage() for r in caplog.records if "never completed" in r.getMessage()]
    assert "timed out" in line and "reference 9" in line
    assert store.list_conversations() == []  # no half message shown as a message
