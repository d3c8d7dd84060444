"""The SMSC: hands SMS-DELIVER PDUs to handsets and routes what handsets submit.

A handset is anything with `deliver_sms(pdu: bytes)` (SMSC address + TPDU):
an emulated modem, or a network-side peer such as the scripted friend.
Delivery plans let tests choose the order of segments, repeat some, and delay
them, as real networks do.
"""

from __future__ import annotations

import functools
import itertools
import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

from mmsua.codec import sms as smscodec
from mmsua.codec.errors import PduError
from mmsua.sim.scheduler import Scheduler

log = logging.getLogger(__name__)

WAP_PUSH_ORIGINATOR = "+15550009999"  # the MMSC's push sender as handsets see it


class Handset(Protocol):
    def deliver_sms(self, pdu: bytes) -> None: ...


@dataclass(frozen=True, slots=True)
class Plan:
    """How a series of segments reaches the handset.

    order: indices of the segments sent first, in this order; segments it does not
    name follow in their own order (a plan is chosen before the message is split,
    so it cannot know how many segments there will be, and must not lose any);
    drop: indices never sent (a segment lost in the network);
    duplicates: indices sent a second time at the end; delay: before the first;
    gap: between consecutive segments. Indices that do not exist are ignored.
    """

    order: tuple[int, ...] | None = None
    duplicates: tuple[int, ...] = ()
    delay: float = 0.0
    gap: float = 0.0
    drop: tuple[int, ...] = ()

    def sequence(self, count: int) -> list[int]:
        """The indices sent, in sending order, for a series of `count` segments."""
        first = [i for i in dict.fromkeys(self.order or ()) if 0 <= i < count]
        rest = [i for i in range(count) if i not in first]
        sent = [i for i in first + rest if i not in self.drop]
        return sent + [i for i in self.duplicates if 0 <= i < count]


@dataclass(frozen=True, slots=True)
class Submitted:
    sender: str
    tpdu: bytes
    decoded: smscodec.SmsSubmit | None
    error: str | None


@dataclass(slots=True)
class SmscLog:
    sent: list[tuple[str, bytes]] = field(default_factory=list)  # (to, pdu) as delivered
    submitted: list[Submitted] = field(default_factory=list)
    undeliverable: list[tuple[str, bytes]] = field(default_factory=list)


class Smsc:
    def __init__(self, scheduler: Scheduler, *, address: str = "+15550000000") -> None:
        self.address = address
        self._scheduler = scheduler
        self._handsets: dict[str, Handset] = {}
        self._lock = threading.Lock()
        self._refs = itertools.count(1)
        self._mr: dict[str, int] = {}
        self.log = SmscLog()

    def attach(self, msisdn: str, handset: Handset) -> None:
        with self._lock:
            self._handsets[msisdn] = handset

    def handset(self, msisdn: str) -> Handset | None:
        with self._lock:
            return self._handsets.get(msisdn)

    def next_reference(self) -> int:
        return next(self._refs) % 256

    # --------------------------------------------------------------- delivery
    def deliver(self, to: str, pdus: list[bytes], plan: Plan | None = None) -> None:
        """Send PDUs (SMSC address + TPDU) to a handset following the plan."""
        plan = plan or Plan()
        for step, index in enumerate(plan.sequence(len(pdus))):
            pdu = pdus[index]
            self._scheduler.call_later(plan.delay + step * plan.gap, functools.partial(self._hand_over, to, pdu))

    def _hand_over(self, to: str, pdu: bytes) -> None:
        handset = self.handset(to)
        if handset is None:
            log.info("SMS to %s: no such handset on the network", to)
            self.log.undeliverable.append((to, pdu))
            return
        self.log.sent.append((to, pdu))
        handset.deliver_sms(pdu)

    def wap_push(self, to: str, push: bytes, plan: Plan | None = None, *, originator: str = WAP_PUSH_ORIGINATOR) -> list[bytes]:
        """A WSP push as one SMS or as concatenated segments; returns the PDUs."""
        pdus = smscodec.wap_push_sms(originator, push, reference=self.next_reference(), timestamp=_now(), smsc=self.address)
        self.deliver(to, pdus, plan)
        return pdus

    def text(self, to: str, text: str, *, originator: str, plan: Plan | None = None) -> list[bytes]:
        """A plain text SMS (concatenated when long) from `originator`."""
        submits = smscodec.split_text_submit(to, text, reference=self.next_reference())
        pdus = [self._submit_to_deliver(originator, _as_submit(smscodec.decode_sms(s.hex, has_smsc=True))) for s in submits]
        self.deliver(to, pdus, plan)
        return pdus

    # ------------------------------------------------------------- submission
    def submit(self, sender: str, tpdu: bytes) -> int:
        """A handset sent an SMS-SUBMIT; route it and return the TP-MR the handset gets back."""
        with self._lock:
            mr = self._mr[sender] = (self._mr.get(sender, 0) + 1) % 256
        try:
            sub = smscodec.decode_sms(tpdu, has_smsc=False)
        except PduError as err:
            self.log.submitted.append(Submitted(sender, tpdu, None, str(err)))
            raise
        if not isinstance(sub, smscodec.SmsSubmit):
            self.log.submitted.append(Submitted(sender, tpdu, None, "not an SMS-SUBMIT"))
            raise PduError("not an SMS-SUBMIT", 0)
        self.log.submitted.append(Submitted(sender, tpdu, sub, None))
        if self.handset(sub.destination) is not None:
            self.deliver(sub.destination, [self._submit_to_deliver(sender, sub)])
        if sub.status_report_request:
            delivered = self.handset(sub.destination) is not None
            report = smscodec.encode_status_report(
                message_reference=mr, recipient=sub.destination, service_centre_time=_now(),
                discharge_time=_now(), status=0x00 if delivered else 0x41, smsc=self.address,
            )
            self.deliver(sender, [report], Plan(delay=0.01))
        return mr

    def _submit_to_deliver(self, originator: str, sub: smscodec.SmsSubmit) -> bytes:
        return smscodec.encode_deliver(originator, user_data=sub.user_data, udh=sub.udh, dcs=sub.dcs, pid=sub.pid, timestamp=_now(), smsc=self.address)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _as_submit(sms: smscodec.SmsDeliver | smscodec.SmsStatusReport | smscodec.SmsSubmit) -> smscodec.SmsSubmit:
    if not isinstance(sms, smscodec.SmsSubmit):
        raise TypeError(f"expected the SMS-SUBMIT just encoded, decoded {type(sms).__name__}")
    return sms
