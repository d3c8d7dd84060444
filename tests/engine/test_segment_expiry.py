"""A concatenated SMS whose other segments never come expires after the configured
time: its segment is kept raw (nothing is lost) and a clear line is logged."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

from simagent import wait_for

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
        # The segment must come while the worker, having found nothing to do, sleeps
        # (up to 600 s): only its arrival can make the worker keep the expiry's time.
        wait_for("the worker waiting with nothing to do", lambda: engine.wakeup.sleeping, timeout=30)
        engine.receive_sms(first.hex().upper(), None)
        wait_for("the incomplete set kept raw", lambda: store.raw_pdus(undecoded=True), timeout=30)
    finally:
        engine.stop()
    [raw] = store.raw_pdus(undecoded=True)
    assert raw["error"].startswith("incomplete:")
    assert "+447700900123" in raw["error"] and "missing 2" in raw["error"]
    [line] = [r.getMessage() for r in caplog.records if "never completed" in r.getMessage()]
    assert "timed out" in line and "reference 9" in line
    assert store.list_conversations() == []  # no half message shown as a message
