"""The carrier personalities at the simulated MMSC, over real HTTP: which headers the
strict MMSC knows, the 1 MB MMSC's limit and SIM, the transaction ids of ack-quirks,
and `mmsua sim --personality` / `--list-personalities`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import requests

from mmsua.codec.mms import Address, ContentType, MessageType, MmsPdu, Part, decode_mms, encode_mms
from mmsua.sim.carrier import SimulatedCarrier
from mmsua.sim.modem.core import Timing
from mmsua.sim.personalities import PERSONALITIES, get_personality, ua_refusal

MMSUA = Path(sys.executable).with_name("mmsua")
QUICK = Timing(sms_ready=0.0, register=0.0)
ANDROID = {"User-Agent": "Android-Mms/2.0", "x-wap-profile": "http://www.google.com/oha/rdf/ua-profile-kila.xml"}
MMS_TYPE = {"Content-Type": "application/vnd.wap.mms-message"}
CONTENT_NOT_ACCEPTED = 0xE5  # OMA-TS-MMS_ENC X-Mms-Response-Status Error-permanent-content-not-accepted


def send_req(size: int) -> bytes:
    """An M-Send.req of about ``size`` bytes from a known sender."""
    return encode_mms(MmsPdu(MessageType.M_SEND_REQ, transaction_id="tx1", mms_version="1.2",
                             sender=Address.phone("+15550100001"), to=(Address.phone("+15550100002"),),
                             content_type=ContentType.of("application/vnd.wap.multipart.mixed"),
                             parts=(Part.make(bytes(size), "application/octet-stream", name="blob.bin"),)))


def test_every_personality_has_a_name_and_an_unknown_one_is_refused_naming_them() -> None:
    assert list(PERSONALITIES) == ["default", "strict-ua", "1mb", "ack-quirks", "verizon"]
    with pytest.raises(ValueError, match="no carrier personality 'att'; there are default, strict-ua, 1mb, ack-quirks, verizon"):
        SimulatedCarrier(personality="att")


@pytest.mark.parametrize(("ua", "profile", "refused"), [
    ("Android-Mms/2.0", "http://www.google.com/oha/rdf/ua-profile-kila.xml", None),
    ("Mozilla/5.0 (Linux; Android 14; Pixel 8)", '"https://uaprof.example/p.xml"', None),
    ("Dalvik/2.1.0 (Linux; U)", "http://x/p.rdf", None),
    ("mmsua/0.1", "http://x/p.rdf", "unknown User-Agent 'mmsua/0.1'"),
    (None, "http://x/p.rdf", "User-Agent is required"),
    ("Android-Mms/2.0", None, "x-wap-profile is required"),
    ("Android-Mms/2.0", "kila.xml", "x-wap-profile 'kila.xml' is not a UAProf URL"),
    ("Android-Mms/2.0", "ftp://x/p.rdf", "is not a UAProf URL"),
])
def test_the_strict_ua_rule(ua: str | None, profile: str | None, refused: str | None) -> None:
    answer = ua_refusal(ua, profile)
    assert answer == refused if refused is None else refused in (answer or "")


def test_the_strict_mmsc_answers_412_to_headers_it_does_not_know_and_takes_androids() -> None:
    with SimulatedCarrier(personality="strict-ua", timing=QUICK) as c:
        for headers in ({"User-Agent": "mmsua/0.1", "x-wap-profile": ANDROID["x-wap-profile"]},
                        {"User-Agent": "Android-Mms/2.0"}):
            refused = requests.post(c.mmsc_url, data=send_req(10), headers={**MMS_TYPE, **headers}, timeout=30)
            assert refused.status_code == 412
        assert c.mmsc.received == []  # nothing decoded or stored
        taken = requests.post(c.mmsc_url, data=send_req(10), headers={**MMS_TYPE, **ANDROID}, timeout=30)
        assert taken.status_code == 200 and decode_mms(taken.content).response_status == 0x80
        assert requests.get(c.mmsc_url, headers={"User-Agent": "x"}, timeout=30).status_code == 412


def test_the_default_mmsc_takes_any_headers_and_300_kb() -> None:
    with SimulatedCarrier(timing=QUICK) as c:
        assert c.mmsc.max_message_size == 300 * 1024 and c.personality == get_personality("default")
        answer = requests.post(c.mmsc_url, data=send_req(10), headers={**MMS_TYPE, "User-Agent": "mmsua/0.1"}, timeout=30)
        assert decode_mms(answer.content).response_status == 0x80


def test_the_1mb_mmsc_takes_1mb_refuses_more_with_content_not_accepted_and_its_sim_is_att() -> None:
    with SimulatedCarrier(personality="1mb", timing=QUICK) as c:
        assert c.mmsc.max_message_size == 1024 * 1024
        fits, too_large = send_req(1024 * 1024 - 400), send_req(1024 * 1024 + 10)
        assert len(fits) <= 1024 * 1024 < len(too_large)
        ok = decode_mms(requests.post(c.mmsc_url, data=fits, headers={**MMS_TYPE, **ANDROID}, timeout=60).content)
        assert ok.response_status == 0x80
        refused = decode_mms(requests.post(c.mmsc_url, data=too_large, headers={**MMS_TYPE, **ANDROID}, timeout=60).content)
        assert refused.message_type == MessageType.M_SEND_CONF and refused.response_status == CONTENT_NOT_ACCEPTED
        assert "larger than 1048576" in (refused.response_text or "")
        phone = c.add_handset("+15550100001", pty=False)
        assert phone.modem.imsi.startswith("310410") and len(phone.modem.imsi) == 15
        assert phone.modem.network.operator == "AT&T" and phone.modem.network.mcc_mnc == "310410"


def test_ack_quirks_gives_no_transaction_id_to_an_immediate_retrieval() -> None:
    with SimulatedCarrier(personality="ack-quirks", timing=QUICK) as c:
        c.add_handset("+15550100002", pty=False)
        stored = c.send_mms("+15550100009", ["+15550100002"], text="hi")
        [delivery] = stored.deliveries
        got = requests.get(c.mmsc_url.rsplit("/mms", 1)[0] + delivery.location, timeout=30)
        conf = decode_mms(got.content)
        assert conf.message_type == MessageType.M_RETRIEVE_CONF and conf.transaction_id is None and conf.text == "hi"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(MMSUA), "sim", *args], capture_output=True, text=True, timeout=60, check=False)


def test_the_cli_lists_the_personalities_and_refuses_an_unknown_one() -> None:
    listed = _cli("--list-personalities")
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == list(PERSONALITIES)
    assert "AT&T" in listed.stdout and "412" in listed.stdout
    helped = _cli("--help")
    assert "--personality NAME" in helped.stdout and all(name in helped.stdout for name in PERSONALITIES)
    wrong = _cli("--personality", "att")
    assert wrong.returncode == 2 and "invalid choice: 'att'" in wrong.stderr and "Traceback" not in wrong.stderr
