"""SIMCom's internal TCP/IP stack (SIM7500/SIM7600 TCP/IP AT manual; modem-dialects.md 3.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmsua.sim.modem.errors import AtError
from mmsua.sim.modem.stackbase import Link, StackBase

if TYPE_CHECKING:
    from mmsua.sim.modem.core import EmulatedModem

MAX_LINKS = 10


def _ip_error(text: str) -> AtError:
    return AtError("", 0, (f"+IP ERROR: {text}",))


class SimcomStack(StackBase):
    def _simcom(self: EmulatedModem) -> None:
        if self.profile.ip_stack != "simcom":
            raise AtError()

    def at_CSOCKSETPN(self: EmulatedModem, op, args, cmd):
        self._simcom()
        if op == "?":
            return [f"+CSOCKSETPN: {self.socket_cid}"]
        if op == "=?":
            return ["+CSOCKSETPN: (1-16)"]
        self.socket_cid = int(args[0])
        return []

    def at_CIPMODE(self: EmulatedModem, op, args, cmd):
        self._simcom()
        if args and args[0] != "0":
            raise AtError()  # transparent mode is not emulated
        return ["+CIPMODE: 0"] if op == "?" else []

    def _simcom_ok(self: EmulatedModem, op, args, cmd):
        self._simcom()
        return []

    at_CIPCCFG = at_CIPTIMEOUT = at_CIPSENDMODE = at_CIPHEAD = at_CIPSRIP = _simcom_ok

    def at_CNMP(self: EmulatedModem, op, args, cmd):
        self._simcom()
        return ["+CNMP: 2"] if op == "?" else []

    def at_NETOPEN(self: EmulatedModem, op, args, cmd):
        self._simcom()
        if op == "?":
            return [f"+NETOPEN: {int(self.net_open)}"]
        if self.net_open:
            raise _ip_error("Network is already opened")
        ctx = self.contexts.get(self.socket_cid)
        if ctx is None:
            raise AtError()
        try:
            if not ctx.active:
                self.activate(ctx)
                ctx.by_netopen = True
        except AtError:
            self._later_urc("+NETOPEN: 1")
            return []
        self.net_open = True
        self._later_urc("+NETOPEN: 0")
        return []

    def at_NETCLOSE(self: EmulatedModem, op, args, cmd):
        self._simcom()
        if not self.net_open:
            raise AtError("", 0, ("+NETCLOSE: 2",))
        for link in list(self.links.values()):
            link.tcp.close()
        self.links.clear()
        self.net_open = False
        ctx = self.contexts.get(self.socket_cid)
        # Only a context NETOPEN brought up goes down with the stack: one that was active
        # before (the LTE default bearer, the internet's) stays up.
        if ctx is not None and ctx.by_netopen:
            ctx.down()
        self._later_urc("+NETCLOSE: 0")
        return []

    def at_IPADDR(self: EmulatedModem, op, args, cmd):
        self._simcom()
        ctx = self.contexts.get(self.socket_cid)
        if not self.net_open or ctx is None:
            raise _ip_error("Network not opened")
        return [f"+IPADDR: {ctx.address or ctx.address6}"]

    def at_CIPOPEN(self: EmulatedModem, op, args, cmd):
        self._simcom()
        if op == "?":
            return [f"+CIPOPEN: {i}" + (f',"TCP","{l.tcp.remote[0]}",{l.tcp.remote[1]},-1' if (l := self.links.get(i)) else "") for i in range(MAX_LINKS)]
        try:
            link_id, kind, host, port = int(args[0]), args[1].upper(), args[2], int(args[3])
        except (IndexError, ValueError):
            raise AtError("", 0, (f"+CIPOPEN: {args[0] if args else 0},3",)) from None
        if kind != "TCP" or not 0 <= link_id < MAX_LINKS:
            raise AtError("", 0, (f"+CIPOPEN: {link_id},3",))
        if not self.net_open:
            raise _ip_error("Network not opened")
        if link_id in self.links:
            raise AtError("", 0, (f"+CIPOPEN: {link_id},4",))

        def result(link: Link, ok: bool) -> None:
            self.urc(f"+CIPOPEN: {link_id},{0 if ok else 1}")

        self._start_link(link_id, self.socket_cid, host, port, 1 if self.rx_manual else 0, result)
        return []

    def at_CIPSEND(self: EmulatedModem, op, args, cmd):
        self._simcom()
        link = self.links.get(int(args[0])) if args and args[0].isdigit() else None
        if link is None or not link.connected:
            # the SIM7600E sends ERROR twice after +CIPERROR (real log, Freematics#121)
            raise AtError("", 0, ("+CIPERROR: 4",), repeats=2)
        length = int(args[1]) if len(args) > 1 and args[1] else 0

        def sent(data: bytes) -> None:
            if link.tcp.send(data):
                self._final("OK")
                self._emit_line(f"+CIPSEND: {link.link_id},{len(data)},{len(data)}")
            else:
                self._final("ERROR")

        if 1 <= length <= 1500:
            self._open_prompt("binary", sent, length)
        elif length == 0:
            self._open_prompt("ctrlz", sent)
        else:
            raise AtError()
        return None

    def at_CIPRXGET(self: EmulatedModem, op, args, cmd):
        self._simcom()
        if op == "?":
            return [f"+CIPRXGET: {int(self.rx_manual)}"]
        mode = int(args[0]) if args and args[0].isdigit() else -1
        if mode in (0, 1) and len(args) == 1:
            self.rx_manual = mode == 1
            return []
        link = self.links.get(int(args[1])) if len(args) > 1 and args[1].isdigit() else None
        if link is None or mode not in (2, 3, 4):
            raise AtError()
        if mode == 4:
            return [f"+CIPRXGET: 4,{link.link_id},{len(link.rx)}"]
        want = int(args[2]) if len(args) > 2 and args[2] else self.profile.max_read
        data = self._take(link, min(want, self.profile.max_read))
        body = data.decode("latin-1") if mode == 2 else data.hex().upper()
        return [f"+CIPRXGET: {mode},{link.link_id},{len(data)},{len(link.rx)}", body]

    def at_CIPCLOSE(self: EmulatedModem, op, args, cmd):
        self._simcom()
        if op == "?":
            return ["+CIPCLOSE: " + ",".join("1" if i in self.links else "0" for i in range(MAX_LINKS))]
        link_id = int(args[0]) if args and args[0].isdigit() else -1
        link = self.links.pop(link_id, None)
        if link is None:
            raise AtError("", 0, (f"+CIPCLOSE: {link_id},4",))
        link.tcp.close()
        self._later_urc(f"+CIPCLOSE: {link_id},0")
        return []

    def _s_link_data(self: EmulatedModem, link: Link) -> None:
        if self.rx_manual:
            if not link.notified:
                link.notified = True
                self.urc(f"+CIPRXGET: 1,{link.link_id}")
        else:  # automatic receive: pushed with a length header
            data = self._take(link, len(link.rx))
            self.urc(f"+IPD{len(data)}\r\n" + data.decode("latin-1"))
