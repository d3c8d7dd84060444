"""docs/security.md points to tests: each file and test it names exists."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_test_the_security_page_names_exists() -> None:
    text = (ROOT / "docs" / "security.md").read_text()
    named = 0
    for row in text.splitlines():
        current: Path | None = None
        for ref in re.findall(r"`((?:tests/[\w/]+\.py)?(?:::\w+)?)`", row):
            path, _, test = ref.partition("::")
            if path:
                current = ROOT / path
                assert current.is_file(), f"docs/security.md names {path}, which does not exist"
            if test:
                assert current is not None, f"{ref}: no file before it in its row"
                assert re.search(rf"^def {test}\(", current.read_text(), re.M), f"{current.name} has no {test}"
                named += 1
    assert named >= 10
