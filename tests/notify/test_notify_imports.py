"""A daemon whose notifications are off loads neither requests (ntfy's client) nor asyncio
and ssl (the desktop's) when it checks and starts them: daemon memory (issue 13)."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from mmsua import config, notify
settings = config.defaults()
notify.check(settings)
assert notify.start(settings) is None
loaded = sorted(name for name in ("requests", "urllib3", "ssl", "asyncio") if name in sys.modules)
print(",".join(loaded))
"""


def test_checking_and_starting_notifications_that_are_off_loads_no_http_or_event_loop() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""
