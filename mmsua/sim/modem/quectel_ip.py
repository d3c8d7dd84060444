"""Quectel's internal TCP/IP stack (EC2x/EG25-G TCP/IP AT manual; modem-dialects.md 3.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mmsua.sim.modem.errors import AtError, cme
from mmsua.sim.modem.stackbase import Link, StackBase

if TYPE_CHECKING:
    from mmsua.sim.modem.core import EmulatedModem

QI_ERRORS = {0: "operation successful", 552: "invalid parameters", 561: "open PDP context failed", 563: "socket identity has been used", 566: "socket connect failed", 567: "socket has been closed"}


class QuectelStack(StackBase):
    def _quectel(self: EmulatedModem) -> None:
        if self.profile.ip_stack != "quectel":
            raise AtError()

    def at_QINISTAT(self: EmulatedModem, op, args, cmd):
        self._quectel()
        return [f"+QINISTAT: {7 if self.sim_ready else (1 if self.sim_state == 'READY' else 0)}"]

    def at_QURCCFG(self: EmulatedModem, op, args, cmd):
        self._quectel()
        return ['+QURCCFG: "urcport","usbat"'] if op == "?" or len(args) == 1 else []

    def at_QCFG(self: EmulatedModem, op, args, cmd):
        self._quectel()
        return []

    def at_QCSQ(self: EmulatedModem, op, args, cmd):
        """Serving-cell signal: "LTE",<RSSI dBm>,<RSRP>,<SINR>,<RSRQ> (EC25 AT manual)."""
        self._quectel()
        if op == "=?":
            return ['+QCSQ: "NOSERVICE","GSM","WCDMA","TDSCDMA","LTE","CDMA","HDR"']
        if not self.registered:
            return ['+QCSQ: "NOSERVICE"']
        rssi = -113 + 2 * self.network.rssi
        return [f'+QCSQ: "LTE",{rssi},{rssi - 30},160,-11']

    def at_QICSGP(self: EmulatedModem, op, args, cmd):
        self._quectel()
        if op == "=?":
            return ['+QICSGP: (1-16),(1-3),"APN","USERNAME","PASSWORD",(0-3)']
        cid = int(args[0]) if args and args[0].isdigit() else 0
        if not 1 <= cid <= 16:
            raise cme(50)
        if len(args) == 1:
            ctx = self.contexts.get(cid)
            if ctx is None:
                return ['+QICSGP: 1,"","","",0']
            kind = {"IP": 1, "IPV6": 2, "IPV4V6": 3}[ctx.pdp_type]
            return [f'+QICSGP: {kind},"{ctx.apn}","{ctx.user}","{ctx.password}",{ctx.auth}']
        from mmsua.sim.modem.core import Context

        kind = {"1": "IP", "2": "IPV6", "3": "IPV4V6"}.get(args[1])
        if kind is None:
            raise cme(50)
        rest = args[2:] + ["", "", "", "0"]
        self.contexts[cid] = Context(cid, kind, rest[0], rest[1], rest[2], int(rest[3] or 0))
        return []

    def at_QIACT(self: EmulatedModem, op, args, cmd):
        self._quectel()
        if op == "=?":
            return ["+QIACT: (1-16)"]
        if op == "?":
            # <IP_address>: the IPv6 one in its text form on an IPv6-only context (the TCP/IP
            # manual gives no dotted form for QIACT?, unlike 27.007's CGPADDR).
            return [f'+QIACT: {c.cid},1,{ {"IP": 1, "IPV6": 2, "IPV4V6": 3}[c.pdp_type] },"{c.address or c.address6}"'
                    for c in sorted(self.contexts.values(), key=lambda c: c.cid) if c.active]
        ctx = self._context(int(args[0]) if args and args[0].isdigit() else 0)
        if not ctx.active:
            try:
                self.activate(ctx)
            except AtError:
                # a bare ERROR whatever CMEE says; AT+QIGETERROR tells why (EC21-J log, BG96 log)
                self.last_ip_error = 561
                raise AtError() from None
        return []

    def at_QIDEACT(self: EmulatedModem, op, args, cmd):
        self._quectel()
        ctx = self._context(int(args[0]) if args and args[0].isdigit() else 0)
        self.deactivate(ctx)
        return []

    def at_QIOPEN(self: EmulatedModem, op, args, cmd):
        self._quectel()
        if op == "=?":
            return ['+QIOPEN: (1-16),(0-11),"TCP/UDP/TCP LISTENER/UDP SERVICE","<IP_address>/<domain_name>",<remote_port>,<local_port>,(0-2)']
        try:
            cid, link_id, kind, host, port = int(args[0]), int(args[1]), args[2].upper(), args[3], int(args[4])
            mode = int(args[6]) if len(args) > 6 and args[6] else 0
        except (IndexError, ValueError):
            self.last_ip_error = 552
            raise cme(552) from None
        if kind != "TCP" or mode not in (0, 1) or not 0 <= link_id <= 11:
            self.last_ip_error = 552
            raise cme(552)  # UDP and transparent mode are not emulated
        if link_id in self.links:
            self.last_ip_error = 563
            raise cme(563)
        ctx = self.contexts.get(cid)
        if ctx is None or not ctx.active:
            self._later_urc(f"+QIOPEN: {link_id},561")
            return []

        def result(link: Link, ok: bool) -> None:
            self.urc(f"+QIOPEN: {link_id},{0 if ok else 566}")

        self._start_link(link_id, cid, host, port, mode, result)
        return []

    def at_QISEND(self: EmulatedModem, op, args, cmd):
        self._quectel()
        link = self.links.get(int(args[0])) if args and args[0].isdigit() else None
        if link is None or not link.connected:
            raise AtError()
        if len(args) > 1 and args[1] == "0":
            return [f"+QISEND: {link.tcp.sent},{link.tcp.sent},0"]

        def sent(data: bytes) -> None:
            self._final("SEND OK" if link.tcp.send(data) else "SEND FAIL")

        if len(args) > 1:
            length = int(args[1])
            if not 1 <= length <= 1460:
                raise AtError()
            self._open_prompt("binary", sent, length)
        else:
            self._open_prompt("ctrlz", sent)
        return None

    def at_QIRD(self: EmulatedModem, op, args, cmd):
        self._quectel()
        link = self.links.get(int(args[0])) if args and args[0].isdigit() else None
        if link is None:
            raise AtError()
        want = int(args[1]) if len(args) > 1 and args[1] else self.profile.max_read
        if want == 0:
            return [f"+QIRD: {link.received},{link.read},{len(link.rx)}"]
        data = self._take(link, min(want, self.profile.max_read))
        if not data:
            return ["+QIRD: 0"]
        return [f"+QIRD: {len(data)}", data.decode("latin-1")]

    def at_QICLOSE(self: EmulatedModem, op, args, cmd):
        self._quectel()
        link = self.links.pop(int(args[0]), None) if args and args[0].isdigit() else None
        if link is not None:
            link.tcp.close()
        return []

    def at_QISTATE(self: EmulatedModem, op, args, cmd):
        self._quectel()
        out = []
        for link in sorted(self.links.values(), key=lambda l: l.link_id):
            if len(args) > 1 and args[0] == "1" and int(args[1]) != link.link_id:
                continue
            state = 3 if link.connected else 4
            out.append(f'+QISTATE: {link.link_id},"TCP","{link.tcp.remote[0]}",{link.tcp.remote[1]},{link.tcp.local_port},{state},{link.cid},0,{link.mode},"usbat"')
        return out

    def at_QIGETERROR(self: EmulatedModem, op, args, cmd):
        self._quectel()
        code = self.last_ip_error
        return [f"+QIGETERROR: {code},{QI_ERRORS.get(code, 'unknown error')}"]

    def _q_link_data(self: EmulatedModem, link: Link) -> None:
        if link.mode == 1:  # direct push: the bytes ride in the URC
            data = self._take(link, len(link.rx))
            self.urc(f'+QIURC: "recv",{link.link_id},{len(data)}\r\n' + data.decode("latin-1"))
        elif not link.notified:
            link.notified = True
            self.urc(f'+QIURC: "recv",{link.link_id}')
