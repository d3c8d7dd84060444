"""Durable store: SQLite in WAL mode for messages, parts, conversations, outbox and raw PDUs."""

from mmsua.store.records import Conversation, Message, ModemScope, PartData, PartInfo, Recipient, SmsSegment, StoredSms, Task, TaskKinds
from mmsua.store.store import DuplicateMessage, NotFound, StateChange, Store, StoreError, default_store_path

__all__ = [
    "Conversation", "DuplicateMessage", "Message", "NotFound", "PartData", "PartInfo", "Recipient", "SmsSegment",
    "ModemScope", "StateChange", "Store", "StoreError", "StoredSms", "Task", "TaskKinds", "default_store_path",
]
