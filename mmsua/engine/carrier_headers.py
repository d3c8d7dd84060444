"""The headers a carrier wants on each MMSC request, from the settings (carrier rules or config).

User-Agent, the UAProf URL under the carrier's header name (x-wap-profile unless the
carrier says otherwise, e.g. Verizon's "Profile"), the carrier's extra headers (Android's
httpParams) with their macros filled, and ``Connection: close`` when the carrier asks
for it. The macros are Android's: ##LINE1## the own number's digits, ##LINE1NOCOUNTRYCODE##
the number without its country calling code, ##NAI## base64 of the NAI and its suffix.
A header whose macro has no value here (no own number known yet, no NAI configured)
is left out rather than sent half-filled.
"""

from __future__ import annotations

import base64
import logging
import re

from mmsua.addresses import Country
from mmsua.engine.settings import AgentSettings

log = logging.getLogger(__name__)
_MACRO = re.compile(r"##(\w+)##")


def carrier_headers(settings: AgentSettings, own_number: str | None = None, country: Country | None = None) -> dict[str, str]:
    headers = {"User-Agent": settings.user_agent}
    if settings.uaprof_url:
        headers[settings.uaprof_header] = settings.uaprof_url
    for template in settings.extra_headers:
        name, _, value = template.partition(":")
        filled = fill_macros(value.strip(), own_number, country, settings)
        if filled is None:
            log.debug("header %s left out: a macro in it has no value yet", name.strip())
            continue
        headers[name.strip()] = filled
    if settings.close_connection:
        headers["Connection"] = "close"
    return headers


def fill_macros(value: str, own_number: str | None, country: Country | None, settings: AgentSettings) -> str | None:
    """``value`` with every ##MACRO## replaced; None when one has no value (or is unknown)."""
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        found = _macro(match.group(1), own_number, country, settings)
        if found is None:
            missing = True
            return ""
        return found

    filled = _MACRO.sub(replace, value)
    return None if missing or any(c in filled for c in "\r\n\0") else filled


def _macro(name: str, own_number: str | None, country: Country | None, settings: AgentSettings) -> str | None:
    digits = "".join(c for c in own_number or "" if c.isdigit())
    if name == "LINE1":
        return digits or None
    if name == "LINE1NOCOUNTRYCODE":
        if not digits:
            return None
        international = (own_number or "").startswith("+")
        if international and country is not None and digits.startswith(country.calling_code):
            return digits[len(country.calling_code):]
        return None if international else digits  # a national number has no calling code to drop
    if name == "NAI":
        if not settings.nai:
            return None
        return base64.b64encode((settings.nai + settings.nai_suffix).encode("utf-8")).decode("ascii")
    return None
