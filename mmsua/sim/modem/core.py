"""The emulated modem: AT bytes in, AT bytes out, as a real module answers them.

Sans-I/O at its edge: the host side calls `receive(bytes)` and reads what the
modem says from `outbox`; the network side (SMSC, the loopback TCP links, the
fault switches) calls methods under the same lock. Front ends (pty, pyserial
URL) only move bytes and apply the line rate.

Vendor socket dialects live in quectel_ip.py and simcom_ip.py.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from mmsua.sim.modem import atparse
from mmsua.sim.modem.atparse import Command
from mmsua.sim.modem.errors import AtError, cme, cms
from mmsua.sim.modem.profiles import Profile
from mmsua.sim.modem.quectel_ip import QuectelStack
from mmsua.sim.modem.simcom_ip import SimcomStack
from mmsua.sim.modem.storage import REC_READ, REC_UNREAD, STO_SENT, STO_UNSENT, Combined, Storage, StoredSms

log = logging.getLogger(__name__)

CTRL_Z, ESC = 0x1A, 0x1B
REG_STATES = {"idle": 0, "home": 1, "searching": 2, "denied": 3, "unknown": 4, "roaming": 5}


@dataclass(frozen=True, slots=True)
class Timing:
    """Delays of the emulated module, in seconds (real ones are longer; tests want short)."""

    sms_ready: float = 0.05  # after boot URCs, until "SMS DONE"
    pb_ready: float = 0.05  # after "SMS DONE", until the phonebook's "PB DONE" (it comes later on real modules)
    register: float = 0.02  # from SIM ready to registered
    pdp_activate: float = 0.0  # extra time AT+CGACT/QIACT/NETOPEN take
    cnma_timeout: float = 10.0  # unacknowledged +CMT is given back to the network


@dataclass(slots=True)
class Context:
    cid: int
    pdp_type: str
    apn: str
    user: str = ""
    password: str = ""
    auth: int = 0
    active: bool = False
    address: str = ""  # IPv4, "" when none
    address6: str = ""  # IPv6 text form, "" when none (an IPv6-only APN gives only this)
    by_netopen: bool = False  # SIMCom: activated by AT+NETOPEN, so AT+NETCLOSE takes it down

    def down(self) -> None:
        self.active = False
        self.address = self.address6 = ""
        self.by_netopen = False


@dataclass(slots=True)
class Network:
    """What the carrier tells the modem about the network it is in."""

    operator: str = "SimCarrier"
    mcc_mnc: str = "00101"
    apns: dict[str, tuple[str, str]] = field(default_factory=lambda: {"internet": ("", ""), "mms": ("", "")})
    registration: str = "home"
    rssi: int = 23
    # APNs (lower case) on which the network gives only IPv6 (T-Mobile US's MMS APN):
    # an "IP" context on them is refused with 27.007 +CME ERROR 193.
    ipv6_only: frozenset[str] = frozenset()
    # The LTE default bearer: cid 1 on this APN, active as soon as the module registers.
    default_bearer: str = ""
    # Refuse a second context on an APN that already has an active one (EPS ESM cause #55,
    # 27.007 +CME ERROR 203 "multiple PDN connections for a given APN not allowed").
    one_context_per_apn: bool = False


class Outbox:
    """Bytes the modem has said and the host has not read yet (thread-safe)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._cond = threading.Condition()
        self.closed = False

    def put(self, data: bytes) -> None:
        with self._cond:
            self._buf += data
            self._cond.notify_all()

    def get(self, limit: int, timeout: float | None, *, allowed: Callable[[], bool] | None = None) -> bytes:
        """Up to `limit` bytes; waits up to timeout (None = forever) for the first one.

        ``allowed`` is asked under the lock right before taking: a reader that lost
        its claim while it waited (the pty bridge, once a simmodem:// client opened
        the port) gets nothing and leaves the bytes to the other reader."""
        with self._cond:
            if not self._buf and not self.closed:
                self._cond.wait_for(lambda: self._buf or self.closed, timeout=timeout)
            if allowed is not None and not allowed():
                return b""
            data = bytes(self._buf[:limit])
            del self._buf[:limit]
            return data

    def __len__(self) -> int:
        with self._cond:
            return len(self._buf)

    def clear(self) -> None:
        with self._cond:
            self._buf.clear()

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()


def tpdu_length(pdu: bytes) -> int:
    """Octets after the SMSC address, the <length> of +CMT/+CMGR/+CMGS."""
    return len(pdu) - (pdu[0] + 1) if pdu else 0


def is_status_report(pdu: bytes) -> bool:
    """An SMS-STATUS-REPORT (TP-MTI 10 in the first TPDU octet, TS 23.040 9.2.3.1)."""
    try:
        return pdu[pdu[0] + 1] & 0x03 == 0x02
    except IndexError:
        return False


def dcs_message_class(pdu: bytes) -> int | None:
    """Message class of an SMS-DELIVER (SMSC address + TPDU), from its DCS (TS 23.038)."""
    try:
        pos = pdu[0] + 1 + 1  # SMSC address, first octet
        digits = pdu[pos]
        pos += 2 + (digits + 1) // 2 + 1  # OA length, TOA, digits, PID
        dcs = pdu[pos]
    except IndexError:
        return None
    if dcs & 0xC0 == 0x00 and dcs & 0x10:
        return dcs & 0x03
    if dcs & 0xF0 == 0xF0:
        return dcs & 0x03
    return None


class EmulatedModem(QuectelStack, SimcomStack):
    """One emulated module with its SIM. Thread-safe; every entry point takes `lock`."""

    def __init__(
        self,
        profile: Profile,
        *,
        msisdn: str,
        imsi: str = "001010123456789",
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
        self.power_on_cfun = cfun  # functionality level the module powers up in (eg25-manager leaves 4)
        self.msisdn = msisdn
        self.imsi = imsi
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
        self._generation = 0  # bumps on every reboot, so stale timers do nothing
        self._mr = 0
        self.muted = False
        self.powered = False
        self._closed = False
        self.contexts: dict[int, Context] = {}
        self._init_stacks()
        self._reset_state()

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
        self.sim_state = "SIM PIN" if self.pin else "READY"
        self.pin_tries = 3
        self.sim_ready = False  # SMS/phonebook initialised ("SMS DONE")
        self.registered = False
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
        self._reset_stacks()

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
                self._emit_line(urc)
            if self.sim_state == "READY":
                self._sim_unlocked(gen)

    def reboot(self, *, flood: int = 1) -> None:
        """Reset mid-session: sockets and contexts die, settings go back to power-on defaults,
        and the boot burst is repeated `flood` times (a brown-out loop)."""
        with self.lock:
            self._generation += 1
            self._close_all_links()
            for ctx in list(self.contexts.values()):
                if ctx.cid > 1:
                    del self.contexts[ctx.cid]  # non-persistent definitions are lost
            self._reset_state()
            for _ in range(max(0, flood - 1)):
                self._emit_line(self.profile.boot_urcs[0] if self.profile.boot_urcs else "RDY")
        self.power_on()

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
            self._close_all_links()
        self.outbox.close()

    def _later(self, delay: float, fn: Callable[[], None]) -> None:
        gen = self._generation

        def fire() -> None:
            with self.lock:
                self._timers.discard(timer)
                if gen == self._generation and not self._closed:
                    fn()

        timer = threading.Timer(delay, fire)
        timer.daemon = True
        self._timers.add(timer)
        timer.start()

    # ----------------------------------------------------------------- output
    def _emit(self, data: bytes) -> None:
        if not self.muted and not self._closed:
            self.outbox.put(data)

    def _emit_line(self, text: str) -> None:
        self._emit(b"\r\n" + text.encode("latin-1") + b"\r\n")

    def urc(self, text: str, *, sms: bool = False) -> None:
        """An unsolicited line; held while a prompt is open (or CNMI mode 0 for SMS ones)."""
        with self.lock:
            if sms and self.cnmi[0] == 0:
                self._cnmi_buffer.append(text)
            elif self._mode != "command":
                self._held_urcs.append(text)
            else:
                self._emit_line(text)

    def _final(self, text: str) -> None:
        if self.quiet:
            return
        if self.verbose:
            self._emit_line(text)
        else:
            codes = {"OK": "0", "ERROR": "4", "NO CARRIER": "3", "CONNECT": "1"}
            self._emit((codes.get(text, text) + "\r").encode("latin-1"))

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
                self._final("OK")  # sending cancelled
                self._flush_held()
            else:
                self._data.append(byte)
                if self.echo and self._mode == "pdu":
                    self._emit(bytes([byte]))
            return
        if byte == 0x0D:
            line = self._line.decode("latin-1")
            self._line.clear()
            if self.echo:
                self._emit(b"\r")
            self._command_line(line)
        elif byte == 0x0A and not self._line:
            pass  # the LF after CR
        elif byte in (ESC, CTRL_Z):
            pass  # outside a prompt they end nothing and are not echoed (a host's resync sends ESC first)
        elif byte in (0x08, 0x7F):
            if self._line:
                self._line.pop()
                if self.echo:
                    self._emit(b"\x08 \x08")
        else:
            if byte == ord("/") and self._line[-1:].upper() == b"A" and len(self._line) == 1:
                self._line.clear()
                if self.echo:
                    self._emit(b"/\r")
                self._command_line(self._last_line)
                return
            self._line.append(byte)
            if self.echo:
                self._emit(bytes([byte]))

    def _open_prompt(self, mode: str, done: Callable[[bytes], None], length: int = 0) -> None:
        self._mode = mode
        self._data = bytearray()
        self._data_len = length
        self._data_done = done
        self._emit(b"\r\n> ")

    def _finish_data(self, data: bytes) -> None:
        done, self._data_done = self._data_done, None
        self._mode = "command"
        try:
            if done is not None:
                done(data)
        except AtError as err:
            for line in err.detail:
                self._emit_line(line)
            for _ in range(err.repeats):
                self._final(err.final(self.cmee))
        self._flush_held()

    def _flush_held(self) -> None:
        held, self._held_urcs = self._held_urcs, []
        for text in held:
            self._emit_line(text)

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
                    self._emit_info(info)
                    return
                info.extend(result)
        except AtError as err:
            info.extend(err.detail)
            self._emit_info(info)
            for _ in range(err.repeats):
                self._final(err.final(self.cmee))
            return
        self._emit_info(info)
        self._final("OK")
        self._after_ok()

    def _emit_info(self, lines: list[str]) -> None:
        if lines:
            self._emit(b"\r\n" + "\r\n".join(lines).encode("latin-1") + b"\r\n")

    def _after_ok(self) -> None:
        pending, self._pending_urcs = self._pending_urcs, []
        for text in pending:
            self._emit_line(text)

    def _later_urc(self, text: str) -> None:
        """A URC that follows the OK of the command being answered."""
        self._pending_urcs.append(text)

    def _dispatch(self, cmd: Command) -> list[str] | None:
        key = cmd.name.lstrip("+^&$").upper().replace("-", "_")
        prefix = "basic_" if cmd.name[0].isalpha() or cmd.name[0] == "&" else "at_"
        if cmd.name.startswith("&"):
            key = "AMP_" + key
        handler = getattr(self, prefix + key, None)
        if handler is None:
            raise AtError()
        if cmd.name in NEEDS_SIM and self.sim_state != "READY":
            if self.sim_state in SIM_ABSENT:
                raise cme(SIM_ABSENT[self.sim_state])
            raise cms(311) if cmd.name in SMS_COMMANDS else cme(11 if self.sim_state == "SIM PIN" else 12)
        if cmd.name in SMS_COMMANDS and not self.sim_ready:
            raise cms(314)
        args = atparse.parse_args(cmd.args) if cmd.op == "=" else []
        return handler(cmd.op, args, cmd)

    # basic (V.250) commands
    def basic_E(self, op, args, cmd):
        if cmd.args not in ("", "0", "1"):
            raise AtError()
        self.echo = cmd.args == "1"
        return []

    def basic_V(self, op, args, cmd):
        self.verbose = cmd.args != "0"
        return []

    def basic_Q(self, op, args, cmd):
        self.quiet = cmd.args == "1"
        return []

    def basic_I(self, op, args, cmd):
        return [line.format(imei=self.imei) for line in self.profile.ati]

    def basic_Z(self, op, args, cmd):
        self.echo, self.cmee = True, self.profile.cmee_default
        return []

    basic_AMP_F = basic_Z

    def basic_AMP_W(self, op, args, cmd):
        return []

    def basic_H(self, op, args, cmd):
        return []

    def basic_D(self, op, args, cmd):
        raise _no_carrier()  # no circuit-switched data on the simulated network

    # identification
    def at_CGMI(self, op, args, cmd):
        return [] if op == "=?" else [self.profile.manufacturer]

    at_GMI = at_CGMI

    def at_CGMM(self, op, args, cmd):
        return [] if op == "=?" else [self.profile.model]

    at_GMM = at_CGMM

    def at_CGMR(self, op, args, cmd):
        return [] if op == "=?" else [self.profile.cgmr_prefix + self.profile.revision]

    at_GMR = at_CGMR

    def at_CGSN(self, op, args, cmd):
        return [] if op == "=?" else [self.imei]

    at_GSN = at_CGSN

    def at_CIMI(self, op, args, cmd):
        return [] if op == "=?" else [self.imsi]

    def at_CNUM(self, op, args, cmd):
        if op == "=?":
            return []
        if not self.msisdn:
            return []  # the SIM holds no own-number record (common; the EC25 start-up fixture)
        kind = 145 if self.msisdn.startswith("+") else 129
        return [f'+CNUM: "","{self.msisdn}",{kind}']

    def at_CRSM(self, op, args, cmd):
        """Restricted SIM access (27.007 8.18): READ BINARY of EF-SPN gives the operator name."""
        if op == "=?":
            return []
        command, file_id = _int(args, 0), _int(args, 1)
        if command == 176 and file_id == 0x6F46:
            length = _int(args, 4) if len(args) > 4 and args[4] else 17
            name = self.network.operator.encode("latin-1")[: length - 1]
            body = b"\x00" + name + b"\xff" * (length - 1 - len(name))
            return [f'+CRSM: 144,0,"{body.hex().upper()}"']
        return ["+CRSM: 106,130"]  # file not found

    # SIM
    def at_CPIN(self, op, args, cmd):
        if self.sim_state in SIM_ABSENT:
            raise cme(SIM_ABSENT[self.sim_state])
        if op == "?":
            return [f"+CPIN: {self.sim_state}"]
        if op == "=?":
            return []
        if op != "=" or not args:
            raise cme(50)
        if self.sim_state == "READY":
            raise cme(3)
        if self.sim_state == "SIM PUK":
            if len(args) < 2 or args[0] != self.puk:
                raise cme(16)
            self.pin = args[1]
        elif args[0] != self.pin:
            self.pin_tries -= 1
            if self.pin_tries <= 0:
                self.sim_state = "SIM PUK"
            raise cme(16)
        self.sim_state = "READY"
        self.pin_tries = 3
        self._later_urc("+CPIN: READY")
        self._sim_unlocked(self._generation)
        return []

    def set_sim_state(self, state: str) -> None:
        """Carrier/test side: the SIM as the module sees it while it starts: "NOT INSERTED"
        (AT+CPIN? answers CME 10), "BUSY" (CME 14), then "READY"."""
        if state not in (*SIM_ABSENT, "READY", "SIM PIN", "SIM PUK"):
            raise ValueError(f"unknown SIM state {state!r}")
        with self.lock:
            was, self.sim_state = self.sim_state, state
            if state == "READY" and was != "READY" and not self.sim_ready:
                self._sim_unlocked(self._generation)

    def _sim_unlocked(self, gen: int) -> None:
        def ready() -> None:
            self.sim_ready = True
            for urc in self.profile.ready_urcs[:1]:
                self.urc(urc)
            self._pump_inbound()
            if self.profile.ready_urcs[1:]:
                self._later(self.timing.pb_ready, lambda: [self.urc(u) for u in self.profile.ready_urcs[1:]])

        self._later(self.timing.sms_ready, ready)
        self._later(self.timing.register, self._update_registration)

    def at_CFUN(self, op, args, cmd):
        if op == "?":
            return [f"+CFUN: {self.cfun}"]
        if op == "=?":
            return ["+CFUN: (0,1,4),(0,1)"]
        if op == "=" and args and args[0] in ("0", "1", "4"):
            self.cfun = int(args[0])
            if len(args) > 1 and args[1] == "1":
                self._later(0.0, lambda: self.reboot())
            self._later(self.timing.register, self._update_registration)
            return []
        raise cme(50)

    def at_CMEE(self, op, args, cmd):
        if op == "?":
            return [f"+CMEE: {self.cmee}"]
        if op == "=?":
            return ["+CMEE: (0-2)"]
        value = args[0] if args else "0"
        if value not in ("0", "1", "2"):
            raise cme(50)
        self.cmee = int(value)
        return []

    # registration and signal
    def _reg_stat(self) -> int:
        if not self.registered:
            return 2 if self.sim_state == "READY" and self.cfun == 1 else 0
        return REG_STATES.get(self.network.registration, 4)

    def _update_registration(self) -> None:
        self.registered = self.sim_state == "READY" and self.cfun == 1 and self.network.registration in ("home", "roaming")
        if self.registered and self.network.default_bearer:
            try:
                self._default_bearer_up()
            except AtError as exc:  # a refusal fault armed for the test: the bearer stays down
                log.info("default bearer refused: %s", exc)
        now = self._reg_stat()
        if now != self._last_stat:
            self._last_stat = now
            for name, n in self.reg_n.items():
                if n:
                    self.urc(f"{name}: {self._reg_fields(name, n, now)}")

    def set_registration(self, state: str) -> None:
        """Carrier side: "home", "roaming", "searching", "denied" or "idle"."""
        if state not in REG_STATES:
            raise ValueError(f"unknown registration state {state!r}")
        with self.lock:
            self.network.registration = state
            self._update_registration()

    def _reg_fields(self, name: str, n: int, stat: int) -> str:
        if n == 2 and stat in (1, 5):
            area = '"1A2B"' if name != "+CEREG" else '"2C3D"'
            return f'{stat},{area},"01A2B3C4",7'
        return str(stat)

    def _reg_cmd(self, name: str, op: str, args: list[str]) -> list[str]:
        if op == "?":
            n = self.reg_n[name]
            return [f"{name}: {n},{self._reg_fields(name, n, self._reg_stat())}"]
        if op == "=?":
            return [f"{name}: (0-2)"]
        if op == "=" and args and args[0] in ("0", "1", "2"):
            self.reg_n[name] = int(args[0])
            return []
        raise cme(50)

    def at_CREG(self, op, args, cmd):
        return self._reg_cmd("+CREG", op, args)

    def at_CGREG(self, op, args, cmd):
        return self._reg_cmd("+CGREG", op, args)

    def at_CEREG(self, op, args, cmd):
        return self._reg_cmd("+CEREG", op, args)

    def at_CSQ(self, op, args, cmd):
        if op == "=?":
            return ["+CSQ: (0-31,99),(0-7,99)"]
        return [f"+CSQ: {self.network.rssi if self.registered else 99},99"]

    def at_COPS(self, op, args, cmd):
        if op == "?":
            return [f'+COPS: 0,0,"{self.network.operator}",7'] if self.registered else ["+COPS: 0"]
        if op == "=?":
            n = self.network
            return [f'+COPS: (2,"{n.operator}","{n.operator}","{n.mcc_mnc}",7),,(0-4),(0-2)']
        return []

    def at_CGATT(self, op, args, cmd):
        if op == "?":
            return [f"+CGATT: {1 if self.registered else 0}"]
        return []

    def at_CGEREP(self, op, args, cmd):
        if op == "?":
            return [f"+CGEREP: {self.cgerep},0"]
        if op == "=" and args:
            self.cgerep = int(args[0] or 0)
        return []

    # SMS set-up
    def at_CMGF(self, op, args, cmd):
        if op == "?":
            return [f"+CMGF: {self.cmgf}"]
        if op == "=?":
            return ["+CMGF: (0,1)"]
        if args and args[0] == "1":
            raise cms(303)  # text mode is not emulated; mmsua and MMS need PDU mode
        if args and args[0] not in ("", "0"):
            raise cms(302)
        self.cmgf = 0
        return []

    def at_CSMS(self, op, args, cmd):
        if op == "?":
            return [f"+CSMS: {self.csms},1,1,1"]
        if op == "=?":
            return [f"+CSMS: {self.profile.csms_services}"]
        if op == "=" and args and args[0] in ("0", "1"):
            self.csms = int(args[0])
            return ["+CSMS: 1,1,1"]
        raise cms(302)

    def _storage(self, name: str) -> Storage | Combined:
        if name == "MT":
            return Combined("MT", [self.storages["SM"], self.storages["ME"]])
        return self.storages[name]

    def at_CPMS(self, op, args, cmd):
        lists = self.profile.storages
        if op == "=?":
            return ["+CPMS: " + ",".join("(" + ",".join(f'"{m}"' for m in group) + ")" for group in lists)]
        if op == "?":
            parts = [f'"{m}",{self._storage(m).used},{self._storage(m).capacity}' for m in self.cpms]
            return ["+CPMS: " + ",".join(parts)]
        if op != "=" or not args or len(args) > 3:
            raise cms(302)
        chosen = list(self.cpms)
        for i, mem in enumerate(args):
            if mem.upper() not in lists[i]:
                raise cms(302)
            chosen[i] = mem.upper()
        self.cpms = chosen
        self._later(0.0, self._pump_inbound)
        return ["+CPMS: " + ",".join(f"{self._storage(m).used},{self._storage(m).capacity}" for m in chosen)]

    def at_CNMI(self, op, args, cmd):
        if op == "?":
            return ["+CNMI: " + ",".join(map(str, self.cnmi))]
        if op == "=?":
            return ["+CNMI: " + self.profile.cnmi_test]
        allowed = _expand_lists(self.profile.cnmi_test)
        values = list(self.cnmi)
        for i, text in enumerate(args[:5]):
            if text == "":
                continue
            if not text.isdigit() or int(text) not in allowed[i]:
                raise cms(303)
            values[i] = int(text)
        self.cnmi = values
        if values[0] > 0 and self._cnmi_buffer:
            held, self._cnmi_buffer = self._cnmi_buffer, []
            if values[4] == 0:
                for text in held:
                    self._later_urc(text)
        self._later(0.0, self._pump_inbound)
        return []

    def at_CSCA(self, op, args, cmd):
        if op == "?":
            return ['+CSCA: "+15550000000",145']
        return []

    def at_CSMP(self, op, args, cmd):
        return ["+CSMP: 17,167,0,0"] if op == "?" else []

    # SMS storage access
    def at_CMGR(self, op, args, cmd):
        if op == "=?":
            return []
        index = _int(args, 0)
        store = self._storage(self.cpms[0])
        try:
            sms = store.get(index)
        except KeyError:
            raise cms(321) from None
        if sms is None:
            if self.profile.empty_slot_ok:
                return []
            raise cms(321)
        stat = sms.stat
        if sms.stat == REC_UNREAD:
            sms.stat = REC_READ
        return [f"+CMGR: {stat},{self.profile.cmt_alpha},{tpdu_length(sms.pdu)}", sms.pdu.hex().upper()]

    def at_CMGL(self, op, args, cmd):
        if op == "=?":
            return ["+CMGL: (0-4)"]
        want = _int(args, 0) if args else 0
        if want not in range(5):
            raise cms(302)
        lines: list[str] = []
        for index, sms in self._storage(self.cpms[0]).items():
            if want == 4 or sms.stat == want:
                lines.append(f"+CMGL: {index},{sms.stat},{self.profile.cmt_alpha},{tpdu_length(sms.pdu)}")
                lines.append(sms.pdu.hex().upper())
                if sms.stat == REC_UNREAD:
                    sms.stat = REC_READ
        return lines

    def at_CMGD(self, op, args, cmd):
        if op == "=?":
            store = self._storage(self.cpms[0])
            return [f"+CMGD: ({','.join(str(i) for i, _ in store.items())}),(0-4)"]
        store = self._storage(self.cpms[0])
        index, flag = _int(args, 0), (_int(args, 1) if len(args) > 1 and args[1] else 0)
        if flag == 0:
            try:
                store.delete(index)
            except KeyError:
                raise cms(321) from None
        else:
            doomed = {1: {REC_READ}, 2: {REC_READ, STO_SENT}, 3: {REC_READ, STO_SENT, STO_UNSENT}}.get(flag)
            for i, sms in store.items():
                if doomed is None or sms.stat in doomed:
                    store.delete(i)
        self._later(0.0, self._pump_inbound)  # the network retries what did not fit
        return []

    def at_CMGS(self, op, args, cmd):
        if op == "=?":
            return []
        length = _int(args, 0)

        def sent(text: bytes) -> None:
            tpdu = self._pdu_from_prompt(text, length)
            mr = self._submit(tpdu)
            self._emit_info([f"+CMGS: {mr}"])
            self._final("OK")

        self._open_prompt("pdu", sent)
        return None

    def at_CMGW(self, op, args, cmd):
        length = _int(args, 0)
        stat = _int(args, 1) if len(args) > 1 and args[1] else STO_UNSENT

        def written(text: bytes) -> None:
            self._pdu_from_prompt(text, length)
            pdu = bytes.fromhex(text.decode("latin-1").strip())
            index = self._storage(self.cpms[1]).put(StoredSms(stat, pdu))
            if index is None:
                raise cms(322)
            self._emit_info([f"+CMGW: {index}"])
            self._final("OK")

        self._open_prompt("pdu", written)
        return None

    def at_CMSS(self, op, args, cmd):
        try:
            sms = self._storage(self.cpms[1]).get(_int(args, 0))
        except KeyError:
            raise cms(321) from None
        if sms is None:
            raise cms(321)
        mr = self._submit(sms.pdu[sms.pdu[0] + 1 :])
        sms.stat = STO_SENT
        return [f"+CMSS: {mr}"]

    def _pdu_from_prompt(self, text: bytes, length: int) -> bytes:
        try:
            pdu = bytes.fromhex(text.decode("latin-1").strip())
        except ValueError:
            raise cms(304) from None
        if not pdu or tpdu_length(pdu) != length:
            raise cms(304)
        return pdu[pdu[0] + 1 :]

    def _submit(self, tpdu: bytes) -> int:
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

    def at_CNMA(self, op, args, cmd):
        if op == "=?":
            return ["+CNMA: (0-2)"]
        if self.csms != 1 or self._awaiting_ack is None:
            raise cms(340)
        n = _int(args, 0) if args and args[0] else 0
        if len(args) > 1 and args[1]:  # an RP-ACK/RP-ERROR TPDU follows the prompt
            def acked(_text: bytes) -> None:
                self._ack(positive=n != 2)
                self._final("OK")

            self._open_prompt("pdu", acked)
            return None
        self._ack(positive=n != 2)
        return []

    def _ack(self, *, positive: bool) -> None:
        pdu, self._awaiting_ack = self._awaiting_ack, None
        self._ack_timer_gen += 1
        if pdu is not None:
            if positive:
                self.delivered.append(pdu)
            else:
                self._inbound.append(pdu)  # RP-ERROR: the network tries again later
                self._later(self.timing.cnma_timeout, self._pump_inbound)
                return
        self._later(0.0, self._pump_inbound)

    # incoming SMS from the network
    def deliver_sms(self, pdu: bytes) -> None:
        """The network delivers an SMS-DELIVER (SMSC address + TPDU) to this handset.

        Undeliverable now (SMS not ready, storage full, an unacknowledged +CMT) means
        the network keeps it and retries, as a real SMSC does.
        """
        with self.lock:
            self._inbound.append(bytes(pdu))
            self._pump_inbound()

    @property
    def pending_deliveries(self) -> int:
        with self.lock:
            return len(self._inbound) + (1 if self._awaiting_ack is not None else 0)

    def _pump_inbound(self) -> None:
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
            index = self._storage(mem).put(StoredSms(REC_UNREAD, pdu))
            if index is None:
                return  # memory full: the network keeps it until a slot is freed
            self._inbound.pop(0)
            self.delivered.append(pdu)
            if mt in (1, 2, 3) and mode > 0 or klass == 2:
                self.urc(f'+CMTI: "{mem}",{index}', sms=True)

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
        self._later(self.timing.cnma_timeout, lambda: self._ack_timeout(gen))

    def _ack_timeout(self, gen: int) -> None:
        if gen == self._ack_timer_gen and self._awaiting_ack is not None:
            log.info("no AT+CNMA in time: the network will retry the SMS")
            self._inbound.insert(0, self._awaiting_ack)
            self._awaiting_ack = None
            self._pump_inbound()

    # PDP contexts (27.007 10.1)
    def at_CGDCONT(self, op, args, cmd):
        if op == "=?":
            return [f'+CGDCONT: (1-16),"{t}",,,(0-2),(0-4)' for t in ("IP", "IPV6", "IPV4V6")]
        if op == "?":
            return [f'+CGDCONT: {c.cid},"{c.pdp_type}","{c.apn}"' + self.profile.cgdcont_tail.format(addr=_unassigned(c.pdp_type))
                    for c in sorted(self.contexts.values(), key=lambda c: c.cid)]
        cid = _int(args, 0)
        if not 1 <= cid <= 16:
            raise cme(50)
        if len(args) == 1:
            self.contexts.pop(cid, None)
            return []
        pdp_type = args[1].upper() or "IP"
        if pdp_type not in ("IP", "IPV6", "IPV4V6"):
            raise cme(50)
        old = self.contexts.get(cid)
        ctx = Context(cid, pdp_type, args[2] if len(args) > 2 else "")
        if old is not None:
            ctx.user, ctx.password, ctx.auth = old.user, old.password, old.auth
        self.contexts[cid] = ctx
        return []

    def at_CGAUTH(self, op, args, cmd):
        if op == "=?":
            return ["+CGAUTH: (1-16),(0-2),,"]
        if op == "?":
            return [f'+CGAUTH: {c.cid},{c.auth},"{c.user}"' for c in self.contexts.values()]
        ctx = self._context(_int(args, 0))
        ctx.auth = _int(args, 1) if len(args) > 1 and args[1] else 0
        rest = (args[2:] + ["", ""])[:2]
        # 27.007 orders <userid>,<password>; SIMCom's manuals put <passwd> first.
        ctx.password, ctx.user = rest if self.profile.ip_stack == "simcom" else rest[::-1]
        return []

    def _context(self, cid: int) -> Context:
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
            self._last_cause = "multiple PDN connections for a given APN not allowed"
            raise cme(203)
        host = 2 + int(self.imsi[-2:]) % 250
        if apn in self.network.ipv6_only:
            if ctx.pdp_type == "IP":
                self._last_cause = "PDN type IPv6 only allowed"
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

    _last_cause = ""

    def at_CEER(self, op, args, cmd):
        """27.007 extended error report: the last PDP refusal's cause as text."""
        return [f'+CEER: "{self._last_cause or "no cause information available"}"']

    _refuse_pdp = 0
    _refuse_code = 148

    def refuse_pdp(self, times: int = 1, code: int = 148) -> None:
        """Fault: the network rejects the next `times` activations with this CME cause
        (148 unspecified GPRS error, 134 service option temporarily out of order...)."""
        with self.lock:
            self._refuse_pdp = times
            self._refuse_code = code

    def at_CGACT(self, op, args, cmd):
        if op == "=?":
            return ["+CGACT: (0,1)"]
        if op == "?":
            return [f"+CGACT: {c.cid},{int(c.active)}" for c in sorted(self.contexts.values(), key=lambda c: c.cid)]
        state = _int(args, 0)
        cids = [int(a) for a in args[1:] if a] or list(self.contexts)
        for cid in cids:
            ctx = self._context(cid)
            if state == 1 and not ctx.active:
                self.activate(ctx)
            elif state == 0:
                self.deactivate(ctx)
        return []

    def deactivate(self, ctx: Context) -> None:
        ctx.down()
        self._context_lost(ctx.cid, by_host=True)

    def drop_context(self, cid: int) -> None:
        """Fault: the network tears the context down (URCs as the profile reports it)."""
        with self.lock:
            ctx = self.contexts.get(cid)
            if ctx is None or not ctx.active:
                return
            ctx.down()
            if self.cgerep:
                self.urc(f"+CGEV: NW PDN DEACT {cid}")
            self._context_lost(cid, by_host=False)

    def at_CGPADDR(self, op, args, cmd):
        if op == "=?":
            return ["+CGPADDR: (" + ",".join(str(c) for c in sorted(self.contexts)) + ")"]
        cids = [int(a) for a in args if a] or sorted(self.contexts)
        out = []
        for cid in cids:
            ctx = self._context(cid)
            if ctx.address6 and not ctx.address:  # IPv6 only: 27.007's 16 dotted decimals
                address = _dotted(ctx.address6)
            else:
                address = ctx.address or ("0.0.0.0" if ctx.pdp_type != "IPV6" else _unassigned("IPV6"))
                if ctx.active and ctx.pdp_type == "IPV4V6":
                    address += '","' + _v6_dotted(ctx.address)
            out.append(f'+CGPADDR: {cid},"{address}"' if self.profile.cgpaddr_quoted else f"+CGPADDR: {cid},{address}")
        return out

    def at_CGCONTRDP(self, op, args, cmd):
        """27.007 10.1.23: <cid>,<bearer_id>,<apn>,<local address and subnet mask> of active contexts
        (IPv6: 32 dotted decimals, the address then a /64 mask)."""
        if op == "=?":
            return ["+CGCONTRDP: (" + ",".join(str(c.cid) for c in self.contexts.values() if c.active) + ")"]
        cids = [int(a) for a in args if a] or sorted(self.contexts)
        out = []
        for cid in cids:
            ctx = self.contexts.get(cid)
            if ctx is None or not ctx.active:
                continue
            if ctx.address6 and not ctx.address:
                local = _dotted(ctx.address6) + "." + ".".join(["255"] * 8 + ["0"] * 8)
            else:
                local = ctx.address + ".255.255.255.0"
            out.append(f'+CGCONTRDP: {cid},{4 + cid},"{ctx.apn}","{local}"')
        if not out and args:
            raise cme(50)
        return out


SIM_ABSENT = {"NOT INSERTED": 10, "BUSY": 14}  # SIM states in which commands fail with these CME codes
NEEDS_SIM = {"+CIMI", "+CNUM", "+CPMS", "+CMGR", "+CMGL", "+CMGD", "+CMGS", "+CMGW", "+CMSS", "+CNMA", "+COPS", "+CGACT", "+QIACT", "+NETOPEN"}
SMS_COMMANDS = {"+CPMS", "+CMGR", "+CMGL", "+CMGD", "+CMGS", "+CMGW", "+CMSS", "+CNMA"}


def _no_carrier() -> AtError:
    err = AtError()
    err.final = lambda cmee: "NO CARRIER"  # type: ignore[method-assign]
    return err


def _unassigned(pdp_type: str) -> str:
    """The address field of a context with no address yet: IPv4 or 27.007 dotted IPv6 zeros."""
    return "0.0.0.0" if pdp_type == "IP" else ".".join(["0"] * 16)


def _dotted(v6: str) -> str:
    """An IPv6 text address in 27.007's 16 dotted decimals."""
    import ipaddress

    return ".".join(str(b) for b in ipaddress.IPv6Address(v6).packed)


def _v6_dotted(v4: str) -> str:
    """An IPv6 address for a dual-stack context, in 27.007's 16 dotted decimals."""
    last = [int(x) for x in v4.split(".")][-2:] if v4 else [0, 1]
    return ".".join(str(b) for b in [32, 1, 13, 184] + [0] * 10 + last)


def _int(args: list[str], i: int) -> int:
    try:
        return int(args[i])
    except (IndexError, ValueError):
        raise cme(50) from None


def _expand_lists(text: str) -> list[set[int]]:
    """"(0-2),(0-3),(0,2)" -> [{0,1,2}, {0,1,2,3}, {0,2}]."""
    out: list[set[int]] = []
    for group in text.split("),"):
        values: set[int] = set()
        for item in group.strip("()").split(","):
            if "-" in item:
                lo, hi = item.split("-")
                values.update(range(int(lo), int(hi) + 1))
            elif item:
                values.add(int(item))
        out.append(values)
    return out
