"""SMS in PDU mode (TS 27.005): storage, new-message indications, reading, deleting, sending.

PDUs are moved as hex text and never decoded here (the codec does that in the
layer above); the only peek is the TP-MTI bits, to tell a status report from a
delivery when a stored message is read. The answers are read by the pure parsers
of :mod:`mmsua.drivers.answers.sms`.

Durability rule (design card): a stored SMS is deleted only when the layer above
calls :meth:`SmsService.acknowledge_stored` (or :meth:`delete`); a direct +CMT is
acknowledged to the network (AT+CNMA, when +CSMS needs it) only after the
callback has returned.

One storage selection at a time: AT+CMGR/AT+CMGL/AT+CMGD act on whatever <mem1>
AT+CPMS last chose, and the start-up collection, the +CMTI reader and deletions run
on different threads. Each whole select-command-restore sequence holds
``_storage_lock``; without it a +CMTI read ran in the storage another thread had
just selected and the SMS was given up as "empty" (a lost MMS notification).
A delete told which PDU it is for deletes only if the slot still holds that PDU:
27.005 lets the next SMS take a freed index, so an index alone names nothing.

A full store is never a reason to stop: while it is full the network holds every new
SMS (an MMS notification among them). So a full store is relieved by collecting first
(hand up what is stored, the layer above keeps and acknowledges it), then freeing what
is handled; at start-up, when the family's "storage full" URC comes
(:attr:`Profile.sms_full`), and, with ``watch_full``, at a bounded periodic re-check.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .answers.fields import after_prefix, split_fields
from .answers.sms import (
    check_length,
    choose_cnmi,
    choose_storages,
    is_pdu_line,
    pair_pdus,
    parse_cmgl_header,
    parse_cmgr_header,
    parse_cmt_header,
    parse_cmti,
    parse_cnmi_test,
    parse_cpms_counts,
    parse_cpms_test,
    parse_csms_test,
    pdu_kind,
    same_pdu,
    tpdu_octets,
)
from .errors import AnswerError, CmeError, CmsError, ModemError, ModemReset, PortGone
from .profile import Profile

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------
# Boundary types


@dataclass(frozen=True, slots=True)
class IncomingSms:
    """One SMS PDU as the modem handed it over.

    ``pdu_hex`` includes the SMSC address prefix (as +CMT/+CMGR give it);
    ``tpdu_length`` is the modem's stated TPDU length (may be wrong: frame by
    the line, warn on mismatch). ``index``/``storage`` are set for stored
    messages (delete them with :meth:`SmsService.acknowledge_stored`).
    """

    pdu_hex: str
    tpdu_length: int | None
    index: int | None
    storage: str | None
    source: str  # "cmt" | "cmti" | "cmgl" | "cds" | "cdsi"
    kind: str = "deliver"  # "deliver" | "status-report" | "submit"
    stat: int | None = None


@dataclass(frozen=True, slots=True)
class SmsSettings:
    """What :meth:`SmsService.start` chose, for the doctor and the logs."""

    storages: tuple[str, str, str]
    cnmi: tuple[int, ...]
    direct: bool
    cnma_required: bool
    csms_service: int | None
    used: int | None = None
    total: int | None = None


class StorageFull(ModemError):
    """The SMS storage is full and nothing handled is left to free."""


class SmsNotReady(ModemError):
    """The modem's SMS subsystem did not become ready in time."""


# --------------------------------------------------------------------------------------
# The service


# Errors that mean "SMS not ready yet / SIM busy": ask again after a pause.
_BUSY_CMS = frozenset({314, 500, 512})
_BUSY_CME = frozenset({10, 14, 515})
MEMORY_FULL = 322
FULL_RECHECK_EVERY = 600.0  # s between re-checks of the receive storage when watching it (the backstop)
READ_ATTEMPTS = 3  # reads of an announced SMS before it is left for the next start-up listing
INVALID_INDEX = 321


@dataclass(slots=True)
class _State:
    storages: tuple[str, str, str] | None = None
    readable: tuple[str, ...] = ()  # the AT+CPMS=? <mem1> list
    # Kept by the layer above, not (yet) deleted: (storage, index) -> its PDU, if known.
    handled: dict[tuple[str, int], str | None] = field(default_factory=dict)
    # Used slots per storage from the AT+CPMS answers since the last reset.
    used: dict[str, int] = field(default_factory=dict)
    # <mem3>'s (used, total) from the last AT+CPMS answer: is the receive storage full?
    receive: tuple[int | None, int | None] = (None, None)
    cnma_required: bool = False
    direct: bool = False


class SmsService:
    """SMS over an AT channel with a profile's dialect.

    ``on_sms(IncomingSms)`` is called for every message; for stored messages it
    is called from the service's worker thread (or from :meth:`drain` when no
    worker runs), for +CMT straight from the channel's URC dispatch. ``direct``
    asks for +CMT delivery where the profile allows it.
    """

    def __init__(
        self,
        channel: Any,
        profile: Profile,
        *,
        on_sms: Callable[[IncomingSms], None] | None = None,
        direct: bool = False,
        keep_handled: bool = False,
        busy_delays: Sequence[float] = (0.5, 1.0, 2.0, 4.0, 8.0, 8.0),
        sleep: Callable[[float], None] = time.sleep,
        watch_full: bool = False,
        recheck_every: float = FULL_RECHECK_EVERY,
    ) -> None:
        """``watch_full``: turn the family's "storage full" URC on at :meth:`start` and
        re-check the receive storage every ``recheck_every`` seconds from the worker (a
        store filled by another program or by class-2 SMS without a URC). Off by default
        so the recorded start-up transcripts play unchanged."""
        self.channel = channel
        self.profile = profile
        self.on_sms = on_sms if on_sms is not None else (lambda sms: None)
        self._want_direct = direct
        self._keep_handled = keep_handled
        self._delays = tuple(busy_delays)
        self._sleep = sleep
        self._state = _State()
        self._work: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._ready = threading.Event()
        self._ready_urc = threading.Event()  # the profile's SMS-ready URC came
        self._unsubscribe: Callable[[], None] | None = None
        self._worker: threading.Thread | None = None
        self._stop = threading.Event()
        self._storage_lock: Any = threading.RLock()  # see the module docstring
        self._watch_full = watch_full
        self._recheck_every = recheck_every
        self._full_queued = threading.Event()  # a "full" job waits in the queue: one is enough
        self.settings: SmsSettings | None = None

    # -- plumbing

    def _cmd(self, cmd: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", self.profile.timeout_for(cmd))
        return self.channel.command(cmd, **kwargs)

    def _busy(self, cmd: str, **kwargs: Any) -> Any:
        """A command retried while the SIM/SMS part says busy; CMS 322 frees handled slots once."""
        freed = False
        for delay in (*self._delays, None):
            try:
                return self._cmd(cmd, **kwargs)
            except CmsError as error:
                if error.code == MEMORY_FULL and not freed:
                    self.free_handled(reason=f"{cmd} answered +CMS ERROR: 322 (memory full)")
                    freed = True
                    continue
                if error.code not in _BUSY_CMS or delay is None:
                    raise
                log.info("SMS busy (%s); retrying %s in %.1f s", error, cmd, delay)
                self._sleep(delay)
            except CmeError as error:
                if error.code not in _BUSY_CME or delay is None:
                    raise
                log.info("SIM busy (%s); retrying %s in %.1f s", error, cmd, delay)
                self._sleep(delay)
        raise AssertionError("unreachable")

    # -- start-up

    def subscribe(self) -> None:
        """Listen for SMS URCs (done by :meth:`start`; early callers catch SMS DONE)."""
        if self._unsubscribe is None:
            self._unsubscribe = self.channel.subscribe(self._on_urc)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Until the modem's SMS part answers: its init poll (AT+QINISTAT) or AT+CPMS? answering.

        Always asked, never inferred from a ready URC: that URC may have come
        before anyone listened, and asking keeps the command order fixed.
        """
        self.subscribe()
        ready = self.profile.sms_ready
        deadline = time.monotonic() + timeout
        if ready.poll and ready.poll_prefix:
            while True:
                self._ready_urc.clear()
                try:
                    response = self._cmd(ready.poll)
                except ModemError as error:
                    log.info("%s not answered (%s); asking AT+CPMS? instead", ready.poll, error)
                    break
                value = next(
                    (after_prefix(x, ready.poll_prefix) for x in response.lines if x.upper().startswith(ready.poll_prefix.upper())),
                    "",
                )
                first = value.split(",")[0].strip()
                bits = int(first) if first.isdigit() else 0
                if bits & ready.poll_ready_mask == ready.poll_ready_mask:
                    self._ready.set()
                    return
                if time.monotonic() > deadline:
                    raise SmsNotReady(f"{ready.poll} still says {value!r} after {timeout:.0f} s: the SIM's SMS part is not up")
                # The ready URC (SMS DONE) ends the pause early; the next poll still decides.
                if self._sleep is time.sleep:
                    self._ready_urc.wait(1.0)
                else:
                    self._sleep(1.0)
        self._busy("AT+CPMS?")
        self._ready.set()

    def start(self, *, collect: bool = True, worker: bool = True) -> SmsSettings:
        """PDU mode, +CSMS, three storages, +CNMI from the modem's lists; then collect stored SMS."""
        self.wait_ready()
        self._busy("AT+CMGF=0")
        service = self._choose_service()
        lists = None
        for line in self._busy("AT+CPMS=?").lines:
            if line.strip().upper().startswith("+CPMS"):
                lists = parse_cpms_test(line)
        if lists is None:
            raise ModemError("AT+CPMS=? gave no storage lists")
        storages = choose_storages(lists, self.profile.storage_preference)
        with self._storage_lock:
            self._state.readable = tuple(x.upper() for x in lists[0])
            used, total = self._set_storages(storages)
        cnmi_options: list[set[int]] = []
        for line in self._busy("AT+CNMI=?").lines:
            if line.strip().upper().startswith("+CNMI"):
                cnmi_options = parse_cnmi_test(line)
        cnmi = choose_cnmi(cnmi_options, self.profile.cnmi_modes, direct=self._state.direct)
        if cnmi[1] != 2:
            self._state.direct = False
            self._state.cnma_required = False
        self._busy("AT+CNMI=" + ",".join(str(v) for v in cnmi))
        if self._watch_full:
            self._enable_full_indication()
        self.settings = SmsSettings(storages, cnmi, self._state.direct, self._state.cnma_required, service, used, total)
        log.info("SMS: %s", self.settings)
        if worker:
            self.start_worker()
        full = self._receive_full()
        if full and self._state.handled:
            # Kept by the layer above in an earlier run: ours to free at once.
            self.free_handled(reason=f"receive storage {storages[2]} full ({used}/{total})")
            full = self._receive_full()
        if collect:
            for sms in self.collect_stored(everywhere=True):
                self._emit(sms)
        if full:
            # Collect first, then free; raising StorageFull here stopped the start for good
            # while the network held the MMS notification (issue #11).
            self._queue_full(f"receive storage {storages[2]} full ({used}/{total}) at start-up")
        return self.settings

    def _receive_full(self) -> bool:
        used, total = self._state.receive
        return used is not None and bool(total) and used >= (total or 0)

    def _enable_full_indication(self) -> None:
        command = self.profile.sms_full.enable
        if command is None:
            return
        try:
            self._cmd(command)
        except ModemError as error:  # firmware differ; the re-check still sees a full store
            log.info("%s refused (%s): a full SMS storage is seen only by the re-check", command, error)

    def _choose_service(self) -> int | None:
        """Phase 2 (service 0: the modem acks) unless direct delivery with CNMA is wanted and possible."""
        offered: set[int] = set()
        try:
            for line in self._busy("AT+CSMS=?").lines:
                if line.strip().upper().startswith("+CSMS"):
                    offered = parse_csms_test(line)
        except ModemError as error:
            log.info("AT+CSMS=? not answered: %s", error)
        wanted_direct = self._want_direct and self.profile.direct_delivery_ok
        service: int | None = None
        if wanted_direct and self.profile.cnma_command is not None:
            for candidate in (1, 128):
                if candidate in offered:
                    service = candidate
                    break
        if service is None and 0 in offered:
            service = 0
        if service is not None:
            try:
                self._busy(f"AT+CSMS={service}")
            except ModemError as error:
                log.info("AT+CSMS=%s refused (%s)", service, error)
                service = None
        self._state.direct = wanted_direct
        self._state.cnma_required = bool(
            wanted_direct and service in self.profile.cnma_services and self.profile.cnma_command
        )
        return service

    def _set_storages(self, storages: tuple[str, str, str]) -> tuple[int | None, int | None]:
        # Always the three-storage form: the E3372-325 accepts nothing else.
        response = self._busy('AT+CPMS="{}","{}","{}"'.format(*storages))
        self._state.storages = storages
        for line in response.lines:
            if line.strip().upper().startswith("+CPMS"):
                counts = parse_cpms_counts(line)
                for name, (used, _total) in zip(storages, counts, strict=False):
                    self._state.used[name] = used
                if len(counts) >= 3:
                    self._state.receive = counts[2]
                elif counts:
                    self._state.receive = counts[0]
                return self._state.receive
        return None, None

    # -- URCs

    def _on_urc(self, urc: Any) -> None:
        name = (getattr(urc, "name", "") or "").upper()
        line = getattr(urc, "line", "") or ""
        head = line.split(":", 1)[0].strip().upper()
        if line.strip().upper() in (x.upper() for x in self.profile.sms_ready.urcs):
            self._ready.set()
            self._ready_urc.set()
            return
        if head in ("+CMT", "+CDS") or name in ("+CMT", "+CDS"):
            pdu = (getattr(urc, "pdu", None) or "").strip()
            if not pdu:
                log.warning("%s without its PDU line: %r", head, line)
                return
            stated = parse_cmt_header(line)
            check_length(pdu, stated)
            kind = "status-report" if head == "+CDS" else pdu_kind(pdu)
            sms = IncomingSms(pdu, stated, None, None, "cds" if head == "+CDS" else "cmt", kind)
            delivered = self._emit(sms)
            if self._state.cnma_required:
                self._work.put(("ack", delivered))
            return
        if self.profile.sms_full.matches(line):
            self._queue_full(f"the modem says its SMS storage is full ({line.strip()})")
            return
        if head in ("+CMTI", "+CDSI"):
            try:
                storage, index = parse_cmti(line)
            except AnswerError as error:
                log.warning("%s", error)
                return
            self._work.put(("read", (storage, index, head, 1)))

    def _emit(self, sms: IncomingSms) -> bool:
        try:
            self.on_sms(sms)
            return True
        except Exception:  # the layer above failed: keep the SMS, log why
            log.exception("the SMS callback failed for %s", sms)
            return False

    def start_worker(self) -> None:
        if self._worker is None:
            self._stop.clear()
            self._worker = threading.Thread(target=self._run, name="mmsua-sms", daemon=True)
            self._worker.start()

    def _run(self) -> None:
        next_check = time.monotonic() + self._recheck_every
        while not self._stop.is_set():
            self.drain(timeout=0.2)
            if self._watch_full and time.monotonic() >= next_check:
                next_check = time.monotonic() + self._recheck_every
                try:
                    self.check_storage()
                except ModemError as error:
                    log.warning("SMS storage re-check failed: %s", error)

    def drain(self, timeout: float = 0.0) -> int:
        """Do the queued work (reads after +CMTI, CNMA acks); returns how many items ran."""
        done = 0
        while True:
            try:
                kind, item = self._work.get(timeout=timeout if done == 0 else 0)
            except queue.Empty:
                return done
            done += 1
            try:
                if kind == "read":
                    storage, index, head, _attempt = item
                    self._handle_stored(storage, index, head)
                elif kind == "ack":
                    self._acknowledge_direct(item)
                elif kind == "full":
                    self._full_queued.clear()
                    self.relieve_full(reason=item)
            except ModemError as error:
                if kind == "read" and item[3] < READ_ATTEMPTS and not isinstance(error, (PortGone, ModemReset)):
                    # A timeout or refusal must not cost the SMS: read it again.
                    log.warning("SMS read of %s %s failed (%s); trying again", item[0], item[1], error)
                    self._work.put(("read", (*item[:3], item[3] + 1)))
                    continue
                log.error("SMS %s failed: %s%s", kind, error,
                          "; it stays on the modem for the next start-up listing" if kind == "read" else "")

    def stop(self) -> None:
        self._stop.set()
        if self._worker is not None:
            self._worker.join(timeout=2.0)
            self._worker = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _handle_stored(self, storage: str | None, index: int, head: str) -> None:
        # Read (and list, if need be) under the storage lock; hand up outside it, so the
        # layer above may acknowledge from any thread.
        with self._storage_lock:
            found = self._find_announced(storage, index, head)
        for sms in found:
            self._emit(sms)

    def _find_announced(self, storage: str | None, index: int, head: str) -> list[IncomingSms]:
        if storage is None or index < 0:
            # SIM7000G "+CMTI: ,-1": arrived but not stored where we can name it.
            log.warning("%s without storage/index (%r,%s): listing all stored messages", head, storage, index)
            return self._unhandled(self.collect_stored(everywhere=True))
        self._state.used.clear()  # what the storages hold now, from the answers below
        sms = self.read(storage, index, source="cdsi" if head == "+CDSI" else "cmti")
        if sms is not None:
            return [sms]
        if self._all_storages_empty():
            log.warning("%s announced %s %s but it is empty there and every storage is empty", head, storage, index)
            return []
        # The slot named is empty but some storage is not: a URC naming the wrong slot,
        # or another reader moved things. List everything rather than give the SMS up.
        log.warning("%s announced %s %s but it is empty there or elsewhere; listing every storage",
                    head, storage, index)
        return self._unhandled(self.collect_stored(everywhere=True))

    def _all_storages_empty(self) -> bool:
        """Every readable storage's last AT+CPMS answer said 0 used (unknown counts as not empty)."""
        readable = [s for s in self._state.readable if s != "BM"]
        return bool(readable) and all(self._state.used.get(s) == 0 for s in readable)

    def _unhandled(self, found: list[IncomingSms]) -> list[IncomingSms]:
        """Leave out what the layer above already keeps (same slot, same PDU)."""
        out = []
        for sms in found:
            key = ((sms.storage or "").upper(), sms.index if sms.index is not None else -1)
            kept = self._state.handled.get(key, "")
            if key in self._state.handled and (kept is None or same_pdu(kept, sms.pdu_hex)):
                continue
            out.append(sms)
        return out

    def _acknowledge_direct(self, delivered: bool) -> None:
        command = self.profile.cnma_command
        if command is None:
            return
        if not delivered and command.endswith("=1"):
            command = command[:-1] + "2"  # RP-ERROR: the network keeps it and retries
        self._cmd(command)

    # -- reading and listing

    def _select_read_storage(self, storage: str) -> None:
        current = self._state.storages
        if current is None or current[0] == storage:
            return
        self._set_storages((storage, current[1], current[2]))

    def read(self, storage: str, index: int, *, source: str = "cmti") -> IncomingSms | None:
        """AT+CMGR from ``storage`` (other storages tried if empty: +CDSI "SM" for an SR report)."""
        # Storage names in URCs lie (EC25 +CDSI "SM" for a report kept in SR):
        # the named one first, then SR for reports, then the others offered.
        with self._storage_lock:
            home = self._state.storages
            others = [s for s in self._state.readable if s != storage]
            if source == "cdsi" and "SR" in others:
                others.remove("SR")
                others.insert(0, "SR")
            try:
                for candidate in [storage, *others]:
                    if self._selected(candidate):
                        sms = self._read_here(candidate, index, source)
                        if sms is not None:
                            return sms
                return None
            finally:
                self._back_home(home)

    def _selected(self, storage: str) -> bool:
        """Select ``storage`` for reading; False (logged) when the modem refuses it."""
        try:
            self._select_read_storage(storage)
            return True
        except ModemError as error:
            log.info("storage %s not selectable: %s", storage, error)
            return False

    def _back_home(self, home: tuple[str, str, str] | None) -> None:
        if home is not None and self._state.storages != home:
            self._set_storages(home)

    def _read_here(self, storage: str, index: int, source: str) -> IncomingSms | None:
        try:
            response = self._busy(f"AT+CMGR={index}")
        except CmsError as error:
            if error.code == INVALID_INDEX:
                return None  # an empty slot (gammu#4)
            raise
        pairs = pair_pdus(response.lines, "+CMGR")
        if not pairs:
            return None  # "OK without +CMGR": nothing there (EC25, EC20)
        header, pdu = pairs[0]
        stat, stated = parse_cmgr_header(header)
        check_length(pdu, stated)
        kind = pdu_kind(pdu)
        return IncomingSms(pdu, stated, index, storage, source, kind, stat)

    def collect_stored(self, *, everywhere: bool = False) -> list[IncomingSms]:
        """AT+CMGL=4 in the read storage: what came while nobody listened.

        ``everywhere`` also lists the other storages the modem offers (not the
        MT/BM aggregates): SMS land where firmware chooses, not where CPMS says
        (A7670E and E3131 put them in ME while SM was selected).
        """
        with self._storage_lock:
            home = self._state.storages
            found = self._list_here(home[0] if home else None)
            if not everywhere or home is None:
                return found
            try:
                for storage in [s for s in self._state.readable if s not in (home[0], "MT", "BM")]:
                    if self._selected(storage):
                        found += self._list_here(storage)
            finally:
                self._back_home(home)
            return found

    def _list_here(self, storage: str | None) -> list[IncomingSms]:
        response = self._busy("AT+CMGL=4", timeout=self.profile.timeout_for("AT+CMGL"))
        found = []
        for header, pdu in pair_pdus(response.lines, "+CMGL"):
            try:
                index, stat, stated = parse_cmgl_header(header)
            except AnswerError as error:
                log.warning("%s", error)
                continue
            check_length(pdu, stated)
            found.append(IncomingSms(pdu, stated, index, storage, "cmgl", pdu_kind(pdu), stat))
        return found

    # -- deleting

    def acknowledge_stored(self, storage: str, index: int, *, pdu_hex: str | None = None) -> bool:
        """The layer above keeps this SMS safely: it may go from the modem.

        Deleted now (or, with ``keep_handled``, when the storage fills); if the
        delete fails it stays marked and is retried when the storage is full.
        With ``pdu_hex`` the slot is read first and deleted only if it still holds
        that PDU: found empty or holding another SMS, ours is gone already and the
        newcomer is left alone. True when the SMS is no longer on the modem.
        """
        key = (storage.upper(), index)
        with self._storage_lock:
            self._state.handled[key] = pdu_hex
            if self._keep_handled:
                return False
            try:
                if pdu_hex is None:
                    self.delete(storage, index)
                else:
                    self._delete_if_holds(key, pdu_hex)
                return True
            except ModemError as error:
                log.warning("could not delete %s %s now (%s); will retry when storage fills", storage, index, error)
                return False

    def mark_handled(self, storage: str, index: int, *, pdu_hex: str | None = None) -> None:
        """Say a stored SMS is safely kept without deleting it now (e.g. from the
        layer above's records of an earlier run); it is freed when storage fills
        (with ``pdu_hex``: only if the slot still holds that PDU then)."""
        with self._storage_lock:
            self._state.handled[(storage.upper(), index)] = pdu_hex

    def delete(self, storage: str, index: int) -> None:
        """AT+CMGD of a slot, whatever it holds (see :meth:`acknowledge_stored` for the safe way)."""
        storage = storage.upper()
        with self._storage_lock:
            home = self._state.storages
            self._select_read_storage(storage)
            self._busy(self.profile.cmgd_command.format(index=index))
            self._state.handled.pop((storage, index), None)
            if home is not None and home[0] != storage:
                self._set_storages(home)

    def _delete_if_holds(self, key: tuple[str, int], pdu_hex: str) -> bool:
        """AT+CMGR then AT+CMGD of the slot, if it holds ``pdu_hex``; the caller holds the lock."""
        storage, index = key
        home = self._state.storages
        try:
            self._select_read_storage(storage)
            there = self._read_here(storage, index, "kept")
            if there is None or not same_pdu(there.pdu_hex, pdu_hex):
                log.info("%s %s no longer holds the SMS kept from it (%s): not deleted", storage, index,
                         "empty" if there is None else "another SMS is there now")
                self._state.handled.pop(key, None)
                return False
            self._busy(self.profile.cmgd_command.format(index=index))
            self._state.handled.pop(key, None)
            return True
        finally:
            self._back_home(home)

    # -- a full store

    def _queue_full(self, reason: str) -> None:
        """Relieve the store on the worker (URC dispatch must not wait on AT commands)."""
        if not self._full_queued.is_set():
            self._full_queued.set()
            self._work.put(("full", reason))

    def check_storage(self) -> bool:
        """Ask the receive storage's counts (AT+CPMS); relieve it when full. True if it was."""
        with self._storage_lock:
            storages = self._state.storages
            if storages is None:
                return False
            used, total = self._set_storages(storages)
            if not self._receive_full():
                return False
        self.relieve_full(reason=f"receive storage {storages[2]} full ({used}/{total})")
        return True

    def relieve_full(self, *, reason: str) -> int:
        """Collect first, then free: hand up every stored SMS the layer above does not keep
        yet (it keeps and acknowledges them, which deletes them), then delete what is marked
        handled. Never raises StorageFull: a full store makes the network hold new SMS, so
        the SMS part must go on. Returns how many SMS were handed up."""
        log.warning("%s: collecting the stored SMS, then freeing the handled ones", reason)
        with self._storage_lock:
            found = self._unhandled(self.collect_stored(everywhere=True))
        for sms in found:
            self._emit(sms)
        with self._storage_lock:
            if self._state.handled:
                self.free_handled(reason=reason)
            storages = self._state.storages
            if storages is not None:
                self._set_storages(storages)
            full, (used, total) = self._receive_full(), self._state.receive
        if full and storages is not None:
            log.error("receive storage %s is still full (%d/%d) after handing up %d SMS: the network holds "
                      "new SMS until some are deleted", storages[2], used, total, len(found))
        return len(found)

    @property
    def handled(self) -> frozenset[tuple[str, int]]:
        return frozenset(self._state.handled)

    def free_handled(self, *, reason: str) -> int:
        """Delete every message the layer above marked handled; StorageFull if none.

        A slot marked with its PDU is deleted only if it still holds that PDU.
        """
        with self._storage_lock:
            pending = sorted(self._state.handled.items())
            if not pending:
                raise StorageFull(
                    f"{reason}; no stored SMS is marked handled, so none can be freed: "
                    "the layer above must acknowledge stored messages (or delete some by hand)"
                )
            log.warning("%s: freeing %d handled message(s)", reason, len(pending))
            home = self._state.storages
            freed = 0
            for (storage, index), pdu_hex in pending:
                self._select_read_storage(storage)
                if pdu_hex is not None:
                    there = self._read_here(storage, index, "kept")
                    if there is None or not same_pdu(there.pdu_hex, pdu_hex):
                        self._state.handled.pop((storage, index), None)  # gone; a newer SMS may hold the slot
                        continue
                self._cmd(self.profile.cmgd_command.format(index=index))
                self._state.handled.pop((storage, index), None)
                freed += 1
            if home is not None:
                self._set_storages(home)
            return freed

    # -- sending

    def send_pdu(self, pdu_hex: str, tpdu_length: int) -> int:
        """AT+CMGS=<len>, the PDU after the "> " prompt; returns the message reference."""
        pdu_hex = pdu_hex.strip()
        if not is_pdu_line(pdu_hex):
            raise ModemError("the PDU to send is not an even-length hex string")
        actual = tpdu_octets(pdu_hex)
        if actual is not None and actual != tpdu_length:
            raise ModemError(f"tpdu_length {tpdu_length} disagrees with the PDU ({actual} octets after the SMSC)")
        # Never retried here: a failed send may still have left the modem, and
        # whether to send again (a duplicate) is the caller's decision.
        response = self._cmd(f"AT+CMGS={tpdu_length}", payload=pdu_hex.encode("ascii"))
        for line in response.lines:
            if line.strip().upper().startswith("+CMGS"):
                fields = split_fields(after_prefix(line, "+CMGS"))
                if fields and fields[0].isdigit():
                    return int(fields[0])
        raise AnswerError("message reference", " | ".join(response.lines))
