"""Plain-text views of API objects for the CLI; every network string goes through textsafe."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mmsua.api.shapes import SINGLE_MODEM, Conversation, Failure, Message, ModemStatus, RecipientStatus, Status
from mmsua.textsafe import clean_line, clean_text


def line(value: Any, limit: int | None = None) -> str:
    return clean_line("" if value is None else str(value), limit=limit)


def size(n: Any) -> str:
    if not isinstance(n, int):
        return "?"
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n / 1024 / 1024:.1f} MB"


def person(address: str | None, name: str | None) -> str:
    """"Ann Example (+447700900123)" when the contacts name the address, else the address."""
    return f"{line(name, 40)} ({line(address, 40)})" if name else line(address, 40)


def conversation_row(conv: Conversation) -> str:
    names = conv.names if len(conv.names) == len(conv.participants) else ("",) * len(conv.participants)
    people = ", ".join(line(n, 40) or line(p, 40) for p, n in zip(conv.participants, names, strict=True)) or "(nobody)"
    mark = ("[blocked] " if conv.blocked else "") + ("[muted] " if conv.muted else "") + (f"[{conv.unread} new] " if conv.unread else "")
    when = line(conv.last_date, 25)
    return f"{conv.id:>5}  {when:<25}  {mark}{line(people, 60)}  {line(conv.last_preview, 60)}"


def message_row(msg: Message) -> str:
    arrow = "<-" if msg.direction == "in" else "->"
    peer = (msg.sender_name or msg.sender) if msg.direction == "in" else ", ".join(msg.to)
    subject = f"[{line(msg.subject, 40)}] " if msg.subject else ""
    return (
        f"{msg.id:>6}  {line(msg.date, 25):<25}  {arrow} {line(peer, 40):<20}  "
        f"{line(msg.kind)}/{line(msg.state.value):<10}  {subject}{line(msg.text, 60)}"
    )


def message_detail(msg: Message) -> str:
    out = [
        f"Message {msg.id} ({line(msg.kind)}, {'incoming' if msg.direction == 'in' else 'outgoing'}, {line(msg.state.value)})",
        f"From:    {person(msg.sender, msg.sender_name)}" + ("  [blocked]" if msg.blocked else ""),
        f"To:      {', '.join(line(a) for a in msg.to)}",
    ]
    if msg.cc:
        out.append(f"Cc:      {', '.join(line(a) for a in msg.cc)}")
    out.append(f"Date:    {line(msg.date)}")
    if msg.subject:
        out.append(f"Subject: {line(msg.subject)}")
    if msg.modem and msg.modem != SINGLE_MODEM:  # a daemon with several modems names them
        out.append(f"Modem:   {line(msg.modem)}")
    if msg.state in ("notified", "deferred") and msg.size is not None:
        out.append(f"Size:    {size(msg.size)} (not downloaded: `mmsua fetch {msg.id}`)")
    if msg.expiry:
        out.append(f"Expiry:  {line(msg.expiry)}")
    if msg.error:
        out.append(f"Error:   {line(msg.error)}")
    for recipient in msg.recipients:
        out.append(f"  {line(recipient.address)}: {recipient_status(msg, recipient)} {line(recipient.updated)}".rstrip())
    if msg.parts:
        out.append("Parts:")
        for part in msg.parts:
            name = line(part.name) or "(no name)"
            out.append(f"  {part.index}: {line(part.content_type)} {name} {size(part.size)}")
    if msg.text:
        out.append("")
        out.append(clean_text(msg.text))
    return "\n".join(out)


def clock_time(when: str | None) -> str:
    """An API time (ISO 8601 UTC) as local HH:MM, with the date when it is not today."""
    try:
        moment = datetime.fromisoformat(str(when).replace("Z", "+00:00")).astimezone()
    except ValueError:
        return line(when, 25)
    if moment.date() == datetime.now().astimezone().date():
        return moment.strftime("%H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


def problem(error: Failure | None) -> str:
    """A status ``{reason, at}`` as " — reason at 20:31" ("" for none)."""
    if error is None or not error.reason:
        return ""
    at = f" at {clock_time(error.at)}" if error.at else ""
    return f" \u2014 {line(error.reason, 300)}{at}"


def recipient_status(msg: Message, recipient: RecipientStatus) -> str:
    """A recipient's status; "pending" on a sent message that asked no delivery report
    would be pending forever, so it says why nothing more will come."""
    status = line(recipient.status.value)
    if status == "pending" and msg.state == "sent" and msg.delivery_report_requested is False:
        return "sent (no delivery report asked)"
    return status


def status_detail(status: Status) -> str:
    """The daemon's status; with several modems, a block for each, then what they share."""
    if len(status.modems) > 1:
        blocks = [f"Modem {line(m.name)}:\n" + _rows([(name, value) for name, value in _modem_rows(m)], indent="  ")
                  for m in status.modems]
        shared = [("Queued", line(status.queued)), ("Pending notifications", line(status.pending_notifications)),
                  ("Daemon", line(status.daemon_version))]
        return "\n\n".join([*blocks, _rows(shared)])
    rows = [
        *_modem_rows(status),
        ("Queued", line(status.queued)),
        ("Pending notifications", line(status.pending_notifications)),
        ("Daemon", line(status.daemon_version)),
    ]
    return _rows(rows)


def _modem_rows(status: Status | ModemStatus) -> list[tuple[str, str]]:
    modem = status.modem
    modem_text = " ".join(line(v) for v in (modem.manufacturer, modem.model, modem.revision) if v) if modem else ""
    if not modem_text:
        modem_text = "none" + problem(status.modem_error)
    data_path = line(status.data_path)
    if data_path == "error":
        why = problem(status.data_path_error)
        if not why and not status.modem:
            why = " \u2014 no modem (see Modem above)"
        data_path += why
    return [
        ("Modem", modem_text),
        ("Operator", line(status.operator) or "-"),
        ("Registration", line(status.registration)),
        ("Signal", f"{status.signal}%" if status.signal is not None else "-"),
        ("Data path", data_path),
        ("Own number", line(status.own_number) or "-"),
        ("Largest MMS", f"{status.max_size // 1024} KB" if status.max_size is not None else "-"),
        ("Carrier rules", line(status.carrier) or "none (Android's defaults)"),
    ]


def _rows(rows: list[tuple[str, str]], indent: str = "") -> str:
    width = 23 - len(indent)
    return "\n".join(f"{indent}{name + ':':<{width}}{value}" for name, value in rows)
