"""Run mypy over mmsua as it installs: mmsua, mmsua.drivers (drivers/), mmsua.tui (tui/).

setup.py maps the top-level drivers/ and tui/ folders into the mmsua package, a
layout mypy cannot follow from the source tree. This builds that layout from links
in .typecheck/ (git-ignored) and runs mypy on it with pyproject.toml's settings.
Usage: python tools/typecheck.py [mypy options]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPED = {"drivers": ROOT / "drivers", "tui": ROOT / "tui"}


def build_tree() -> Path:
    tree = ROOT / ".typecheck"
    shutil.rmtree(tree, ignore_errors=True)
    package = tree / "mmsua"
    package.mkdir(parents=True)
    for entry in (ROOT / "mmsua").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name, folder in MAPPED.items():
        (package / name).symlink_to(folder)
    return tree


def main() -> int:
    build_tree()
    return subprocess.call([sys.executable, "-m", "mypy", *sys.argv[1:]], cwd=ROOT)


if __name__ == "__main__":
    raise SystemExit(main())
