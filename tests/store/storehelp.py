"""Helpers for the store's tests (a uniquely named module: a test folder's conftest is not
importable by name when several folders run together)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from mmsua.store import schema


def store_at_version(path: Path, version: int) -> sqlite3.Connection:
    """A store file as mmsua wrote it at schema ``version`` (the first migrations only), open to fill."""
    conn = sqlite3.connect(path, isolation_level=None)
    for migration in schema.MIGRATIONS[:version]:
        migration(conn)
    conn.execute(f"PRAGMA user_version = {version}")
    return conn
