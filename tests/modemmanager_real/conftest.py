"""The real ModemManager on a private bus, managing the project's emulated modem over a pty.

How it runs with no udev, no system bus, and nothing changed on the host (docs/sim.md,
"The real ModemManager on the emulated modem", gives the same recipe by hand and what
ModemManager 1.20 showed):

* a private ``dbus-daemon`` is both the session and the system bus of ModemManager
  (``DBUS_SYSTEM_BUS_ADDRESS`` too, so its PolicyKit and sleep-monitor lookups never reach
  the host's bus);
* ``ModemManager --test-session --test-no-udev --no-auto-scan --test-no-suspend-resume
  --initial-kernel-events=FILE``: one line of FILE, ``action=add,subsystem=tty,name=pts/N,uid=...``,
  announces the port. ``mmcli --report-kernel-event`` is refused here: the Manager's
  ReportKernelEvent asks PolicyKit even with --test-session (only the modem's own methods are
  allowed without it), and there is no PolicyKit on a private bus;
* without udev ModemManager reads the port's ``/sys/class/tty/<name>`` and its own udev rules
  files (``/lib/udev/rules.d``, compiled in). A pty has no sysfs node ("device tty/pts/N not
  found"), and with no physical device the default STRICT filter drops it as virtual. So
  ModemManager runs in a private mount namespace (``unshare --mount``) where a tmpfs on
  ``/sys/class/tty`` holds an empty ``pts/N`` directory and one rules file, bind-mounted over
  the rules directory, gives the port ``ID_MM_CANDIDATE=1`` and ``ID_MM_DEVICE_PROCESS=1``
  (the explicit allow-list). The generic plugin then probes it with AT commands.

The namespace needs root (CAP_SYS_ADMIN); without it, or without ModemManager, dbus-daemon,
unshare or ptys, every test here skips with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mmharness import PLUGINS, RealModemManager, running_modemmanager, skip_unless_it_can_run


@pytest.fixture(scope="module", params=sorted(PLUGINS))
def real_mm(request: pytest.FixtureRequest) -> Iterator[RealModemManager]:
    """The real ModemManager managing the emulated modem, once per emulated dialect
    (``running_modemmanager``); skips, with the reason, where it cannot run."""
    skip_unless_it_can_run()
    with running_modemmanager(request.param) as mm:
        yield mm
