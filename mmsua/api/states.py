"""The values a message's state and a recipient's status take (docs/api.md).

They cross the socket as plain strings; ``StrEnum`` members compare equal to
those strings, so the store's TEXT column and the JSON carry them unchanged.
Which event moves a state to which is the engine's transition table
(mmsua/engine/states.py), not this module.
"""

from __future__ import annotations

from enum import StrEnum


class MessageState(StrEnum):
    # incoming
    NOTIFIED = "notified"  # an M-Notification.ind is stored; retrieval pending
    DEFERRED = "deferred"  # the policy or the user deferred retrieval
    # Its Content-Location is not on the MMSC's host (nor mms.trusted_hosts): anyone can send
    # a push, so it is fetched only when the user asks with trust (docs/security.md).
    UNTRUSTED = "untrusted"
    RETRIEVING = "retrieving"
    RECEIVED = "received"  # the content is stored (an SMS, a retrieved MMS)
    REJECTED = "rejected"
    EXPIRED = "expired"
    # outgoing
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"  # the user cancelled it before it left


IN_STATES: tuple[MessageState, ...] = (
    MessageState.NOTIFIED, MessageState.DEFERRED, MessageState.UNTRUSTED, MessageState.RETRIEVING,
    MessageState.RECEIVED, MessageState.REJECTED, MessageState.EXPIRED,
)
OUT_STATES: tuple[MessageState, ...] = (
    MessageState.QUEUED, MessageState.SENDING, MessageState.SENT, MessageState.FAILED, MessageState.CANCELLED,
)


class ReportStatus(StrEnum):
    """A recipient's status of a sent message (from M-Delivery.ind and M-Read-Orig.ind); the RecipientStatus shape carries it."""

    PENDING = "pending"
    DELIVERED = "delivered"
    READ = "read"
    REJECTED = "rejected"
    EXPIRED = "expired"
    DELETED = "deleted"
    UNREACHABLE = "unreachable"
    FORWARDED = "forwarded"
    UNKNOWN = "unknown"
