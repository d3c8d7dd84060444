"""The real-ModemManager harness itself: it changes nothing on the host while it runs and
leaves no process, mount or file behind when it stops."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from mmharness import RULES_DIRS, running_modemmanager, skip_unless_it_can_run


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _host_view() -> tuple[str, list[list[str]]]:
    """The host's mount table and ModemManager's rules directories, as this process sees them."""
    rules = [sorted(os.listdir(d)) for d in RULES_DIRS if os.path.isdir(d)]
    return Path("/proc/self/mounts").read_text(), rules


def test_the_harness_changes_nothing_on_the_host_and_leaves_nothing_behind() -> None:
    skip_unless_it_can_run()
    before = _host_view()
    with running_modemmanager("generic") as mm:
        pids, workdir, carrier = mm.pids, mm.workdir, mm.carrier
        assert all(_alive(pid) for pid in pids)
        # The sysfs node and the rules file exist only in ModemManager's mount namespace.
        assert _host_view() == before
        assert not os.path.exists(f"/sys/class/tty/{mm.port}")
    assert not any(_alive(pid) for pid in pids), "ModemManager or the dbus-daemon still runs"
    with pytest.raises(ProcessLookupError):
        os.killpg(pids[0], 0)  # nothing is left in ModemManager's process group
    assert not workdir.exists()
    assert not carrier.running
    assert _host_view() == before
