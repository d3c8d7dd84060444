"""Every sms/ capture in ../shared/corpus decodes with the facts MANIFEST.tsv states,
and the real AT+CMGR transcripts (wrong stated length, DCS 0x06/0xF5) decode too."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from mmsua.cli.decode import analyse, modem_lines
from mmsua.codec.push import decode_push
from mmsua.codec.reassembly import PushReassembler
from mmsua.codec.sms import Ports, SmsDeliver, decode_sms

pytestmark = pytest.mark.corpus

PORTS = Ports(2948, 9200, 16)

# Facts per file, restated from MANIFEST.tsv ("asserted" and "observed" parts).
EXPECTED = {
    "sms/pm-uk-mms-notification-a.sms.hex": dict(
        smsc="+447785016005", originator="88850100000018", toa=0x80, dcs=0x04, tpdu_lengths=(160, 88),
        concat=[(40846, 2, 1, 16), (40846, 2, 2, 16)],
        mms=dict(message_type="m-notification-ind", transaction_id="NOK5CiKcoTMYSG4MBSwAAsKv14FUHAAAAAAAA",
                 mms_version="1.0", sender="+447785342749/TYPE=PLMN", message_class="personal", message_size=29696,
                 expiry=72000, content_location="http://promms/servlets/NOK5CiKcoTMYSG4MBSwAAsKv14FUHAAAAAAAA")),
    "sms/pm-uk-mms-notification-b.sms.hex": dict(
        smsc="+447785016005", originator="88850100000008", toa=0x80,
        concat=[(57299, 2, 1, 16), (57299, 2, 2, 16)],
        mms=dict(message_type="m-notification-ind", transaction_id="NOK5A1ZdFTMYSG4O3VQAAsJv94GoNAAAAAAAA",
                 mms_version="1.0", sender="+447717275049/TYPE=PLMN", message_class="personal", message_size=29696,
                 expiry=259199, content_location="http://promms/servlets/NOK5A1ZdFTMYSG4O3VQAAsJv94GoNAAAAAAAA")),
    "sms/pm-de-vodafone-si-push.sms.hex": dict(
        smsc="+491722270541", originator="004917222911", pid=0x05, dcs=0xF5,
        concat=[(150, 2, 1, 8), (150, 2, 2, 8)],
        push_type="application/vnd.wap.sic", body_has=(b"Vodafone", b"wap.meincallya.de")),
    "sms/ofono-de-mms-notification-single.sms.hex": dict(
        smsc="+491722270541", originator="0", toa=0x85, pid=0x39, dcs=0xF5, tpdu_lengths=(128,), concat=[None],
        push_tid=1,
        mms=dict(message_type="m-notification-ind", transaction_id="OgQKKB", mms_version="1.0", sender="Erotik",
                 subject="Pin-Ups", message_class="personal", message_size=16384,
                 content_location="http://eps3.de/O/Z9IZO", expiry=259200)),
    "sms/gammu-at-sms-33-fr-labmctel.sms.hex": dict(
        smsc="+33700065030", originator="33707520030", toa=0xA1, dcs=0x06, tpdu_lengths=(125,), stated=29,
        concat=[None], push_tid=4,
        mms=dict(message_type="m-notification-ind", transaction_id="1277970059", mms_version="1.2",
                 content_location="http://mmsc.labmctel.fr:9090/m33", expiry=3000)),
    "sms/gammu-at-sms-40-issue300.sms.hex": dict(
        smsc="+32475161616", dcs=0xF5, tpdu_lengths=(153,), stated=153, concat=[None], push_tid=0x4F,
        mms=dict(message_type="m-notification-ind", transaction_id="81460494@mms1", mms_version="1.2",
                 sender="+33333493211/TYPE=PLMN", subject="", message_size=96857,
                 content_location="http://mts/?id=81460494")),
}


def _rows(shared: Path) -> dict[str, dict[str, str]]:
    with open(shared / "corpus" / "MANIFEST.tsv", newline="", encoding="utf-8") as f:
        return {row["file"]: row for row in csv.DictReader(f, delimiter="\t") if row["file"].startswith("sms/")}


def test_every_manifest_sms_row_is_covered(shared_dir: Path) -> None:
    rows = _rows(shared_dir)
    assert rows, "MANIFEST.tsv lists no sms/ captures"
    assert set(rows) == set(EXPECTED)


def _check_mms(pdu, facts: dict) -> None:
    assert pdu.message_type.spec_name == facts["message_type"]
    for name in ("transaction_id", "mms_version", "subject", "message_class", "message_size", "content_location"):
        if name in facts:
            assert getattr(pdu, name) == facts[name], name
    if "sender" in facts:
        assert str(pdu.sender) == facts["sender"]
    if "expiry" in facts:
        assert pdu.expiry.relative == facts["expiry"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_capture_decodes_with_manifest_facts(shared_dir: Path, name: str) -> None:
    facts = EXPECTED[name]
    lines = (shared_dir / "corpus" / name).read_text().split()
    stated = facts.get("stated")
    segments = [decode_sms(line, tpdu_length=stated) for line in lines]
    assert all(isinstance(s, SmsDeliver) for s in segments)
    for _line, sms in zip(lines, segments, strict=False):
        assert sms.smsc == facts["smsc"]
        assert sms.ports == PORTS
        if "originator" in facts:
            assert sms.originator == facts["originator"]
        if "toa" in facts:
            assert sms.originator_toa == facts["toa"]
        if "dcs" in facts:
            assert sms.dcs == facts["dcs"] and sms.text is None
        if "pid" in facts:
            assert sms.pid == facts["pid"]
    if "tpdu_lengths" in facts:
        assert tuple(len(l) // 2 - 1 - int(l[:2], 16) for l in lines) == facts["tpdu_lengths"]
        # The length a correct +CMT header would give frames the PDU the same way.
        assert [decode_sms(l, tpdu_length=n) for l, n in zip(lines, facts["tpdu_lengths"], strict=False)] == segments
    got = [None if s.concat is None else (s.concat.reference, s.concat.total, s.concat.sequence, s.concat.bits)
           for s in segments]
    assert got == facts["concat"]
    # Reassemble in reverse order: order of arrival must not matter.
    r = PushReassembler()
    results = [r.feed(s, now=float(i)) for i, s in enumerate(reversed(segments))]
    datagram = results[-1]
    assert datagram is not None and all(d is None for d in results[:-1])
    assert datagram.destination_port == 2948
    push = decode_push(datagram.data)
    if "push_tid" in facts:
        assert push.transaction_id == facts["push_tid"]
    if "push_type" in facts:
        assert push.content_type.media_type == facts["push_type"] and not push.is_mms
        assert all(s in push.body for s in facts["body_has"])
    if "mms" in facts:
        from mmsua.codec.mms import decode_mms

        assert push.is_mms
        _check_mms(decode_mms(push.body), facts["mms"])


def test_whole_files_go_through_the_decode_analysis(shared_dir: Path) -> None:
    for name, facts in EXPECTED.items():
        result = analyse((shared_dir / "corpus" / name).read_bytes())
        assert result.error is None, (name, result.error)
        assert result.kind == "sms" and len(result.datagrams) == 1 and not result.incomplete
        assert len(result.mms) == (1 if "mms" in facts else 0)


@pytest.mark.parametrize("suffix", ["dcs-06-bad-length_gammu-tests-at-sms-33", "dcs-f5_gammu-tests-at-sms-40"])
def test_real_cmgr_transcripts(shared_dir: Path, suffix: str) -> None:
    path = shared_dir / "hw_transcripts" / f"unknown-modem_cmgr-wap-push-mms-notification-{suffix}.txt"
    text = path.read_text()
    (segment,) = modem_lines(text)
    assert segment.stated_length == (29 if "33" in suffix else 153)
    sms = decode_sms(segment.hex, tpdu_length=segment.stated_length)
    assert sms.ports == PORTS and sms.dcs == (0x06 if "33" in suffix else 0xF5)
    result = analyse(text.encode())
    assert result.error is None and result.mms and result.mms[0].message_type.spec_name == "m-notification-ind"
