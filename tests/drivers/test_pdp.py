"""The MMS PDP context over replayed transcripts: define, activate with retries, read the address,
and never touch a context that is not ours."""

from __future__ import annotations

import pytest
from hwreplay import assert_played, replay_channel

from mmsua.drivers.answers.pdp import parse_cgact, parse_cgdcont, parse_cgpaddr
from mmsua.drivers.pdp import ActivationFailed, ContextBusy, PdpContext, PdpSettings
from mmsua.drivers.vendors import get_profile
from mmsua.drivers.vendors.quectel.pdp import parse_qiact


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_generic_refused_then_retried_with_backoff() -> None:
    sleeps = Sleeps()
    with replay_channel("generic/3gpp/pdp-activation-refused-then-retried.txt") as channel:
        pdp = PdpContext(channel, get_profile("generic"), PdpSettings(3, "mms", "IPV4V6", "mms", "secret", "pap"), sleep=sleeps)
        pdp.define()
        assert pdp.activate() == ["10.20.30.40", "2001:db8::1"]
        assert sleeps == [2.0]  # one refusal (CME 134), one back-off
        pdp.deactivate()
        assert_played(channel)


def test_quectel_refused_twice_then_up() -> None:
    sleeps = Sleeps()
    with replay_channel("quectel/ec25/pdp-activation-refused-then-retried.txt") as channel:
        pdp = PdpContext(channel, get_profile("quectel"), PdpSettings(2, "mms", "IP", "wap", "wap", "chap"), sleep=sleeps)
        pdp.define()  # cid 2 already says mms: only the credentials are (re)set
        assert pdp.activate() == ["10.180.2.33"]
        assert sleeps == [2.0, 5.0]
        assert_played(channel)


def test_refused_every_time_is_activation_failed() -> None:
    with replay_channel("quectel/ec25/pdp-activation-refused-then-retried.txt") as channel:
        pdp = PdpContext(channel, get_profile("quectel"), PdpSettings(2, "mms", "IP", "wap", "wap", "chap"), retry_delays=(0.0,), sleep=lambda s: None)
        pdp.define()
        with pytest.raises(ActivationFailed, match="refused the MMS context .* 2 times") as info:
            pdp.activate()
        assert info.value.attempts == 2


def test_the_internet_context_is_never_redefined() -> None:
    with replay_channel("generic/3gpp/pdp-cid-in-use.txt") as channel:
        pdp = PdpContext(channel, get_profile("generic"), PdpSettings(1, "mms"))
        with pytest.raises(ContextBusy, match="active with APN 'fast.t-mobile.com'"):
            pdp.define()
        assert_played(channel)  # nothing was written after the two reads


@pytest.mark.parametrize(
    "kwargs",
    [dict(cid=0, apn="mms"), dict(cid=2, apn="m\"ms"), dict(cid=2, apn="mms", pdp_type="X25"), dict(cid=2, apn="mms", auth="kerberos")],
)
def test_bad_settings_are_refused(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        PdpSettings(**kwargs)


def test_parsers() -> None:
    defs = parse_cgdcont(['+CGDCONT: 1,"IP","apn","",0,0', '+CGDCONT: 2,"IP","x"', "+CGDCONT: (1-16),\"IP\",,,(0-2),(0-4)"])
    assert defs[1].apn == "apn" and defs[2].apn == "x" and len(defs) == 2
    assert parse_cgact(["+CGACT: 1,1", "+CGACT: 2,0"]) == {1: True, 2: False}
    assert parse_qiact(['+QIACT: 1,1,1,"10.0.0.1"', "+QIACT: 2,0,1"]) == {1: (True, "10.0.0.1"), 2: (False, None)}
    assert parse_cgpaddr(["+CGPADDR: 1,10.1.2.3"], 1) == ["10.1.2.3"]
    assert parse_cgpaddr(['+CGPADDR: 2,"0.0.0.0"'], 2) == []
    assert parse_cgpaddr(['+CGPADDR: 2,"10.1.2.3"'], 3) == []
