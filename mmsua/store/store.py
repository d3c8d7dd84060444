"""The durable store: one SQLite database in WAL mode plus a folder of large parts.

Every engine step is one :meth:`Store.transaction`; it commits before the next
network step, so a crash anywhere leaves a state the engine resumes from (the
``tasks`` table says what is still owed). The store is shared by the engine and
the daemon's API threads: one connection guarded by a lock.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from mmsua import paths
from mmsua.api.states import MessageState
from mmsua.store.records import (
    Conversation,
    Message,
    ModemScope,
    PartData,
    PartInfo,
    Recipient,
    SmsSegment,
    StoredSms,
    Task,
    TaskKinds,
)
from mmsua.store.schema import migrate

# Parts larger than this live in files under parts/ (keeps the database small
# and pages of message lists fast); smaller ones stay inline.
INLINE_PART_LIMIT = 64 * 1024
PREVIEW_LENGTH = 120
# A new message's id: above every id in use and every id ever deleted (ids never recur).
_NEXT_MESSAGE_ID = (
    "(SELECT max(coalesce((SELECT max(id) FROM messages), 0), "
    "coalesce((SELECT max_id FROM id_high_water WHERE name = 'messages'), 0)) + 1)"
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_T = TypeVar("_T", bound="DataclassInstance")
# A conversation is blocked when it has participants and every one is a blocked number.
_BLOCKED = (
    "(EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_id = conversations.id) "
    "AND NOT EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_id = conversations.id "
    "AND p.address NOT IN (SELECT address FROM blocked_numbers)))"
)
_CONVERSATION = f"SELECT *, {_BLOCKED} AS blocked FROM conversations"
# States of an MMS whose content is not (yet) here: the preview says so.
_WITHOUT_CONTENT = (MessageState.NOTIFIED, MessageState.DEFERRED, MessageState.RETRIEVING, MessageState.EXPIRED,
                    MessageState.REJECTED)

# The state is not among them: it changes only through Store.change_state.
_MESSAGE_FIELDS = {
    "sender", "subject", "body_text", "date", "read", "read_report_requested",
    "delivery_report_requested", "size", "expiry", "priority", "message_class", "error",
    "transaction_id", "message_id", "content_location", "sms_reference", "attempts",
}


class StoreError(Exception):
    """The store cannot do what was asked (bad id, unreadable file...)."""


class NotFound(StoreError):
    pass


class DuplicateMessage(StoreError):
    """A message with the same transaction id, message id or content location exists."""

    def __init__(self, existing_id: int) -> None:
        super().__init__(f"duplicate of message {existing_id}")
        self.existing_id = existing_id


class StateChange(Protocol):
    """An event of the engine's transition table (mmsua.engine.states.Event)."""

    def apply(self, source: MessageState | None, /) -> MessageState:
        """The state it moves ``source`` to; raises when the table declares no such move."""
        ...


def default_store_path() -> Path:
    """$XDG_DATA_HOME/mmsua/store.sqlite (~/.local/share when unset)."""
    return paths.store_dir() / "store.sqlite"


def conversation_key(participants: Iterable[str]) -> str:
    return ",".join(sorted(set(participants)))


class Store:
    """Messages, parts, conversations, tasks and raw PDUs in one SQLite file."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        self.directory = self.path.parent
        self.parts_dir = self.directory / "parts"
        for folder in (self.directory, self.parts_dir):
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.chmod(folder, 0o700)
        if not self.path.exists():
            # Create it private before SQLite does (SQLite copies this mode to -wal/-shm).
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(self.path, 0o600)
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        self._conn.row_factory = sqlite3.Row
        mode = self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreError(f"{self.path}: SQLite refused WAL mode (got {mode})")
        self._conn.execute("PRAGMA synchronous=FULL")  # a committed step survives power loss
        self._conn.execute("PRAGMA foreign_keys=ON")
        migrate(self._conn)
        self.fts = bool(
            self._conn.execute("SELECT 1 FROM sqlite_master WHERE name='messages_fts'").fetchone()
        )
        self._sweep_orphan_parts()

    def _sweep_orphan_parts(self, min_age: float = 3600.0) -> None:
        """Remove part files no row names: left by a crash between writing a file and
        committing its row. Only old ones, so another process's step in flight is safe."""
        known = {r[0] for r in self._conn.execute("SELECT file FROM parts WHERE file IS NOT NULL")}
        cutoff = time.time() - min_age
        for path in self.parts_dir.iterdir():
            try:
                if path.name not in known and path.suffix == ".part" and path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                continue

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def release_memory(self) -> None:
        """Free the connection's page cache (up to SQLite's 2 MB default): an idle daemon
        need not hold the day's pages; they are read again, from the OS's cache, when asked."""
        with self._lock:
            self._conn.execute("PRAGMA shrink_memory")

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------

    @contextmanager
    def transaction(self, *, synced: bool = True) -> Iterator[None]:
        """One atomic step; nested calls join the outer transaction.

        ``synced=False`` (outermost only) commits without waiting for the disk (WAL,
        synchronous=NORMAL for this commit): the step survives a crash of the process but
        may be lost with power, and the next synced commit makes it durable too. Only for
        hints whose loss the engine repairs (:meth:`mark_sms_deleted`)."""
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield
                finally:
                    self._depth -= 1
                return
            if not synced:
                self._conn.execute("PRAGMA synchronous=NORMAL")
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                self._depth = 1
                try:
                    yield
                except BaseException:
                    self._depth = 0
                    self._conn.execute("ROLLBACK")
                    raise
                self._depth = 0
                self._conn.execute("COMMIT")
            finally:
                if not synced:
                    self._conn.execute("PRAGMA synchronous=FULL")

    def _q(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def _x(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._conn.execute(sql, params)

    # -- conversations ------------------------------------------------------

    def conversation_for(self, participants: Iterable[str]) -> int:
        """The id of the conversation with exactly these participants (created if new)."""
        people = sorted(set(participants))
        key = conversation_key(people)
        with self.transaction():
            row = self._q("SELECT id FROM conversations WHERE key = ?", (key,))
            if row:
                return int(row[0]["id"])
            cid = _rowid(self._x(
                "INSERT INTO conversations(key, participants) VALUES (?, ?)", (key, json.dumps(people))
            ))
            self._conn.executemany(
                "INSERT INTO conversation_participants(conversation_id, address) VALUES (?, ?)",
                [(cid, address) for address in people],
            )
            return cid

    def get_conversation(self, conversation_id: int) -> Conversation:
        rows = self._q(f"{_CONVERSATION} WHERE id = ?", (conversation_id,))
        if not rows:
            raise NotFound(f"no conversation {conversation_id}")
        return _conversation(rows[0])

    def list_conversations(self, query: str | None = None, limit: int = 50, offset: int = 0, *,
                           blocked: bool = False, participant_terms: Sequence[str] = ()) -> list[Conversation]:
        """Most recent first; ``query`` matches participants and message text, and so does
        any of ``participant_terms`` (parts of numbers: the contacts named like the query).
        ``blocked``: the conversations of blocked numbers only, which are otherwise left out."""
        where = f"message_count > 0 AND {_BLOCKED} = ?"
        if not query:
            rows = self._q(
                f"{_CONVERSATION} WHERE {where} ORDER BY last_date DESC, id DESC LIMIT ? OFFSET ?",
                (int(blocked), limit, offset),
            )
            return [_conversation(row) for row in rows]
        return self._search_conversations(query, participant_terms, limit, offset, blocked)

    def _search_conversations(self, query: str, participant_terms: Sequence[str], limit: int, offset: int,
                              blocked: bool) -> list[Conversation]:
        """A search: conversations in the order of their newest match (a message that
        matches, or the newest message where a participant matches), newest first.

        Matching messages are read newest first from the full-text index and reading
        stops once ``offset + limit`` conversations are known: no lookup, and no
        DISTINCT, over every hit of a word that is in every message.
        """
        wanted = offset + limit
        with self._lock:
            shut_out = self._blocked_conversations()  # left out of the list shown (or the only ones shown)

            def shown(cid: int) -> bool:
                return (cid in shut_out) == blocked

            people: set[int] = set()
            for term in (query, *participant_terms):
                like = f"%{_escape_like(term)}%"
                people.update(int(row[0]) for row in self._conn.execute(
                    "SELECT conversation_id FROM conversation_participants WHERE address LIKE ? ESCAPE '\\'", (like,)))
            # A participant match ranks by the conversation's newest message (none: not listed).
            marks = ",".join("?" * len(people))
            pending = sorted(((int(row[1]), int(row[0])) for row in self._conn.execute(
                f"SELECT id, (SELECT max(id) FROM messages WHERE conversation_id = conversations.id) AS newest "
                f"FROM conversations WHERE id IN ({marks}) AND newest IS NOT NULL", sorted(people)) if shown(int(row[0]))),
                reverse=True) if people else []
            found: dict[int, int] = {}  # conversation id -> its newest match
            for message_id, cid in self._matches_newest_first(query):
                while pending and pending[0][0] >= message_id:
                    newest, person = pending.pop(0)
                    found.setdefault(person, newest)
                if shown(cid):
                    found.setdefault(cid, message_id)
                if len(found) >= wanted:
                    break
            for newest, person in pending:
                if len(found) >= wanted:
                    break
                found.setdefault(person, newest)
            order = sorted(found, key=lambda cid: (found[cid], cid), reverse=True)[offset:wanted]
            if not order:
                return []
            rows = {int(row["id"]): row for row in self._conn.execute(
                f"{_CONVERSATION} WHERE id IN ({','.join('?' * len(order))})", order)}
        return [_conversation(rows[cid]) for cid in order if cid in rows]

    def _blocked_conversations(self) -> set[int]:
        """Conversations whose every participant is blocked (only those with one can be)."""
        return {int(row[0]) for row in self._conn.execute(
            f"SELECT id FROM conversations WHERE id IN (SELECT conversation_id FROM conversation_participants "
            f"WHERE address IN (SELECT address FROM blocked_numbers)) AND {_BLOCKED}")}

    def _matches_newest_first(self, query: str) -> Iterator[tuple[int, int]]:
        """(message id, conversation id) of the messages matching ``query`` (text,
        subject, sender), newest first; rows are read only as the caller asks for them
        (the caller holds the store's lock)."""
        if self.fts:
            match = _fts_query(query)
            if not match:
                return
            # In the index's own rowid order, which SQLite walks backwards; a message
            # is looked up only for the hits read.
            cursor = self._conn.execute(
                "SELECT messages.id, messages.conversation_id FROM messages_fts JOIN messages ON messages.id = messages_fts.rowid "
                "WHERE messages_fts MATCH ? ORDER BY messages_fts.rowid DESC", (match,))
        else:
            cursor = self._conn.execute(
                "SELECT id, conversation_id FROM messages WHERE body_text LIKE ?1 ESCAPE '\\' OR subject LIKE ?1 ESCAPE '\\' "
                "OR sender LIKE ?1 ESCAPE '\\' ORDER BY id DESC", (f"%{_escape_like(query)}%",))
        try:
            for row in cursor:
                yield int(row[0]), int(row[1])
        finally:
            cursor.close()

    def _refresh_conversation(self, conversation_id: int) -> None:
        """Recompute the summary columns (inside the caller's transaction)."""
        counts = self._q(
            "SELECT count(*) AS n, coalesce(sum(read = 0 AND direction = 'in' AND blocked = 0), 0) AS unread "
            "FROM messages WHERE conversation_id = ?",
            (conversation_id,),
        )[0]
        last = self._q(
            "SELECT id, date, subject, body_text, kind, state, size FROM messages "
            "WHERE conversation_id = ? ORDER BY id DESC LIMIT 1",  # the latest stored, whatever its stated date
            (conversation_id,),
        )
        preview, last_date = "", None
        if last:
            row = last[0]
            last_date = row["date"]
            preview = _preview(row)
        self._x(
            "UPDATE conversations SET message_count = ?, unread = ?, last_date = ?, last_preview = ? WHERE id = ?",
            (counts["n"], counts["unread"], last_date, preview, conversation_id),
        )

    # -- messages -----------------------------------------------------------

    def add_message(
        self,
        *,
        participants: Iterable[str],
        direction: str,
        kind: str,
        state: MessageState,
        date: float | None = None,
        sender: str | None = None,
        to: Sequence[str] = (),
        cc: Sequence[str] = (),
        bcc: Sequence[str] = (),
        subject: str | None = None,
        text: str = "",
        read: bool = False,
        read_report_requested: bool = False,
        delivery_report_requested: bool = False,
        size: int | None = None,
        expiry: float | None = None,
        priority: str | None = None,
        message_class: str | None = None,
        error: str | None = None,
        transaction_id: str | None = None,
        message_id: str | None = None,
        content_location: str | None = None,
        sms_reference: int | None = None,
        blocked: bool = False,
        modem: str | None = None,
    ) -> int:
        """Insert a message; raises :class:`DuplicateMessage` when its ids are known.
        ``blocked``: it came from a blocked number (kept apart, never counted unread);
        ``modem``: the one it came in on or goes out of."""
        now = time.time()
        state = MessageState(state)  # a string that is no state fails here, before any write
        with self.transaction():
            existing = self.find_duplicate(direction, transaction_id, message_id, content_location)
            if existing is not None:
                raise DuplicateMessage(existing)
            cid = self.conversation_for(participants)
            mid = _rowid(self._x(
                "INSERT INTO messages(id, conversation_id, direction, kind, state, sender, to_addrs, cc_addrs, "
                "bcc_addrs, subject, body_text, date, read, read_report_requested, delivery_report_requested, "
                "size, expiry, priority, message_class, error, transaction_id, message_id, content_location, "
                f"sms_reference, created, updated, blocked, modem) VALUES ({_NEXT_MESSAGE_ID},?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    cid, direction, kind, state, sender, json.dumps(list(to)), json.dumps(list(cc)),
                    json.dumps(list(bcc)), subject, text, date if date is not None else now, int(read),
                    int(read_report_requested), int(delivery_report_requested), size, expiry, priority,
                    message_class, error, transaction_id, message_id, content_location, sms_reference, now, now,
                    int(blocked), modem,
                ),
            ))
            self._refresh_conversation(cid)
            return mid

    def find_duplicate(
        self,
        direction: str,
        transaction_id: str | None = None,
        message_id: str | None = None,
        content_location: str | None = None,
    ) -> int | None:
        """The id of a message of this direction sharing any of these network ids."""
        for column, value in (
            ("transaction_id", transaction_id),
            ("message_id", message_id),
            ("content_location", content_location),
        ):
            if value is None:
                continue
            rows = self._q(f"SELECT id FROM messages WHERE direction = ? AND {column} = ?", (direction, value))
            if rows:
                return int(rows[0]["id"])
        return None

    def change_state(self, message_id: int, event: StateChange, /, **fields: Any) -> MessageState:
        """Apply ``event`` to the message's state, and set ``fields`` with it, in one step.

        The current state is read in the same transaction, so the event sees the state
        it changes; a move the transition table does not declare raises and writes nothing."""
        columns = self._columns(fields)
        with self.transaction():
            rows = self._q("SELECT state FROM messages WHERE id = ?", (message_id,))
            if not rows:
                raise NotFound(f"no message {message_id}")
            state = event.apply(MessageState(rows[0]["state"]))
            self._update(message_id, {**columns, "state": state})
            return state

    def update_message(self, message_id: int, /, **fields: Any) -> None:
        """Set columns of a message (``text`` is an alias of body_text); not its state."""
        columns = self._columns(fields)
        if columns:
            self._update(message_id, columns)

    @staticmethod
    def _columns(fields: dict[str, Any]) -> dict[str, Any]:
        if "state" in fields:
            raise StoreError("a message's state changes only through change_state, by an event of the transition table")
        if "text" in fields:
            fields["body_text"] = fields.pop("text")
        unknown = set(fields) - _MESSAGE_FIELDS
        if unknown:
            raise StoreError(f"unknown message fields: {sorted(unknown)}")
        return fields

    def _update(self, message_id: int, fields: dict[str, Any]) -> None:
        for flag in ("read", "read_report_requested", "delivery_report_requested"):
            if flag in fields:
                fields[flag] = int(bool(fields[flag]))
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self.transaction():
            cid = self._conversation_of(message_id)
            self._x(
                f"UPDATE messages SET {assignments}, updated = ? WHERE id = ?",
                (*fields.values(), time.time(), message_id),
            )
            self._refresh_conversation(cid)

    def set_addresses(self, message_id: int, to: Sequence[str], cc: Sequence[str]) -> None:
        """Replace a message's To and Cc (known only once an MMS is retrieved)."""
        with self.transaction():
            self._conversation_of(message_id)
            self._x("UPDATE messages SET to_addrs = ?, cc_addrs = ? WHERE id = ?",
                    (json.dumps(list(to)), json.dumps(list(cc)), message_id))

    def move_to_conversation(self, message_id: int, participants: Iterable[str]) -> int:
        """Re-file a message (a retrieved MMS shows its whole group only once retrieved)."""
        with self.transaction():
            old = self._conversation_of(message_id)
            new = self.conversation_for(participants)
            if new != old:
                self._x("UPDATE messages SET conversation_id = ? WHERE id = ?", (new, message_id))
                self._refresh_conversation(old)
                self._refresh_conversation(new)
            return new

    def _conversation_of(self, message_id: int) -> int:
        rows = self._q("SELECT conversation_id FROM messages WHERE id = ?", (message_id,))
        if not rows:
            raise NotFound(f"no message {message_id}")
        return int(rows[0]["conversation_id"])

    def get_message(self, message_id: int) -> Message:
        rows = self._q("SELECT * FROM messages WHERE id = ?", (message_id,))
        if not rows:
            raise NotFound(f"no message {message_id}")
        return self._message(rows[0])

    def list_messages(self, conversation_id: int, before_id: int | None = None, limit: int = 50) -> list[Message]:
        """A page of a conversation, oldest first within the page, newest page first."""
        if before_id is None:
            rows = self._q(
                "SELECT * FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?",
                (conversation_id, limit),
            )
        else:
            rows = self._q(
                "SELECT * FROM messages WHERE conversation_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                (conversation_id, before_id, limit),
            )
        return [self._message(row) for row in reversed(rows)]

    def messages_in_state(self, *states: MessageState, modem: ModemScope | None = None) -> list[Message]:
        marks = ",".join("?" * len(states))
        where, params = modem.clause("modem") if modem is not None else ("", ())
        return [self._message(row) for row in self._q(f"SELECT * FROM messages WHERE state IN ({marks}){where}",
                                                      (*states, *params))]

    def modem_of_conversation(self, conversation_id: int) -> str | None:
        """The modem of the conversation's newest message that names one: where a reply goes out."""
        rows = self._q("SELECT modem FROM messages WHERE conversation_id = ? AND modem IS NOT NULL "
                       "ORDER BY id DESC LIMIT 1", (conversation_id,))
        return rows[0][0] if rows else None

    def conversation_with(self, participants: Iterable[str]) -> int | None:
        """The conversation of exactly these participants, if there is one (nothing is created)."""
        rows = self._q("SELECT id FROM conversations WHERE key = ?", (conversation_key(participants),))
        return int(rows[0][0]) if rows else None

    def count_in_state(self, *states: MessageState) -> int:
        """Messages in these states, less those from blocked numbers (nobody waits for them)."""
        marks = ",".join("?" * len(states))
        return int(self._q(f"SELECT count(*) FROM messages WHERE state IN ({marks}) AND blocked = 0", states)[0][0])

    def search_messages(self, query: str, limit: int = 50) -> list[Message]:
        return [self._message(row) for row in self._search_rows(query, limit)]

    def _search_rows(self, query: str, limit: int) -> list[sqlite3.Row]:
        if self.fts:
            match = _fts_query(query)
            if not match:
                return []
            return self._q(
                "SELECT messages.* FROM messages_fts JOIN messages ON messages.id = messages_fts.rowid "
                "WHERE messages_fts MATCH ? ORDER BY messages.id DESC LIMIT ?",
                (match, limit),
            )
        like = f"%{_escape_like(query)}%"
        return self._q(
            "SELECT * FROM messages WHERE body_text LIKE ?1 ESCAPE '\\' OR subject LIKE ?1 ESCAPE '\\' "
            "OR sender LIKE ?1 ESCAPE '\\' ORDER BY id DESC LIMIT ?2",
            (like, limit),
        )

    def mark_read(self, message_id: int, read: bool = True) -> None:
        self.update_message(message_id, read=read)

    def delete_message(self, message_id: int) -> None:
        files = [row["file"] for row in self._q("SELECT file FROM parts WHERE message_id = ? AND file IS NOT NULL", (message_id,))]
        with self.transaction():
            cid = self._conversation_of(message_id)
            self._x("DELETE FROM messages WHERE id = ?", (message_id,))
            self._refresh_conversation(cid)
        for name in files:
            self._part_path(name).unlink(missing_ok=True)

    def delete_conversation(self, conversation_id: int) -> list[int]:
        """Delete every message of a conversation in one step (the conversation stays, empty,
        so its id keeps naming it). Returns the deleted messages' ids, oldest first."""
        with self.transaction():
            self.get_conversation(conversation_id)
            ids = [int(r["id"]) for r in self._q("SELECT id FROM messages WHERE conversation_id = ? ORDER BY id",
                                                  (conversation_id,))]
            files = [r["file"] for r in self._q(
                "SELECT file FROM parts JOIN messages ON messages.id = parts.message_id "
                "WHERE messages.conversation_id = ? AND file IS NOT NULL", (conversation_id,))]
            self._x("DELETE FROM messages WHERE conversation_id = ?", (conversation_id,))
            self._refresh_conversation(conversation_id)
        for name in files:  # after the commit: a rolled-back delete keeps its files
            self._part_path(name).unlink(missing_ok=True)
        return ids

    def unread_messages(self, conversation_id: int | None = None) -> list[Message]:
        """Received messages not yet read (those from blocked numbers too), in one conversation or all."""
        if conversation_id is None:
            rows = self._q("SELECT * FROM messages WHERE direction = 'in' AND read = 0 ORDER BY id")
        else:
            rows = self._q("SELECT * FROM messages WHERE direction = 'in' AND read = 0 AND conversation_id = ? ORDER BY id",
                           (conversation_id,))
        return [self._message(row) for row in rows]

    # -- muted conversations --------------------------------------------------

    def set_muted(self, conversation_id: int, muted: bool) -> bool:
        """Mute or unmute a conversation; False when there is no such conversation."""
        with self.transaction():
            return self._x("UPDATE conversations SET muted = ? WHERE id = ?", (int(muted), conversation_id)).rowcount > 0

    def is_muted(self, conversation_id: int) -> bool:
        return bool(self._q("SELECT 1 FROM conversations WHERE id = ? AND muted = 1", (conversation_id,)))

    # -- blocked numbers ------------------------------------------------------

    def block(self, address: str) -> bool:
        """Add a (normalised) number to the blocked ones; False when it was there."""
        with self.transaction():
            return self._x("INSERT OR IGNORE INTO blocked_numbers(address, added) VALUES (?, ?)",
                           (address, time.time())).rowcount > 0

    def unblock(self, address: str) -> bool:
        """False when the number was not blocked."""
        with self.transaction():
            return self._x("DELETE FROM blocked_numbers WHERE address = ?", (address,)).rowcount > 0

    def blocked_numbers(self) -> list[str]:
        return [r["address"] for r in self._q("SELECT address FROM blocked_numbers ORDER BY address")]

    def count_blocked(self) -> int:
        return int(self._q("SELECT count(*) FROM blocked_numbers")[0][0])

    def is_blocked(self, address: str | None) -> bool:
        return bool(address) and bool(self._q("SELECT 1 FROM blocked_numbers WHERE address = ?", (address,)))

    def _message(self, row: sqlite3.Row) -> Message:
        mid = row["id"]
        parts = tuple(self.list_parts(mid))
        recipients = tuple(
            Recipient(r["address"], r["status"], r["updated"])
            for r in self._q("SELECT address, status, updated FROM recipients WHERE message_id = ? ORDER BY rowid", (mid,))
        )
        return _from_row(
            Message,
            row,
            to=tuple(json.loads(row["to_addrs"])),
            cc=tuple(json.loads(row["cc_addrs"])),
            bcc=tuple(json.loads(row["bcc_addrs"])),
            state=MessageState(row["state"]),
            text=row["body_text"],
            parts=parts,
            recipients=recipients,
            read=bool(row["read"]),
            read_report_requested=bool(row["read_report_requested"]),
            delivery_report_requested=bool(row["delivery_report_requested"]),
            blocked=bool(row["blocked"]),
        )

    # -- parts --------------------------------------------------------------

    def set_parts(self, message_id: int, parts: Sequence[PartData]) -> None:
        """Store a message's parts (replacing any), large ones as private files.

        File names are generated here; a name from the network is only a column.
        """
        written: list[str] = []
        try:
            rows = []
            for index, part in enumerate(parts):
                data: bytes | None = part.data
                file = None
                if len(part.data) > INLINE_PART_LIMIT:
                    file = self._write_part_file(message_id, index, part.data)
                    written.append(file)
                    data = None
                rows.append(
                    (message_id, index, part.content_type, part.name, part.content_id, part.content_location,
                     part.charset, len(part.data), data, file)
                )
            old = [r["file"] for r in self._q("SELECT file FROM parts WHERE message_id = ? AND file IS NOT NULL", (message_id,))]
            with self.transaction():
                self._conversation_of(message_id)
                self._x("DELETE FROM parts WHERE message_id = ?", (message_id,))
                self._conn.executemany(
                    "INSERT INTO parts(message_id, idx, content_type, name, content_id, content_location, charset, "
                    "size, data, file) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    rows,
                )
        except BaseException:
            for name in written:
                self._part_path(name).unlink(missing_ok=True)
            raise
        for name in old:
            self._part_path(name).unlink(missing_ok=True)

    def list_parts(self, message_id: int) -> list[PartInfo]:
        return [
            PartInfo(r["idx"], r["content_type"], r["name"], r["size"], r["content_id"], r["charset"], r["content_location"])
            for r in self._q(
                "SELECT idx, content_type, name, size, content_id, charset, content_location FROM parts "
                "WHERE message_id = ? ORDER BY idx",
                (message_id,),
            )
        ]

    def get_part(self, message_id: int, index: int) -> tuple[PartInfo, bytes]:
        rows = self._q("SELECT * FROM parts WHERE message_id = ? AND idx = ?", (message_id, index))
        if not rows:
            raise NotFound(f"no part {index} in message {message_id}")
        r = rows[0]
        info = PartInfo(r["idx"], r["content_type"], r["name"], r["size"], r["content_id"], r["charset"], r["content_location"])
        if r["file"] is None:
            return info, bytes(r["data"] or b"")
        try:
            return info, self._part_path(r["file"]).read_bytes()
        except OSError as exc:
            raise StoreError(f"part {index} of message {message_id}: {exc}") from exc

    def _part_path(self, name: str) -> Path:
        # Names are ours ("<id>-<idx>-<hex>.part"), but never trust a column as a path.
        return self.parts_dir / Path(name).name

    def _write_part_file(self, message_id: int, index: int, data: bytes) -> str:
        name = f"{message_id}-{index}-{secrets.token_hex(8)}.part"
        fd = os.open(self.parts_dir / name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        return name

    # -- recipients ---------------------------------------------------------

    def set_recipients(self, message_id: int, addresses: Iterable[str], status: str = "pending") -> None:
        now = time.time()
        with self.transaction():
            self._conn.executemany(
                "INSERT OR IGNORE INTO recipients(message_id, address, status, updated) VALUES (?,?,?,?)",
                [(message_id, address, status, now) for address in dict.fromkeys(addresses)],
            )

    def set_recipient_status(self, message_id: int, address: str, status: str) -> bool:
        """Update one recipient's status (inserting it if unknown). True when something changed."""
        now = time.time()
        with self.transaction():
            current = self._q(
                "SELECT status FROM recipients WHERE message_id = ? AND address = ?", (message_id, address)
            )
            if current and current[0]["status"] == status:
                return False
            # 'read' is final: a late delivery report must not turn it back.
            if current and current[0]["status"] == "read" and status == "delivered":
                return False
            self._x(
                "INSERT INTO recipients(message_id, address, status, updated) VALUES (?,?,?,?) "
                "ON CONFLICT(message_id, address) DO UPDATE SET status = excluded.status, updated = excluded.updated",
                (message_id, address, status, now),
            )
            self._x("UPDATE messages SET updated = ? WHERE id = ?", (now, message_id))
            return True

    # -- SMS segments: one TP-MR per segment per recipient, for status reports --------

    def add_sms_segments(self, message_id: int, address: str, references: Sequence[int]) -> None:
        """The references the SMSC gave each segment sent to ``address`` (segment 1 first)."""
        now = time.time()
        with self.transaction():
            self._conn.executemany(
                "INSERT OR REPLACE INTO sms_segments(message_id, address, segment, reference, status, updated) "
                "VALUES (?,?,?,?,'pending',?)",
                [(message_id, address, n, reference, now) for n, reference in enumerate(references, 1)],
            )

    def sms_segments_for_reference(self, reference: int, limit: int = 20,
                                   modem: ModemScope | None = None) -> list[SmsSegment]:
        """Sent segments with this TP-MR, the newest first (references wrap at 256), still
        pending ones before those a report already settled; of ``modem``'s SMS only (each
        modem's SMSC numbers its own)."""
        where, params = modem.clause(_SEGMENT_MODEM) if modem is not None else ("", ())
        rows = self._q(
            f"SELECT * FROM sms_segments WHERE reference = ?{where} ORDER BY status != 'pending', message_id DESC LIMIT ?",
            (reference, *params, limit),
        )
        return [_from_row(SmsSegment, row) for row in rows]

    def set_sms_segment_status(self, segment: SmsSegment, status: str) -> list[str]:
        """Record a status report for one segment; the statuses of every segment sent to that address."""
        with self.transaction():
            self._x("UPDATE sms_segments SET status = ?, updated = ? WHERE message_id = ? AND address = ? AND segment = ?",
                    (status, time.time(), segment.message_id, segment.address, segment.segment))
            rows = self._q("SELECT status FROM sms_segments WHERE message_id = ? AND address = ? ORDER BY segment",
                           (segment.message_id, segment.address))
        return [row["status"] for row in rows]

    # -- tasks (outbox, pending notifications, owed responses) ----------------

    def put_task(
        self,
        kind: str,
        message_id: int | None,
        *,
        next_attempt: float | None = None,
        deadline: float | None = None,
        args: dict[str, Any] | None = None,
    ) -> int:
        """Add (or reset) the task ``kind`` for a message."""
        with self.transaction():
            return int(
                self._x(
                    "INSERT INTO tasks(kind, message_id, next_attempt, deadline, args) VALUES (?,?,?,?,?) "
                    "ON CONFLICT(kind, message_id) DO UPDATE SET next_attempt = excluded.next_attempt, "
                    "deadline = excluded.deadline, args = excluded.args, attempts = 0, last_error = NULL "
                    "RETURNING id",
                    (kind, message_id, next_attempt if next_attempt is not None else time.time(), deadline,
                     json.dumps(args or {})),
                ).fetchone()[0]
            )

    # ``kinds`` narrows the task queries below to some kinds of task (a worker's queue).

    def due_tasks(self, now: float | None = None, limit: int = 20, kinds: TaskKinds | None = None) -> list[Task]:
        where, params = _kinds_clause(kinds)
        rows = self._q(
            f"SELECT * FROM tasks WHERE next_attempt <= ?{where} ORDER BY next_attempt, id LIMIT ?",
            (now if now is not None else time.time(), *params, limit),
        )
        return [_task(row) for row in rows]

    def next_task_time(self, kinds: TaskKinds | None = None) -> float | None:
        where, params = _kinds_clause(kinds)
        row = self._q(f"SELECT min(next_attempt) FROM tasks WHERE 1{where}", params)[0]
        return row[0]

    def tasks_past_deadline(self, now: float, kinds: TaskKinds | None = None) -> list[Task]:
        """Tasks whose deadline (a notification's expiry) has passed, due or not."""
        where, params = _kinds_clause(kinds)
        rows = self._q(f"SELECT * FROM tasks WHERE deadline IS NOT NULL AND deadline <= ?{where} ORDER BY deadline, id",
                       (now, *params))
        return [_task(row) for row in rows]

    def next_deadline(self, kinds: TaskKinds | None = None) -> float | None:
        where, params = _kinds_clause(kinds)
        return self._q(f"SELECT min(deadline) FROM tasks WHERE 1{where}", params)[0][0]

    def tasks_for(self, message_id: int) -> list[Task]:
        return [_task(row) for row in self._q("SELECT * FROM tasks WHERE message_id = ? ORDER BY id", (message_id,))]

    def get_task(self, kind: str, message_id: int) -> Task | None:
        rows = self._q("SELECT * FROM tasks WHERE kind = ? AND message_id = ?", (kind, message_id))
        return _task(rows[0]) if rows else None

    def reschedule_task(self, task_id: int, next_attempt: float, error: str | None, *, counted: bool = True) -> None:
        """Try the task again at ``next_attempt``; ``counted=False``: the failure was not the
        task's own (the modem went away under it), so it spends none of its attempts."""
        with self.transaction():
            self._x(
                "UPDATE tasks SET attempts = attempts + ?, next_attempt = ?, last_error = ? WHERE id = ?",
                (1 if counted else 0, next_attempt, error, task_id),
            )

    def update_task_args(self, task_id: int, args: dict[str, Any]) -> None:
        """Record a task's progress (e.g. recipients already served)."""
        with self.transaction():
            self._x("UPDATE tasks SET args = ? WHERE id = ?", (json.dumps(args), task_id))

    def finish_task(self, task_id: int) -> None:
        with self.transaction():
            self._x("DELETE FROM tasks WHERE id = ?", (task_id,))

    def count_tasks(self, kind: str) -> int:
        return int(self._q("SELECT count(*) FROM tasks WHERE kind = ?", (kind,))[0][0])

    # -- raw PDUs -----------------------------------------------------------

    def add_raw(
        self, direction: str, kind: str, data: bytes, *, message_id: int | None = None, error: str | None = None
    ) -> int:
        with self.transaction():
            return _rowid(self._x(
                "INSERT INTO raw_pdus(direction, kind, message_id, date, data, error) VALUES (?,?,?,?,?,?)",
                (direction, kind, message_id, time.time(), bytes(data), error),
            ))

    def link_raw(self, raw_id: int, message_id: int) -> None:
        with self.transaction():
            self._x("UPDATE raw_pdus SET message_id = ? WHERE id = ?", (message_id, raw_id))

    def raw_pdus(self, message_id: int | None = None, *, undecoded: bool = False) -> list[dict[str, Any]]:
        """Raw PDUs of a message, or (``undecoded``) every one that failed to decode."""
        if undecoded:
            rows = self._q("SELECT * FROM raw_pdus WHERE error IS NOT NULL ORDER BY id")
        else:
            rows = self._q("SELECT * FROM raw_pdus WHERE message_id = ? ORDER BY id", (message_id,))
        return [
            {"id": r["id"], "direction": r["direction"], "kind": r["kind"], "message_id": r["message_id"],
             "date": r["date"], "data": bytes(r["data"]), "error": r["error"]}
            for r in rows
        ]

    # -- SMS kept from the modem --------------------------------------------

    def add_sms(self, storage: str | None, index: int | None, pdu_hex: str, tpdu_length: int,
                modem: str | None = None) -> tuple[int, bool]:
        """Keep an SMS before the modem (``modem``: which one) deletes it. Returns (id, new)."""
        pdu_hex = pdu_hex.strip().upper()
        with self.transaction():
            rows = self._q(
                "SELECT id, deleted FROM sms_received WHERE pdu_hex = ? AND storage IS ? AND idx IS ? AND modem IS ?",
                (pdu_hex, storage, index, modem),
            )
            if rows:
                if rows[0]["deleted"]:
                    # The modem shows it again after we recorded its deletion (a restart
                    # between AT+CMGD and the modem committing it): delete it again.
                    self._x("UPDATE sms_received SET deleted = 0 WHERE id = ?", (rows[0]["id"],))
                return int(rows[0]["id"]), False
            sid = _rowid(self._x(
                "INSERT INTO sms_received(storage, idx, pdu_hex, tpdu_length, date, modem) VALUES (?,?,?,?,?,?)",
                (storage, index, pdu_hex, tpdu_length, time.time(), modem),
            ))
            return sid, True

    def consume_sms(self, ids: Iterable[int]) -> None:
        with self.transaction():
            self._conn.executemany("UPDATE sms_received SET consumed = 1 WHERE id = ?", [(i,) for i in ids])

    def mark_sms_deleted(self, sms_id: int) -> None:
        """Not synced (no fsync on the SMS path): a mark lost with power is a kept SMS
        "maybe still on the modem", which the next start reads back and deletes only if its
        slot still holds that PDU, as after a kill between AT+CMGD and this mark."""
        with self.transaction(synced=False):
            self._x("UPDATE sms_received SET deleted = 1 WHERE id = ?", (sms_id,))

    def prune_sms(self, older_than: float) -> int:
        """Forget kept SMS received before ``older_than`` (unix time) that are done with:
        consumed (their message, push or raw copy is stored) and no longer on the modem
        (deleted there, or a direct +CMT never stored there). Segments still waiting for
        the rest of their message, and SMS the modem still holds, stay. Returns how many went."""
        with self.transaction():
            return int(self._x(
                "DELETE FROM sms_received WHERE consumed = 1 AND (deleted = 1 OR idx IS NULL) AND date < ?",
                (older_than,),
            ).rowcount)

    def unconsumed_sms(self, modem: ModemScope | None = None) -> list[StoredSms]:
        where, params = modem.clause("modem") if modem is not None else ("", ())
        return [
            StoredSms(r["id"], r["storage"], r["idx"], r["pdu_hex"], r["tpdu_length"], r["date"])
            for r in self._q(f"SELECT * FROM sms_received WHERE consumed = 0{where} ORDER BY id", params)
        ]

    def undeleted_sms(self, modem: ModemScope | None = None) -> list[StoredSms]:
        """SMS kept here whose copy on the modem (of ``modem``) may still need deleting."""
        where, params = modem.clause("modem") if modem is not None else ("", ())
        return [
            StoredSms(r["id"], r["storage"], r["idx"], r["pdu_hex"], r["tpdu_length"], r["date"])
            for r in self._q(f"SELECT * FROM sms_received WHERE deleted = 0 AND idx IS NOT NULL{where} ORDER BY id",
                             params)
        ]

    # -- learned values (own number...) --------------------------------------

    def get_learned(self, key: str) -> str | None:
        rows = self._q("SELECT value FROM settings_learned WHERE key = ?", (key,))
        return rows[0]["value"] if rows else None

    def set_learned(self, key: str, value: str) -> None:
        with self.transaction():
            self._x(
                "INSERT INTO settings_learned(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def find_message(self, direction: str, **ids: Any) -> Message | None:
        """The message of this direction with the given network id (one keyword)."""
        ((column, value),) = ids.items()
        if column not in ("transaction_id", "message_id", "content_location", "sms_reference"):
            raise StoreError(f"cannot look messages up by {column}")
        rows = self._q(
            f"SELECT * FROM messages WHERE direction = ? AND {column} = ? ORDER BY id DESC LIMIT 1", (direction, value)
        )
        return self._message(rows[0]) if rows else None


def _rowid(cursor: sqlite3.Cursor) -> int:
    """The id an INSERT gave its row."""
    if cursor.lastrowid is None:
        raise StoreError("SQLite gave no id for an inserted row")
    return cursor.lastrowid


def _from_row(cls: type[_T], row: sqlite3.Row, **override: Any) -> _T:
    """Build a record from the columns named like its fields, plus overrides."""
    columns = row.keys()
    values = {f.name: override[f.name] if f.name in override else row[f.name]
              for f in fields(cls) if f.name in override or f.name in columns}
    return cls(**values)


def _conversation(row: sqlite3.Row) -> Conversation:
    return _from_row(Conversation, row, participants=tuple(json.loads(row["participants"])), blocked=bool(row["blocked"]),
                     muted=bool(row["muted"]))


def _kinds_clause(kinds: TaskKinds | None) -> tuple[str, tuple[str, ...]]:
    """SQL narrowing a task query to ``kinds`` (appended after a WHERE condition), and its parameters."""
    if kinds is None:
        return "", ()
    modem, modem_params = ("", ()) if kinds.modem is None else kinds.modem.clause(_TASK_MODEM)
    if not kinds.names:
        return (modem, modem_params) if kinds.other_than else (" AND 0", ())
    marks = ",".join("?" * len(kinds.names))
    return f" AND kind {'NOT IN' if kinds.other_than else 'IN'} ({marks}){modem}", (*kinds.names, *modem_params)


_SEGMENT_MODEM = "(SELECT modem FROM messages WHERE messages.id = sms_segments.message_id)"
_TASK_MODEM = "(SELECT modem FROM messages WHERE messages.id = tasks.message_id)"  # a task is its message's modem's


def _task(row: sqlite3.Row) -> Task:
    return _from_row(Task, row, args=json.loads(row["args"]))


def _preview(row: sqlite3.Row) -> str:
    text = (row["body_text"] or "").strip() or (row["subject"] or "").strip()
    if not text and row["kind"] == "mms" and row["state"] in _WITHOUT_CONTENT:
        size = row["size"]
        text = f"[MMS {row['state']}" + (f", {size} bytes]" if size else "]")
    elif not text:
        text = "[attachment]" if row["kind"] == "mms" else ""
    text = " ".join(text.split())
    return text[:PREVIEW_LENGTH]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fts_query(text: str) -> str:
    """Each word as a quoted prefix term: user text is never FTS syntax."""
    words = [w.replace('"', '""') for w in text.split()]
    return " ".join(f'"{w}"*' for w in words if w)
