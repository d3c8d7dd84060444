"""Quectel's emulated dialect: the EG25-G's profile, its own AT commands and its internal
TCP/IP stack (EC2x/EG25-G TCP/IP AT manual; modem-dialects.md 3.1)."""

from __future__ import annotations

from mmsua.sim.modem.commands import CommandGroup, Reply, Request
from mmsua.sim.modem.dialect import Dialect
from mmsua.sim.modem.errors import AtError, cme
from mmsua.sim.modem.ipstack import IpStack, Link
from mmsua.sim.modem.machine import ModemMachine
from mmsua.sim.modem.profile import Profile
from mmsua.sim.modem.records import Context

QUECTEL_EG25G = Profile(
    key="quectel-eg25g",
    manufacturer="Quectel",
    model="EG25",
    revision="EG25GGBR07A08M2G",
    ati=("Quectel", "EG25", "Revision: EG25GGBR07A08M2G"),  # three lines (2.3)
    cgmr_prefix="Revision: ",  # EC25 AT manual, as hw_fixtures/quectel/ec25/startup.txt has it
    boot_urcs=("RDY", "+CPIN: READY", "+QUSIM: 1", "+CFUN: 1"),  # EG25-G boot log; +CFUN shows the power-on level
    ready_urcs=("+QIND: SMS DONE", "+QIND: PB DONE"),
    csms_services="(0,1)",
    cnmi_test="(0-2),(0-3),(0,2),(0-2),(0,1)",
    cnmi_default=(2, 1, 0, 0, 0),
    # EC25 AT manual lists as hw_fixtures/quectel/ec25 have them; MT is SM and ME together
    storages=(("ME", "MT", "SM", "SR"), ("ME", "MT", "SM", "SR"), ("ME", "MT", "SM")),
    capacities=(("SM", 50), ("ME", 255), ("SR", 50)),
    cdsi_mem="SM",  # stores status reports in SR, announces +CDSI: "SM",<i> (asterisk-chan-quectel PR#75, 2.8)
    first_index=0,  # "+CMTI: "SM",0" (EC25 transcript)
    empty_slot_ok=True,  # EC25/EC20 answer an empty slot with a bare OK (2.8)
    cmt_alpha="",
    cmee_default=1,
    cgdcont_tail=',"0.0.0.0",0,0,0,0',
)

QI_ERRORS = {0: "operation successful", 552: "invalid parameters", 561: "open PDP context failed", 563: "socket identity has been used", 566: "socket connect failed", 567: "socket has been closed"}
PDP_TYPES = {"IP": 1, "IPV6": 2, "IPV4V6": 3}  # <context_type> of AT+QICSGP / AT+QIACT?


class QuectelStack(IpStack):
    """Links announced by +QIURC: "recv" (pushed in the URC in direct-push mode), "closed", "pdpdeact"."""

    def context_lost(self, cid: int, *, by_host: bool) -> None:
        if not by_host:
            self.host.urc(f'+QIURC: "pdpdeact",{cid}')
        for link in self.links.values():
            if link.cid == cid:
                link.tcp.close()
                link.connected = False

    def link_data(self, link: Link) -> None:
        if link.mode == 1:  # direct push: the bytes ride in the URC
            data = self.take(link, len(link.rx))
            self.host.urc(f'+QIURC: "recv",{link.link_id},{len(data)}\r\n' + data.decode("latin-1"))
        elif not link.notified:
            link.notified = True
            self.host.urc(f'+QIURC: "recv",{link.link_id}')

    def link_closed(self, link: Link) -> None:
        self.host.urc(f'+QIURC: "closed",{link.link_id}')


COMMANDS: CommandGroup[ModemMachine] = CommandGroup("Quectel")


def _stack(m: ModemMachine) -> QuectelStack:
    if not isinstance(m.stack, QuectelStack):  # a table that mixes vendors: unknown command
        raise AtError()
    return m.stack


def _link_id(args: list[str]) -> int | None:
    return int(args[0]) if args and args[0].isdigit() else None


@COMMANDS.command("+QINISTAT")
def init_status(m: ModemMachine, req: Request) -> Reply:
    return [f"+QINISTAT: {7 if m.sim_ready else (1 if m.sim_state == 'READY' else 0)}"]


@COMMANDS.command("+QURCCFG")
def urc_port(m: ModemMachine, req: Request) -> Reply:
    return ['+QURCCFG: "urcport","usbat"'] if req.op == "?" or len(req.args) == 1 else []


@COMMANDS.command("+QCFG")
def configure(m: ModemMachine, req: Request) -> Reply:
    return []


@COMMANDS.command("+QINDCFG")
def indication_switches(m: ModemMachine, req: Request) -> Reply:
    """AT+QINDCFG=<type>[,<enable>[,<savetonv>]] (EC2x AT commands manual): "smsfull" is
    off at power-on; on, the module prints +QIND: "smsfull",<storage> when a storage fills."""
    if req.op == "=?":
        return ['+QINDCFG: "all",(0,1),(0,1)', '+QINDCFG: "smsfull",(0,1),(0,1)']
    kind = req.args[0].strip('"').lower() if req.args else ""
    if kind not in ("all", "smsfull"):
        raise cme(50)
    if len(req.args) == 1:
        return [f'+QINDCFG: "{kind}",{int(m.indications.get(kind, kind == "all"))}']
    if req.args[1] not in ("0", "1"):
        raise cme(50)
    m.indications[kind] = req.args[1] == "1"
    return []


def storage_full_urc(m: ModemMachine, mem: str) -> str | None:
    if m.indications.get("all", True) and m.indications.get("smsfull", False):
        return f'+QIND: "smsfull","{mem}"'
    return None


@COMMANDS.command("+QCSQ")
def serving_signal(m: ModemMachine, req: Request) -> Reply:
    """Serving-cell signal: "LTE",<RSSI dBm>,<RSRP>,<SINR>,<RSRQ> (EC25 AT manual)."""
    if req.op == "=?":
        return ['+QCSQ: "NOSERVICE","GSM","WCDMA","TDSCDMA","LTE","CDMA","HDR"']
    if not m.registered:
        return ['+QCSQ: "NOSERVICE"']
    rssi = -113 + 2 * m.network.rssi
    return [f'+QCSQ: "LTE",{rssi},{rssi - 30},160,-11']


@COMMANDS.command("+QICSGP")
def configure_context(m: ModemMachine, req: Request) -> Reply:
    if req.op == "=?":
        return ['+QICSGP: (1-16),(1-3),"APN","USERNAME","PASSWORD",(0-3)']
    args = req.args
    cid = _link_id(args) or 0
    if not 1 <= cid <= 16:
        raise cme(50)
    if len(args) == 1:
        ctx = m.contexts.get(cid)
        if ctx is None:
            return ['+QICSGP: 1,"","","",0']
        return [f'+QICSGP: {PDP_TYPES[ctx.pdp_type]},"{ctx.apn}","{ctx.user}","{ctx.password}",{ctx.auth}']
    kind = {"1": "IP", "2": "IPV6", "3": "IPV4V6"}.get(args[1])
    if kind is None:
        raise cme(50)
    rest = args[2:] + ["", "", "", "0"]
    m.contexts[cid] = Context(cid, kind, rest[0], rest[1], rest[2], int(rest[3] or 0))
    return []


@COMMANDS.command("+QIACT", needs_sim=True)
def activate_context(m: ModemMachine, req: Request) -> Reply:
    if req.op == "=?":
        return ["+QIACT: (1-16)"]
    if req.op == "?":
        # <IP_address>: the IPv6 one in its text form on an IPv6-only context (the TCP/IP
        # manual gives no dotted form for QIACT?, unlike 27.007's CGPADDR).
        return [f'+QIACT: {c.cid},1,{PDP_TYPES[c.pdp_type]},"{c.address or c.address6}"'
                for c in sorted(m.contexts.values(), key=lambda c: c.cid) if c.active]
    ctx = m.context(_link_id(req.args) or 0)
    if not ctx.active:
        try:
            m.activate(ctx)
        except AtError:
            # a bare ERROR whatever CMEE says; AT+QIGETERROR tells why (EC21-J log, BG96 log)
            _stack(m).last_ip_error = 561
            raise AtError() from None
    return []


@COMMANDS.command("+QIDEACT")
def deactivate_context(m: ModemMachine, req: Request) -> Reply:
    m.deactivate(m.context(_link_id(req.args) or 0))
    return []


@COMMANDS.command("+QIOPEN")
def open_socket(m: ModemMachine, req: Request) -> Reply:
    if req.op == "=?":
        return ['+QIOPEN: (1-16),(0-11),"TCP/UDP/TCP LISTENER/UDP SERVICE","<IP_address>/<domain_name>",<remote_port>,<local_port>,(0-2)']
    stack, args = _stack(m), req.args
    try:
        cid, link_id, kind, host, port = int(args[0]), int(args[1]), args[2].upper(), args[3], int(args[4])
        mode = int(args[6]) if len(args) > 6 and args[6] else 0
    except (IndexError, ValueError):
        stack.last_ip_error = 552
        raise cme(552) from None
    if kind != "TCP" or mode not in (0, 1) or not 0 <= link_id <= 11:
        stack.last_ip_error = 552
        raise cme(552)  # UDP and transparent mode are not emulated
    if link_id in stack.links:
        stack.last_ip_error = 563
        raise cme(563)
    ctx = m.contexts.get(cid)
    if ctx is None or not ctx.active:
        m.urc_after_ok(f"+QIOPEN: {link_id},561")
        return []

    def result(link: Link, ok: bool) -> None:
        m.urc(f"+QIOPEN: {link_id},{0 if ok else 566}")

    stack.start_link(link_id, cid, host, port, mode, result)
    return []


@COMMANDS.command("+QISEND")
def send(m: ModemMachine, req: Request) -> Reply:
    args = req.args
    link_id = _link_id(args)
    link = _stack(m).links.get(link_id) if link_id is not None else None
    if link is None or not link.connected:
        raise AtError()
    if len(args) > 1 and args[1] == "0":
        return [f"+QISEND: {link.tcp.sent},{link.tcp.sent},0"]

    def sent(data: bytes) -> None:
        m.final("SEND OK" if link.tcp.send(data) else "SEND FAIL")

    if len(args) > 1:
        length = int(args[1])
        if not 1 <= length <= 1460:
            raise AtError()
        m.open_prompt("binary", sent, length)
    else:
        m.open_prompt("ctrlz", sent)
    return None


@COMMANDS.command("+QIRD")
def read(m: ModemMachine, req: Request) -> Reply:
    stack, args = _stack(m), req.args
    link_id = _link_id(args)
    link = stack.links.get(link_id) if link_id is not None else None
    if link is None:
        raise AtError()
    want = int(args[1]) if len(args) > 1 and args[1] else m.profile.max_read
    if want == 0:
        return [f"+QIRD: {link.received},{link.read},{len(link.rx)}"]
    data = stack.take(link, min(want, m.profile.max_read))
    if not data:
        return ["+QIRD: 0"]
    return [f"+QIRD: {len(data)}", data.decode("latin-1")]


@COMMANDS.command("+QICLOSE")
def close_socket(m: ModemMachine, req: Request) -> Reply:
    link_id = _link_id(req.args)
    link = _stack(m).links.pop(link_id, None) if link_id is not None else None
    if link is not None:
        link.tcp.close()
    return []


@COMMANDS.command("+QISTATE")
def socket_state(m: ModemMachine, req: Request) -> Reply:
    args = req.args
    out = []
    for link in sorted(_stack(m).links.values(), key=lambda link: link.link_id):
        if len(args) > 1 and args[0] == "1" and int(args[1]) != link.link_id:
            continue
        state = 3 if link.connected else 4
        out.append(f'+QISTATE: {link.link_id},"TCP","{link.tcp.remote[0]}",{link.tcp.remote[1]},{link.tcp.local_port},{state},{link.cid},0,{link.mode},"usbat"')
    return out


@COMMANDS.command("+QIGETERROR")
def last_error(m: ModemMachine, req: Request) -> Reply:
    code = _stack(m).last_ip_error
    return [f"+QIGETERROR: {code},{QI_ERRORS.get(code, 'unknown error')}"]


DIALECTS = (Dialect(QUECTEL_EG25G, COMMANDS, QuectelStack, aliases=("quectel", "eg25g"), storage_full_urc=storage_full_urc),)
