"""Phone numbers and e-mail addresses as people."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mmsua.addresses import (
    AddressError,
    country_for,
    normalize,
    participants,
    recipient_address,
    same_person,
    to_mms_address,
)

GB = country_for("GB")


@pytest.mark.parametrize(
    "written",
    ["+44 7700 900123", "07700900123", "0044 7700 900123", "+447700900123/TYPE=PLMN", "(07700) 900-123", "447700900123"],
)
def test_one_uk_number_in_every_spelling(written: str) -> None:
    assert normalize(written, GB) == "+447700900123"


def test_country_from_calling_code_setting_or_sim_mcc() -> None:
    assert country_for("44") == GB
    assert country_for("+44") == GB
    assert country_for(None, mcc="23415") == GB
    assert normalize("0612345678", country_for(None, mcc="20801")) == "+33612345678"
    assert country_for(None, mcc="99999") is None


def test_us_numbers_without_trunk_prefix() -> None:
    us = country_for("US")
    assert normalize("(650) 555-0000", us) == "+16505550000"
    assert normalize("1 650 555 0000", us) == "+16505550000"
    assert normalize("011 44 7700 900123", us) == "+447700900123"


def test_without_a_country_national_numbers_stay_but_still_match() -> None:
    assert normalize("07700900123") == "07700900123"
    assert same_person("07700900123", "+447700900123")
    assert not same_person("07700900124", "+447700900123")


def test_short_codes_alphanumeric_senders_and_email() -> None:
    assert normalize("12345", GB) == "12345"
    assert normalize("Vodafone", GB) == "Vodafone"
    assert normalize("Ann <Ann.Smith@Example.COM>") == "Ann.Smith@example.com"
    assert to_mms_address("+447700900123") == "+447700900123/TYPE=PLMN"
    assert to_mms_address("a@b.example") == "a@b.example"


def test_recipients_are_validated_with_clear_errors() -> None:
    assert recipient_address("07700 900123", GB) == "+447700900123"
    for bad in ("", "hello", "a@b", "++44"):
        with pytest.raises(AddressError):
            recipient_address(bad, GB)


def test_conversation_participants_exclude_the_own_number() -> None:
    own = "+447700900001"
    people = participants(["07700900123/TYPE=PLMN", "+447700900001", "07700900002", "+447700900123", None], own, GB)
    assert people == ["+447700900002", "+447700900123"]
    assert participants(["+447700900001"], own, GB) == ["+447700900001"]  # note to self



@given(st.text(alphabet="0123456789 +-()./", min_size=1, max_size=24), st.sampled_from(["GB", "US", "FR", "IT", None]))
def test_normalising_twice_changes_nothing(raw: str, iso: str | None) -> None:
    country = country_for(iso) if iso else None
    once = normalize(raw, country)
    assert normalize(once, country) == once
