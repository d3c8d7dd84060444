"""The store's schema as a list of forward migrations.

``PRAGMA user_version`` holds how many migrations have run. A new schema change
is a new entry appended to :data:`MIGRATIONS`; entries are never edited once
released, so any older store upgrades by running the tail of the list.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

# Version 1: the whole first schema.
_V1 = """
CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,      -- sorted participants joined by ','
    participants    TEXT NOT NULL,             -- JSON list, the same addresses
    last_date       REAL,                      -- unix time of the newest message
    last_preview    TEXT NOT NULL DEFAULT '',
    unread          INTEGER NOT NULL DEFAULT 0,
    message_count   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_recent ON conversations(last_date DESC, id DESC);

CREATE TABLE conversation_participants (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    address         TEXT NOT NULL,
    PRIMARY KEY (conversation_id, address)
);
CREATE INDEX participants_by_address ON conversation_participants(address);

CREATE TABLE messages (
    id                        INTEGER PRIMARY KEY,
    conversation_id           INTEGER NOT NULL REFERENCES conversations(id),
    direction                 TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    kind                      TEXT NOT NULL CHECK (kind IN ('mms', 'sms')),
    state                     TEXT NOT NULL,
    sender                    TEXT,
    to_addrs                  TEXT NOT NULL DEFAULT '[]',   -- JSON lists
    cc_addrs                  TEXT NOT NULL DEFAULT '[]',
    bcc_addrs                 TEXT NOT NULL DEFAULT '[]',
    subject                   TEXT,
    body_text                 TEXT NOT NULL DEFAULT '',     -- text parts joined
    date                      REAL NOT NULL,
    read                      INTEGER NOT NULL DEFAULT 0,
    read_report_requested     INTEGER NOT NULL DEFAULT 0,
    delivery_report_requested INTEGER NOT NULL DEFAULT 0,
    size                      INTEGER,
    expiry                    REAL,
    priority                  TEXT,
    message_class             TEXT,
    error                     TEXT,
    transaction_id            TEXT,
    message_id                TEXT,
    content_location          TEXT,
    sms_reference             INTEGER,   -- TP-MR of a sent SMS, for status reports
    created                   REAL NOT NULL,
    updated                   REAL NOT NULL
);
CREATE INDEX messages_by_conversation ON messages(conversation_id, id);
CREATE INDEX messages_unread ON messages(conversation_id) WHERE read = 0;
CREATE INDEX messages_by_state ON messages(state);
-- Duplicates never make a second message: one row per id the network gave.
CREATE UNIQUE INDEX messages_dedupe_tid ON messages(direction, transaction_id)
    WHERE transaction_id IS NOT NULL;
CREATE UNIQUE INDEX messages_dedupe_mid ON messages(direction, message_id)
    WHERE message_id IS NOT NULL;
CREATE UNIQUE INDEX messages_dedupe_location ON messages(direction, content_location)
    WHERE content_location IS NOT NULL;
CREATE INDEX messages_by_sms_reference ON messages(sms_reference) WHERE sms_reference IS NOT NULL;

CREATE TABLE parts (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    idx           INTEGER NOT NULL,
    content_type  TEXT NOT NULL,
    name          TEXT,
    content_id    TEXT,
    content_location TEXT,
    charset       TEXT,
    size          INTEGER NOT NULL,
    data          BLOB,          -- small parts inline
    file          TEXT,          -- large parts: a generated name under parts/
    UNIQUE (message_id, idx)
);

CREATE TABLE recipients (
    message_id  INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    address     TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    updated     REAL NOT NULL,
    PRIMARY KEY (message_id, address)
);

-- Work still to do, one row per (kind, message): the outbox (kind 'send'),
-- pending notifications ('retrieve'), responses owed to the MMSC
-- ('notify_resp', 'acknowledge') and read reports ('read_report').
CREATE TABLE tasks (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    message_id    INTEGER REFERENCES messages(id) ON DELETE CASCADE,  -- NULL: owed for an undecodable push
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_attempt  REAL NOT NULL,
    deadline      REAL,          -- give up after this (a notification's expiry)
    last_error    TEXT,
    args          TEXT NOT NULL DEFAULT '{}',   -- JSON, kind-specific
    UNIQUE (kind, message_id)
);
CREATE INDEX tasks_due ON tasks(next_attempt);
CREATE VIEW outbox AS SELECT * FROM tasks WHERE kind = 'send';
CREATE VIEW pending_notifications AS SELECT * FROM tasks WHERE kind = 'retrieve';

-- Every PDU received or sent, byte for byte, so a later decoder can re-read it.
CREATE TABLE raw_pdus (
    id          INTEGER PRIMARY KEY,
    direction   TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    kind        TEXT NOT NULL,       -- 'push', 'mms', 'sms'
    message_id  INTEGER REFERENCES messages(id) ON DELETE SET NULL,
    date        REAL NOT NULL,
    data        BLOB NOT NULL,
    error       TEXT                 -- why it did not decode, when it did not
);
CREATE INDEX raw_by_message ON raw_pdus(message_id);

-- SMS taken from the modem: kept here before the modem may delete them;
-- segments of a concatenated message wait here until the whole is stored.
CREATE TABLE sms_received (
    id           INTEGER PRIMARY KEY,
    storage      TEXT,
    idx          INTEGER,
    pdu_hex      TEXT NOT NULL,
    tpdu_length  INTEGER NOT NULL,
    date         REAL NOT NULL,
    consumed     INTEGER NOT NULL DEFAULT 0,   -- its message (or push) is stored
    deleted      INTEGER NOT NULL DEFAULT 0    -- the modem deleted it
);
CREATE UNIQUE INDEX sms_dedupe ON sms_received(pdu_hex, storage, idx);
CREATE INDEX sms_unconsumed ON sms_received(consumed) WHERE consumed = 0;

CREATE TABLE settings_learned (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
"""

_FTS = """
CREATE VIRTUAL TABLE messages_fts USING fts5(
    subject, body_text, sender, content='messages', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, subject, body_text, sender)
    VALUES (new.id, new.subject, new.body_text, new.sender);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, body_text, sender)
    VALUES ('delete', old.id, old.subject, old.body_text, old.sender);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF subject, body_text, sender ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, subject, body_text, sender)
    VALUES ('delete', old.id, old.subject, old.body_text, old.sender);
    INSERT INTO messages_fts(rowid, subject, body_text, sender)
    VALUES (new.id, new.subject, new.body_text, new.sender);
END;
"""


def has_fts5(conn: sqlite3.Connection) -> bool:
    try:
        conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
        conn.execute("DROP TABLE temp.fts5_probe")
        return True
    except sqlite3.OperationalError:
        return False


def _v1(conn: sqlite3.Connection) -> None:
    for statement in _split(_V1):
        conn.execute(statement)


def _v2_fts(conn: sqlite3.Connection) -> None:
    # Search falls back to LIKE where this SQLite was built without FTS5.
    if not has_fts5(conn):
        return
    for statement in _split(_FTS):
        conn.execute(statement)
    conn.execute("INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')")


def _v3_sms_prune_index(conn: sqlite3.Connection) -> None:
    # Kept SMS that are done with (stored as a message, gone from the modem or never on
    # it) are pruned by age; this finds them without scanning the table.
    conn.execute(
        "CREATE INDEX sms_done_by_date ON sms_received(date) "
        "WHERE consumed = 1 AND (deleted = 1 OR idx IS NULL)"
    )


def _v4_message_ids_never_reused(conn: sqlite3.Connection) -> None:
    # SQLite gives a new row max(id) + 1, so deleting the newest message would hand its
    # id to the next one, and a client still holding the old id (a TUI selection, a
    # script's `mmsua show N`) would reach a different message. Deleted ids are
    # remembered here and Store.add_message numbers above them.
    conn.execute("CREATE TABLE id_high_water (name TEXT PRIMARY KEY, max_id INTEGER NOT NULL)")
    conn.execute(
        "CREATE TRIGGER messages_high_water AFTER DELETE ON messages BEGIN "
        "INSERT INTO id_high_water(name, max_id) VALUES ('messages', old.id) "
        "ON CONFLICT(name) DO UPDATE SET max_id = max(max_id, excluded.max_id); END"
    )


def _v5_send_attempts(conn: sqlite3.Connection) -> None:
    # How many times an outgoing MMS was POSTed (counted before each POST): after a crash
    # between a POST and its M-Send.conf it is sent again, and this says so.
    if "attempts" not in {row[1] for row in conn.execute("PRAGMA table_info(messages)")}:
        conn.execute("ALTER TABLE messages ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0")


def _v6_sms_segments(conn: sqlite3.Connection) -> None:
    # One TP-MR per segment per recipient of a sent SMS: a status report names one segment
    # to one person, and messages.sms_reference (kept for older rows) held only the last.
    conn.execute(
        "CREATE TABLE IF NOT EXISTS sms_segments ("
        " message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
        " address TEXT NOT NULL, segment INTEGER NOT NULL, reference INTEGER NOT NULL,"
        " status TEXT NOT NULL DEFAULT 'pending', updated REAL NOT NULL,"
        " PRIMARY KEY (message_id, address, segment))"
    )
    conn.execute("CREATE INDEX IF NOT EXISTS sms_segments_by_reference ON sms_segments(reference)")


def _v7_blocked_numbers(conn: sqlite3.Connection) -> None:
    # Numbers the user blocked (normalised as mmsua.addresses does), and whether a message
    # arrived from one: such a message is kept apart, never counted unread or announced.
    conn.execute("CREATE TABLE IF NOT EXISTS blocked_numbers (address TEXT PRIMARY KEY, added REAL NOT NULL)")
    if "blocked" not in {row[1] for row in conn.execute("PRAGMA table_info(messages)")}:
        conn.execute("ALTER TABLE messages ADD COLUMN blocked INTEGER NOT NULL DEFAULT 0")


def _v8_muted_conversations(conn: sqlite3.Connection) -> None:
    # A muted conversation's new messages are stored and counted unread as ever, but
    # announced nowhere (no desktop, ntfy or hook notification; docs/operations.md).
    if "muted" not in {row[1] for row in conn.execute("PRAGMA table_info(conversations)")}:
        conn.execute("ALTER TABLE conversations ADD COLUMN muted INTEGER NOT NULL DEFAULT 0")


def _v9_modems(conn: sqlite3.Connection) -> None:
    # One daemon, several modems (issue 15): the modem each message came in on or went out
    # of, and each kept SMS's (two modems' storages both have an SM slot 1).
    for table in ("messages", "sms_received"):
        if "modem" not in {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}:
            conn.execute(f"ALTER TABLE {table} ADD COLUMN modem TEXT")
    conn.execute("DROP INDEX IF EXISTS sms_dedupe")
    conn.execute("CREATE UNIQUE INDEX IF NOT EXISTS sms_dedupe_per_modem ON sms_received(pdu_hex, storage, idx, COALESCE(modem, ''))")


def _split(script: str) -> list[str]:
    """Split a script into whole statements (trigger bodies stay whole)."""
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return statements


# Each entry upgrades version i to i + 1. Append only.
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2_fts, _v3_sms_prune_index, _v4_message_ids_never_reused,
                                                            _v5_send_attempts, _v6_sms_segments,
                                                            _v7_blocked_numbers, _v8_muted_conversations, _v9_modems]
SCHEMA_VERSION = len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    """The store was written by a newer mmsua; refusing to touch it."""


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema up to :data:`SCHEMA_VERSION`, one transaction per step.

    Returns the version the store was at before.
    """
    before = conn.execute("PRAGMA user_version").fetchone()[0]
    if before > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"store schema version {before} is newer than this mmsua understands ({SCHEMA_VERSION})"
        )
    for version in range(before, SCHEMA_VERSION):
        conn.execute("BEGIN IMMEDIATE")
        try:
            MIGRATIONS[version](conn)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return before
