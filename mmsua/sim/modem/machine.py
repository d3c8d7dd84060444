"""The emulated module under its command handlers: state, power and faults, V.250 framing,
timers and the events tests wait on, SMS delivery, registration and PDP activation.

Sans-I/O at its edge: the host side calls `receive(bytes)` and reads what the
modem says from `outbox`; the network side (SMSC, the loopback TCP links, the
fault switches) calls methods under the same lock. The commands themselves are
answered by handler groups (v250.py, ts27007.py, ts27005.py, vendors/) found in
the `CommandTable` the modem is built with; core.EmulatedModem picks them per dialect.
"""

from __future__ import annotations

import logging
import random
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable

from mmsua.sim.modem import atparse
from mmsua.sim.modem.atparse import Command
from mmsua.sim.modem.commands import CommandTable, Reply, Request, command_key
from mmsua.sim.modem.errors import AtError, cme, cms
from mmsua.sim.modem.ipstack import IpStack, StackHost
from mmsua.sim.modem.outbox import Outbox
from mmsua.sim.modem.profile import Profile
from mmsua.sim.modem.records import REG_STATES, Context, Network, Timing
from mmsua.sim.modem.smspdu import dcs_message_class, is_status_report, tpdu_length
from mmsua.sim.modem.storage import REC_UNREAD, Combined, Storage, StoredSms

log = logging.getLogger(__name__)

CTRL_Z, ESC = 0x1A, 0x1B
SIM_ABSENT = {"NOT INSERTED": 10, "BUSY": 14}  # SIM states in which commands fail with these CME codes


StackFactory = Callable[[StackHost], IpStack]


def iccid_for(imsi: str) -> str:
    """A made-up 20-digit ICCID for a SIM with this IMSI: "89" (telecom, ITU-T E.118), "00",
    the IMSI's last 15 digits, and the Luhn check digit E.118 ends it with."""
    body = "8900" + imsi[-15:].rjust(15, "0")
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return body + str(-total % 10)


class ModemMachine(ABC):
    """One emulated module with its SIM. Thread-safe; every entry point takes `lock`.
    A subclass says which commands and which TCP/IP stack a profile has (`wiring`)."""

    def __init__(
        self,
        profile: Profile,
        *,
        msisdn: str,
        imsi: str = "001010123456789",
        gid1: str = "",
        iccid: str = "",
        imei: str = "861234050012345",
        pin: str | None = None,
        puk: str = "12345678",
        capacity: dict[str, int] | None = None,
        network: Network | None = None,
        timing: Timing | None = None,
        on_submit: Callable[[bytes], int] | None = None,
        cfun: int = 1,
    ) -> None:
        self.profile = profile
        self.commands, stack = self.wiring(profile)
        self.power_on_cfun = cfun  # functionality level the module powers up in (eg25-manager leaves 4)
        self.msisdn = msisdn
        self.imsi = imsi
        if gid1 and (len(gid1) % 2 or len(gid1) > 32 or any(c not in "0123456789abcdefABCDEF" for c in gid1)):
            raise ValueError(f"gid1 must be up to 16 bytes of hex, got {gid1!r}")
        self.gid1 = gid1  # EF-GID1 as hex ("" : the SIM has none), read by AT+CRSM
        if iccid and not (iccid.isdigit() and 18 <= len(iccid) <= 20):
            raise ValueError(f"iccid must be 18 to 20 digits, got {iccid!r}")
        self.iccid = iccid or iccid_for(imsi)  # EF-ICCID, read by AT+CRSM
        self.imei = imei
        self.pin = pin
        self.puk = puk
        self.network = network or Network()
        self.timing = timing or Timing()
        self.on_submit = on_submit
        self.on_tcp_connect: Callable[[int], None] | None = None  # the carrier learns who owns a socket
        self.lock = threading.RLock()
        self.outbox = Outbox()
        caps = {**dict(profile.capacities), **(capacity or {})}
        self.storages = {name: Storage(name, caps[name], profile.first_index) for name in ("SM", "ME", "SR")}
        self.commands_seen: list[str] = []  # every command line, for tests and recordings
        self.submitted: list[bytes] = []  # TPDUs the host sent (AT+CMGS / CMSS)
        self.delivered: list[bytes] = []  # PDUs handed to the host (stored or +CMT and acked)
        self._inbound: list[bytes] = []  # PDUs the network still tries to deliver
        self._timers: set[threading.Timer] = set()
        self._timers_changed = threading.Condition(self.lock)
        self._booted = threading.Event()
        self._boot_steps = 0  # boot timers (SMS ready, registration) still to fire
        self._generation = 0  # bumps on every reboot, so stale timers do nothing
        self._mr = 0
        self._refuse_pdp = 0
        self._refuse_code = 148
        self.last_cause = ""  # why the network last refused a context (AT+CEER)
        self.muted = False
        self._aside = False  # answer() runs a command whose output nobody reads
        self.powered = False
        self._closed = False
        self.contexts: dict[int, Context] = {}
        self.stack: IpStack | None = stack(self) if stack is not None else None
        self._reset_state()

    @abstractmethod
    def wiring(self, profile: Profile) -> tuple[CommandTable[ModemMachine], StackFactory | None]:
        """The commands a modem of this profile answers, and its internal TCP/IP stack if it has one."""

    def storage_full_urc(self, mem: str) -> str | None:
        """The line the vendor prints when storage `mem` fills, if it is on (None: says nothing)."""
        return None

    # ------------------------------------------------------------------ state
    def _reset_state(self) -> None:
        p = self.profile
        self.echo = True
        self.verbose = True
        self.quiet = False
        self.cmee = p.cmee_default
        self.cmgf = 0
        self.csms = 0
        self.cnmi = list(p.cnmi_default)
        first = p.storages[0][0]
        self.cpms = [first, first, first]
        self.reg_n = {"+CREG": 0, "+CGREG": 0, "+CEREG": 0}
        self.cfun = self.power_on_cfun
        self.cgerep = 0
        self.cscs = "IRA"  # TE character set (27.007 5.5)
        self.ws46 = 25  # wireless network selection (27.007 5.9): GERAN, UTRAN and E-UTRAN
        self.cops_format = 0  # the <oper> form +COPS? gives (27.007 7.3): long alphanumeric
        self.indications: dict[str, bool] = {}  # vendor URC switches a command turned on (Quectel AT+QINDCFG)
        self.sim_state = "SIM PIN" if self.pin else "READY"
        self.pin_tries = 3
        self.sim_ready = False  # SMS/phonebook initialised ("SMS DONE")
        self.registered = False
        self._booted.clear()
        self._boot_steps = 0
        self._last_stat = -1
        self._mode = "command"
        self._line = bytearray()
        self._last_line = ""
        self._data = bytearray()
        self._data_len = 0
        self._data_done: Callable[[bytes], None] | None = None
        self._held_urcs: list[str] = []  # URCs held while a prompt is open
        self._cnmi_buffer: list[str] = []  # SMS URCs held while CNMI mode is 0
        self._awaiting_ack: bytes | None = None
        self._pending_urcs: list[str] = []
        self._ack_timer_gen = 0
        for ctx in self.contexts.values():
            ctx.down()
        if self.stack is not None:
            self.stack.reset()

    @property
    def generation(self) -> int:
        return self._generation

    # ------------------------------------------------------------ power, faults
    def power_on(self) -> None:
        """Announce the boot burst and bring the SIM up, as after switching the module on."""
        with self.lock:
            self.powered = True
            gen = self._generation
            for urc in self.profile.boot_urcs:
                if urc.startswith("+CPIN:"):
                    urc = f"+CPIN: {self.sim_state}"
                elif urc.startswith("+CFUN:"):
                    urc = f"+CFUN: {self.cfun}"
                self.emit_line(urc)
            if self.sim_state == "READY":
                self.sim_unlocked(gen)

    def reboot(self, *, flood: int = 1) -> None:
        """Reset mid-session: sockets and contexts die, settings go back to power-on defaults,
        and the boot burst is repeated `flood` times (a brown-out loop)."""
        with self.lock:
            self._lose_power()
            self.powered = True  # the brown-out's extra boot signs are heard
            for _ in range(max(0, flood - 1)):
                self.emit_line(self.profile.boot_urcs[0] if self.profile.boot_urcs else "RDY")
        self.power_on()

    def power_off(self) -> None:
        """Power lost (a USB unplug): what a reboot loses is lost, and nothing answers or
        arrives until :meth:`power_on` (the network keeps SMS for it meanwhile)."""
        with self.lock:
            self._lose_power()

    def _lose_power(self) -> None:
        self._generation += 1
        self._close_links()
        for ctx in list(self.contexts.values()):
            if ctx.cid > 1:
                del self.contexts[ctx.cid]  # non-persistent definitions are lost
        self._reset_state()
        self.powered = False

    def mute(self, on: bool = True) -> None:
        """Stop answering (a hung module): input is swallowed, nothing comes out."""
        with self.lock:
            self.muted = on
            self._line.clear()

    def inject_garbage(self, data: bytes | None = None, length: int = 16) -> None:
        """Line noise on the modem's transmit wire."""
        noise = data if data is not None else bytes(random.getrandbits(8) for _ in range(length))
        self.outbox.put(noise)

    def close(self) -> None:
        """Switch the module off for good: timers cancelled, sockets closed."""
        with self.lock:
            self._closed = True
            self._generation += 1
            for t in list(self._timers):
                t.cancel()
            self._timers.clear()
            self._timers_changed.notify_all()
            self._close_links()
        self.outbox.close()

    def join_network_threads(self) -> None:
        """Wait for socket threads after close(); call without holding the lock."""
        if self.stack is not None:
            self.stack.join_threads()

    def _close_links(self) -> None:
        if self.stack is not None:
            self.stack.close_all()

    # ------------------------------------------------------- timers and events
    def later(self, delay: float, fn: Callable[[], None]) -> None:
        """Run `fn` under the lock after `delay` s, unless the module rebooted or closed first."""
        gen = self._generation

        def fire() -> None:
            with self.lock:
                try:
                    if gen == self._generation and not self._closed:
                        fn()
                finally:
                    self._timers.discard(timer)
                    self._timers_changed.notify_all()

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        self._timers.add(timer)
        timer.start()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no timer is pending: nothing more comes out on the module's own
        (boot URCs, SMS retries, acknowledgement timeouts). False on timeout."""
        with self._timers_changed:
            return self._timers_changed.wait_for(lambda: not self._timers, timeout=timeout)

    def wait_booted(self, timeout: float | None = None) -> bool:
        """Wait until the boot is done: the SIM is unlocked, every "ready" URC the profile
        announces (SMS DONE, PB DONE) is out and registration was evaluated. A reboot
        starts it over. False on timeout (a locked SIM never boots until its PIN comes)."""
        return self._booted.wait(timeout)

    @property
    def booted(self) -> bool:
        return self._booted.is_set()

    def _boot_step_done(self) -> None:
        self._boot_steps -= 1
        if self._boot_steps == 0:
            self._booted.set()

    @property
    def partial_line(self) -> bytes:
        """The command line received so far, its CR not yet come (what a host is typing)."""
        with self.lock:
            return bytes(self._line)

    # ----------------------------------------------------------------- output
    def emit(self, data: bytes) -> None:
        if not self.muted and not self._closed and not self._aside:
            self.outbox.put(data)

    def emit_line(self, text: str) -> None:
        self.emit(b"\r\n" + text.encode("latin-1") + b"\r\n")

    def emit_info(self, lines: list[str]) -> None:
        if lines:
            self.emit(b"\r\n" + "\r\n".join(lines).encode("latin-1") + b"\r\n")

    def urc(self, text: str, *, sms: bool = False) -> None:
        """An unsolicited line; held while a prompt is open (or CNMI mode 0 for SMS ones)."""
        with self.lock:
            if sms and self.cnmi[0] == 0:
                self._cnmi_buffer.append(text)
            elif self._mode != "command":
                self._held_urcs.append(text)
            else:
                self.emit_line(text)

    def urc_after_ok(self, text: str) -> None:
        """A URC that follows the OK of the command being answered."""
        self._pending_urcs.append(text)

    def release_cnmi_buffer(self, *, show: bool) -> None:
        """CNMI mode left 0: the SMS URCs held meanwhile are flushed to the host after
        the OK (<bfr> 0) or dropped (<bfr> 1), 27.005 3.4.1."""
        held, self._cnmi_buffer = self._cnmi_buffer, []
        if show:
            for text in held:
                self.urc_after_ok(text)

    @property
    def cnmi_buffered(self) -> bool:
        return bool(self._cnmi_buffer)

    def final(self, text: str) -> None:
        if self.quiet:
            return
        if self.verbose:
            self.emit_line(text)
        else:
            codes = {"OK": "0", "ERROR": "4", "NO CARRIER": "3", "CONNECT": "1"}
            self.emit((codes.get(text, text) + "\r").encode("latin-1"))

    # ------------------------------------------------------------------ input
    def receive(self, data: bytes) -> None:
        """Bytes the host wrote to the port."""
        with self.lock:
            if self._closed or self.muted or not self.powered:
                return
            for i, byte in enumerate(data):
                if self._mode == "binary":
                    need = self._data_len - len(self._data)
                    chunk = data[i : i + need]
                    self._data += chunk
                    if len(self._data) >= self._data_len:
                        self._finish_data(bytes(self._data))
                        self.receive(data[i + len(chunk) :])
                    return
                self._receive_byte(byte)

    def _receive_byte(self, byte: int) -> None:
        if self._mode in ("pdu", "ctrlz"):
            if byte == CTRL_Z:
                self._finish_data(bytes(self._data))
            elif byte == ESC:
                self._mode = "command"
                self._data_done = None
                self.final("OK")  # sending cancelled
                self._flush_held()
            else:
                self._data.append(byte)
                if self.echo and self._mode == "pdu":
                    self.emit(bytes([byte]))
            return
        if byte == 0x0D:
            line = self._line.decode("latin-1")
            self._line.clear()
            if self.echo:
                self.emit(b"\r")
            self._command_line(line)
        elif byte == 0x0A and not self._line:
            pass  # the LF after CR
        elif byte in (ESC, CTRL_Z):
            pass  # outside a prompt they end nothing and are not echoed (a host's resync sends ESC first)
        elif byte in (0x08, 0x7F):
            if self._line:
                self._line.pop()
                if self.echo:
                    self.emit(b"\x08 \x08")
        else:
            if byte == ord("/") and self._line[-1:].upper() == b"A" and len(self._line) == 1:
                self._line.clear()
                if self.echo:
                    self.emit(b"/\r")
                self._command_line(self._last_line)
                return
            self._line.append(byte)
            if self.echo:
                self.emit(bytes([byte]))

    def open_prompt(self, mode: str, done: Callable[[bytes], None], length: int = 0) -> None:
        """Show "> " and collect data: "pdu" (hex, echoed, to Ctrl-Z), "ctrlz" (raw, to
        Ctrl-Z) or "binary" (`length` raw bytes); `done(data)` then answers."""
        self._mode = mode
        self._data = bytearray()
        self._data_len = length
        self._data_done = done
        self.emit(b"\r\n> ")

    def _finish_data(self, data: bytes) -> None:
        done, self._data_done = self._data_done, None
        self._mode = "command"
        try:
            if done is not None:
                done(data)
        except AtError as err:
            for line in err.detail:
                self.emit_line(line)
            for _ in range(err.repeats):
                self.final(err.final(self.cmee))
        self._flush_held()

    def _flush_held(self) -> None:
        held, self._held_urcs = self._held_urcs, []
        for text in held:
            self.emit_line(text)

    # --------------------------------------------------------------- commands
    def _command_line(self, line: str) -> None:
        stripped = line.strip()
        start = stripped.upper().find("AT")
        if start < 0:
            return  # not a command: real modems ignore such lines
        body = stripped[start + 2 :]
        self._last_line = stripped[start:]
        self.commands_seen.append(self._last_line)
        if self._mode != "command":
            return
        info: list[str] = []
        try:
            for cmd in atparse.split_line(body):
                result = self._dispatch(cmd)
                if result is None:  # a prompt opened; the data handler answers
                    self.emit_info(info)
                    return
                info.extend(result)
        except AtError as err:
            info.extend(err.detail)
            self.emit_info(info)
            for _ in range(err.repeats):
                self.final(err.final(self.cmee))
            return
        self.emit_info(info)
        self.final("OK")
        pending, self._pending_urcs = self._pending_urcs, []
        for text in pending:
            self.emit_line(text)

    def answer(self, line: str) -> list[str]:
        """The information lines the module answers to a command line ("AT+CGPADDR=2"),
        taken aside: no echo, nothing reaches the host, not counted in commands_seen.
        An error raises AtError; a command that opens a prompt is refused (ValueError)."""
        body = line.strip()
        if body[:2].upper() == "AT":
            body = body[2:]
        with self.lock:
            pending, self._aside = self._pending_urcs, True
            self._pending_urcs = []  # URCs the command would send after its OK are dropped with it
            try:
                info: list[str] = []
                for cmd in atparse.split_line(body):
                    result = self._dispatch(cmd)
                    if result is None:
                        self._mode, self._data_done = "command", None
                        raise ValueError(f"{cmd.name} opens a prompt; send it through the port")
                    info.extend(result)
                return info
            finally:
                self._pending_urcs, self._aside = pending, False

    def _dispatch(self, cmd: Command) -> Reply:
        entry = self.commands.lookup(cmd.name)
        if entry is None:
            raise AtError()
        if entry.needs_sim and self.sim_state != "READY":
            if self.sim_state in SIM_ABSENT:
                raise cme(SIM_ABSENT[self.sim_state])
            raise cms(311) if entry.sms else cme(11 if self.sim_state == "SIM PIN" else 12)
        if entry.sms and not self.sim_ready:
            raise cms(314)
        args = atparse.parse_args(cmd.args) if cmd.op == "=" else []
        return entry.handler(self, Request(command_key(cmd.name), cmd.op, args, cmd.args))

    # -------------------------------------------------------------------- SIM
    def set_sim_state(self, state: str) -> None:
        """Carrier/test side: the SIM as the module sees it while it starts: "NOT INSERTED"
        (AT+CPIN? answers CME 10), "BUSY" (CME 14), then "READY"."""
        if state not in (*SIM_ABSENT, "READY", "SIM PIN", "SIM PUK"):
            raise ValueError(f"unknown SIM state {state!r}")
        with self.lock:
            was, self.sim_state = self.sim_state, state
            if state == "READY" and was != "READY" and not self.sim_ready:
                self.sim_unlocked(self._generation)

    def sim_unlocked(self, gen: int) -> None:
        """The SIM is ready: SMS ready (and the profile's later ready URCs) and registration follow."""
        self._boot_steps += 2

        def ready() -> None:
            self.sim_ready = True
            for urc in self.profile.ready_urcs[:1]:
                self.urc(urc)
            self.pump_inbound()
            if self.profile.ready_urcs[1:]:
                self.later(self.timing.pb_ready, phonebook_ready)
            else:
                self._boot_step_done()

        def phonebook_ready() -> None:
            for urc in self.profile.ready_urcs[1:]:
                self.urc(urc)
            self._boot_step_done()

        def registration() -> None:
            self.update_registration()
            self._boot_step_done()

        self.later(self.timing.sms_ready, ready)
        self.later(self.timing.register, registration)

    # ---------------------------------------------------------- registration
    def reg_stat(self) -> int:
        """27.007 <stat> of +CREG/+CGREG/+CEREG now."""
        if not self.registered:
            return 2 if self.sim_state == "READY" and self.cfun == 1 else 0
        return REG_STATES.get(self.network.registration, 4)

    def update_registration(self) -> None:
        """Re-read the network and the radio: register (and bring up the default bearer) or not,
        announcing a changed state to the hosts that asked for it."""
        self.registered = self.sim_state == "READY" and self.cfun == 1 and self.network.registration in ("home", "roaming")
        if self.registered and self.network.default_bearer:
            try:
                self._default_bearer_up()
            except AtError as exc:  # a refusal fault armed for the test: the bearer stays down
                log.info("default bearer refused: %s", exc)
        now = self.reg_stat()
        if now != self._last_stat:
            self._last_stat = now
            for name, n in self.reg_n.items():
                if n:
                    self.urc(f"{name}: {self.reg_fields(name, n, now)}")

    def set_registration(self, state: str) -> None:
        """Carrier side: "home", "roaming", "searching", "denied" or "idle"."""
        if state not in REG_STATES:
            raise ValueError(f"unknown registration state {state!r}")
        with self.lock:
            self.network.registration = state
            self.update_registration()

    def set_default_bearer(self, apn: str) -> None:
        """Carrier side: the network gives an LTE default bearer (cid 1) on `apn` from now on
        ("" for none); a registered module gets it at once."""
        with self.lock:
            self.network.default_bearer = apn
            self.update_registration()

    def reg_fields(self, name: str, n: int, stat: int) -> str:
        if n == 2 and stat in (1, 5):
            area = '"1A2B"' if name != "+CEREG" else '"2C3D"'
            return f'{stat},{area},"01A2B3C4",7'
        return str(stat)

    # ------------------------------------------------------------- SMS layer
    def storage(self, name: str) -> Storage | Combined:
        if name == "MT":
            return Combined("MT", [self.storages["SM"], self.storages["ME"]])
        return self.storages[name]

    def submit(self, tpdu: bytes) -> int:
        """The host sends an SMS-SUBMIT: the SMSC takes it; its message reference."""
        if not self.registered:
            raise cms(331)
        self.submitted.append(tpdu)
        if self.on_submit is not None:
            try:
                return int(self.on_submit(tpdu)) % 256
            except AtError:
                raise
            except Exception:  # the SMSC refused it
                log.exception("SMSC refused a submitted SMS")
                raise cms(500) from None
        self._mr = (self._mr + 1) % 256
        return self._mr

    @property
    def awaiting_ack(self) -> bool:
        """A +CMT/+CDS is out that the host must acknowledge with AT+CNMA."""
        return self._awaiting_ack is not None

    def ack(self, *, positive: bool) -> None:
        """AT+CNMA: the host took the +CMT/+CDS (RP-ACK) or refused it (RP-ERROR)."""
        pdu, self._awaiting_ack = self._awaiting_ack, None
        self._ack_timer_gen += 1
        if pdu is not None:
            if positive:
                self.delivered.append(pdu)
            else:
                self._inbound.append(pdu)  # RP-ERROR: the network tries again later
                self.later(self.timing.cnma_timeout, self.pump_inbound)
                return
        self.later(0.0, self.pump_inbound)

    def deliver_sms(self, pdu: bytes) -> None:
        """The network delivers an SMS-DELIVER (SMSC address + TPDU) to this handset.

        Undeliverable now (SMS not ready, storage full, an unacknowledged +CMT) means
        the network keeps it and retries, as a real SMSC does.
        """
        with self.lock:
            self._inbound.append(bytes(pdu))
            self.pump_inbound()

    @property
    def pending_deliveries(self) -> int:
        with self.lock:
            return len(self._inbound) + (1 if self._awaiting_ack is not None else 0)

    def pump_inbound(self) -> None:
        """Hand the network's waiting SMS to the host as far as it can take them now."""
        while self._inbound and self.sim_ready and self.powered and self._awaiting_ack is None:
            pdu = self._inbound[0]
            if is_status_report(pdu):
                if not self._status_report(pdu):
                    return
                continue
            mode, mt = self.cnmi[0], self.cnmi[1]
            klass = dcs_message_class(pdu)
            direct = klass != 2 and (mt == 2 or (mt == 3 and klass == 3))
            if direct:
                self._inbound.pop(0)
                self.urc(f"+CMT: {self.profile.cmt_alpha},{tpdu_length(pdu)}\r\n{pdu.hex().upper()}", sms=True)
                if self.csms == 1:
                    self._await_ack(pdu)
                    return
                self.delivered.append(pdu)
                continue
            mem = self.cpms[2]
            index = self.storage(mem).put(StoredSms(REC_UNREAD, pdu))
            if index is None:
                return  # memory full: the network keeps it until a slot is freed
            self._inbound.pop(0)
            self.delivered.append(pdu)
            if mt in (1, 2, 3) and mode > 0 or klass == 2:
                self.urc(f'+CMTI: "{mem}",{index}', sms=True)
            self._filled(mem)

    def store_sms(self, mem: str, pdu: bytes, stat: int = REC_UNREAD) -> int | None:
        """Put an SMS straight into storage `mem`, with no +CMTI: what another program on
        the modem (ModemManager) or a session before this one left there. Before power-on
        it makes a modem that starts with a full store. Its index, or None when full."""
        with self.lock:
            index = self.storage(mem).put(StoredSms(stat, bytes(pdu)))
            if index is not None:
                self._filled(mem)
            return index

    def _filled(self, mem: str) -> None:
        """After a store into `mem`: the vendor's "storage full" URC when that filled it."""
        if self.powered and self.storage(mem).full:
            line = self.storage_full_urc(mem)
            if line is not None:
                self.urc(line)

    def _status_report(self, pdu: bytes) -> bool:
        """Route an SMS-STATUS-REPORT by CNMI <ds> (27.005 3.4.1); False when it must wait."""
        ds = self.cnmi[3]
        if ds == 1:  # routed to the TE directly; acknowledged like +CMT when CSMS service is 1
            self._inbound.pop(0)
            self.urc(f"+CDS: {tpdu_length(pdu)}\r\n{pdu.hex().upper()}", sms=True)
            if self.csms == 1:
                self._await_ack(pdu)
                return False
            self.delivered.append(pdu)
            return True
        index = self.storages["SR"].put(StoredSms(REC_UNREAD, pdu))
        if index is None and ds == 2:
            return False  # SR full: the network keeps it until a slot is freed
        self._inbound.pop(0)
        if index is None:
            return True  # ds=0 and nowhere to keep it: not routed to the TE at all
        self.delivered.append(pdu)
        if ds == 2:  # stored, and where is announced (under the wrong name on some modules)
            self.urc(f'+CDSI: "{self.profile.cdsi_mem or "SR"}",{index}', sms=True)
        return True  # ds=0: "no SMS-STATUS-REPORTs are routed to the TE": kept in SR silently

    def _await_ack(self, pdu: bytes) -> None:
        self._awaiting_ack = pdu
        self._ack_timer_gen += 1
        gen = self._ack_timer_gen
        self.later(self.timing.cnma_timeout, lambda: self._ack_timeout(gen))

    def _ack_timeout(self, gen: int) -> None:
        if gen == self._ack_timer_gen and self._awaiting_ack is not None:
            log.info("no AT+CNMA in time: the network will retry the SMS")
            self._inbound.insert(0, self._awaiting_ack)
            self._awaiting_ack = None
            self.pump_inbound()

    # ---------------------------------------------------------- PDP contexts
    def context(self, cid: int) -> Context:
        """The defined context `cid`; an undefined one is 27.007's "incorrect parameters"."""
        ctx = self.contexts.get(cid)
        if ctx is None:
            raise cme(50)
        return ctx

    def activate(self, ctx: Context) -> None:
        """Bring a context up on the simulated network, or raise why the network refuses it."""
        if not self.registered:
            raise cme(30)
        apn = ctx.apn.lower()
        creds = self.network.apns.get(apn)
        if creds is None:
            raise cme(133)
        if self._refuse_pdp > 0:
            self._refuse_pdp -= 1
            raise cme(self._refuse_code)
        if creds != ("", "") and (ctx.user, ctx.password) != creds:
            raise cme(149)
        if self.network.one_context_per_apn and any(
            c.active and c is not ctx and c.apn.lower() == apn for c in self.contexts.values()
        ):
            self.last_cause = "multiple PDN connections for a given APN not allowed"
            raise cme(203)
        host = 2 + int(self.imsi[-2:]) % 250
        if apn in self.network.ipv6_only:
            if ctx.pdp_type == "IP":
                self.last_cause = "PDN type IPv6 only allowed"
                raise cme(193)
            # IPV4V6 asked on an IPv6-only APN: granted as IPv6 alone (24.301 ESM cause #51).
            ctx.active = True
            ctx.address, ctx.address6 = "", f"2001:db8:{ctx.cid:x}::{host:x}"
            return
        ctx.active = True
        ctx.address = f"10.64.{ctx.cid}.{host}"

    def _default_bearer_up(self) -> None:
        ctx = self.contexts.get(1)
        if ctx is None or ctx.apn.lower() != self.network.default_bearer.lower():
            ctx = self.contexts[1] = Context(1, "IPV6" if self.network.default_bearer.lower() in self.network.ipv6_only else "IP",
                                             self.network.default_bearer)
        if not ctx.active:
            self.activate(ctx)

    def refuse_pdp(self, times: int = 1, code: int = 148) -> None:
        """Fault: the network rejects the next `times` activations with this CME cause
        (148 unspecified GPRS error, 134 service option temporarily out of order...)."""
        with self.lock:
            self._refuse_pdp = times
            self._refuse_code = code

    def deactivate(self, ctx: Context) -> None:
        """The host takes a context down."""
        ctx.down()
        if self.stack is not None:
            self.stack.context_lost(ctx.cid, by_host=True)

    def drop_context(self, cid: int) -> None:
        """Fault: the network tears the context down (URCs as the profile reports it)."""
        with self.lock:
            ctx = self.contexts.get(cid)
            if ctx is None or not ctx.active:
                return
            ctx.down()
            if self.cgerep:
                self.urc(f"+CGEV: NW PDN DEACT {cid}")
            if self.stack is not None:
                self.stack.context_lost(cid, by_host=False)
