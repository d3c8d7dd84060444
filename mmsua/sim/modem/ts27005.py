"""3GPP TS 27.005 (SMS in PDU mode): service, storage, indications, reading, sending,
acknowledgement. Delivery from the network is the modem's (ModemMachine.pump_inbound)."""

from __future__ import annotations

from mmsua.sim.modem.commands import CommandGroup, Reply, Request, int_arg
from mmsua.sim.modem.errors import cms
from mmsua.sim.modem.machine import ModemMachine
from mmsua.sim.modem.smspdu import tpdu_length
from mmsua.sim.modem.storage import REC_READ, REC_UNREAD, STO_SENT, STO_UNSENT, StoredSms

TS27005: CommandGroup[ModemMachine] = CommandGroup("TS 27.005")


# SMS set-up
@TS27005.command("+CMGF")
def message_format(m: ModemMachine, req: Request) -> Reply:
    if req.op == "?":
        return [f"+CMGF: {m.cmgf}"]
    if req.op == "=?":
        return ["+CMGF: (0,1)"]
    args = req.args
    if args and args[0] == "1":
        raise cms(303)  # text mode is not emulated; mmsua and MMS need PDU mode
    if args and args[0] not in ("", "0"):
        raise cms(302)
    m.cmgf = 0
    return []


@TS27005.command("+CSMS")
def message_service(m: ModemMachine, req: Request) -> Reply:
    if req.op == "?":
        return [f"+CSMS: {m.csms},1,1,1"]
    if req.op == "=?":
        return [f"+CSMS: {m.profile.csms_services}"]
    if req.op == "=" and req.args and req.args[0] in ("0", "1"):
        m.csms = int(req.args[0])
        return ["+CSMS: 1,1,1"]
    raise cms(302)


@TS27005.command("+CPMS", sms=True)
def preferred_storage(m: ModemMachine, req: Request) -> Reply:
    lists = m.profile.storages
    if req.op == "=?":
        return ["+CPMS: " + ",".join("(" + ",".join(f'"{mem}"' for mem in group) + ")" for group in lists)]
    if req.op == "?":
        parts = [f'"{mem}",{m.storage(mem).used},{m.storage(mem).capacity}' for mem in m.cpms]
        return ["+CPMS: " + ",".join(parts)]
    args = req.args
    if req.op != "=" or not args or len(args) > 3:
        raise cms(302)
    chosen = list(m.cpms)
    for i, mem in enumerate(args):
        if mem.upper() not in lists[i]:
            raise cms(302)
        chosen[i] = mem.upper()
    m.cpms = chosen
    m.later(0.0, m.pump_inbound)
    return ["+CPMS: " + ",".join(f"{m.storage(mem).used},{m.storage(mem).capacity}" for mem in chosen)]


@TS27005.command("+CNMI")
def new_message_indications(m: ModemMachine, req: Request) -> Reply:
    if req.op == "?":
        return ["+CNMI: " + ",".join(map(str, m.cnmi))]
    if req.op == "=?":
        return ["+CNMI: " + m.profile.cnmi_test]
    allowed = _expand_lists(m.profile.cnmi_test)
    values = list(m.cnmi)
    for i, text in enumerate(req.args[:5]):
        if text == "":
            continue
        if not text.isdigit() or int(text) not in allowed[i]:
            raise cms(303)
        values[i] = int(text)
    m.cnmi = values
    if values[0] > 0 and m.cnmi_buffered:
        m.release_cnmi_buffer(show=values[4] == 0)
    m.later(0.0, m.pump_inbound)
    return []


@TS27005.command("+CSCA")
def service_centre(m: ModemMachine, req: Request) -> Reply:
    if req.op == "?":
        return ['+CSCA: "+15550000000",145']
    return []


@TS27005.command("+CSMP")
def text_parameters(m: ModemMachine, req: Request) -> Reply:
    return ["+CSMP: 17,167,0,0"] if req.op == "?" else []


# SMS storage access
@TS27005.command("+CMGR", sms=True)
def read_message(m: ModemMachine, req: Request) -> Reply:
    if req.op == "=?":
        return []
    index = int_arg(req.args, 0)
    store = m.storage(m.cpms[0])
    try:
        sms = store.get(index)
    except KeyError:
        raise cms(321) from None
    if sms is None:
        if m.profile.empty_slot_ok:
            return []
        raise cms(321)
    stat = sms.stat
    if sms.stat == REC_UNREAD:
        sms.stat = REC_READ
    return [f"+CMGR: {stat},{m.profile.cmt_alpha},{tpdu_length(sms.pdu)}", sms.pdu.hex().upper()]


@TS27005.command("+CMGL", sms=True)
def list_messages(m: ModemMachine, req: Request) -> Reply:
    if req.op == "=?":
        return ["+CMGL: (0-4)"]
    want = int_arg(req.args, 0) if req.args else 0
    if want not in range(5):
        raise cms(302)
    lines: list[str] = []
    for index, sms in m.storage(m.cpms[0]).items():
        if want == 4 or sms.stat == want:
            lines.append(f"+CMGL: {index},{sms.stat},{m.profile.cmt_alpha},{tpdu_length(sms.pdu)}")
            lines.append(sms.pdu.hex().upper())
            if sms.stat == REC_UNREAD:
                sms.stat = REC_READ
    return lines


@TS27005.command("+CMGD", sms=True)
def delete_message(m: ModemMachine, req: Request) -> Reply:
    store = m.storage(m.cpms[0])
    if req.op == "=?":
        return [f"+CMGD: ({','.join(str(i) for i, _ in store.items())}),(0-4)"]
    args = req.args
    index, flag = int_arg(args, 0), (int_arg(args, 1) if len(args) > 1 and args[1] else 0)
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
    m.later(0.0, m.pump_inbound)  # the network retries what did not fit
    return []


# sending
@TS27005.command("+CMGS", sms=True)
def send_message(m: ModemMachine, req: Request) -> Reply:
    if req.op == "=?":
        return []
    length = int_arg(req.args, 0)

    def sent(text: bytes) -> None:
        tpdu = _tpdu_from_prompt(text, length)
        mr = m.submit(tpdu)
        m.emit_info([f"+CMGS: {mr}"])
        m.final("OK")

    m.open_prompt("pdu", sent)
    return None


@TS27005.command("+CMGW", sms=True)
def write_message(m: ModemMachine, req: Request) -> Reply:
    args = req.args
    length = int_arg(args, 0)
    stat = int_arg(args, 1) if len(args) > 1 and args[1] else STO_UNSENT

    def written(text: bytes) -> None:
        _tpdu_from_prompt(text, length)
        pdu = bytes.fromhex(text.decode("latin-1").strip())
        index = m.storage(m.cpms[1]).put(StoredSms(stat, pdu))
        if index is None:
            raise cms(322)
        m.emit_info([f"+CMGW: {index}"])
        m.final("OK")

    m.open_prompt("pdu", written)
    return None


@TS27005.command("+CMSS", sms=True)
def send_from_storage(m: ModemMachine, req: Request) -> Reply:
    try:
        sms = m.storage(m.cpms[1]).get(int_arg(req.args, 0))
    except KeyError:
        raise cms(321) from None
    if sms is None:
        raise cms(321)
    mr = m.submit(sms.pdu[sms.pdu[0] + 1 :])
    sms.stat = STO_SENT
    return [f"+CMSS: {mr}"]


# acknowledgement
@TS27005.command("+CNMA", sms=True)
def acknowledge(m: ModemMachine, req: Request) -> Reply:
    if req.op == "=?":
        return ["+CNMA: (0-2)"]
    if m.csms != 1 or not m.awaiting_ack:
        raise cms(340)
    args = req.args
    n = int_arg(args, 0) if args and args[0] else 0
    if len(args) > 1 and args[1]:  # an RP-ACK/RP-ERROR TPDU follows the prompt

        def acked(_text: bytes) -> None:
            m.ack(positive=n != 2)
            m.final("OK")

        m.open_prompt("pdu", acked)
        return None
    m.ack(positive=n != 2)
    return []


def _tpdu_from_prompt(text: bytes, length: int) -> bytes:
    """The TPDU of a PDU typed at the prompt, whose <length> the command gave (27.005 3.5.1)."""
    try:
        pdu = bytes.fromhex(text.decode("latin-1").strip())
    except ValueError:
        raise cms(304) from None
    if not pdu or tpdu_length(pdu) != length:
        raise cms(304)
    return pdu[pdu[0] + 1 :]


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
