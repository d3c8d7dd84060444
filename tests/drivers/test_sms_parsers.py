"""The pure parsers of the SMS answers (answers/sms.py) against the real forms in modem-dialects.md §2.7-2.10."""

from __future__ import annotations

import pytest

from mmsua.drivers.answers.sms import (
    choose_cnmi,
    choose_storages,
    pair_pdus,
    parse_cmgl_header,
    parse_cmgr_header,
    parse_cmt_header,
    parse_cmti,
    parse_cnmi_test,
    parse_cpms_counts,
    parse_cpms_test,
    parse_csms,
    parse_csms_test,
    pdu_kind,
    tpdu_octets,
)
from mmsua.drivers.errors import AnswerError, ModemError

# gammu tests/at-sms/40.dump (real MMS notification, modem-dialects §2.8)
MMS_PDU = (
    "07912374151616F6440B911174164210F000F571309290346280860605040B8423F04F06226170706C69636174696F6E2F766E"
    "642E7761702E6D6D732D6D65737361676500AF848C82983831343630343934406D6D7331008D928918802B33333333333439"
    "333231312F545950453D504C4D4E0096008F8186818A808E03017A598805810303F48083687474703A2F2F6D74732F3F6964"
    "3D383134363034393400"
)


def test_cpms_test_shapes() -> None:
    assert parse_cpms_test('+CPMS: ("SM","ME"),("SM","ME"),("SM","ME")') == (("SM", "ME"),) * 3
    assert parse_cpms_test('+CPMS: ("ME","MT","SM","SR"),("ME","MT","SM","SR"),("ME","MT","SM")')[2] == ("ME", "MT", "SM")
    nested = parse_cpms_test('+CPMS: (("SM","BM","SR"),("SM"))')  # Wavecom
    assert nested == (("SM", "BM", "SR"), ("SM",), ("SM",))
    assert parse_cpms_test('+CPMS: "ME","MT","SM"') == (("ME", "MT", "SM"),) * 3  # Huawei MU609
    assert parse_cpms_test("+CPMS: (),(),()") == ((), (), ())  # Nokia
    assert parse_cpms_test("+CPMS: ") == ((), (), ())  # Samsung J700


def test_choose_storages_always_three_and_readable() -> None:
    lists = parse_cpms_test('+CPMS: ("SM","ME","MT"),("SM","ME","MT"),("SM","ME","MT")')
    assert choose_storages(lists, ("ME", "SM")) == ("ME", "ME", "ME")
    assert choose_storages(lists, ("SM", "ME")) == ("SM", "SM", "SM")
    wavecom = parse_cpms_test('+CPMS: (("SM","BM","SR"),("SM"))')
    assert choose_storages(wavecom, ("ME", "SM")) == ("SM", "SM", "SM")
    with pytest.raises(ModemError, match="no SMS storage"):
        choose_storages(((), (), ()), ("ME",))


def test_cpms_counts() -> None:
    assert parse_cpms_counts("+CPMS: 1,50,0,23,1,50") == [(1, 50), (0, 23), (1, 50)]
    assert parse_cpms_counts('+CPMS: "SM",1,50,"SM",1,50,"SM",1,50') == [(1, 50)] * 3


def test_cnmi_lists_and_choice() -> None:
    m26 = parse_cnmi_test("+CNMI: (0-3),(0-3),(0,2,3),(0-2),(0,1)")
    assert m26 == [{0, 1, 2, 3}, {0, 1, 2, 3}, {0, 2, 3}, {0, 1, 2}, {0, 1}]
    assert choose_cnmi(m26, (2, 1), direct=False) == (2, 1, 0, 2, 0)
    assert choose_cnmi(m26, (1, 2), direct=True) == (1, 2, 0, 1, 0)
    sim800 = parse_cnmi_test("+CNMI: (0-3),(0-3),(0,2),(0,1),(0,1)")  # ds only 0/1
    assert choose_cnmi(sim800, (2, 1), direct=False) == (2, 1, 0, 1, 0)
    short = parse_cnmi_test("+CNMI: (0,1,2),(0,1,2,3)")
    assert choose_cnmi(short, (2,), direct=False) == (2, 1)
    with pytest.raises(ModemError, match="no new-message indication"):
        choose_cnmi(parse_cnmi_test("+CNMI: (0-2),(0)"), (2,), direct=False)
    with pytest.raises(AnswerError):
        parse_cnmi_test("+CNMI: (a-b)")


def test_csms() -> None:
    assert parse_csms_test("+CSMS: (0,128)") == {0, 128}  # Quectel serial modules
    assert parse_csms_test("+CSMS: (0-1)") == {0, 1}
    assert parse_csms("+CSMS: 0,1,1,1") == 0


def test_cmti_forms() -> None:
    assert parse_cmti('+CMTI: "SM",13') == ("SM", 13)
    assert parse_cmti('+CMTI: "ME",0') == ("ME", 0)
    assert parse_cmti('+CDSI: "SM",0') == ("SM", 0)
    assert parse_cmti("+CMTI: ,-1") == (None, -1)  # SIM7000G: not stored
    with pytest.raises(AnswerError):
        parse_cmti("+CMTI: garbage")


def test_cmt_cmgr_cmgl_headers() -> None:
    for line in ("+CMT: ,153", '+CMT: "",153', "+CMT:,153", "+CMT: 153", "+CDS: 153", "+CDS: ,153"):
        assert parse_cmt_header(line) == 153, line
    assert parse_cmgr_header("+CMGR: 1,,153") == (1, 153)
    assert parse_cmgr_header('+CMGR: 0,"",25') == (0, 25)
    assert parse_cmgr_header("+CMGR: 3,,29") == (3, 29)  # the lying length of gammu test 33
    assert parse_cmgl_header("+CMGL: 17,3,35") == (17, 3, 35)  # Pantech, no alpha
    assert parse_cmgl_header('+CMGL: 2,0,"",153') == (2, 0, 153)
    with pytest.raises(AnswerError):
        parse_cmgl_header("+CMGL: x")


def test_pair_pdus_skips_garbage_and_headerless_lines() -> None:
    lines = ["\x7f\x7fgarbage", "+CMGL: 1,0,,153", MMS_PDU, "+CMGL: 2,0,,10", "+CMGL: 3,1,,153", MMS_PDU]
    pairs = pair_pdus(lines, "+CMGL")
    assert [h for h, _ in pairs] == ["+CMGL: 1,0,,153", "+CMGL: 3,1,,153"]


def test_pdu_peeks() -> None:
    assert tpdu_octets(MMS_PDU) == 153
    assert pdu_kind(MMS_PDU) == "deliver"
    # a status report: SMSC length 0, first octet 0x06 (MTI 2)
    assert pdu_kind("0006" + "00" * 20) == "status-report"
    assert pdu_kind("zz") == "deliver"
