"""The pure parsers of the device answers (answers/device.py, the vendors' signal.py) against every real answer form in modem-dialects.md §2.3-2.6."""

from __future__ import annotations

import pytest

from mmsua.drivers.answers.device import (
    Registration,
    best_registration,
    clean_value,
    decode_spn,
    is_registration_answer,
    parse_ati,
    parse_cesq,
    parse_cnum,
    parse_cops,
    parse_cpin,
    parse_csq,
    parse_imsi,
    parse_registration,
)
from mmsua.drivers.answers.fields import split_fields
from mmsua.drivers.errors import AnswerError
from mmsua.drivers.vendors.huawei.signal import parse_hcsq
from mmsua.drivers.vendors.quectel.signal import parse_qcsq

SOLICITED = [
    # (line, state, technology, lac, cell) — sources in modem-dialects.md §2.5
    ('+CREG: 2,1,"5E25","605F"', "home", None, 0x5E25, 0x605F),
    ('+CREG: 2,5,"2AF5","0B88E350",2', "roaming", "umts", 0x2AF5, 0x0B88E350),  # Sierra 312U
    ('+CREG: 0,1,"5E25","605F",2', "home", "umts", 0x5E25, 0x605F),  # Telit, n=0 with extras
    ("+CREG: 2,1,4CA,81DE445", "home", None, 0x4CA, 0x81DE445),  # Huawei unquoted
    ("+CREG: 2,1,0A,3799B", "home", None, 0x0A, 0x3799B),
    ('+CREG:002,001,"18d8","ffff"', "home", None, 0x18D8, 0xFFFF),  # Iridium leading zeros
    ("+CREG: 2,1,  0 5, 2715", "home", None, 0x05, 0x2715),  # Gobi 1000 spaces inside numbers
    ("+CREG: 2,1,000B,2816, B, C2816", "home", None, 0x0B, 0x2816),  # Samsung extra fields
    ('+CREG: 2,1,"","605F"', "home", None, None, 0x605F),  # empty LAC
    ('+CGREG: 2,1,"1422","00000142",3,"00"', "home", "edge", 0x1422, 0x142),
    ('+CEREG: 2,1,"1A2B","01A2B3C4",7', "home", "lte", 0x1A2B, 0x01A2B3C4),
    ("+CREG: 0,1", "home", None, None, None),
    ("+CGREG: 0,5", "roaming", None, None, None),
    ("+CEREG: 0,1", "home", None, None, None),
    ("+CREG: 0,0", "not-registered", None, None, None),
    ("+CREG: 1,3", "denied", None, None, None),
    ("+CREG: 2,2", "searching", None, None, None),
]


@pytest.mark.parametrize(("line", "state", "tech", "lac", "cell"), SOLICITED)
def test_registration_read_answers(line: str, state: str, tech: str | None, lac: int | None, cell: int | None) -> None:
    reg = parse_registration(line, solicited=True)
    assert (reg.state, reg.technology, reg.lac, reg.cell) == (state, tech, lac, cell)


UNSOLICITED = [
    ('+CREG: 5,"EA6D","544C28",2', "roaming", "umts", 0xEA6D, 0x544C28),  # u-blox URC, no <n>
    ("+CREG: 1, E006B, ABE0016", "home", None, 0xE006B, 0xABE0016),  # Huawei URC, spaces
    ('+CGREG: 1,"1422","00000142",3,"00"', "home", "edge", 0x1422, 0x142),  # RAC
    ("+CREG: 1", "home", None, None, None),
    ("+CEREG: 1", "home", None, None, None),
]


@pytest.mark.parametrize(("line", "state", "tech", "lac", "cell"), UNSOLICITED)
def test_registration_urcs(line: str, state: str, tech: str | None, lac: int | None, cell: int | None) -> None:
    reg = parse_registration(line, solicited=False)
    assert (reg.state, reg.technology, reg.lac, reg.cell) == (state, tech, lac, cell)


# With n=2 known to be set, the read answer and a URC of the same name are told apart by shape.
N2_ANSWERS = [line for line, *_ in SOLICITED if line.split(":", 1)[1].strip().lstrip("0").startswith("2,")]
URCS_WHILE_N2 = [line for line, *_ in UNSOLICITED] + [
    "+CREG: 2",  # searching, no location
    '+CREG: 2,"5E25","605F"',  # searching with location: stat 2 looks like n=2, the quoted LAC does not look like a stat
    '+CREG: 2,"5E25","605F",7',
    "+CREG: 2, 1234, ABCD",  # Huawei unquoted, LAC all decimal digits: 3 fields
    "+CREG: 2, 1234, ABCD, 2",  # ... and with AcT: 1234 is no stat
    "+CREG: 0",
]


def test_n2_answer_forms_are_all_covered() -> None:
    assert len(N2_ANSWERS) >= 10  # every real n=2 form of §2.5 in SOLICITED


@pytest.mark.parametrize("line", N2_ANSWERS)
def test_registration_read_answer_shape_when_n2_is_set(line: str) -> None:
    assert is_registration_answer(line, 2)


@pytest.mark.parametrize("line", URCS_WHILE_N2)
def test_registration_urc_shape_when_n2_is_set(line: str) -> None:
    assert not is_registration_answer(line, 2)
    parse_registration(line, solicited=False)  # and it parses as the URC it is


@pytest.mark.parametrize("line", ["+CREG: ", "+CREG: x,y", "+CSQ: 1,2", "+CREG: 2,42", ""])
def test_registration_garbage_is_a_clear_error(line: str) -> None:
    with pytest.raises(AnswerError) as info:
        parse_registration(line, solicited=True)
    assert info.value.line == line


def test_lte_only_modem_counts_as_registered() -> None:
    regs = [parse_registration(x, solicited=True) for x in ("+CREG: 0,0", "+CGREG: 0,2", "+CEREG: 0,1")]
    best = best_registration(regs)
    assert best.state == "home" and best.source == "CEREG" and best.registered
    assert best_registration([]) == Registration("unknown")


def test_csq() -> None:
    s = parse_csq("+CSQ: 31,99")
    assert (s.rssi_dbm, s.percent, s.ber) == (-51, 100, None)
    s = parse_csq("+CSQ: 28,0")  # Quectel M26
    assert (s.rssi_dbm, s.ber) == (-57, 0) and 85 < s.percent < 95
    assert parse_csq("+CSQ: 99,99").rssi_dbm is None
    assert parse_csq("+CSQ: 0,0").percent == 0  # SIM800 before registration
    with pytest.raises(AnswerError):
        parse_csq("+CSQ: ,")


def test_cesq_qcsq_hcsq() -> None:
    lte = parse_cesq("+CESQ: 99,99,255,255,20,50")
    assert lte.rsrp_dbm == -91.0 and lte.rsrq_db == -10.0 and lte.technology == "lte" and 0 < lte.percent < 100
    gsm = parse_cesq("+CESQ: 40,0,255,255,255,255")
    assert gsm.rssi_dbm == -71 and gsm.rsrp_dbm is None
    q = parse_qcsq('+QCSQ: "LTE",-52,-81,195,-10')
    assert (q.rssi_dbm, q.rsrp_dbm, q.rsrq_db, q.technology) == (-52, -81.0, -10.0, "lte")
    assert parse_qcsq('+QCSQ: "NOSERVICE"').percent is None
    h = parse_hcsq('^HCSQ: "LTE",52,45,112,27')
    assert h.rssi_dbm == -69 and h.rsrp_dbm == -96.0 and h.technology == "lte"
    assert parse_hcsq('^HCSQ: "NOSERVICE"').percent is None


def test_ati_shapes() -> None:
    quectel = parse_ati(["Quectel", "EC25", "Revision: EC25AUFAR02A04M4G"])
    assert quectel == {"manufacturer": "Quectel", "model": "EC25", "revision": "EC25AUFAR02A04M4G"}
    huawei = parse_ati(["Manufacturer: huawei", "Model: E173", "Revision: 11.126.85.00.209", "IMEI: 000000000000000", "+GCAP: +CGSM,+DS,+ES"])
    assert huawei["manufacturer"] == "huawei" and huawei["model"] == "E173" and huawei["imei"] == "000000000000000"
    simcom = parse_ati(["Manufacturer: SIMCOM INCORPORATED", "Model: SIMCOM_SIM7600E", "Revision: SIM7600M21-A_V1.1"])
    assert simcom["model"] == "SIMCOM_SIM7600E"


def test_bare_values() -> None:
    assert clean_value([" MULTIBAND  900E  1800 "]) == "MULTIBAND 900E 1800"  # Wavecom padding
    assert clean_value([" WAVECOM MODEM"]) == "WAVECOM MODEM"
    assert clean_value(["Quectel_Ltd", "Quectel_M95", "Revision: MTK 0828"]) == "Quectel_Ltd"
    assert clean_value(["+CGMI: SIMCOM INCORPORATED"], "+CGMI") == "SIMCOM INCORPORATED"
    assert clean_value([]) == ""
    assert parse_imsi(["510010000000000"]) == "510010000000000"
    assert parse_imsi(['+CIMI: "262011234567890"']) == "262011234567890"
    with pytest.raises(AnswerError):
        parse_imsi(["ERROR-ish"])


def test_sim_operator_number_spn() -> None:
    assert parse_cpin("+CPIN: READY") == "READY"
    assert parse_cpin("+CPIN: SIM PIN") == "SIM PIN"
    assert parse_cpin('+CPIN: "EMPTY_EUICC"') == "EMPTY_EUICC"
    op = parse_cops('+COPS: 0,0,"Mint",7')
    assert (op.name, op.mode, op.technology) == ("Mint", 0, "lte")
    assert parse_cops("+COPS: 0").name is None
    assert parse_cnum(['+CNUM: "","15551234567",145']) == "+15551234567"
    assert parse_cnum(['+CNUM: "Me, myself","0612345678",129']) == "0612345678"
    assert parse_cnum([]) is None
    # EF-SPN: display byte, "Mint" in the GSM alphabet, FF padding
    assert decode_spn("004D696E74FFFFFFFFFFFFFFFFFFFFFFFF") == "Mint"
    assert decode_spn("00" + "FF" * 16) is None
    assert decode_spn("0180004F00720061006E00670065FFFF") == "Orange"  # UCS2
    assert decode_spn("zz") is None


def test_split_fields_keeps_quoted_commas() -> None:
    assert split_fields(' "a,b" , 1 ,,"x"') == ["a,b", "1", "", "x"]
