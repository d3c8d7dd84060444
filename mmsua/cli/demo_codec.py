"""``mmsua demo --codec``: the codecs alone, no modem and no network.

It builds what a carrier sends when an MMS waits for you: an M-Notification.ind
inside a WSP push, split into two concatenated SMS-DELIVER PDUs to port 2948,
prints them as a modem does after ``+CMT:``, then decodes them back layer by
layer with the same code as ``mmsua decode``.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from mmsua import exit_codes

CARRIER_SMSC = "+447700900000"
PUSH_SENDER = "+447700900555"
MMS_FROM = "+447700900123"

def sample_modem_output(now: datetime | None = None) -> str:
    """The two +CMT indications a modem prints for a two-segment MMS notification."""
    from mmsua.codec.mms import Address, Expiry, MessageType, MmsPdu, encode_mms
    from mmsua.codec.push import MMS_CONTENT_TYPE, encode_push
    from mmsua.codec.sms import tpdu_length, wap_push_sms

    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    notification = MmsPdu(
        message_type=MessageType.M_NOTIFICATION_IND,
        transaction_id="mmsua-demo-0001",
        mms_version="1.2",
        sender=Address.phone(MMS_FROM),
        subject="Holiday photos",
        message_class="personal",
        message_size=48213,
        expiry=Expiry.after(int(timedelta(days=3).total_seconds())),
        content_location="http://mmsc.example.net/mms/retrieve?id=0001-7f3a9c2e-demo-holiday-photos",
    )
    push = encode_push(MMS_CONTENT_TYPE, encode_mms(notification), transaction_id=1)
    pdus = wap_push_sms(PUSH_SENDER, push, reference=0x2A, timestamp=now.astimezone(timezone(timedelta(hours=1))),
                        smsc=CARRIER_SMSC)
    return "".join(f"+CMT: ,{tpdu_length(pdu)}\r\n{pdu.hex().upper()}\r\n" for pdu in pdus)


def run_codec_demo(*, json_output: bool = False) -> int:
    from mmsua import dump
    from mmsua.cli.decode import analyse, as_json, as_lines, error_line

    modem_text = sample_modem_output()
    result = analyse(modem_text.encode("ascii"), "sms")
    if json_output:
        print(dump.to_json({"demo": "codec", "modem_output": modem_text.splitlines(), **as_json(result)}))
    else:
        print("mmsua codec demo: a WAP Push MMS notification as a modem prints it, decoded by mmsua's codecs.")
        print("(`mmsua demo` without --codec runs the whole phone on a simulated carrier.)")
        print()
        print("What the modem printed:")
        print("".join("  " + line + "\n" for line in modem_text.splitlines()))
        print("\n".join(as_lines(result)))
    message = error_line(result)
    if message:
        print(message)
        return exit_codes.SOFTWARE  # the demo's own sample must decode
    return exit_codes.OK
