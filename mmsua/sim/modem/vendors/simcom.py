"""SIMCom's emulated dialect: the SIM7600's profile, its own AT commands and its internal
TCP/IP stack (SIM7500/SIM7600 TCP/IP AT manual; modem-dialects.md 3.2)."""

from __future__ import annotations

from mmsua.sim.modem.commands import CommandGroup, Reply, Request
from mmsua.sim.modem.dialect import Dialect
from mmsua.sim.modem.errors import AtError
from mmsua.sim.modem.ipstack import IpStack, Link
from mmsua.sim.modem.machine import ModemMachine
from mmsua.sim.modem.profile import Profile

SIMCOM_SIM7600 = Profile(
    key="simcom-sim7600",
    manufacturer="SIMCOM INCORPORATED",
    model="SIMCOM_SIM7600G-H",
    revision="LE20B04SIM7600G22",
    ati=(
        "Manufacturer: SIMCOM INCORPORATED",
        "Model: SIMCOM_SIM7600G-H",
        "Revision: LE20B04SIM7600G22",
        "IMEI: {imei}",
        "+GCAP: +CGSM",
    ),
    cgmr_prefix="+CGMR: ",
    boot_urcs=("RDY", "+CPIN: READY"),  # SIM7600 boot hexdump
    ready_urcs=("SMS DONE", "PB DONE"),  # T-SIM7600X#90
    csms_services="(0-1)",  # hw_fixtures/simcom/sim7600/startup-and-stored-sms.txt
    cnmi_test="(0-2),(0-3),(0,2),(0-2),(0,1)",
    cnmi_default=(2, 1, 0, 0, 0),
    storages=(("ME", "SM", "SR"), ("ME", "SM", "SR"), ("ME", "SM")),  # same fixture
    capacities=(("SM", 30), ("ME", 255), ("SR", 30)),
    first_index=0,
    empty_slot_ok=False,
    cmt_alpha='""',
    cmee_default=0,
    cgdcont_tail=',"0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0",0,0,0,0',  # T-SIM7600X#90
    cgauth_password_first=True,  # SIMCom's manuals put <passwd> before <user> in AT+CGAUTH
    cgpaddr_quoted=False,  # "+CGPADDR: 5,10.181.7.2" (SIM7600 TCP/IP manual, hw_fixtures/simcom)
)

MAX_LINKS = 10


class SimcomStack(IpStack):
    """One network for all links (AT+NETOPEN on the AT+CSOCKSETPN context); data pushed
    as +IPD or announced by +CIPRXGET: 1 in manual receive; +IPCLOSE when the peer closes."""

    def context_lost(self, cid: int, *, by_host: bool) -> None:
        if not (self.net_open and cid == self.socket_cid):
            return
        self.net_open = False
        if not by_host:
            self.host.urc("+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY")
        for link in [link for link in self.links.values() if link.cid == cid]:
            link.tcp.close()
            del self.links[link.link_id]

    def link_data(self, link: Link) -> None:
        if self.rx_manual:
            if not link.notified:
                link.notified = True
                self.host.urc(f"+CIPRXGET: 1,{link.link_id}")
        else:  # automatic receive: pushed with a length header
            data = self.take(link, len(link.rx))
            self.host.urc(f"+IPD{len(data)}\r\n" + data.decode("latin-1"))

    def link_closed(self, link: Link) -> None:
        self.host.urc(f"+IPCLOSE: {link.link_id},1")  # 1 = closed by the remote side


COMMANDS: CommandGroup[ModemMachine] = CommandGroup("SIMCom")


def _stack(m: ModemMachine) -> SimcomStack:
    if not isinstance(m.stack, SimcomStack):  # a table that mixes vendors: unknown command
        raise AtError()
    return m.stack


def _ip_error(text: str) -> AtError:
    return AtError("", 0, (f"+IP ERROR: {text}",))


def _result(line: str, *, repeats: int = 1) -> AtError:
    """ERROR after an information line that says why (+CIPOPEN: <link>,<err>...)."""
    return AtError("", 0, (line,), repeats=repeats)


@COMMANDS.command("+CSOCKSETPN")
def socket_context(m: ModemMachine, req: Request) -> Reply:
    stack = _stack(m)
    if req.op == "?":
        return [f"+CSOCKSETPN: {stack.socket_cid}"]
    if req.op == "=?":
        return ["+CSOCKSETPN: (1-16)"]
    stack.socket_cid = int(req.args[0])
    return []


@COMMANDS.command("+CIPMODE")
def transfer_mode(m: ModemMachine, req: Request) -> Reply:
    if req.args and req.args[0] != "0":
        raise AtError()  # transparent mode is not emulated
    return ["+CIPMODE: 0"] if req.op == "?" else []


@COMMANDS.command("+CIPCCFG", "+CIPTIMEOUT", "+CIPSENDMODE", "+CIPHEAD", "+CIPSRIP")
def accepted(m: ModemMachine, req: Request) -> Reply:
    return []


@COMMANDS.command("+CNMP")
def network_mode(m: ModemMachine, req: Request) -> Reply:
    return ["+CNMP: 2"] if req.op == "?" else []


@COMMANDS.command("+NETOPEN", needs_sim=True)
def open_network(m: ModemMachine, req: Request) -> Reply:
    stack = _stack(m)
    if req.op == "?":
        return [f"+NETOPEN: {int(stack.net_open)}"]
    if stack.net_open:
        raise _ip_error("Network is already opened")
    ctx = m.contexts.get(stack.socket_cid)
    if ctx is None:
        raise AtError()
    try:
        if not ctx.active:
            m.activate(ctx)
            ctx.by_netopen = True
    except AtError:
        m.urc_after_ok("+NETOPEN: 1")
        return []
    stack.net_open = True
    m.urc_after_ok("+NETOPEN: 0")
    return []


@COMMANDS.command("+NETCLOSE")
def close_network(m: ModemMachine, req: Request) -> Reply:
    stack = _stack(m)
    if not stack.net_open:
        raise _result("+NETCLOSE: 2")
    stack.close_all()
    stack.net_open = False
    ctx = m.contexts.get(stack.socket_cid)
    # Only a context NETOPEN brought up goes down with the stack: one that was active
    # before (the LTE default bearer, the internet's) stays up.
    if ctx is not None and ctx.by_netopen:
        ctx.down()
    m.urc_after_ok("+NETCLOSE: 0")
    return []


@COMMANDS.command("+IPADDR")
def address(m: ModemMachine, req: Request) -> Reply:
    stack = _stack(m)
    ctx = m.contexts.get(stack.socket_cid)
    if not stack.net_open or ctx is None:
        raise _ip_error("Network not opened")
    return [f"+IPADDR: {ctx.address or ctx.address6}"]


@COMMANDS.command("+CIPOPEN")
def open_socket(m: ModemMachine, req: Request) -> Reply:
    stack, args = _stack(m), req.args
    if req.op == "?":
        return [f"+CIPOPEN: {i}" + (f',"TCP","{link.tcp.remote[0]}",{link.tcp.remote[1]},-1' if (link := stack.links.get(i)) else "")
                for i in range(MAX_LINKS)]
    try:
        link_id, kind, host, port = int(args[0]), args[1].upper(), args[2], int(args[3])
    except (IndexError, ValueError):
        raise _result(f"+CIPOPEN: {args[0] if args else 0},3") from None
    if kind != "TCP" or not 0 <= link_id < MAX_LINKS:
        raise _result(f"+CIPOPEN: {link_id},3")
    if not stack.net_open:
        raise _ip_error("Network not opened")
    if link_id in stack.links:
        raise _result(f"+CIPOPEN: {link_id},4")

    def result(link: Link, ok: bool) -> None:
        m.urc(f"+CIPOPEN: {link_id},{0 if ok else 1}")

    stack.start_link(link_id, stack.socket_cid, host, port, 1 if stack.rx_manual else 0, result)
    return []


@COMMANDS.command("+CIPSEND")
def send(m: ModemMachine, req: Request) -> Reply:
    args = req.args
    link = _stack(m).links.get(int(args[0])) if args and args[0].isdigit() else None
    if link is None or not link.connected:
        # the SIM7600E sends ERROR twice after +CIPERROR (real log, Freematics#121)
        raise _result("+CIPERROR: 4", repeats=2)
    length = int(args[1]) if len(args) > 1 and args[1] else 0

    def sent(data: bytes) -> None:
        if link.tcp.send(data):
            m.final("OK")
            m.emit_line(f"+CIPSEND: {link.link_id},{len(data)},{len(data)}")
        else:
            m.final("ERROR")

    if 1 <= length <= 1500:
        m.open_prompt("binary", sent, length)
    elif length == 0:
        m.open_prompt("ctrlz", sent)
    else:
        raise AtError()
    return None


@COMMANDS.command("+CIPRXGET")
def receive(m: ModemMachine, req: Request) -> Reply:
    stack, args = _stack(m), req.args
    if req.op == "?":
        return [f"+CIPRXGET: {int(stack.rx_manual)}"]
    mode = int(args[0]) if args and args[0].isdigit() else -1
    if mode in (0, 1) and len(args) == 1:
        stack.rx_manual = mode == 1
        return []
    link = stack.links.get(int(args[1])) if len(args) > 1 and args[1].isdigit() else None
    if link is None or mode not in (2, 3, 4):
        raise AtError()
    if mode == 4:
        return [f"+CIPRXGET: 4,{link.link_id},{len(link.rx)}"]
    want = int(args[2]) if len(args) > 2 and args[2] else m.profile.max_read
    data = stack.take(link, min(want, m.profile.max_read))
    body = data.decode("latin-1") if mode == 2 else data.hex().upper()
    return [f"+CIPRXGET: {mode},{link.link_id},{len(data)},{len(link.rx)}", body]


@COMMANDS.command("+CIPCLOSE")
def close_socket(m: ModemMachine, req: Request) -> Reply:
    stack = _stack(m)
    if req.op == "?":
        return ["+CIPCLOSE: " + ",".join("1" if i in stack.links else "0" for i in range(MAX_LINKS))]
    link_id = int(req.args[0]) if req.args and req.args[0].isdigit() else -1
    link = stack.links.pop(link_id, None)
    if link is None:
        raise _result(f"+CIPCLOSE: {link_id},4")
    link.tcp.close()
    m.urc_after_ok(f"+CIPCLOSE: {link_id},0")
    return []


DIALECTS = (Dialect(SIMCOM_SIM7600, COMMANDS, SimcomStack, aliases=("simcom", "sim7600")),)
