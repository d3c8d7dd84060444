"""3GPP TS 27.007 (general commands): identification, SIM, functionality, registration,
signal and operator, PDP contexts."""

from __future__ import annotations

import ipaddress

from mmsua.sim.modem.commands import CommandGroup, Reply, Request, int_arg
from mmsua.sim.modem.errors import cme
from mmsua.sim.modem.machine import SIM_ABSENT, ModemMachine
from mmsua.sim.modem.records import Context

TS27007: CommandGroup[ModemMachine] = CommandGroup("TS 27.007")


# identification
@TS27007.command("+CGMI", "+GMI")
def manufacturer(m: ModemMachine, req: Request) -> Reply:
    return [] if req.op == "=?" else [m.profile.manufacturer]


@TS27007.command("+CGMM", "+GMM")
def model(m: ModemMachine, req: Request) -> Reply:
    return [] if req.op == "=?" else [m.profile.model]


@TS27007.command("+CGMR", "+GMR")
def revision(m: ModemMachine, req: Request) -> Reply:
    return [] if req.op == "=?" else [m.profile.cgmr_prefix + m.profile.revision]


@TS27007.command("+CGSN", "+GSN")
def serial_number(m: ModemMachine, req: Request) -> Reply:
    return [] if req.op == "=?" else [m.imei]


@TS27007.command("+CIMI", needs_sim=True)
def imsi(m: ModemMachine, req: Request) -> Reply:
    return [] if req.op == "=?" else [m.imsi]


@TS27007.command("+CNUM", needs_sim=True)
def own_number(m: ModemMachine, req: Request) -> Reply:
    if req.op == "=?":
        return []
    if not m.msisdn:
        return []  # the SIM holds no own-number record (common; the EC25 start-up fixture)
    kind = 145 if m.msisdn.startswith("+") else 129
    return [f'+CNUM: "","{m.msisdn}",{kind}']


@TS27007.command("+CRSM")
def restricted_sim_access(m: ModemMachine, req: Request) -> Reply:
    """Restricted SIM access (27.007 8.18): READ BINARY of EF-SPN gives the operator name,
    of EF-GID1 the SIM's group identifier when it has one."""
    if req.op == "=?":
        return []
    args = req.args
    command, file_id = int_arg(args, 0), int_arg(args, 1)
    if command == 176 and file_id == 0x6F46:
        length = int_arg(args, 4) if len(args) > 4 and args[4] else 17
        name = m.network.operator.encode("latin-1")[: length - 1]
        body = b"\x00" + name + b"\xff" * (length - 1 - len(name))
        return [f'+CRSM: 144,0,"{body.hex().upper()}"']
    if command == 176 and file_id == 0x2FE2:  # EF-ICCID (TS 102 221 13.2): BCD, digits swapped, F-padded
        return [f'+CRSM: 144,0,"{_read(_swapped_bcd(m.iccid, 10), args).hex().upper()}"']
    if command == 176 and file_id == 0x6FAD:  # EF-AD (TS 31.102 4.2.18): byte 4 is the MNC's length
        mnc_digits = len(m.network.mcc_mnc) - 3 if len(m.network.mcc_mnc) in (5, 6) else 2
        return [f'+CRSM: 144,0,"{_read(bytes((0, 0, 0, mnc_digits)), args).hex().upper()}"']
    if command == 176 and file_id == 0x6F3E and m.gid1:  # EF-GID1; length 0: the whole file
        data = bytes.fromhex(m.gid1)
        length = int_arg(args, 4) if len(args) > 4 and args[4] else 0
        return [f'+CRSM: 144,0,"{(data[:length] if length else data).hex().upper()}"']
    return ["+CRSM: 106,130"]  # file not found


def _read(data: bytes, args: list[str]) -> bytes:
    """READ BINARY's answer: <P3> bytes of the file, the whole file when P3 is 0 or absent."""
    length = int_arg(args, 4) if len(args) > 4 and args[4] else 0
    return data[:length] if length else data


def _swapped_bcd(digits: str, size: int) -> bytes:
    """Digits as SIM files keep them: two per byte, the first in the low nibble, F-padded."""
    padded = digits.ljust(size * 2, "F")
    return bytes.fromhex("".join(padded[i + 1] + padded[i] for i in range(0, size * 2, 2)))


# SIM
@TS27007.command("+CPIN")
def pin(m: ModemMachine, req: Request) -> Reply:
    if m.sim_state in SIM_ABSENT:
        raise cme(SIM_ABSENT[m.sim_state])
    if req.op == "?":
        return [f"+CPIN: {m.sim_state}"]
    if req.op == "=?":
        return []
    args = req.args
    if req.op != "=" or not args:
        raise cme(50)
    if m.sim_state == "READY":
        raise cme(3)
    if m.sim_state == "SIM PUK":
        if len(args) < 2 or args[0] != m.puk:
            raise cme(16)
        m.pin = args[1]
    elif args[0] != m.pin:
        m.pin_tries -= 1
        if m.pin_tries <= 0:
            m.sim_state = "SIM PUK"
        raise cme(16)
    m.sim_state = "READY"
    m.pin_tries = 3
    m.urc_after_ok("+CPIN: READY")
    m.sim_unlocked(m.generation)
    return []


@TS27007.command("+CLCK", needs_sim=True)
def facility_lock(m: ModemMachine, req: Request) -> Reply:
    """27.007 7.4, the SIM's PIN lock ("SC") only: <mode> 2 asks whether the PIN is asked at
    power-on. Locking and unlocking are not emulated (+CME ERROR: 4, operation not supported)."""
    if req.op == "=?":
        return ['+CLCK: ("SC")']
    args = req.args
    if req.op != "=" or len(args) < 2:
        raise cme(50)
    if args[0].upper() != "SC":
        raise cme(4)
    mode = int_arg(args, 1)
    if mode == 2:
        return [f"+CLCK: {1 if m.pin else 0}"]
    if mode in (0, 1):
        raise cme(4)
    raise cme(50)


@TS27007.command("+CSCS")
def character_set(m: ModemMachine, req: Request) -> Reply:
    """27.007 5.5: the TE character set of text parameters (operator names, numbers' alphas).
    Only IRA and GSM: every text the emulator prints is ASCII, the same in both; a UCS2 choice
    would need each text hex-encoded, which is not emulated."""
    if req.op == "?":
        return [f'+CSCS: "{m.cscs}"']
    if req.op == "=?":
        return ['+CSCS: ("IRA","GSM")']
    chosen = (req.args[0] if req.args else "IRA").upper()
    if req.op != "=" or chosen not in ("IRA", "GSM"):
        raise cme(50)
    m.cscs = chosen
    return []


@TS27007.command("+WS46")
def wireless_network(m: ModemMachine, req: Request) -> Reply:
    """27.007 5.9: which radio access networks to use. 12 GERAN, 22 UTRAN, 28 E-UTRAN only;
    25 all three; 29 GERAN+UTRAN, 30 GERAN+E-UTRAN, 31 UTRAN+E-UTRAN. The choice is kept
    and read back; the simulated network is one LTE cell whatever it is."""
    if req.op == "?":
        return [f"+WS46: {m.ws46}"]
    if req.op == "=?":
        return ["+WS46: (12,22,25,28,29,30,31)"]
    value = int_arg(req.args, 0) if req.args and req.args[0] else 25
    if req.op != "=" or value not in (12, 22, 25, 28, 29, 30, 31):
        raise cme(50)
    m.ws46 = value
    return []


@TS27007.command("+CFUN")
def functionality(m: ModemMachine, req: Request) -> Reply:
    if req.op == "?":
        return [f"+CFUN: {m.cfun}"]
    if req.op == "=?":
        return ["+CFUN: (0,1,4),(0,1)"]
    args = req.args
    if req.op == "=" and args and args[0] in ("0", "1", "4"):
        m.cfun = int(args[0])
        if len(args) > 1 and args[1] == "1":
            m.later(0.0, lambda: m.reboot())
        m.later(m.timing.register, m.update_registration)
        return []
    raise cme(50)


@TS27007.command("+CMEE")
def error_reports(m: ModemMachine, req: Request) -> Reply:
    if req.op == "?":
        return [f"+CMEE: {m.cmee}"]
    if req.op == "=?":
        return ["+CMEE: (0-2)"]
    value = req.args[0] if req.args else "0"
    if value not in ("0", "1", "2"):
        raise cme(50)
    m.cmee = int(value)
    return []


# registration and signal
@TS27007.command("+CREG", "+CGREG", "+CEREG")
def registration(m: ModemMachine, req: Request) -> Reply:
    name = req.name
    if req.op == "?":
        n = m.reg_n[name]
        return [f"{name}: {n},{m.reg_fields(name, n, m.reg_stat())}"]
    if req.op == "=?":
        return [f"{name}: (0-2)"]
    if req.op == "=" and req.args and req.args[0] in ("0", "1", "2"):
        m.reg_n[name] = int(req.args[0])
        return []
    raise cme(50)


@TS27007.command("+CSQ")
def signal_quality(m: ModemMachine, req: Request) -> Reply:
    if req.op == "=?":
        return ["+CSQ: (0-31,99),(0-7,99)"]
    return [f"+CSQ: {m.network.rssi if m.registered else 99},99"]


@TS27007.command("+COPS", needs_sim=True)
def operator(m: ModemMachine, req: Request) -> Reply:
    if req.op == "?":
        if not m.registered:
            return ["+COPS: 0"]
        oper = m.network.mcc_mnc if m.cops_format == 2 else m.network.operator
        return [f'+COPS: 0,{m.cops_format},"{oper}",7']
    if req.op == "=?":
        n = m.network
        return [f'+COPS: (2,"{n.operator}","{n.operator}","{n.mcc_mnc}",7),,(0-4),(0-2)']
    args = req.args
    if req.op == "=" and len(args) > 1 and args[1]:  # <format>, alone with <mode> 3 (27.007 7.3)
        if args[1] not in ("0", "1", "2"):
            raise cme(50)
        m.cops_format = int(args[1])
    return []


@TS27007.command("+CGATT")
def attach(m: ModemMachine, req: Request) -> Reply:
    if req.op == "?":
        return [f"+CGATT: {1 if m.registered else 0}"]
    return []


@TS27007.command("+CGEREP")
def packet_events(m: ModemMachine, req: Request) -> Reply:
    if req.op == "?":
        return [f"+CGEREP: {m.cgerep},0"]
    if req.op == "=?":
        return ["+CGEREP: (0-2),(0,1)"]  # 27.007: the <mode>s and <bfr>s supported
    if req.op == "=" and req.args:
        m.cgerep = int(req.args[0] or 0)
    return []


# PDP contexts (27.007 10.1)
@TS27007.command("+CGDCONT")
def define_context(m: ModemMachine, req: Request) -> Reply:
    if req.op == "=?":
        return [f'+CGDCONT: (1-16),"{t}",,,(0-2),(0-4)' for t in ("IP", "IPV6", "IPV4V6")]
    if req.op == "?":
        return [f'+CGDCONT: {c.cid},"{c.pdp_type}","{c.apn}"' + m.profile.cgdcont_tail.format(addr=_unassigned(c.pdp_type))
                for c in sorted(m.contexts.values(), key=lambda c: c.cid)]
    args = req.args
    cid = int_arg(args, 0)
    if not 1 <= cid <= 16:
        raise cme(50)
    if len(args) == 1:
        m.contexts.pop(cid, None)
        return []
    pdp_type = args[1].upper() or "IP"
    if pdp_type not in ("IP", "IPV6", "IPV4V6"):
        raise cme(50)
    old = m.contexts.get(cid)
    ctx = Context(cid, pdp_type, args[2] if len(args) > 2 else "")
    if old is not None:
        ctx.user, ctx.password, ctx.auth = old.user, old.password, old.auth
    m.contexts[cid] = ctx
    return []


@TS27007.command("+CGAUTH")
def context_auth(m: ModemMachine, req: Request) -> Reply:
    if req.op == "=?":
        return ["+CGAUTH: (1-16),(0-2),,"]
    if req.op == "?":
        return [f'+CGAUTH: {c.cid},{c.auth},"{c.user}"' for c in m.contexts.values()]
    args = req.args
    ctx = m.context(int_arg(args, 0))
    ctx.auth = int_arg(args, 1) if len(args) > 1 and args[1] else 0
    rest = (args[2:] + ["", ""])[:2]
    # 27.007 orders <userid>,<password>; SIMCom's manuals put <passwd> first.
    ctx.password, ctx.user = rest if m.profile.cgauth_password_first else rest[::-1]
    return []


@TS27007.command("+CEER")
def extended_error(m: ModemMachine, req: Request) -> Reply:
    """27.007 extended error report: the last PDP refusal's cause as text."""
    return [f'+CEER: "{m.last_cause or "no cause information available"}"']


@TS27007.command("+CGACT", needs_sim=True)
def activate_context(m: ModemMachine, req: Request) -> Reply:
    if req.op == "=?":
        return ["+CGACT: (0,1)"]
    if req.op == "?":
        return [f"+CGACT: {c.cid},{int(c.active)}" for c in sorted(m.contexts.values(), key=lambda c: c.cid)]
    state = int_arg(req.args, 0)
    cids = [int(a) for a in req.args[1:] if a] or list(m.contexts)
    for cid in cids:
        ctx = m.context(cid)
        if state == 1 and not ctx.active:
            m.activate(ctx)
        elif state == 0:
            m.deactivate(ctx)
    return []


@TS27007.command("+CGPADDR")
def context_address(m: ModemMachine, req: Request) -> Reply:
    if req.op == "=?":
        return ["+CGPADDR: (" + ",".join(str(c) for c in sorted(m.contexts)) + ")"]
    cids = [int(a) for a in req.args if a] or sorted(m.contexts)
    out = []
    for cid in cids:
        ctx = m.context(cid)
        if ctx.address6 and not ctx.address:  # IPv6 only: 27.007's 16 dotted decimals
            address = _dotted(ctx.address6)
        else:
            address = ctx.address or ("0.0.0.0" if ctx.pdp_type != "IPV6" else _unassigned("IPV6"))
            if ctx.active and ctx.pdp_type == "IPV4V6":
                address += '","' + _v6_dotted(ctx.address)
        out.append(f'+CGPADDR: {cid},"{address}"' if m.profile.cgpaddr_quoted else f"+CGPADDR: {cid},{address}")
    return out


@TS27007.command("+CGCONTRDP")
def context_parameters(m: ModemMachine, req: Request) -> Reply:
    """27.007 10.1.23: <cid>,<bearer_id>,<apn>,<local address and subnet mask> of active contexts
    (IPv6: 32 dotted decimals, the address then a /64 mask)."""
    if req.op == "=?":
        return ["+CGCONTRDP: (" + ",".join(str(c.cid) for c in m.contexts.values() if c.active) + ")"]
    cids = [int(a) for a in req.args if a] or sorted(m.contexts)
    out = []
    for cid in cids:
        ctx = m.contexts.get(cid)
        if ctx is None or not ctx.active:
            continue
        if ctx.address6 and not ctx.address:
            local = _dotted(ctx.address6) + "." + ".".join(["255"] * 8 + ["0"] * 8)
        else:
            local = ctx.address + ".255.255.255.0"
        out.append(f'+CGCONTRDP: {cid},{4 + cid},"{ctx.apn}","{local}"')
    if not out and req.args:
        raise cme(50)
    return out


def _unassigned(pdp_type: str) -> str:
    """The address field of a context with no address yet: IPv4 or 27.007 dotted IPv6 zeros."""
    return "0.0.0.0" if pdp_type == "IP" else ".".join(["0"] * 16)


def _dotted(v6: str) -> str:
    """An IPv6 text address in 27.007's 16 dotted decimals."""
    return ".".join(str(b) for b in ipaddress.IPv6Address(v6).packed)


def _v6_dotted(v4: str) -> str:
    """An IPv6 address for a dual-stack context, in 27.007's 16 dotted decimals."""
    last = [int(x) for x in v4.split(".")][-2:] if v4 else [0, 1]
    return ".".join(str(b) for b in [32, 1, 13, 184] + [0] * 10 + last)
