"""Command-line start-up: each command timed as a whole process, beside the floor.

    .venv/bin/python bench/cli.py                     # this checkout, 20 runs of each command
    .venv/bin/python bench/cli.py --runs 50
    .venv/bin/python bench/cli.py --tree ../other     # another checkout (e.g. main, for a before figure)

What is timed: from spawning ``python -m mmsua COMMAND`` to its exit (the wall clock
of subprocess.run), for ``decode`` of an M-Notification.ind file and of a two-segment
push SMS in hex, and for the client commands ``status``, ``ls`` and ``show 1``
against a daemon API on a real Unix socket. That API is served in this process by the
tests' in-memory stand-in (tests/daemon/bookagent.py behind mmsua.daemon.server's
ApiServer), so the figures are the client's start-up and one exchange, not an engine's
work. The physical floor printed beside them is ``python -c pass`` with the same
interpreter and environment: a command can never start faster than that.

Byte-code caches are written first (one untimed run of each command, without
PYTHONDONTWRITEBYTECODE), as an installed package has them; the runs of all commands
alternate, so a load change on a shared machine hits each alike. Each line gives the
median, the fastest and the 90th percentile in milliseconds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "daemon"))

GOAL_MS = 80.0  # issue 13: decode and the client commands


def inputs(tmp: Path) -> tuple[Path, Path]:
    """A generated M-Notification.ind, and the same in a WSP push over two SMS (hex lines)."""
    from mmsua.codec.mms import Address, Expiry, MessageType, MmsPdu, encode_mms
    from mmsua.codec.push import MMS_CONTENT_TYPE, encode_push
    from mmsua.codec.sms import wap_push_sms

    notification = encode_mms(MmsPdu(
        message_type=MessageType.M_NOTIFICATION_IND, transaction_id="mmsua-bench-0001", mms_version="1.2",
        sender=Address.phone("+447700900123"), subject="Holiday photos", message_class="personal",
        message_size=48213, expiry=Expiry.after(259200),
        content_location="http://mmsc.example.net/mms/retrieve?id=0001-7f3a9c2e-bench-holiday-photos",
    ))
    push = encode_push(MMS_CONTENT_TYPE, notification, transaction_id=1)
    segments = wap_push_sms("+447700900555", push, reference=0x2A, timestamp=datetime(2024, 5, 1, 12, 0, tzinfo=UTC),
                            smsc="+447700900000")
    mms, sms = tmp / "notification.mms", tmp / "push.hex"
    mms.write_bytes(notification)
    sms.write_text("".join(pdu.hex().upper() + "\n" for pdu in segments))
    return mms, sms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each command (default 20)")
    parser.add_argument("--tree", type=Path, default=ROOT, help="the checkout whose mmsua runs (default: this one)")
    args = parser.parse_args()

    from bookagent import BookAgent

    from mmsua.daemon.server import ApiServer

    tree = args.tree.resolve()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(tree)  # that checkout's mmsua before any installed one
    with tempfile.TemporaryDirectory(prefix="mmsua-bench-cli-", dir="/tmp") as tmp_name:
        tmp = Path(tmp_name)
        mms, sms = inputs(tmp)
        agent = BookAgent()
        agent.receive("+447700900123", "a message for `show 1` and `ls`")
        server = ApiServer(agent, tmp / "api.sock")  # type: ignore[arg-type]
        server.start()
        try:
            sock = ["--socket", str(tmp / "api.sock")]
            commands: dict[str, list[str]] = {
                "python -c pass (the floor)": ["-c", "pass"],
                "mmsua decode notification.mms": ["-m", "mmsua", "decode", str(mms)],
                "mmsua decode push.hex (2 SMS)": ["-m", "mmsua", "decode", str(sms)],
                "mmsua status": ["-m", "mmsua", "status", *sock],
                "mmsua ls": ["-m", "mmsua", "ls", *sock],
                "mmsua show 1": ["-m", "mmsua", "show", "1", *sock],
            }
            times: dict[str, list[float]] = {name: [] for name in commands}
            for name, argv in commands.items():  # writes the byte-code caches; must succeed
                done = subprocess.run([sys.executable, *argv], cwd=tree, env=env, capture_output=True, text=True)
                if done.returncode != 0:
                    print(f"{name} failed ({done.returncode}): {done.stderr.strip()}", file=sys.stderr)
                    return 1
            for _ in range(args.runs):
                for name, argv in commands.items():
                    start = time.perf_counter()
                    subprocess.run([sys.executable, *argv], cwd=tree, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, check=True)
                    times[name].append((time.perf_counter() - start) * 1000)
        finally:
            server.stop()
    floor = statistics.median(times["python -c pass (the floor)"])
    print(f"{tree}: {sys.executable}, {args.runs} runs each, milliseconds")
    print(f"{'command':<34} {'median':>8} {'fastest':>8} {'p90':>8} {'minus floor':>12}  goal {GOAL_MS:.0f} ms")
    for name, samples in times.items():
        ordered = sorted(samples)
        median = statistics.median(ordered)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        verdict = "" if name.startswith("python") else ("met" if median < GOAL_MS else "NOT met")
        print(f"{name:<34} {median:8.1f} {ordered[0]:8.1f} {p90:8.1f} {median - floor:12.1f}  {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
