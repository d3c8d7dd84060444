"""Plain-text views of API objects for the CLI; every network string goes through textsafe."""

from __future__ import annotations

from datetime import datetime
from typing import Any

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


def conversation_row(conv: dict[str, Any]) -> str:
    people = ", ".join(line(p, 40) for p in conv.get("participants") or []) or "(nobody)"
    unread = conv.get("unread") or 0
    mark = f"[{unread} new] " if unread else ""
    when = line(conv.get("last_date"), 25)
    return f"{conv.get('id'):>5}  {when:<25}  {mark}{line(people, 60)}  {line(conv.get('last_preview'), 60)}"


def message_row(msg: dict[str, Any]) -> str:
    arrow = "<-" if msg.get("direction") == "in" else "->"
    peer = msg.get("from") if msg.get("direction") == "in" else ", ".join(msg.get("to") or [])
    subject = f"[{line(msg.get('subject'), 40)}] " if msg.get("subject") else ""
    return (
        f"{msg.get('id'):>6}  {line(msg.get('date'), 25):<25}  {arrow} {line(peer, 40):<20}  "
        f"{line(msg.get('kind'))}/{line(msg.get('state')):<10}  {subject}{line(msg.get('text'), 60)}"
    )


def message_detail(msg: dict[str, Any]) -> str:
    out = [
        f"Message {msg.get('id')} ({line(msg.get('kind'))}, {'incoming' if msg.get('direction') == 'in' else 'outgoing'}, {line(msg.get('state'))})",
        f"From:    {line(msg.get('from'))}",
        f"To:      {', '.join(line(a) for a in msg.get('to') or [])}",
    ]
    if msg.get("cc"):
        out.append(f"Cc:      {', '.join(line(a) for a in msg['cc'])}")
    out.append(f"Date:    {line(msg.get('date'))}")
    if msg.get("subject"):
        out.append(f"Subject: {line(msg.get('subject'))}")
    if msg.get("state") in ("notified", "deferred") and msg.get("size") is not None:
        out.append(f"Size:    {size(msg.get('size'))} (not downloaded: `mmsua fetch {msg.get('id')}`)")
    if msg.get("expiry"):
        out.append(f"Expiry:  {line(msg.get('expiry'))}")
    if msg.get("error"):
        out.append(f"Error:   {line(msg.get('error'))}")
    for recipient in msg.get("recipients") or []:
        out.append(f"  {line(recipient.get('address'))}: {recipient_status(msg, recipient)} {line(recipient.get('updated'))}".rstrip())
    parts = msg.get("parts") or []
    if parts:
        out.append("Parts:")
        for part in parts:
            name = line(part.get("name")) or "(no name)"
            out.append(f"  {part.get('index')}: {line(part.get('content_type'))} {name} {size(part.get('size'))}")
    text = msg.get("text")
    if text:
        out.append("")
        out.append(clean_text(str(text)))
    return "\n".join(out)


def clock_time(when: Any) -> str:
    """An API time (ISO 8601 UTC) as local HH:MM, with the date when it is not today."""
    try:
        moment = datetime.fromisoformat(str(when).replace("Z", "+00:00")).astimezone()
    except ValueError:
        return line(when, 25)
    if moment.date() == datetime.now().astimezone().date():
        return moment.strftime("%H:%M")
    return moment.strftime("%Y-%m-%d %H:%M")


def problem(error: Any) -> str:
    """A status ``{reason, at}`` as " — reason at 20:31" ("" for none)."""
    if not isinstance(error, dict) or not error.get("reason"):
        return ""
    at = f" at {clock_time(error['at'])}" if error.get("at") else ""
    return f" \u2014 {line(error['reason'], 300)}{at}"


def recipient_status(msg: dict[str, Any], recipient: dict[str, Any]) -> str:
    """A recipient's status; "pending" on a sent message that asked no delivery report
    would be pending forever, so it says why nothing more will come."""
    status = line(recipient.get("status"))
    if status == "pending" and msg.get("state") == "sent" and msg.get("delivery_report_requested") is False:
        return "sent (no delivery report asked)"
    return status


def status_detail(status: dict[str, Any]) -> str:
    modem = status.get("modem") or {}
    modem_text = " ".join(line(modem.get(k)) for k in ("manufacturer", "model", "revision") if modem.get(k))
    if not modem_text:
        modem_text = "none" + problem(status.get("modem_error"))
    data_path = line(status.get("data_path"))
    if data_path == "error":
        why = problem(status.get("data_path_error"))
        if not why and not status.get("modem"):
            why = " \u2014 no modem (see Modem above)"
        data_path += why
    signal = status.get("signal")
    rows = [
        ("Modem", modem_text),
        ("Operator", line(status.get("operator")) or "-"),
        ("Registration", line(status.get("registration"))),
        ("Signal", f"{signal}%" if signal is not None else "-"),
        ("Data path", data_path),
        ("Own number", line(status.get("own_number")) or "-"),
        ("Largest MMS", f"{status['max_size'] // 1024} KB" if isinstance(status.get("max_size"), int) else "-"),
        ("Queued", line(status.get("queued"))),
        ("Pending notifications", line(status.get("pending_notifications"))),
        ("Daemon", line(status.get("daemon_version"))),
    ]
    return "\n".join(f"{name + ':':<23}{value}" for name, value in rows)
