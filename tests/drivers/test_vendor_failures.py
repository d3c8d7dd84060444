"""The failure scenarios of issue 4 per vendor profile (Huawei, Sierra, u-blox, SIMCom),
replayed from hw_fixtures through the real driver objects (SmsService, PdpContext,
SimcomSockets, Modem) over replay://. Quectel/generic have theirs in test_sms_service.py,
test_pdp.py, test_modem.py and test_channel_failures.py."""

from __future__ import annotations

import pytest
from hwreplay import Inbox, assert_played, no_sleep, replay_channel

from mmsua.drivers.bearers.at_sockets import SimcomSockets
from mmsua.drivers.pdp import PdpContext, PdpSettings
from mmsua.drivers.profiles import get_profile
from mmsua.drivers.sms import SmsService, tpdu_octets


class Sleeps(list):
    """Back-off delays asked for, in order (nothing really sleeps: the transcript decides)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


# (fixture, profile, storage, size, slots kept in an earlier run, slot the new WAP Push lands in)
MEMORY_FULL = [
    ("huawei/e3372/memory-full.txt", "huawei", "SM", 50, (3, 17), 3),
    ("sierra/mc7455/memory-full.txt", "sierra", "ME", 255, (12,), 12),
    ("ublox/sara-r410m/memory-full.txt", "ublox", "ME", 255, (0, 1), 0),
    ("simcom/sim7600/memory-full.txt", "simcom", "ME", 255, (7, 9), 7),
]


@pytest.mark.parametrize(("fixture", "profile", "storage", "size", "kept", "slot"), MEMORY_FULL, ids=lambda v: v if isinstance(v, str) and "/" in v else None)
def test_memory_full_frees_handled_messages_then_the_new_one_is_read(
    fixture: str, profile: str, storage: str, size: int, kept: tuple[int, ...], slot: int
) -> None:
    inbox = Inbox()
    with replay_channel(fixture) as channel:
        sms = SmsService(channel, get_profile(profile), on_sms=inbox, sleep=no_sleep)
        for index in kept:  # the layer above's records of an earlier run
            sms.mark_handled(storage, index)
        settings = sms.start(worker=False, collect=False)
        assert settings.storages == (storage, storage, storage)
        assert (settings.used, settings.total) == (size, size)
        assert sms.handled == frozenset()  # every kept message was deleted (AT+CMGD each)
        assert sms.drain(timeout=5.0) == 1  # the +CMTI into the freed slot
        (message,) = inbox.items
        assert (message.storage, message.index, message.source, message.kind) == (storage, slot, "cmti", "deliver")
        assert message.tpdu_length == tpdu_octets(message.pdu_hex) == 153
        assert "05040B8423F0" in message.pdu_hex  # UDH port addressing: WAP Push port 2948
        sms.acknowledge_stored(message.storage, message.index)  # kept above: deleted now
        assert sms.handled == frozenset()
        sms.stop()
        assert_played(channel)


# (fixture, profile, refusals as CME codes, back-offs)
PDP_REFUSED = [
    ("huawei/e3372/pdp-activation-refused-then-retried.txt", "huawei", [148, 148], [2.0, 5.0]),
    ("sierra/mc7455/pdp-activation-refused-then-retried.txt", "sierra", [134, 148], [2.0, 5.0]),
    ("ublox/sara-r410m/pdp-activation-refused-then-retried.txt", "ublox", [148, 148, 148], [2.0, 5.0, 10.0]),
]


@pytest.mark.parametrize(("fixture", "profile", "codes", "backoffs"), PDP_REFUSED, ids=lambda v: v if isinstance(v, str) and "/" in v else None)
def test_pdp_activation_refused_then_retried_with_backoff(
    fixture: str, profile: str, codes: list[int], backoffs: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    sleeps = Sleeps()
    with replay_channel(fixture) as channel:
        pdp = PdpContext(channel, get_profile(profile), PdpSettings(2, "mms"), sleep=sleeps)
        pdp.define()
        with caplog.at_level("WARNING", logger="mmsua.drivers.pdp"):
            assert pdp.activate() == ["10.180.2.33"]
        assert sleeps == backoffs  # one back-off per refusal, growing
        refusals = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert len(refusals) == len(codes)
        for message, code in zip(refusals, codes):
            assert f"+CME ERROR: {code} (" in message, message
        pdp.deactivate()
        assert_played(channel)


def test_simcom_netopen_refused_then_retried_with_backoff() -> None:
    sleeps = Sleeps()
    with replay_channel("simcom/sim7600/pdp-activation-refused-then-retried.txt") as channel:
        profile = get_profile("simcom")
        pdp = PdpContext(channel, profile, PdpSettings(5, "mms"), sleep=sleeps)
        stack = SimcomSockets(channel, profile, pdp, sleep=no_sleep)
        assert stack.up() == ["10.181.7.2"]  # after +NETOPEN: 1 and a plain ERROR
        assert sleeps == [2.0, 5.0]
        assert_played(channel)
