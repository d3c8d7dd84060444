"""Codec throughput: mmsua against python-messaging on the same inputs, in one run.

    .venv/bin/python bench/codec.py            # small messages, generated 300 KB M-Retrieve.conf, the corpus
    .venv/bin/python bench/codec.py --quick    # shorter timing windows
    .venv/bin/python bench/codec.py --small    # only the small messages (what a notification costs)

Prints messages/s and MB/s of both libraries and the ratio (mmsua / python-messaging)
for decoding and encoding a generated ~300 KB M-Retrieve.conf (a Pillow JPEG and a
text part) and every MMS capture in ../shared/corpus/mms (when that folder exists).

The small-message section times what a phone decodes most often, a notification:
every M-Notification.ind (a generated one and those of the corpus) and every WAP push
SMS that carries one, from the hex a modem prints to the decoded M-Notification.ind
(mmsua: decode_sms of each segment, PushReassembler, decode_push, decode_mms, as the
engine's receive path does; python-messaging: its SmsDeliver of each segment, the
user data joined, messaging.sms.wap.extract_push_notification, as its own tests do).
Both libraries' windows alternate there, so a load change on a shared machine hits
both columns alike.
"""

from __future__ import annotations

import argparse
import array
import io
import logging
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mmsua.codec.mms import (  # noqa: E402
    Address,
    ContentType,
    Expiry,
    MessageType,
    MmsPdu,
    Part,
    decode_mms,
    encode_mms,
)
from mmsua.codec.push import MMS_CONTENT_TYPE, decode_push, encode_push  # noqa: E402
from mmsua.codec.reassembly import PushReassembler  # noqa: E402
from mmsua.codec.smil import make_smil  # noqa: E402
from mmsua.codec.sms import decode_sms, wap_push_sms  # noqa: E402

SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
CORPUS = SHARED_CORPUS / "mms"


def rate(fn: Callable[[], object], min_seconds: float) -> float:
    """Calls per second of ``fn``: the best of three windows of ``min_seconds``
    (at least 2 calls each), so a busy shared machine disturbs the figure less."""
    fn()  # warm up
    best = 0.0
    for _ in range(3):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds and calls >= 2:
                break
        best = max(best, calls / elapsed)
    return best


def rates_side_by_side(ours: Callable[[], object], theirs: Callable[[], object] | None,
                       min_seconds: float) -> tuple[float, float | None]:
    """Calls per second of both, best of three windows each, the windows alternating
    (ours, theirs, ours, ...) so both see the same machine; None for a peer that fails."""
    def window(fn: Callable[[], object]) -> float:
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_seconds and calls >= 2:
                return calls / elapsed

    ours()
    if theirs is not None:
        try:
            theirs()
        except Exception:  # noqa: BLE001 - the peer fails on some inputs
            theirs = None
    best_ours, best_theirs = 0.0, 0.0
    for _ in range(3):
        best_ours = max(best_ours, window(ours))
        if theirs is not None:
            best_theirs = max(best_theirs, window(theirs))
    return best_ours, (best_theirs if theirs is not None else None)


def generated_notification() -> bytes:
    """An M-Notification.ind as a carrier sends one (the shape of `mmsua demo --codec`'s)."""
    return encode_mms(MmsPdu(
        message_type=MessageType.M_NOTIFICATION_IND,
        transaction_id="mmsua-bench-0001",
        mms_version="1.2",
        sender=Address.phone("+447700900123"),
        subject="Holiday photos",
        message_class="personal",
        message_size=48213,
        expiry=Expiry.after(259200),
        content_location="http://mmsc.example.net/mms/retrieve?id=0001-7f3a9c2e-bench-holiday-photos",
    ))


def generated_push_sms(notification: bytes) -> list[str]:
    """That notification in a WSP push over two SMS-DELIVERs, as hex a modem prints."""
    push = encode_push(MMS_CONTENT_TYPE, notification, transaction_id=1)
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    return [pdu.hex().upper() for pdu in wap_push_sms("+447700900555", push, reference=0x2A, timestamp=when,
                                                      smsc="+447700900000")]


def notification_from_sms(segments: list[str]) -> MmsPdu:
    """mmsua: hex segments to the decoded M-Notification.ind, as the engine's receive path goes."""
    joiner = PushReassembler()
    datagram = None
    for hex_pdu in segments:
        sms = decode_sms(hex_pdu)
        datagram = joiner.feed(sms, 0.0) or datagram  # type: ignore[arg-type]
    assert datagram is not None
    return decode_mms(decode_push(datagram.data).body)


def peer_notification_from_sms(segments: list[str]) -> object:
    """python-messaging: the same, the way its test_wap.py decodes a WAP push."""
    from messaging.sms import SmsDeliver
    from messaging.sms.wap import extract_push_notification

    data = b"".join(SmsDeliver(hex_pdu).text for hex_pdu in segments)
    return extract_push_notification(data)


def small_messages(window: float) -> None:
    """M-Notification.ind alone, and in push SMS from the modem's hex: both libraries side by side."""
    from messaging.mms.message import MMSMessage

    def peer_decode(data: bytes) -> object:
        return MMSMessage.from_data(array.array("B", data))

    notification = generated_notification()
    notifications = [("generated m-notification-ind", notification)]
    sms_inputs = [("generated, 2 segments", generated_push_sms(notification))]
    if SHARED_CORPUS.is_dir():
        for line in (SHARED_CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]:
            name, kind = line.split("\t")[:2]
            path = SHARED_CORPUS / name
            if kind == "m-notification-ind":
                notifications.append((path.name, path.read_bytes()))
            elif kind == "sms-wap-push":
                segments = path.read_text().split()
                if decode_push(_joined(segments)).is_mms:
                    sms_inputs.append((f"{path.name}, {len(segments)} segment{'s' * (len(segments) > 1)}", segments))
    header = f"{'input':<52} {'bytes':>8}  {'mmsua':>24}  {'python-messaging':>24}  {'ratio':>8}"
    print("M-NOTIFICATION.IND DECODE", header)
    lowest: dict[str, tuple[float, str]] = {}
    for label, blob in notifications:
        ours, theirs = rates_side_by_side(lambda blob=blob: decode_mms(blob), lambda blob=blob: peer_decode(blob), window)
        print(row(label, len(blob), ours, theirs))
        if theirs and ("mms" not in lowest or ours / theirs < lowest["mms"][0]):
            lowest["mms"] = (ours / theirs, label)
    print()
    print("PUSH SMS (hex) TO M-NOTIFICATION.IND", header)
    for label, segments in sms_inputs:
        size = sum(len(s) // 2 for s in segments)
        ours, theirs = rates_side_by_side(lambda s=segments: notification_from_sms(s),
                                          lambda s=segments: peer_notification_from_sms(s), window)
        print(row(label, size, ours, theirs))
        if theirs and ("sms" not in lowest or ours / theirs < lowest["sms"][0]):
            lowest["sms"] = (ours / theirs, label)
    print()
    for key, what in (("mms", "M-Notification.ind decode"), ("sms", "push SMS to M-Notification.ind")):
        if key in lowest:
            print(f"Lowest {what} ratio: {lowest[key][0]:.1f}x ({lowest[key][1]})")
    if not SHARED_CORPUS.is_dir():
        print(f"(corpus not found at {SHARED_CORPUS}; only the generated inputs were timed)")


def _joined(segments: list[str]) -> bytes:
    joiner = PushReassembler()
    datagram = None
    for hex_pdu in segments:
        datagram = joiner.feed(decode_sms(hex_pdu), 0.0) or datagram  # type: ignore[arg-type]
    assert datagram is not None
    return datagram.data


def jpeg_of_size(target: int) -> bytes:
    from PIL import Image

    rng = random.Random(7)
    side = 360
    while True:
        img = Image.frombytes("RGB", (side, side), bytes(rng.getrandbits(8) for _ in range(side * side * 3)))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=92)
        if buf.tell() >= target:
            return buf.getvalue()
        side += 40


def large_message() -> tuple[MmsPdu, bytes, str]:
    jpeg = jpeg_of_size(290_000)
    text = ("A picture from the garden camera. " * 40).encode()
    image = Part(ContentType.of("image/jpeg", name="garden.jpg"), jpeg, "<garden.jpg>", "garden.jpg")
    note = Part(ContentType.of("text/plain", charset="utf-8", name="note.txt"), text, "<note.txt>", "note.txt")
    smil = Part(ContentType.of("application/smil", charset="utf-8"), make_smil([image, note]), "<smil>", "smil.smil")
    pdu = MmsPdu(
        MessageType.M_RETRIEVE_CONF,
        transaction_id="bench-1",
        mms_version="1.2",
        message_id="bench-msg-1",
        date=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
        sender=Address.phone("+447700900123"),
        to=(Address.phone("+447700900999"),),
        subject="Garden camera",
        content_type=ContentType.of("application/vnd.wap.multipart.related", start="<smil>", type="application/smil"),
        parts=(smil, image, note),
    )
    return pdu, jpeg, text.decode()


def peer_message(jpeg: bytes, text: str, tmp: Path):  # noqa: ANN201 - the peer's type
    from messaging.mms.message import MMSMessage, MMSMessagePage

    path = tmp / "garden.jpg"
    path.write_bytes(jpeg)
    msg = MMSMessage()
    msg.headers.update({
        "Message-Type": "m-retrieve-conf", "Transaction-Id": "bench-1", "MMS-Version": "1.2",
        "From": "+447700900123/TYPE=PLMN", "To": "+447700900999/TYPE=PLMN", "Subject": "Garden camera",
    })
    page = MMSMessagePage()
    page.add_image(str(path))
    page.image[0]._data = jpeg.decode("latin-1")  # the peer reads files in text mode and wants str
    page.add_text(text)
    msg.add_page(page)
    return msg


def row(label: str, size: int, ours: float | None, theirs: float | None) -> str:
    def fmt(r: float | None) -> str:
        return "      fails" if r is None else f"{r:9.1f}/s {r * size / 1e6:8.2f} MB/s"

    ratio = "     n/a" if not ours or not theirs else f"{ours / theirs:7.1f}x"
    return f"{label:<52} {size:>8}  {fmt(ours)}  {fmt(theirs)}  {ratio}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="shorter timing windows (less steady figures)")
    parser.add_argument("--small", action="store_true", help="only the small messages (notifications, push SMS)")
    args = parser.parse_args()
    window = 0.1 if args.quick else 0.5
    logging.disable(logging.CRITICAL)  # the peer logs every header at DEBUG/ERROR
    small_messages(window / 2)
    if args.small:
        return 0
    print()
    from messaging.mms.message import MMSMessage

    def peer_decode(data: bytes) -> object:
        return MMSMessage.from_data(array.array("B", data))

    header = f"{'input':<52} {'bytes':>8}  {'mmsua':>24}  {'python-messaging':>24}  {'ratio':>8}"
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        pdu, jpeg, text = large_message()
        data = encode_mms(pdu)
        peer_msg = peer_message(jpeg, text, Path(tmp))
        peer_bytes = peer_msg.encode().tobytes()
        print(f"Generated M-Retrieve.conf: {len(data)} bytes (JPEG {len(jpeg)} bytes + text + SMIL); "
              f"python-messaging's encoding of the same content: {len(peer_bytes)} bytes")
        print()
        print("DECODE", header)
        print(row("generated 300 KB m-retrieve-conf", len(data), rate(lambda: decode_mms(data), window),
                  rate(lambda: peer_decode(data), window)))
        print("ENCODE", header)
        print(row("generated 300 KB m-retrieve-conf", len(data), rate(lambda: encode_mms(pdu), window),
                  rate(lambda: peer_msg.encode(), window)))

    if not CORPUS.is_dir():
        print(f"\n(corpus not found at {CORPUS}; skipped)")
        return 0
    print()
    print("CORPUS DECODE", header)
    worst: tuple[float, str] | None = None
    worst_enc: tuple[float, str] | None = None
    peer_fails = {"decode": 0, "encode": 0}
    enc_rows = []
    for path in sorted(CORPUS.glob("*.mms")):
        blob = path.read_bytes()
        ours = rate(lambda blob=blob: decode_mms(blob), window / 5)
        try:
            peer = peer_decode(blob)
            theirs: float | None = rate(lambda blob=blob: peer_decode(blob), window / 5)
        except Exception:  # noqa: BLE001 - the peer fails on some captures
            peer, theirs = None, None
            peer_fails["decode"] += 1
        print(row(path.name, len(blob), ours, theirs))
        if theirs and (worst is None or ours / theirs < worst[0]):
            worst = (ours / theirs, path.name)
        decoded = decode_mms(blob)
        ours_enc = rate(lambda decoded=decoded: encode_mms(decoded, strict=False), window / 5)
        theirs_enc: float | None = None
        if peer is not None:
            try:
                peer.encode()
                theirs_enc = rate(lambda peer=peer: peer.encode(), window / 5)
            except Exception:  # noqa: BLE001 - its encoder lacks many header kinds
                theirs_enc = None
        if theirs_enc is None:
            peer_fails["encode"] += 1
        elif worst_enc is None or ours_enc / theirs_enc < worst_enc[0]:
            worst_enc = (ours_enc / theirs_enc, path.name)
        enc_rows.append(row(path.name, len(blob), ours_enc, theirs_enc))
    print()
    print("CORPUS ENCODE (python-messaging re-encodes what it decoded)", header)
    print("\n".join(enc_rows))
    total = len(enc_rows)
    print()
    if worst:
        print(f"Lowest corpus decode ratio: {worst[0]:.1f}x ({worst[1]})")
    if worst_enc:
        print(f"Lowest corpus encode ratio: {worst_enc[0]:.1f}x ({worst_enc[1]})")
    print(f"python-messaging failed to decode {peer_fails['decode']} and to re-encode {peer_fails['encode']} "
          f"of {total} captures; mmsua decoded and encoded all {total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
