"""Run the test suite on a clean clone, N times, with a CPU burner on every core.

A red CI lands nothing, and CI runs on a 2-core machine that may be busy: a test
that only passes on an idle machine is a race to fix. This clones the committed
HEAD (what CI would get), installs it as .ci/run does, then runs the README's test
command N times while `os.cpu_count()` busy loops compete for every core.

    python tools/stress_suite.py --runs 10            # stops at the first red run
    python tools/stress_suite.py --runs 3 --random-order --keep-going

--random-order shuffles the tests (pytest-random-order, a test dependency) to find
tests that depend on the ones before them; the seed of each run is printed so a
failure can be replayed with `--random-order-seed=N`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUMMARY = re.compile(r"^(?:=+ )?(\d+ (?:passed|failed|error).*) in [\d.]+s")


def _burn() -> None:
    while True:
        pass


def _clone(dest: Path) -> Path:
    clone = dest / "mmsua"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # Tests read the third-party captures at ../shared when they are there, as in CI.
    shared = ROOT.parent / "shared"
    if shared.is_dir():
        (dest / "shared").symlink_to(shared)
    subprocess.run([sys.executable, "-m", "venv", ".venv"], cwd=clone, check=True)
    install = subprocess.run([".venv/bin/pip", "install", "-q", "-e", ".[test]"], cwd=clone, capture_output=True, text=True)
    if install.returncode:
        raise SystemExit(f"installing the clone failed:\n{install.stderr}")
    return clone


def _run(clone: Path, seed: int | None, log: Path) -> tuple[bool, str, float]:
    args = [".venv/bin/pytest", "-q", "-p", "no:cacheprovider"]
    if seed is not None:
        args += ["--random-order", f"--random-order-seed={seed}"]
    started = time.monotonic()
    done = subprocess.run(args, cwd=clone, capture_output=True, text=True)
    took = time.monotonic() - started
    if done.returncode:
        log.write_text(done.stdout + done.stderr)  # a red run's whole output: the failure's story
    lines = done.stdout.splitlines()
    failures = [line for line in lines if line.startswith(("FAILED", "ERROR"))]
    summary = next((m.group(1) for line in reversed(lines) if (m := SUMMARY.match(line))), "no summary")
    report = "\n".join([summary, *failures])
    return done.returncode == 0, report, took


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--burners", type=int, default=os.cpu_count() or 2, help="busy loops (default: one per core)")
    parser.add_argument("--random-order", action="store_true", help="shuffle the tests of each run")
    parser.add_argument("--keep-going", action="store_true", help="go on after a red run")
    parser.add_argument("--logs", type=Path, default=Path.cwd(), help="where a red run's whole output is kept (default: here)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mmsua-stress-") as tmp:
        print(f"cloning {ROOT} at {subprocess.check_output(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, text=True).strip()} and installing…", flush=True)
        clone = _clone(Path(tmp))
        burners = [multiprocessing.Process(target=_burn, daemon=True) for _ in range(args.burners)]
        for burner in burners:
            burner.start()
        green = 0
        try:
            for n in range(1, args.runs + 1):
                seed = random.randrange(1, 1_000_000) if args.random_order else None
                log = args.logs / f"stress-run-{n}.log"
                ok, report, took = _run(clone, seed, log)
                green += ok
                order = f", random order seed {seed}" if seed is not None else ""
                print(f"run {n}/{args.runs} ({args.burners} burners{order}): {'green' if ok else 'RED'} in {took:.0f} s: {report}"
                      + ("" if ok else f"\n  whole output: {log}"), flush=True)
                if not ok and not args.keep_going:
                    break
        finally:
            for burner in burners:
                burner.terminate()
    print(f"{green} green of {n} runs")
    return 0 if green == n == args.runs else 1


if __name__ == "__main__":
    raise SystemExit(main())
