"""A private dbus-daemon for tests (tests/dbus, tests/modemmanager): its own socket
directory and the session policy, nothing of the host's buses touched; skips with the
reason when dbus-daemon is missing or does not start."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:dir={socket_dir}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
"""


@contextmanager
def private_bus(prefix: str) -> Iterator[str]:
    """The bus's address until the end of the ``with``; then the daemon and its directory go."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (apt-get install dbus)")
    # A short directory: AF_UNIX paths are limited to ~107 bytes, and pytest's can be long.
    socket_dir = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    config = socket_dir / "bus.conf"
    config.write_text(_CONFIG.format(socket_dir=socket_dir))
    process = subprocess.Popen([daemon, f"--config-file={config}", "--print-address", "--nofork", "--nopidfile"],
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        address = process.stdout.readline().strip()
        if not address:
            pytest.skip("dbus-daemon did not start")
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(socket_dir, ignore_errors=True)
