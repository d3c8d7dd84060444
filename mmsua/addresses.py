"""Addresses as people: phone numbers to E.164 where the country is known, e-mail.

"+44 7700 900123", "07700900123", "0044 7700 900123" and "+447700900123/TYPE=PLMN"
are one person once the country is known (from settings or the SIM's MCC). A
conversation is the set of participants less the own number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


# ITU calling code, national trunk prefix and international prefix per country.
# Only what normalisation needs; countries not listed still work with numbers
# written in international form.
@dataclass(frozen=True, slots=True)
class Country:
    iso: str
    calling_code: str
    trunk_prefix: str = "0"
    international_prefix: str = "00"


_COUNTRIES = {
    c.iso: c
    for c in (
        Country("GB", "44"), Country("IE", "353"), Country("FR", "33"), Country("DE", "49"),
        Country("NL", "31"), Country("BE", "32"), Country("LU", "352"), Country("CH", "41"),
        Country("AT", "43"), Country("IT", "39", trunk_prefix=""), Country("ES", "34", trunk_prefix=""),
        Country("PT", "351", trunk_prefix=""), Country("DK", "45", trunk_prefix=""),
        Country("NO", "47", trunk_prefix=""), Country("SE", "46"), Country("FI", "358"),
        Country("PL", "48", trunk_prefix=""), Country("CZ", "420", trunk_prefix=""),
        Country("GR", "30", trunk_prefix=""), Country("HU", "36", trunk_prefix="06"),
        Country("RO", "40"), Country("US", "1", trunk_prefix="1", international_prefix="011"),
        Country("CA", "1", trunk_prefix="1", international_prefix="011"),
        Country("AU", "61", international_prefix="0011"), Country("NZ", "64"),
        Country("JP", "81", international_prefix="010"), Country("IN", "91"), Country("ZA", "27"),
        Country("BR", "55"), Country("MX", "52", trunk_prefix=""), Country("TR", "90"),
        Country("IL", "972"), Country("SG", "65", trunk_prefix="", international_prefix="000"),
        Country("HK", "852", trunk_prefix="", international_prefix="001"),
        Country("KR", "82", international_prefix="001"), Country("CN", "86"),
    )
}

# Mobile country codes (ITU E.212) of the countries above.
_MCC = {
    "234": "GB", "235": "GB", "272": "IE", "208": "FR", "262": "DE", "204": "NL", "206": "BE",
    "270": "LU", "228": "CH", "232": "AT", "222": "IT", "214": "ES", "268": "PT", "238": "DK",
    "242": "NO", "240": "SE", "244": "FI", "260": "PL", "230": "CZ", "202": "GR", "216": "HU",
    "226": "RO", "310": "US", "311": "US", "312": "US", "313": "US", "314": "US", "315": "US",
    "316": "US", "302": "CA", "505": "AU", "530": "NZ", "440": "JP", "441": "JP", "404": "IN",
    "405": "IN", "655": "ZA", "724": "BR", "334": "MX", "286": "TR", "425": "IL", "525": "SG",
    "454": "HK", "450": "KR", "460": "CN",
}

_PHONE_CHARS = re.compile(r"[\s\-.()/]")
_TYPE_SUFFIX = re.compile(r"/TYPE=([A-Za-z0-9]+)$")
_DISPLAY_NAME = re.compile(r"^.*<([^<>]+)>\s*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AddressError(ValueError):
    """Not a phone number or e-mail address anyone can send to."""


def country_for(setting: str | None = None, mcc: str | None = None) -> Country | None:
    """The country from a setting (ISO code like "GB" or calling code like "44"/"+44") or an MCC."""
    if setting:
        value = setting.strip().upper().lstrip("+")
        if value in _COUNTRIES:
            return _COUNTRIES[value]
        for country in _COUNTRIES.values():
            if country.calling_code == value:
                return country
        if value.isdigit():
            return Country("??", value)
    if mcc and mcc[:3] in _MCC:
        return _COUNTRIES[_MCC[mcc[:3]]]
    return None


def is_email(address: str) -> bool:
    return bool(_EMAIL.match(address.strip()))


def strip_type(address: str) -> str:
    """"+1555/TYPE=PLMN" -> "+1555"; a display name "Ann <a@b.c>" -> "a@b.c"."""
    address = address.strip()
    match = _DISPLAY_NAME.match(address)
    if match:
        address = match.group(1).strip()
    return _TYPE_SUFFIX.sub("", address)


def normalize(address: str, country: Country | None = None) -> str:
    """One canonical text per person. Unknown forms (alphanumeric senders, short
    codes) are returned cleaned but otherwise as they were."""
    bare = strip_type(address)
    if "@" in bare:
        local, _, domain = bare.rpartition("@")
        return f"{local}@{domain.lower()}"
    digits = _PHONE_CHARS.sub("", bare)
    if digits.startswith("+") and digits[1:].isdigit():
        return digits
    if not digits.isdigit():
        return bare  # "Vodafone", "Erotik": alphanumeric senders stay as they are
    if country is None:
        return digits
    if country.international_prefix and digits.startswith(country.international_prefix):
        return "+" + digits[len(country.international_prefix):]
    if len(digits) <= 6:
        return digits  # short codes are national services, not E.164 numbers
    if country.trunk_prefix and digits.startswith(country.trunk_prefix):
        return "+" + country.calling_code + digits[len(country.trunk_prefix):]
    if country.calling_code == "1" and len(digits) == 10:
        return "+1" + digits
    if digits.startswith(country.calling_code) and len(digits) > 9:
        return "+" + digits  # written in international form without the plus
    if not country.trunk_prefix:
        return "+" + country.calling_code + digits
    return digits


def recipient_address(address: str, country: Country | None = None) -> str:
    """Normalise and validate an address the user typed; raises :class:`AddressError`."""
    bare = strip_type(address)
    if not bare:
        raise AddressError("empty recipient")
    if "@" in bare:
        if not is_email(bare):
            raise AddressError(f"{address!r} is not an e-mail address")
        return normalize(bare, country)
    value = normalize(bare, country)
    if not re.fullmatch(r"\+?\d{3,20}", value):
        raise AddressError(f"{address!r} is not a phone number or e-mail address")
    return value


def to_mms_address(address: str) -> str:
    """The address as M-Send.req carries it: phone numbers with /TYPE=PLMN."""
    return address if "@" in address else f"{address}/TYPE=PLMN"


def same_person(a: str, b: str, country: Country | None = None) -> bool:
    na, nb = normalize(a, country), normalize(b, country)
    if na == nb:
        return True
    # Without a country, national and international forms still match on the
    # significant digits (the trailing nine), as handsets do.
    da, db = na.lstrip("+"), nb.lstrip("+")
    return da.isdigit() and db.isdigit() and min(len(da), len(db)) >= 9 and da[-9:] == db[-9:]


def participants(
    addresses: Iterable[str | None], own_number: str | None = None, country: Country | None = None
) -> list[str]:
    """The conversation's people: every address normalised, less the own number."""
    seen: list[str] = []
    for address in addresses:
        if not address:
            continue
        value = normalize(address, country)
        if not value or value == "insert-address-token":
            continue
        if own_number and same_person(value, own_number, country):
            continue
        if value not in seen:
            seen.append(value)
    if not seen and own_number:
        seen.append(normalize(own_number, country))  # a note to self
    return sorted(seen)
