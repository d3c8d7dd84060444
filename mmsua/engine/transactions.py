"""The MMS client transactions (OMA-TS-MMS_CTR) as pure functions: facts in, decisions out.

Nothing here touches the store, the network or a clock: the runner passes ``now``
and what it knows, and carries out what comes back. That is what the tests drive
without I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timezone

from mmsua.codec.mms import (
    Address,
    Expiry,
    MessageType,
    MmsPdu,
    PduError,
    decode_mms,
    encode_mms,
    read_status_name,
    response_status_meaning,
    response_status_name,
    retrieve_status_meaning,
    retrieve_status_name,
    status_name,
)
from mmsua.codec.push import decode_push
from mmsua.engine.locations import trusted_hosts, untrusted_reason
from mmsua.engine.settings import AgentSettings

MMS_VERSION = "1.2"
UTF8_MIBENUM = 106

# X-Mms-Status values a handset sends (MMS_ENC §7.3.54).
STATUS_RETRIEVED = 0x81
STATUS_REJECTED = 0x82
STATUS_DEFERRED = 0x83
STATUS_UNRECOGNISED = 0x84
READ_STATUS_READ = 0x80


# -- receiving: what to do with a notification --------------------------------


class Decision(enum.Enum):
    RETRIEVE = "retrieve"
    DEFER = "defer"
    REJECT = "reject"
    EXPIRED = "expired"
    UNTRUSTED = "untrusted"  # the Content-Location is not on a trusted host: held for the user


@dataclass(frozen=True, slots=True)
class Conditions:
    """What the runner knows about the handset right now."""

    now: float
    roaming: bool = False
    sender_blocked: bool = False  # the user blocked the sender's number
    sender_known: bool = True  # the sender is in the contacts (policy auto_fetch = contacts)


@dataclass(frozen=True, slots=True)
class RetrievalDecision:
    decision: Decision
    reason: str


def expiry_time(expiry: Expiry | None, received_at: float) -> float | None:
    """A notification's expiry as unix time (relative expiries count from arrival)."""
    if expiry is None:
        return None
    if expiry.absolute is not None:
        when = expiry.absolute
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return when.timestamp()
    return received_at + (expiry.relative or 0)


def decide_retrieval(
    size: int | None, expires: float | None, settings: AgentSettings, conditions: Conditions,
    location: str | None,
) -> RetrievalDecision:
    """Retrieve now (the default), defer, reject, or mark expired (OMA-TS-MMS_CTR §8.1)."""
    if expires is not None and expires <= conditions.now:
        return RetrievalDecision(Decision.EXPIRED, "the notification expired before it could be retrieved")
    # Before any policy: even a NotifyResp would answer a stranger. With no MMSC known
    # yet (the carrier's settings still to come from the SIM) the retrieval checks it.
    untrusted = untrusted_reason(location, settings) if trusted_hosts(settings) else None
    if untrusted is not None:
        return RetrievalDecision(Decision.UNTRUSTED, untrusted)
    if settings.retrieval_policy == "reject":
        return RetrievalDecision(Decision.REJECT, "retrieval policy is reject")
    # Deferred, not rejected: NotifyResp "Rejected" lets the MMSC discard the message and
    # report "Rejected" to the sender (OMA-TS-MMS_ENC 7.3.54), who would learn of the block;
    # "Deferred" is what any phone that downloads by hand says, and leaves the message on
    # the MMSC until its expiry, should the user unblock the number and fetch it.
    if conditions.sender_blocked:
        return RetrievalDecision(Decision.DEFER, "the sender is blocked")
    if settings.retrieval_policy == "manual":
        return RetrievalDecision(Decision.DEFER, "retrieval policy is manual")
    if not conditions.sender_known and settings.auto_fetch == "contacts":
        return RetrievalDecision(Decision.DEFER, "the sender is not in the contacts (policy auto_fetch = contacts)")
    if conditions.roaming and settings.roaming_policy == "defer":
        return RetrievalDecision(Decision.DEFER, "roaming: retrieval deferred")
    limit = settings.auto_retrieve_limit
    if size is not None and size > limit:
        return RetrievalDecision(Decision.DEFER, f"{size} bytes is more than the automatic limit of {limit}")
    # No data path yet (start-up, a modem restart, no coverage) is no reason to defer:
    # the retrieve task waits for it, bounded by the expiry. Deferring is the user's
    # or the policy's choice (OMA-TS-MMS_CTR: manual retrieval, a size threshold).
    return RetrievalDecision(Decision.RETRIEVE, "automatic retrieval")


def next_attempt(attempts: int, now: float, deadline: float | None, settings: AgentSettings) -> float | None:
    """When to try again after ``attempts`` failures, or None to give up.

    Exponential backoff, capped; never past the deadline (a notification's expiry).
    """
    if attempts >= settings.max_attempts:
        return None
    delay = min(settings.retry_initial * (2 ** max(attempts - 1, 0)), settings.retry_max)
    when = now + delay
    if deadline is not None and when >= deadline:
        return None
    return when


# -- outcomes of the MMSC's answers ----------------------------------------------


class Outcome(enum.Enum):
    OK = "ok"
    TRANSIENT = "transient"
    PERMANENT = "permanent"


@dataclass(frozen=True, slots=True)
class Answer:
    outcome: Outcome
    reason: str
    message_id: str | None = None


def _status_class(code: int) -> Outcome:
    if code == 0x80:
        return Outcome.OK
    if 0xC0 <= code <= 0xDF or code == 0x86:  # 0x86: the 1.0 "network problem"
        return Outcome.TRANSIENT
    return Outcome.PERMANENT


def send_answer(conf: MmsPdu) -> Answer:
    """Classify an M-Send.conf by its Response-Status."""
    if conf.message_type != MessageType.M_SEND_CONF:
        return Answer(Outcome.TRANSIENT, f"the MMSC answered with {conf.message_type.spec_name}, not m-send-conf")
    if conf.response_status is None:
        return Answer(Outcome.TRANSIENT, "the M-Send.conf has no Response-Status")
    outcome = _status_class(conf.response_status)
    reason = f"{response_status_name(conf.response_status)}: {response_status_meaning(conf.response_status)}"
    if conf.response_text:
        reason += f" ({conf.response_text})"
    return Answer(outcome, reason, conf.message_id)


def retrieve_answer(conf: MmsPdu) -> Answer:
    """Classify an M-Retrieve.conf by its Retrieve-Status (absent means ok)."""
    if conf.message_type != MessageType.M_RETRIEVE_CONF:
        # A crossed or misrouted answer, as for a send: worth another (counted) try.
        return Answer(Outcome.TRANSIENT, f"the MMSC answered with {conf.message_type.spec_name}, not m-retrieve-conf")
    code = conf.retrieve_status
    if code is None or code == 0x80:
        return Answer(Outcome.OK, "ok", conf.message_id)
    reason = f"{retrieve_status_name(code)}: {retrieve_status_meaning(code)}"
    if conf.retrieve_text:
        reason += f" ({conf.retrieve_text})"
    return Answer(_status_class(code), reason, conf.message_id)


# Delivery report X-Mms-Status -> per-recipient status of docs/api.md.
_DELIVERY = {
    "expired": "expired", "retrieved": "delivered", "rejected": "rejected", "deferred": "pending",
    "unrecognised": "unknown", "indeterminate": "unknown", "forwarded": "forwarded", "unreachable": "unreachable",
}


def delivery_status(code: int | None) -> str:
    return _DELIVERY.get(status_name(code) if code is not None else "", "unknown")


def read_status(code: int | None) -> str:
    return "read" if code is None or read_status_name(code) == "read" else "deleted"


# -- what arrived by push ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PushEvent:
    """A classified WAP push. ``kind``: notification, delivery, read_orig, other_mms,
    unrecognised (an MMS push that did not decode) or not_mms."""

    kind: str
    pdu: MmsPdu | None = None
    transaction_id: str | None = None
    error: str | None = None


def classify_push(data: bytes) -> PushEvent:
    try:
        push = decode_push(data)
    except PduError as exc:
        return PushEvent("unrecognised", transaction_id=find_transaction_id(data), error=f"WSP push: {exc}")
    if not push.is_mms:
        return PushEvent("not_mms", error=f"push of {push.content_type.media_type} for {push.app_id_name}")
    try:
        pdu = decode_mms(push.body)
    except PduError as exc:
        return PushEvent("unrecognised", transaction_id=find_transaction_id(push.body), error=f"MMS PDU: {exc}")
    kinds = {
        MessageType.M_NOTIFICATION_IND: "notification",
        MessageType.M_DELIVERY_IND: "delivery",
        MessageType.M_READ_ORIG_IND: "read_orig",
    }
    return PushEvent(kinds.get(pdu.message_type, "other_mms"), pdu, pdu.transaction_id)


def find_transaction_id(data: bytes) -> str | None:
    """Read X-Mms-Transaction-ID from the start of a PDU that does not decode as a whole.

    The spec puts it right after X-Mms-Message-Type: 0x8C <type> 0x98 <text> 0x00.
    """
    start = data.find(b"\x8c\x82\x98")
    if start < 0:
        return None
    end = data.find(b"\x00", start + 3)
    if end < 0 or end - start > 3 + 200:
        return None
    raw = data[start + 3:end]
    if raw[:1] == b"\x7f":  # Quote before a text starting with a high octet
        raw = raw[1:]
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return None
    return text if text.isprintable() and text else None


# -- PDUs the handset sends -------------------------------------------------------


def notify_resp(transaction_id: str, status: int, report_allowed: bool) -> bytes:
    return encode_mms(
        MmsPdu(
            MessageType.M_NOTIFYRESP_IND,
            transaction_id=transaction_id,
            mms_version=MMS_VERSION,
            status=status,
            report_allowed=report_allowed,
        )
    )


def acknowledge(transaction_id: str, report_allowed: bool) -> bytes:
    return encode_mms(
        MmsPdu(
            MessageType.M_ACKNOWLEDGE_IND,
            transaction_id=transaction_id,
            mms_version=MMS_VERSION,
            report_allowed=report_allowed,
        )
    )


def read_rec(message_id: str, original_sender: str, now: float) -> bytes:
    """M-Read-Rec.ind: the user read the message (To is its sender, From ours)."""
    return encode_mms(
        MmsPdu(
            MessageType.M_READ_REC_IND,
            mms_version=MMS_VERSION,
            message_id=message_id,
            to=(mms_address(original_sender),),
            sender=Address.insert_token(),
            date=datetime.fromtimestamp(now, timezone.utc),
            read_status=READ_STATUS_READ,
        )
    )


def mms_address(address: str) -> Address:
    return Address.email(address) if "@" in address else Address.phone(address)


def address_text(address: Address | None) -> str | None:
    """An address as the store keeps it (no /TYPE=)."""
    if address is None or address.is_insert_token:
        return None
    return address.value
