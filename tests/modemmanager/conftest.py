"""A private D-Bus daemon per test session with ModemManager's side played by
:mod:`fakemm` on it, as a handset of the simulated carrier; mmsua's ModemManager
backend is given the bus's address (modem.mm_bus), so no system bus is needed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))

from mmhelp import ME, PEER, SOURCE, settings_for  # noqa: E402 - a module of its own: see mmhelp


@pytest.fixture(scope="session")
def bus_address() -> Iterator[str]:
    pytest.importorskip("dbus_fast", reason="the dbus extra (dbus-fast) is not installed")
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        pytest.skip("dbus-daemon is not installed (apt-get install dbus)")
    socket_dir = Path(tempfile.mkdtemp(prefix="mmsua-mmbus-", dir="/tmp"))  # AF_UNIX paths are short
    config = socket_dir / "bus.conf"
    config.write_text(f"""<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:dir={socket_dir}</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy>
</busconfig>
""")
    process = subprocess.Popen([daemon, f"--config-file={config}", "--print-address", "--nofork", "--nopidfile"],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    address = process.stdout.readline().strip()
    if not address:
        process.kill()
        pytest.skip("dbus-daemon did not start")
    yield address
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(socket_dir, ignore_errors=True)


@pytest.fixture
def carrier() -> Iterator[Any]:
    from mmsua.sim.carrier import SimulatedCarrier

    with SimulatedCarrier(subscriber_by_address={SOURCE: ME}) as carrier:
        carrier.add_handset(PEER)
        yield carrier


@pytest.fixture
def fake_mm(bus_address: str, carrier: Any) -> Iterator[Any]:
    from fakemm import FakeModemManager

    with FakeModemManager(bus_address, carrier.smsc, ME, source_address=SOURCE) as fake:
        yield fake


@pytest.fixture
def agent(carrier: Any, bus_address: str, fake_mm: Any, tmp_path: Path) -> Iterator[Any]:
    from mmsua.engine.agent import UserAgent

    me = UserAgent(settings_for(carrier, bus_address, tmp_path))
    me.start()
    try:
        assert me.link.wait_ready(30), me.link.error
        yield me
    finally:
        me.stop()
