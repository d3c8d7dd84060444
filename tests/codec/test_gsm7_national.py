"""GSM 7-bit national language shift tables (TS 23.038 Annex A; UDH IEIs 0x24/0x25):
decoding names the right characters, encoding round-trips, and split_text_submit
uses them when they save segments."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mmsua.codec import gsm7
from mmsua.codec.gsm7_national import LANGUAGES, LOCKING, SINGLE, UNDEFINED
from mmsua.codec.sms import SmsSubmit, decode_sms, encode_deliver, split_text_submit
from mmsua.codec.udh import Udh

TS = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("locking", "single", "septets", "text"),
    [
        # Turkish locking (A.3.1): 0x07 ı, 0x0B Ğ, 0x1C Ş, 0x40 İ, 0x60 ç; single shift (A.2.1) 0x1B 0x73 ş
        (1, 0, bytes([0x07, 0x0B, 0x1C, 0x40, 0x60]), "ıĞŞİç"),
        (0, 1, bytes([0x1B, 0x73, 0x1B, 0x47, 0x1B, 0x69]), "şĞı"),
        # Spanish single shift (A.2.2): á í ó ú Á ç, and € as in the default extension
        (0, 2, bytes([0x1B, 0x61, 0x1B, 0x69, 0x1B, 0x6F, 0x1B, 0x75, 0x1B, 0x41, 0x1B, 0x09, 0x1B, 0x65]), "áíóúÁç€"),
        # Portuguese locking (A.3.3): 0x04 ê, 0x12 ª, 0x15 ∞, 0x24 º, 0x7D `; single (A.2.3) 0x1B 0x5B Ã
        (3, 0, bytes([0x04, 0x12, 0x15, 0x24, 0x7D]), "êª∞º`"),
        (0, 3, bytes([0x1B, 0x5B, 0x1B, 0x05]), "Ãê"),
    ],
)
def test_decode_with_national_tables(locking: int, single: int, septets: bytes, text: str) -> None:
    assert gsm7.decode(septets, locking, single) == text
    assert gsm7.encode(text, locking, single) == septets


def test_indian_tables_spot_values() -> None:
    # Hindi (A.3.6 / A.2.6), Kannada (A.3.7), Urdu (A.3.13)
    assert gsm7.decode(bytes([0x15, 0x2F, 0x5F, 0x2C]), 6, 6) == "\u0915\u0928\u094d,"  # क न ् ,
    assert gsm7.decode(bytes([0x1B, 0x19, 0x1B, 0x20]), 6, 6) == "\u0964\u096a"  # । ४
    assert gsm7.decode(bytes([0x24]), 7, 0) == "\u0ca1"  # Kannada ಡ
    assert gsm7.decode(bytes([0x00]), 13, 13) == "\u0627"  # Urdu ا
    # A code a locking table leaves undefined reads as U+FFFD, and cannot be written
    assert gsm7.decode(bytes([0x0C]), 4, 0) == "\ufffd"
    assert not gsm7.can_encode("\ufffd", 4, 4)


def test_every_table_has_its_shape() -> None:
    assert set(SINGLE) == set(range(1, 14)) and set(LOCKING) == set(range(1, 14)) - {2}
    for table in LOCKING.values():
        assert len(table) == 128 and table[0x1B] == "\x1b" and table[0x20] == " " and table[0x0A] == "\n"
    for language, table in SINGLE.items():
        assert 0x1B not in table and table[0x0A] == "\x0c", LANGUAGES[language]
        assert all(0 <= code < 0x80 for code in table)


def test_reserved_languages_mean_the_default_tables() -> None:
    assert gsm7.decode(bytes([0x07, 0x1B, 0x65]), 0, 0) == gsm7.decode(bytes([0x07, 0x1B, 0x65]), 14, 99) == "ì€"


languages = st.sampled_from(sorted(LANGUAGES))


@settings(max_examples=100 * int(__import__("os").environ.get("MMSUA_HYPOTHESIS_SCALE", "1")))
@given(st.data(), st.sampled_from([0, *sorted(LOCKING)]), st.sampled_from([0, *sorted(SINGLE)]))
def test_encode_decode_round_trip_in_any_table_pair(data: st.DataObject, locking: int, single: int) -> None:
    lock, shift = gsm7.tables(locking, single)
    alphabet = sorted({c for c in lock if c not in (UNDEFINED, "\x1b")} | set(shift.values()))
    text = data.draw(st.text(alphabet=alphabet, max_size=40))
    assert gsm7.decode(gsm7.encode(text, locking, single), locking, single) == text


def test_deliver_with_national_udh_decodes_text() -> None:
    udh = Udh.of(locking=1, single=1)
    pdu = encode_deliver("+905551112233", text="Şişli'de buluşalım", udh=udh, dcs=0x00, timestamp=TS)
    sms = decode_sms(pdu, has_smsc=True)
    assert sms.text == "Şişli'de buluşalım"
    assert sms.udh.national_locking == 1 and sms.udh.national_single == 1


def _texts(pdus) -> tuple[list[SmsSubmit], str]:
    decoded = [decode_sms(p.hex, has_smsc=True) for p in pdus]
    return decoded, "".join(d.text for d in decoded)


def test_split_picks_a_national_table_when_it_saves_segments() -> None:
    text = "Şşığİ çok güzel " * 12  # 192 characters, 5 of every 16 outside the default alphabet
    pdus = split_text_submit("+905551112233", text, reference=9)
    decoded, joined = _texts(pdus)
    assert joined == text
    assert all(d.dcs == 0x00 and 1 in (d.udh.national_locking, d.udh.national_single) for d in decoded)
    ucs2 = split_text_submit("+905551112233", text, reference=9, national=False)
    assert len(pdus) < len(ucs2) and decode_sms(ucs2[0].hex, has_smsc=True).dcs == 0x08


def test_split_keeps_the_default_alphabet_when_national_tables_do_not_help() -> None:
    (pdu,) = split_text_submit("+15550001", "Hello there", reference=1)
    sms = decode_sms(pdu.hex, has_smsc=True)
    assert sms.udh is None and sms.text == "Hello there"


def test_split_uses_a_single_shift_when_spanish_text_would_need_two_ucs2_sms() -> None:
    text = "¿Qué tal? Mañana a las ocho en la plaza, ¿sí? Después vamos al café de María, ¿vale?"  # 85 > 70
    (pdu,) = split_text_submit("+34600000000", text, reference=1)
    sms = decode_sms(pdu.hex, has_smsc=True)
    assert sms.dcs == 0x00 and sms.udh is not None and sms.udh.national_single in (2, 3)
    assert sms.text == text


def test_short_text_stays_ucs2_where_national_tables_save_nothing() -> None:
    """A handset without national tables shows wrong letters; UCS-2 always reads."""
    (pdu,) = split_text_submit("+34600000000", "¿Sí, mañana?", reference=1)
    sms = decode_sms(pdu.hex, has_smsc=True)
    assert sms.dcs == 0x08 and sms.udh is None and sms.text == "¿Sí, mañana?"


def test_hindi_text_goes_seven_bit_when_it_saves_segments() -> None:
    text = "नमस्ते, आप कैसे हैं? मैं ठीक हूँ। कल मिलते हैं, शाम को पाँच बजे। " * 2
    pdus = split_text_submit("+919800000000", text, reference=1)
    decoded = [decode_sms(p.hex, has_smsc=True) for p in pdus]
    assert len(pdus) < len(split_text_submit("+919800000000", text, reference=1, national=False))
    assert all(d.dcs == 0x00 and d.udh.national_locking == 6 for d in decoded)
    assert "".join(d.text for d in decoded) == text
