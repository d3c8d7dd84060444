"""`mmsua decode` and `mmsua demo`: recognition of MMS / SMS hex / WSP push input,
the readable dump, the JSON keys scripts rely on, and exit statuses."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmsua.cli.decode import analyse, as_json, as_lines
from mmsua.cli.main import main
from mmsua.codec.errors import PduError
from mmsua.codec.mms import Address, Expiry, MessageType, MmsPdu, Part, encode_mms
from mmsua.codec.push import MMS_CONTENT_TYPE, encode_push
from mmsua.codec.sms import encode_deliver, tpdu_length, wap_push_sms
from mmsua.codec.wsp import ContentType

TS = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)
NOTIFICATION = MmsPdu(
    message_type=MessageType.M_NOTIFICATION_IND, transaction_id="T-1", mms_version="1.2",
    sender=Address.phone("+447700900123"), subject="Hi\x1b[31m there\u202e", message_class="personal",
    message_size=1234, expiry=Expiry.after(3600), content_location="http://mmsc.example/x/" + "a" * 120,
)
RETRIEVE = MmsPdu(
    message_type=MessageType.M_RETRIEVE_CONF, transaction_id="R-1", mms_version="1.2", message_id="mid-1",
    date=TS, sender=Address.phone("+15550001"), to=(Address.phone("+15550002"),), subject="Photos",
    content_type=ContentType.of("application/vnd.wap.multipart.related", start="<t>", type="text/plain"),
    parts=(Part.make("Grüße".encode(), "text/plain", charset="utf-8", content_id="<t>", content_location="t.txt"),
           Part.make(b"\xff\xd8\xff\xe0jpeg", "image/jpeg", name="a.jpg", content_id="<a>")),
)


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _sms_file(tmp_path: Path, push: bytes) -> Path:
    pdus = wap_push_sms("+447700900555", push, reference=7, timestamp=TS, smsc="+447700900000")
    text = "".join(f"+CMT: ,{tpdu_length(p)}\r\n{p.hex()}\r\n" for p in reversed(pdus))  # out of order, lower case
    path = tmp_path / "cmt.txt"
    path.write_text(text)
    return path


def test_mms_file_dump_and_json(tmp_path: Path, capsys) -> None:
    path = tmp_path / "r.mms"
    path.write_bytes(encode_mms(RETRIEVE))
    code, out, _ = _run(capsys, "decode", str(path))
    assert code == 0
    assert "m-retrieve-conf" in out and "Photos" in out and "Grüße" in out and "image/jpeg" in out
    code, out, _ = _run(capsys, "decode", "--json", str(path))
    obj = json.loads(out)
    assert code == 0
    assert obj["message_type"] == "m-retrieve-conf" and obj["mms_version"] == "1.2"
    assert obj["from"] == "+15550001/TYPE=PLMN" and obj["to"] == ["+15550002/TYPE=PLMN"] and obj["cc"] == []
    assert obj["date"] == "2024-05-01T12:00:00Z" and obj["message_id"] == "mid-1"
    assert obj["content_type"] == "application/vnd.wap.multipart.related"
    text, image = obj["parts"]
    assert text["text"] == "Grüße" and text["charset"] == "utf-8" and text["size"] == len("Grüße".encode())
    assert image["name"] == "a.jpg" and image["sha256"] == __import__("hashlib").sha256(b"\xff\xd8\xff\xe0jpeg").hexdigest()
    assert "text" not in image


def test_sms_hex_lines_are_joined_and_decoded_down_to_mms(tmp_path: Path, capsys) -> None:
    push = encode_push(MMS_CONTENT_TYPE, encode_mms(NOTIFICATION), transaction_id=3)
    path = _sms_file(tmp_path, push)
    code, out, err = _run(capsys, "decode", str(path))
    assert code == 0, err
    assert "reference 7, part 1 of 2" in out and "m-notification-ind" in out and "T-1" in out
    assert "\x1b" not in out and "\u202e" not in out  # network text is sanitised in the dump
    code, out, _ = _run(capsys, "decode", "--json", str(path))
    obj = json.loads(out)
    assert [s["concatenation"]["sequence"] for s in obj["sms"]] == [2, 1]
    assert obj["sms"][0]["originator"] == "+447700900555" and obj["sms"][0]["ports"]["destination"] == 2948
    assert obj["push"]["transaction_id"] == 3 and obj["push"]["content_type"] == MMS_CONTENT_TYPE
    assert obj["mms"]["message_type"] == "m-notification-ind" and obj["mms"]["expiry"] == "PT3600S"
    assert obj["mms"]["subject"] == NOTIFICATION.subject  # JSON keeps the raw value, ASCII-escaped
    assert "\x1b" not in out


def test_raw_wsp_push_from_stdin(monkeypatch, capsys) -> None:
    import io
    import sys

    push = encode_push(MMS_CONTENT_TYPE, encode_mms(NOTIFICATION), transaction_id=9)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(push)))
    code, out, _ = _run(capsys, "decode", "--json", "-")
    obj = json.loads(out)
    assert code == 0 and obj["push"]["transaction_id"] == 9 and obj["mms"]["transaction_id"] == "T-1"


def test_incomplete_set_is_shown_not_lost(tmp_path: Path, capsys) -> None:
    push = encode_push(MMS_CONTENT_TYPE, encode_mms(NOTIFICATION))
    first = wap_push_sms("+447700900555", push, reference=7, timestamp=TS)[0]
    path = tmp_path / "one.txt"
    path.write_text(first.hex() + "\n")
    code, out, _ = _run(capsys, "decode", str(path))
    assert code == 0 and "missing 2" in out
    code, out, _ = _run(capsys, "decode", "--json", str(path))
    assert json.loads(out)["incomplete"] == [{"originator": "+447700900555", "reference": 7, "total": 2,
                                               "received": [1], "missing": [2]}]


def test_plain_text_sms(tmp_path: Path, capsys) -> None:
    path = tmp_path / "t.txt"
    path.write_text(encode_deliver("+15550001", text="Hello there", dcs=0x00, timestamp=TS).hex())
    code, out, _ = _run(capsys, "decode", "--json", str(path))
    obj = json.loads(out)
    assert code == 0 and obj["sms"][0]["text"] == "Hello there" and "mms" not in obj


@pytest.mark.parametrize(
    ("content", "where", "offset"),
    [
        (b"0791447700090000440C9144770009505500046211527124034000\n", "line 1", None),
        (b"hello, not hex\n", "SMS input", 0),
        (b"\x8c\x84\x98", "MMS PDU", None),
        (b"\x01\x06\x00", "WSP push", None),
    ],
)
def test_pdu_errors_exit_1_with_offset(tmp_path: Path, capsys, content: bytes, where: str, offset) -> None:
    path = tmp_path / "bad"
    path.write_bytes(content)
    code, _, err = _run(capsys, "decode", str(path))
    assert code == 1
    assert where in err and "at offset" in err
    code, out, _ = _run(capsys, "decode", "--json", str(path))
    error = json.loads(out)["error"]
    assert code == 1 and error["reason"] and isinstance(error["offset"], int)
    if offset is not None:
        assert error["offset"] == offset


def test_usage_errors_exit_2(tmp_path: Path, capsys) -> None:
    assert _run(capsys, "decode", str(tmp_path / "missing"))[0] == 2
    with pytest.raises(SystemExit) as exit_:
        main(["decode"])
    assert exit_.value.code == 2


def test_demo_decodes_its_own_two_segment_push(capsys) -> None:
    code, out, _ = _run(capsys, "demo", "--codec")
    assert code == 0
    assert "codec demo" in out and out.count("+CMT: ,") == 2
    assert "part 2 of 2" in out and "m-notification-ind" in out and "Content-Location" in out
    code, out, _ = _run(capsys, "demo", "--codec", "--json")
    obj = json.loads(out)
    assert obj["demo"] == "codec" and len(obj["sms"]) == 2 and obj["mms"]["message_type"] == "m-notification-ind"


@given(st.one_of(st.binary(max_size=300), st.text(alphabet="0123456789ABCDEF\n+CMT:, ", max_size=300).map(str.encode),
                 st.binary(max_size=200).map(lambda b: b"\x8c" + b)))
def test_any_input_decodes_or_reports_a_pdu_error(data: bytes) -> None:
    result = analyse(data)
    assert result.error is None or isinstance(result.error, PduError)
    as_lines(result)
    as_json(result)


ISSUE_KEYS = {"message_type", "transaction_id", "message_id", "mms_version", "from", "to", "cc", "subject", "date",
              "content_location", "message_size", "expiry", "message_class", "status", "response_status",
              "retrieve_status", "content_type", "parts"}
PART_KEYS = {"content_type", "name", "content_id", "content_location", "charset", "size", "sha256"}


@pytest.mark.parametrize(
    ("pdu", "present"),
    [
        (NOTIFICATION, {"message_type": "m-notification-ind", "transaction_id": "T-1", "mms_version": "1.2",
                        "from": "+447700900123/TYPE=PLMN", "message_class": "personal", "message_size": 1234,
                        "expiry": "PT3600S", "content_location": NOTIFICATION.content_location}),
        (MmsPdu(MessageType.M_SEND_CONF, transaction_id="S-1", mms_version="1.2", response_status=0xE3, message_id="m"),
         {"message_type": "m-send-conf", "response_status": "error-permanent-sending-address-unresolved",
          "message_id": "m"}),
        (MmsPdu(MessageType.M_RETRIEVE_CONF, mms_version="1.3", date=TS, retrieve_status=0xC1, cc=(Address.email("a@b.c"),),
                expiry=Expiry.at(TS)),
         {"message_type": "m-retrieve-conf", "retrieve_status": "error-transient-message-not-found",
          "cc": ["a@b.c"], "expiry": "2024-05-01T12:00:00Z", "date": "2024-05-01T12:00:00Z"}),
        (MmsPdu(MessageType.M_DELIVERY_IND, mms_version="1.2", message_id="m", to=(Address.phone("+1555"),), date=TS,
                status=0x82), {"message_type": "m-delivery-ind", "status": "rejected", "to": ["+1555/TYPE=PLMN"]}),
    ],
)
def test_json_keys_are_the_issue_list(tmp_path: Path, capsys, pdu: MmsPdu, present: dict) -> None:
    path = tmp_path / "p.mms"
    path.write_bytes(encode_mms(pdu, strict=False))
    code, out, _ = _run(capsys, "decode", "--json", str(path))
    obj = json.loads(out)
    assert code == 0
    assert set(obj) - {"content_type_params"} <= ISSUE_KEYS  # nothing else, so scripts can rely on the names
    assert {"message_type", "to", "cc", "parts"} <= set(obj)  # always there; lists even when empty
    for key, value in present.items():
        assert obj[key] == value, key
    assert not any(v is None for v in obj.values())  # scalars appear only when present


def test_json_part_keys(tmp_path: Path, capsys) -> None:
    path = tmp_path / "r.mms"
    path.write_bytes(encode_mms(RETRIEVE))
    _, out, _ = _run(capsys, "decode", "--json", str(path))
    text, image = json.loads(out)["parts"]
    assert set(text) == PART_KEYS | {"text"} and set(image) == PART_KEYS
    assert (text["content_id"], text["content_location"], image["content_id"]) == ("<t>", "t.txt", "<a>")


def test_damaged_time_stamp_is_a_note_not_a_failure(tmp_path: Path, capsys) -> None:
    push = encode_push(MMS_CONTENT_TYPE, encode_mms(NOTIFICATION), transaction_id=3)
    pdus = wap_push_sms("+447700900555", push, reference=7, timestamp=TS)
    at = 12  # SMSC 0x00, first octet, 8 octets of originator, PID, DCS: then the time stamp
    damaged = [p[:at] + b"\xff" * 7 + p[at + 7:] for p in pdus]
    path = tmp_path / "cmt.txt"
    path.write_text("".join(p.hex() + "\n" for p in damaged))
    code, out, _ = _run(capsys, "decode", str(path))
    assert code == 0 and "damaged (see note)" in out and "m-notification-ind" in out
    code, out, _ = _run(capsys, "decode", "--json", str(path))
    obj = json.loads(out)
    assert obj["sms"][0]["timestamp"] is None and "time stamp" in obj["sms"][0]["notes"][0]
    assert obj["mms"]["transaction_id"] == "T-1"
