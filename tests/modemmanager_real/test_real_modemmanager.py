"""The real ModemManager managing the emulated modem (conftest.py says how it runs): the
modem's identity as ModemManager reads it, a WAP push from the simulated network arriving as
an Sms object with its binary data, and an SMS sent through ModemManager reaching the SMSC.

These prove the harness and what ModemManager makes of the emulated modem; mmsua's own
ModemManager backend is tested against it where it is built."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from datetime import datetime, timezone
from typing import Any

import pytest
from mmharness import GID1, MSISDN, PEER, RealModemManager
from realmm import (
    DELIVERY_COMPLETED_RECEIVED,
    MESSAGING,
    MODEM,
    MODEM_3GPP,
    PDU_TYPE_DELIVER,
    PDU_TYPE_STATUS_REPORT,
    SIM,
    SMS,
    SMS_STATE_RECEIVED,
    SMS_STATE_SENT,
    wait_for,
)

from mmsua.codec.push import MMS_APP_ID, MMS_CONTENT_TYPE, encode_push
from mmsua.codec.sms import SmsStatusReport, decode_sms, wap_push_sms
from mmsua.sim.smsc import WAP_PUSH_ORIGINATOR

Variant = pytest.importorskip("dbus_fast", reason="dbus-fast is not installed (pip install -e '.[test]')").Variant
WAIT = 60.0
_tids = itertools.count(0x40)


def _received_with(mm: RealModemManager, data: bytes) -> dict[str, Any] | None:
    for sms in mm.bus.sms_list(mm.modem):
        if bytes(sms.get("Data", b"")) == data and sms.get("State") == SMS_STATE_RECEIVED:
            return sms
    return None


def test_modemmanager_reads_the_emulated_modems_identity(real_mm: RealModemManager) -> None:
    emulated = real_mm.handset.modem
    modem = real_mm.bus.properties(real_mm.modem, MODEM)
    assert (modem["Manufacturer"], modem["Model"]) == (emulated.profile.manufacturer, emulated.profile.model)
    assert modem["EquipmentIdentifier"] == emulated.imei
    assert MSISDN in modem["OwnNumbers"]
    assert modem["Plugin"] == real_mm.plugin
    assert [port for port, _ in modem["Ports"]] == [real_mm.port]
    gpp = real_mm.bus.properties(real_mm.modem, MODEM_3GPP)
    assert gpp["Imei"] == emulated.imei
    assert (gpp["OperatorName"], gpp["OperatorCode"]) == (real_mm.carrier.operator, emulated.network.mcc_mnc)
    sim = real_mm.bus.properties(modem["Sim"], SIM)
    assert (sim["Imsi"], sim["SimIdentifier"]) == (emulated.imsi, emulated.iccid)
    assert (sim["OperatorIdentifier"], sim["OperatorName"]) == (emulated.network.mcc_mnc, real_mm.carrier.operator)
    assert bytes(sim["Gid1"]).hex().upper() == GID1


def test_a_wap_push_from_the_network_becomes_an_sms_object_with_its_binary_data(real_mm: RealModemManager) -> None:
    # An M-Notification.ind's first octets, short enough for one SMS: its content is not
    # ModemManager's business, only that the WSP bytes come through unchanged.
    body = bytes.fromhex("8c82") + b"\x98" + f"mm-real-{next(_tids)}".encode() + b"\x00" + bytes.fromhex("8d92")
    push = encode_push(MMS_CONTENT_TYPE, body, transaction_id=next(_tids), app_id=MMS_APP_ID)
    pdus = real_mm.carrier.smsc.wap_push(MSISDN, push)
    assert len(pdus) == 1, "the push was meant to fit one SMS"
    sms = wait_for("the WAP push shows up as a received Sms object with the push as its Data",
                   lambda: _received_with(real_mm, push), WAIT, real_mm.log_tail)
    assert sms["PduType"] == PDU_TYPE_DELIVER
    assert sms["Number"] == WAP_PUSH_ORIGINATOR
    assert sms["Text"] == ""  # binary: nothing decoded as text


def test_a_push_split_over_several_sms_is_one_sms_object_with_the_whole_push(real_mm: RealModemManager) -> None:
    # ModemManager joins the concatenated parts (by the UDH's reference) before it exports them.
    # Each part is handed over once ModemManager has read the one before: ModemManager 1.20
    # drops a +CMTI that comes while it holds the SMS storage lock for the previous one (its
    # indication_lock_storages_ready has no retry), and a network spaces the parts out anyway.
    body = bytes(range(256)) + f"long-{next(_tids)}".encode()
    push = encode_push(MMS_CONTENT_TYPE, body, transaction_id=next(_tids), app_id=MMS_APP_ID)
    pdus = wap_push_sms(WAP_PUSH_ORIGINATOR, push, reference=next(_tids), timestamp=datetime.now(timezone.utc),
                        smsc=real_mm.carrier.smsc.address)
    assert len(pdus) == 3
    read = real_mm.parts_read()
    for pdu in (pdus[2], pdus[0], pdus[1]):  # out of order, as networks deliver them
        real_mm.handset.modem.deliver_sms(pdu)
        read += 1
        wait_for(f"ModemManager has read {read} SMS parts in all", lambda n=read: real_mm.parts_read() >= n, WAIT, real_mm.log_tail)
    sms = wait_for("the three parts show up as one received Sms object whose Data is the whole push",
                   lambda: _received_with(real_mm, push), WAIT, real_mm.log_tail)
    assert sms["Number"] == WAP_PUSH_ORIGINATOR


def test_mmcli_lists_the_received_sms(real_mm: RealModemManager) -> None:
    push = encode_push(MMS_CONTENT_TYPE, b"\x8c\x82\x98" + f"cli-{next(_tids)}".encode() + b"\x00",
                       transaction_id=next(_tids), app_id=MMS_APP_ID)
    real_mm.carrier.smsc.wap_push(MSISDN, push)
    sms = wait_for("the push is received", lambda: _received_with(real_mm, push), WAIT, real_mm.log_tail)
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": real_mm.bus.address}
    mmcli = shutil.which("mmcli") or shutil.which("mmcli", path="/usr/bin:/bin")
    assert mmcli is not None, "mmcli comes with ModemManager"
    listed = subprocess.run([mmcli, "--test-session", "-m", real_mm.modem, "--messaging-list-sms", "-J"],
                            env=env, capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert sms["path"] in json.loads(listed.stdout)["modem.messaging.sms"]
    shown = subprocess.run([mmcli, "--test-session", "-s", sms["path"], "-J"], env=env, capture_output=True,
                           text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    content = json.loads(shown.stdout)["sms"]["content"]
    assert (content["number"], content["data"].lower()) == (WAP_PUSH_ORIGINATOR, push.hex())


def test_an_sms_sent_through_modemmanager_reaches_the_simulated_smsc_and_is_reported_delivered(
        real_mm: RealModemManager) -> None:
    text = f"through ModemManager {next(_tids)}"
    (path,) = real_mm.bus.call(real_mm.modem, MESSAGING, "Create", "a{sv}", [{
        "number": Variant("s", PEER), "text": Variant("s", text), "delivery-report-request": Variant("b", True)}])
    real_mm.bus.call(path, SMS, "Send", timeout=WAIT)
    submitted = wait_for(
        "the SMSC took the SMS-SUBMIT from the handset",
        lambda: [s for s in real_mm.carrier.smsc.log.submitted
                 if s.sender == MSISDN and s.decoded is not None and s.decoded.text == text],
        WAIT, real_mm.log_tail)
    assert submitted[0].decoded.destination == PEER
    assert submitted[0].decoded.status_report_request
    assert real_mm.bus.get(path, SMS, "State") == SMS_STATE_SENT
    reference = real_mm.bus.get(path, SMS, "MessageReference")  # from the +CMGS answer
    # The SMSC's status report comes back as +CDS. ModemManager 1.20 exports it as an Sms
    # object of its own (PduType status-report) with the sent SMS's MessageReference; a
    # ModemManager that files it under the sent SMS sets that one's DeliveryState instead.
    wait_for("a status report for the SMS says completed-received",
             lambda: _delivered(real_mm, path, reference), WAIT, real_mm.log_tail)
    assert reference in _report_references(real_mm), "the SMSC's status report names another message reference"


def _report_references(mm: RealModemManager) -> set[int]:
    """Message references of the status reports the SMSC sent to the handset."""
    reports = (decode_sms(pdu, has_smsc=True) for to, pdu in list(mm.carrier.smsc.log.sent) if to == MSISDN)
    return {r.message_reference for r in reports if isinstance(r, SmsStatusReport)}


def _delivered(mm: RealModemManager, sent: str, reference: int) -> bool:
    if mm.bus.get(sent, SMS, "DeliveryState") == DELIVERY_COMPLETED_RECEIVED:
        return True
    return any(sms["PduType"] == PDU_TYPE_STATUS_REPORT and sms["MessageReference"] == reference
               and sms["Number"] == PEER and sms["DeliveryState"] == DELIVERY_COMPLETED_RECEIVED
               for sms in mm.bus.sms_list(mm.modem))
