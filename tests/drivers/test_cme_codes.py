"""+CME ERROR codes a refused MMS context meets on LTE (TS 27.007 §9.2.2) carry their meaning."""

from __future__ import annotations

import pytest

from mmsua.drivers.at.codes import cme_meaning


@pytest.mark.parametrize(("code", "meaning"), [
    ("193", "PDP type IPv6 only allowed"),            # an IPv6-only MMS APN asked for IP
    ("192", "PDP type IPv4 only allowed"),
    ("203", "multiple PDN connections for one APN not allowed"),  # a second context on the internet APN
    ("178", "maximum number of PDP contexts reached"),
])
def test_lte_context_refusals_are_named(code: str, meaning: str) -> None:
    assert cme_meaning(code) == (int(code), meaning)
    assert cme_meaning(meaning.upper()) == (int(code), meaning)  # verbose mode (AT+CMEE=2) reads back to the code


def test_an_unlisted_code_still_says_so() -> None:
    assert cme_meaning("170") == (170, "unlisted CME error")
