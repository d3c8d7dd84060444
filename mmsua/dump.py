"""Decoded protocol objects as a readable, protocol-analyser style dump and as JSON.

Two views of the same objects: ``*_lines`` give indented lines for a terminal
(every piece of network text passes through :mod:`mmsua.textsafe`), ``*_json``
give plain dicts for ``--json`` (raw values; :func:`to_json` escapes everything
outside ASCII so nothing a stranger wrote can steer the terminal).

The JSON keys for an MMS PDU are a contract for scripts (see issue 3 and
docs): message_type, transaction_id, message_id, mms_version, from, to, cc,
subject, date, content_location, message_size, expiry, message_class, status,
response_status, retrieve_status, content_type, parts. Scalars appear only when
present; ``to``, ``cc`` and ``parts`` are always lists.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from mmsua.textsafe import clean_line, clean_text

# The SMS and push layers are imported where they are shown: `mmsua decode` of an MMS
# file then starts without them.
if TYPE_CHECKING:
    from mmsua.codec.push import PushPdu
    from mmsua.codec.reassembly import Datagram, Expired
    from mmsua.codec.sms import SmsDeliver, SmsStatusReport, SmsSubmit
    from mmsua.codec.udh import Udh

LABEL_WIDTH = 22
TEXT_PREVIEW_LINES = 40

# ----------------------------------------------------------------------------- helpers


def _sha256(data: bytes) -> str:
    import hashlib  # only where a body is shown: a notification needs none (and `decode` starts faster)

    return hashlib.sha256(data).hexdigest()


def _row(label: str, value: object, indent: str = "  ") -> str:
    return f"{indent}{label + ' ':.<{LABEL_WIDTH}} {value}"


def _header_label(name: str) -> str:
    """An application header's name as a label: the sender chose it, so it is
    sanitised, and a blank one (seen in real captures) is named as such."""
    return clean_line(name).strip() or "(unnamed header)"


def _header_value(value: object) -> str:
    if isinstance(value, bytes):
        return value.hex(" ") or "(empty)"
    return str(value) or "(empty)"


def _safe(value: object) -> str:
    return clean_line(str(value))


def iso_utc(when: datetime) -> str:
    """ISO 8601 in UTC with a Z (naive datetimes are taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _expiry(expiry: Any) -> str | None:
    """An Expiry as ISO 8601: a UTC time, or a duration ("PT72000S") when relative."""
    if expiry is None:
        return None
    if getattr(expiry, "absolute", None) is not None:
        return iso_utc(expiry.absolute)
    return f"PT{expiry.relative}S"


def _iso(when: datetime | None, sep: str = "T") -> str | None:
    """A decoded SMS time as ISO 8601 (its own offset kept), None when it was damaged."""
    return None if when is None else when.isoformat(sep)


def to_json(obj: dict[str, Any]) -> str:
    import json  # only for --json: `decode` starts faster without it

    return json.dumps(obj, indent=2, ensure_ascii=True)


# ----------------------------------------------------------------------------- MMS


def _media(ct: Any) -> str | None:
    return None if ct is None else ct.media_type


def _params(ct: Any) -> dict[str, str]:
    return {} if ct is None else dict(ct.params)


def part_json(part: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "content_type": part.content_type.media_type,
        "name": part.name,
        "content_id": part.content_id,
        "content_location": part.content_location,
        "charset": part.content_type.charset,
        "size": len(part.data),
        "sha256": _sha256(part.data),
    }
    if part.text is not None:
        out["text"] = part.text
    return out


def mms_json(pdu: Any) -> dict[str, Any]:
    """The issue-3 JSON object for an MmsPdu."""
    out: dict[str, Any] = {"message_type": pdu.message_type.spec_name}
    scalars = {
        "transaction_id": pdu.transaction_id,
        "message_id": pdu.message_id,
        "mms_version": pdu.mms_version,
        "from": None if pdu.sender is None else str(pdu.sender),
        "subject": pdu.subject,
        "date": None if pdu.date is None else iso_utc(pdu.date),
        "content_location": pdu.content_location,
        "message_size": pdu.message_size,
        "expiry": _expiry(pdu.expiry),
        "message_class": pdu.message_class,
        "status": pdu.status_name,
        "response_status": pdu.response_status_name,
        "retrieve_status": pdu.retrieve_status_name,
        "content_type": _media(pdu.content_type),
    }
    out.update({k: v for k, v in scalars.items() if v is not None})
    out["to"] = [str(a) for a in pdu.to]
    out["cc"] = [str(a) for a in pdu.cc]
    if pdu.content_type is not None and pdu.content_type.params:
        out["content_type_params"] = _params(pdu.content_type)
    out["parts"] = [part_json(p) for p in pdu.parts]
    return out


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("yes" if value else "no")


def mms_lines(pdu: Any) -> list[str]:
    from mmsua.codec.mms import pdu as mmspdu

    lines = [f"MMS {pdu.message_type.spec_name} (0x{int(pdu.message_type):02X})"]
    rows: list[tuple[str, object]] = [
        ("Transaction-ID", pdu.transaction_id),
        ("MMS-Version", pdu.mms_version),
        ("Message-ID", pdu.message_id),
        ("Date", None if pdu.date is None else iso_utc(pdu.date)),
        ("From", pdu.sender),
    ]
    rows += [("To", a) for a in pdu.to] + [("Cc", a) for a in pdu.cc] + [("Bcc", a) for a in pdu.bcc]
    rows += [
        ("Subject", pdu.subject),
        ("Message-Class", pdu.message_class),
        ("Priority", pdu.priority),
        ("Expiry", _expiry(pdu.expiry)),
        ("Delivery-Time", _expiry(pdu.delivery_time)),
        ("Delivery-Report", _flag(pdu.delivery_report)),
        ("Read-Report", _flag(pdu.read_report)),
        ("Report-Allowed", _flag(pdu.report_allowed)),
        ("Sender-Visibility", pdu.sender_visibility),
        ("Message-Size", None if pdu.message_size is None else f"{pdu.message_size} octets"),
        ("Content-Location", pdu.content_location),
        ("Status", None if pdu.status is None else
         f"{mmspdu.status_name(pdu.status)} (0x{pdu.status:02X}): {mmspdu.status_meaning(pdu.status)}"),
        ("Response-Status", None if pdu.response_status is None else
         f"{mmspdu.response_status_name(pdu.response_status)} (0x{pdu.response_status:02X}): "
         f"{mmspdu.response_status_meaning(pdu.response_status)}"),
        ("Response-Text", pdu.response_text),
        ("Retrieve-Status", None if pdu.retrieve_status is None else
         f"{mmspdu.retrieve_status_name(pdu.retrieve_status)} (0x{pdu.retrieve_status:02X}): "
         f"{mmspdu.retrieve_status_meaning(pdu.retrieve_status)}"),
        ("Retrieve-Text", pdu.retrieve_text),
        ("Read-Status", None if pdu.read_status is None else
         f"{mmspdu.read_status_name(pdu.read_status)} (0x{pdu.read_status:02X})"),
        ("Content-Type", pdu.content_type),
    ]
    rows += [(_header_label(h.name), _header_value(h.value)) for h in pdu.extra_headers]
    lines += [_row(label, _safe(value)) for label, value in rows if value is not None]
    if pdu.trailing:
        lines.append(_row("Trailing octets", pdu.trailing.hex(" ")))
    for i, part in enumerate(pdu.parts, 1):
        lines += part_lines(i, part)
    return lines


def part_lines(index: int, part: Any) -> list[str]:
    lines = [f"  Part {index}: {_safe(part.content_type)}, {len(part.data)} octets"]
    rows = [
        ("Name", part.name),
        ("Content-ID", part.content_id),
        ("Content-Location", part.content_location),
        ("SHA-256", _sha256(part.data)),
    ]
    lines += [_row(label, _safe(value), "    ") for label, value in rows if value is not None]
    text = part.text
    if text is not None:
        shown = clean_text(text).split("\n")
        lines.append("    Text:")
        lines += ["      | " + line for line in shown[:TEXT_PREVIEW_LINES]]
        if len(shown) > TEXT_PREVIEW_LINES:
            lines.append(f"      | … {len(shown) - TEXT_PREVIEW_LINES} more lines")
    return lines


# ----------------------------------------------------------------------------- WSP push


def push_json(push: PushPdu) -> dict[str, Any]:
    return {
        "transaction_id": push.transaction_id,
        "pdu_type": "push" if push.pdu_type == 0x06 else "confirmed-push",
        "content_type": push.content_type.media_type,
        "content_type_params": dict(push.content_type.params),
        "application_id": push.app_id_name,
        "headers": [{"name": h.name, "value": h.value.hex() if isinstance(h.value, bytes) else h.value}
                    for h in push.headers],
        "body_size": len(push.body),
        "body_sha256": _sha256(push.body),
        "notes": list(push.notes),
    }


def push_lines(push: PushPdu) -> list[str]:
    lines = ["WSP push"]
    rows: list[tuple[str, object]] = [
        ("TID", push.transaction_id),
        ("PDU type", "Push (0x06)" if push.pdu_type == 0x06 else f"ConfirmedPush (0x{push.pdu_type:02X})"),
        ("Content-Type", push.content_type),
        ("Application-Id", push.app_id_name),
    ]
    rows += [(h.name, h.value.hex(" ") if isinstance(h.value, bytes) else h.value) for h in push.headers
             if h.name != "X-Wap-Application-Id"]
    rows.append(("Body", f"{len(push.body)} octets"))
    lines += [_row(label, _safe(value)) for label, value in rows if value is not None]
    lines += [_row("Note", _safe(note)) for note in push.notes]
    if not push.is_mms:
        lines += hexdump(push.body, "    ")
    return lines


def hexdump(data: bytes, indent: str = "  ", limit: int = 512) -> list[str]:
    """Offset, hex and printable ASCII, 16 octets a line (at most ``limit`` octets shown)."""
    lines = []
    for off in range(0, min(len(data), limit), 16):
        chunk = data[off : off + 16]
        ascii_ = "".join(chr(b) if 0x20 <= b < 0x7F else "." for b in chunk)
        lines.append(f"{indent}{off:04x}  {chunk.hex(' '):<47}  {ascii_}")
    if len(data) > limit:
        lines.append(f"{indent}… {len(data) - limit} more octets")
    return lines


# ----------------------------------------------------------------------------- SMS


def _udh_json(udh: Udh | None) -> list[dict[str, Any]] | None:
    if udh is None:
        return None
    return [{"iei": ie.iei, "data": ie.data.hex()} for ie in udh.elements]


def _ie_meaning(iei: int, data: bytes) -> str:
    from mmsua.codec.gsm7_national import LANGUAGES
    from mmsua.codec.udh import (
        IEI_CONCAT_8,
        IEI_CONCAT_16,
        IEI_NATIONAL_LOCKING,
        IEI_NATIONAL_SINGLE,
        IEI_PORTS_8,
        IEI_PORTS_16,
    )

    if iei in (IEI_CONCAT_8, IEI_CONCAT_16):
        return "concatenation (16-bit reference)" if iei == IEI_CONCAT_16 else "concatenation (8-bit reference)"
    if iei in (IEI_PORTS_8, IEI_PORTS_16):
        return "application ports (16-bit)" if iei == IEI_PORTS_16 else "application ports (8-bit)"
    if iei in (IEI_NATIONAL_SINGLE, IEI_NATIONAL_LOCKING):
        kind = "single" if iei == IEI_NATIONAL_SINGLE else "locking"
        return f"national {kind} shift: {LANGUAGES.get(data[0], 'reserved') if len(data) == 1 else 'malformed'}"
    return "kept as it came"


def sms_json(sms: SmsDeliver | SmsStatusReport | SmsSubmit) -> dict[str, Any]:
    from mmsua.codec.sms import SmsDeliver, SmsStatusReport

    if isinstance(sms, SmsStatusReport):
        return {
            "type": "sms-status-report", "smsc": sms.smsc, "message_reference": sms.message_reference,
            "recipient": sms.recipient, "service_centre_time": _iso(sms.service_centre_time),
            "discharge_time": _iso(sms.discharge_time), "status": sms.status,
            "status_meaning": sms.status_meaning, "outcome": sms.outcome, "notes": list(sms.notes),
        }
    coding = sms.coding
    out: dict[str, Any] = {"type": "sms-deliver" if isinstance(sms, SmsDeliver) else "sms-submit", "smsc": sms.smsc}
    if isinstance(sms, SmsDeliver):
        out |= {"originator": sms.originator, "originator_toa": sms.originator_toa,
                "timestamp": _iso(sms.timestamp)}
    else:
        out |= {"destination": sms.destination, "destination_toa": sms.destination_toa,
                "message_reference": sms.message_reference}
    udh = sms.udh
    concat = udh.concat if udh else None
    ports = udh.ports if udh else None
    out |= {
        "pid": sms.pid, "dcs": sms.dcs,
        "coding": {"alphabet": coding.alphabet, "message_class": coding.message_class, "compressed": coding.compressed},
        "udh": _udh_json(udh),
        "ports": None if ports is None else {"destination": ports.destination, "source": ports.source, "bits": ports.bits},
        "concatenation": None if concat is None else {"reference": concat.reference, "total": concat.total,
                                                      "sequence": concat.sequence, "bits": concat.bits},
        "user_data_size": len(sms.user_data),
        "text": sms.text,
        "notes": list(sms.notes),
    }
    return out


def sms_lines(sms: SmsDeliver | SmsStatusReport | SmsSubmit, heading: str) -> list[str]:
    from mmsua.codec.sms import SmsDeliver, SmsStatusReport

    lines = [heading]
    if sms.smsc is not None:
        lines.append(_row("SMSC", _safe(sms.smsc)))
    if isinstance(sms, SmsStatusReport):
        lines += [
            _row("Type", "SMS-STATUS-REPORT"),
            _row("Message reference", sms.message_reference),
            _row("Recipient", f"{_safe(sms.recipient)} (TOA 0x{sms.recipient_toa:02X})"),
            _row("SC time stamp", _iso(sms.service_centre_time, " ") or "damaged (see note)"),
            _row("Discharge time", _iso(sms.discharge_time, " ") or "damaged (see note)"),
            _row("Status", f"0x{sms.status:02X} {sms.outcome}: {sms.status_meaning}"),
        ]
        return lines + [_row("Note", _safe(note)) for note in sms.notes]
    coding = sms.coding
    if isinstance(sms, SmsDeliver):
        lines += [
            _row("Type", "SMS-DELIVER" + (" (more messages waiting)" if sms.more_messages else "")
                 + (" (status report requested)" if sms.status_report_indication else "")),
            _row("Originator", f"{_safe(sms.originator)} (TOA 0x{sms.originator_toa:02X})"),
            _row("SC time stamp", _iso(sms.timestamp, " ") or "damaged (see note)"),
        ]
    else:
        lines += [
            _row("Type", "SMS-SUBMIT" + (" (status report requested)" if sms.status_report_request else "")),
            _row("Message reference", sms.message_reference),
            _row("Destination", f"{_safe(sms.destination)} (TOA 0x{sms.destination_toa:02X})"),
            _row("Validity", sms.validity if sms.validity is not None else "none"),
        ]
    cls = "no class" if coding.message_class is None else f"class {coding.message_class}"
    lines.append(_row("PID / DCS", f"0x{sms.pid:02X} / 0x{sms.dcs:02X} ({coding.alphabet}, {cls}"
                      + (", compressed" if coding.compressed else "") + ")"))
    if sms.udh is not None:
        for i, ie in enumerate(sms.udh.elements):
            value = f"IEI 0x{ie.iei:02X} [{ie.data.hex(' ')}] {_ie_meaning(ie.iei, ie.data)}"
            lines.append(_row("UDH", value) if i == 0 else f"  {'':<{LABEL_WIDTH}} {value}")
        if sms.udh.concat:
            c = sms.udh.concat
            lines.append(_row("Concatenation", f"reference {c.reference}, part {c.sequence} of {c.total}"))
        if sms.udh.ports:
            p = sms.udh.ports
            lines.append(_row("Ports", f"{p.destination} <- {p.source}"
                              + (" (WAP Push)" if p.destination == 2948 else "")))
    lines += [_row("Note", _safe(note)) for note in sms.notes]
    lines.append(_row("User data", f"{len(sms.user_data)} {'septets' if coding.alphabet == 'gsm7' else 'octets'}"))
    if sms.text is not None:
        lines += ["    | " + line for line in clean_text(sms.text).split("\n")]
    return lines


def datagram_lines(d: Datagram) -> list[str]:
    where = "no port" if d.destination_port is None else f"port {d.destination_port} <- {d.source_port}"
    return [f"Datagram from {_safe(d.originator)}: {where}, {len(d.segments)} segment(s), {len(d.data)} octets"]


def expired_json(e: Expired) -> dict[str, Any]:
    return {"originator": e.originator, "reference": e.reference, "total": e.total,
            "received": list(e.received), "missing": list(e.missing)}


def expired_lines(e: Expired) -> list[str]:
    return [f"Incomplete: {_safe(e.originator)} reference {e.reference}: have part(s) "
            f"{', '.join(map(str, e.received))} of {e.total}, missing {', '.join(map(str, e.missing))}"]
