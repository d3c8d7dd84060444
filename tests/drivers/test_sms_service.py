"""SmsService over replayed transcripts (replay://) through the real AtChannel."""

from __future__ import annotations

import pytest
from hwreplay import Inbox, assert_played, no_sleep, replay_channel

from mmsua.drivers.answers.sms import tpdu_octets
from mmsua.drivers.sms import SmsService, StorageFull
from mmsua.drivers.vendors import get_profile

QUECTEL = get_profile("quectel")


def test_cmgl_at_start_then_cmti_read_and_delete_only_when_acknowledged() -> None:
    inbox = Inbox()
    with replay_channel("quectel/ec25/wap-push-cmti-single.txt") as channel:
        sms = SmsService(channel, QUECTEL, on_sms=inbox, sleep=no_sleep)
        settings = sms.start(worker=False)
        assert settings.storages == ("ME", "ME", "ME")
        assert settings.cnmi == (1, 1, 0, 2, 0) and not settings.direct and not settings.cnma_required
        assert [(m.source, m.storage, m.index, m.tpdu_length) for m in inbox.items] == [("cmgl", "ME", 0, 153)]
        first = inbox.items[0]
        assert first.kind == "deliver" and tpdu_octets(first.pdu_hex) == 153
        # Nothing is deleted until the layer above says the message is kept.
        sms.acknowledge_stored(first.storage, first.index)
        assert sms.drain(timeout=10.0) == 1  # the +CMTI that followed
        second = inbox.items[1]
        assert (second.source, second.storage, second.index, second.stat) == ("cmti", "ME", 1, 0)
        assert second.pdu_hex == first.pdu_hex
        sms.acknowledge_stored("ME", 1)
        assert sms.handled == frozenset()
        sms.stop()
        assert_played(channel)


def test_concatenated_wap_push_arrives_as_two_stored_segments() -> None:
    inbox = Inbox()
    with replay_channel("quectel/ec25/wap-push-cmti-concatenated.txt") as channel:
        sms = SmsService(channel, QUECTEL, on_sms=inbox, sleep=no_sleep)
        sms.start(worker=False)
        done = 0
        while done < 2:
            done += sms.drain(timeout=10.0)
        assert [(m.index, m.tpdu_length) for m in inbox.items] == [(0, 101), (1, 88)]
        # both carry the concatenation IE (ref 0x0A, 2 parts) next to the WAP port IE
        assert all("0B05040B8423F000030A02" in m.pdu_hex for m in inbox.items)
        for m in inbox.items:
            sms.acknowledge_stored(m.storage, m.index)
        sms.stop()
        assert_played(channel)


def test_direct_delivery_acknowledged_after_the_callback() -> None:
    inbox = Inbox()
    with replay_channel("quectel/ec25/wap-push-cmt-direct.txt") as channel:
        sms = SmsService(channel, QUECTEL, on_sms=inbox, direct=True, sleep=no_sleep)
        settings = sms.start(worker=False, collect=False)
        assert settings.direct and settings.cnma_required and settings.cnmi == (1, 2, 0, 1, 0)
        assert inbox.arrived.wait(10.0)
        (message,) = inbox.items
        assert (message.source, message.index, message.storage, message.tpdu_length) == ("cmt", None, None, 153)
        assert sms.drain(timeout=10.0) == 1  # the AT+CNMA=1
        sms.stop()
        assert_played(channel)


def test_memory_full_frees_only_handled_messages() -> None:
    with replay_channel("quectel/ec25/memory-full.txt") as channel:
        sms = SmsService(channel, QUECTEL, sleep=no_sleep)
        sms.mark_handled("ME", 4)  # kept by the layer above in an earlier run
        sms.mark_handled("me", 7)
        settings = sms.start(worker=False, collect=False)
        assert (settings.used, settings.total) == (255, 255)
        assert sms.handled == frozenset()
        sms.mark_handled("ME", 9)
        assert sms.collect_stored() == []  # +CMS ERROR: 322, freed message 9, asked again
        sms.stop()
        assert_played(channel)


def test_a_full_store_with_nothing_handled_does_not_stop_the_start() -> None:
    # Issue #11: start() raised StorageFull here, so the stored SMS were never collected
    # and the network held the MMS notification for good. Now the store is relieved by
    # collecting first (on the worker, tests/drivers/test_sms_full.py); freeing with
    # nothing handled is still a clear error for whoever asks for it.
    with replay_channel("quectel/ec25/memory-full.txt") as channel:
        sms = SmsService(channel, QUECTEL, sleep=no_sleep)
        settings = sms.start(worker=False, collect=False)
        assert (settings.used, settings.total) == (255, 255)
        with pytest.raises(StorageFull, match="no stored SMS is marked handled"):
            sms.free_handled(reason="a test")
        sms.stop()


def test_empty_slots_mean_nothing_and_storage_lies_are_looked_through() -> None:
    inbox = Inbox()
    with replay_channel("quectel/ec25/empty-slot.txt") as channel:
        sms = SmsService(channel, QUECTEL, on_sms=inbox, sleep=no_sleep)
        sms.start(worker=False)
        done = 0
        while done < 2:  # +CMTI "ME",5 (empty everywhere), then +CDSI "SM",0 (found in SR)
            done += sms.drain(timeout=10.0)
        (report,) = inbox.items
        assert (report.kind, report.storage, report.index, report.source) == ("status-report", "SR", 0, "cdsi")
        sms.stop()
        assert_played(channel)


def test_send_pdu_per_part_after_the_prompt() -> None:
    from mmsua.drivers.errors import CmsError, ModemError

    parts = [f"00410{i}0B915121551532F40000110500030A020{i + 1}D06536FB0D" for i in range(3)]
    with replay_channel("quectel/ec25/send-sms.txt") as channel:
        sms = SmsService(channel, QUECTEL, sleep=no_sleep)
        with pytest.raises(ModemError, match="disagrees"):
            sms.send_pdu(parts[0], 23)  # checked before anything is written
        with pytest.raises(ModemError, match="not an even-length hex"):
            sms.send_pdu("0041zz", 2)
        assert [sms.send_pdu(p, 24) for p in parts[:2]] == [12, 13]
        with pytest.raises(CmsError) as info:
            sms.send_pdu(parts[2], 24)
        assert info.value.code == 500
        assert_played(channel)
