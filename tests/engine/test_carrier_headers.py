"""The carrier's headers on MMSC requests: UAProf under its name, httpParams with macros, Connection: close."""

from __future__ import annotations

import base64

from mmsua.addresses import country_for
from mmsua.engine.carrier_headers import carrier_headers
from mmsua.engine.settings import DEFAULT_UAPROF, DEFAULT_USER_AGENT, AgentSettings

VERIZON = AgentSettings(uaprof_header="Profile", close_connection=True,
                        extra_headers=("x-up-calling-line-id: 1##LINE1NOCOUNTRYCODE##", "X-VzW-MDN: 1##LINE1NOCOUNTRYCODE##"))


def test_defaults_are_androids_user_agent_and_uaprof() -> None:
    assert carrier_headers(AgentSettings()) == {"User-Agent": DEFAULT_USER_AGENT, "x-wap-profile": DEFAULT_UAPROF}
    assert DEFAULT_USER_AGENT == "Android-Mms/2.0"


def test_verizon_headers_with_the_number_without_its_country_code() -> None:
    headers = carrier_headers(VERIZON, "+13125550123", country_for("US"))
    assert headers["Profile"] == DEFAULT_UAPROF and "x-wap-profile" not in headers
    assert headers["x-up-calling-line-id"] == "13125550123" and headers["X-VzW-MDN"] == "13125550123"
    assert headers["Connection"] == "close"


def test_a_header_whose_macro_has_no_value_is_left_out() -> None:
    headers = carrier_headers(VERIZON, None, None)
    assert "X-VzW-MDN" not in headers and "x-up-calling-line-id" not in headers
    assert carrier_headers(VERIZON, "+13125550123", None).get("X-VzW-MDN") is None  # country unknown: cannot drop its code


def test_line1_and_nai() -> None:
    settings = AgentSettings(extra_headers=("X-MDN: ##LINE1##", "Proxy-Authorization: Basic ##NAI##"), nai="user@carrier.example", nai_suffix=":pcs")
    headers = carrier_headers(settings, "+13125550123")
    assert headers["X-MDN"] == "13125550123"
    assert base64.b64decode(headers["Proxy-Authorization"].removeprefix("Basic ")) == b"user@carrier.example:pcs"
    assert "Proxy-Authorization" not in carrier_headers(AgentSettings(extra_headers=settings.extra_headers), "+13125550123")


def test_an_unknown_macro_leaves_the_header_out() -> None:
    assert "X-Odd" not in carrier_headers(AgentSettings(extra_headers=("X-Odd: ##WHAT##",)), "+13125550123")
