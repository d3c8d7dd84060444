"""Codec throughput: mmsua against python-messaging on the same inputs, in one run.

    .venv/bin/python bench/codec.py            # generated 300 KB M-Retrieve.conf + the corpus
    .venv/bin/python bench/codec.py --quick    # shorter timing windows

Prints messages/s and MB/s of both libraries and the ratio (mmsua / python-messaging)
for decoding and encoding a generated ~300 KB M-Retrieve.conf (a Pillow JPEG and a
text part) and every MMS capture in ../shared/corpus/mms (when that folder exists).
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
    MessageType,
    MmsPdu,
    Part,
    decode_mms,
    encode_mms,
)
from mmsua.codec.smil import make_smil  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "mms"


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
    args = parser.parse_args()
    window = 0.1 if args.quick else 0.5
    logging.disable(logging.CRITICAL)  # the peer logs every header at DEBUG/ERROR
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
