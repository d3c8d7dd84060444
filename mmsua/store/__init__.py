"""Durable store: SQLite in WAL mode for messages, parts, conversations, outbox and raw PDUs."""
