"""`mmsua daemon` run exactly as mmsua/data/mmsua.service runs it, on the simulated carrier.

The unit's ExecStart (user unit: the console script, no arguments, config, store and
socket from the XDG places; system variant: `--config FILE`, Environment=
XDG_RUNTIME_DIR and the RuntimeDirectory= systemd makes, 0755), its UMask, the
environment a service manager gives (HOME, PATH, LANG, USER and little else), then its
KillSignal: the daemon exits 0 within TimeoutStopSec, removes its socket, and leaves a
store that passes integrity_check, holds every message and owes nothing.
Paths stand in for /run and /etc (a test cannot write there); everything else is as
the unit says.
"""

from __future__ import annotations

import os
import shlex
import signal
import sqlite3
import stat
import subprocess
from pathlib import Path

import pytest
from test_daemon_e2e import wait_for
from test_service_files import DATA, console_script, unit, variant

from mmsua.api.shapes import SendRequest
from mmsua.daemon.client import Client, DaemonUnavailable

ME = "+15550100041"
PEER = "+15550100042"


def wait(what: str, condition, timeout: float) -> None:
    assert wait_for(condition, timeout), f"{what}: not within {timeout} s"


def notify_resp_seen(carrier, subject: str) -> bool:
    with carrier.mmsc.held():
        return any(d.notify_status is not None for s in carrier.mmsc.messages.values() if s.send_req.subject == subject
                   for d in s.deliveries if d.recipient == ME)


def owed_tasks(database: Path) -> list[str]:
    """The kinds of task the running daemon's store still holds (read-only, beside the daemon)."""
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    try:
        return [kind for (kind,) in db.execute("SELECT kind FROM tasks")]
    finally:
        db.close()


@pytest.mark.parametrize("system", [False, True], ids=["user-unit", "system-service"])
def test_the_daemon_as_the_unit_runs_it_stops_cleanly_on_its_kill_signal(tmp_path: Path, system: bool) -> None:
    from mmsua.sim.carrier import SimulatedCarrier

    script = console_script()
    installed = tmp_path / "mmsua.service"  # as a person installs it (test_service_files.variant)
    installed.write_text(variant((DATA / "mmsua.service").read_text(), script, system=system))
    service = unit(installed)["Service"]
    argv = shlex.split(service["ExecStart"])
    kill_signal = signal.Signals[service["KillSignal"]]
    stop_timeout = float(service["TimeoutStopSec"])
    umask = int(service["UMask"], 8)

    home = tmp_path / "home"
    base = Path(f"/tmp/mmsua-unit-{os.getpid()}")  # AF_UNIX paths are short; stands in for /run
    base.mkdir(mode=0o700)
    config = home / ".config" / "mmsua" / "config.toml"
    # What the service manager gives the process (systemd.exec(5), "Environment Variables in Spawned Processes").
    env = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
           "USER": os.environ.get("USER", "mmsua"), "LOGNAME": os.environ.get("USER", "mmsua")}
    if system:
        assert argv[1:] == ["daemon", "--config", "/etc/mmsua/config.toml"] and service["User"]
        config = tmp_path / "etc" / "config.toml"
        argv[3] = str(config)
        name, _, value = service["Environment"].partition("=")
        assert (name, value, service["RuntimeDirectory"]) == ("XDG_RUNTIME_DIR", "/run", "mmsua")
        env[name] = str(base)
        (base / "mmsua").mkdir(mode=0o755)  # RuntimeDirectory=, with systemd's default RuntimeDirectoryMode
    else:
        assert argv[1:] == ["daemon"]  # nothing else: everything comes from the XDG places
        env["XDG_RUNTIME_DIR"] = str(base)  # a user manager sets it
    with SimulatedCarrier() as carrier:
        carrier.add_handset(PEER)
        handset = carrier.add_handset(ME)
        config.parent.mkdir(parents=True)
        config.write_text(f'[modem]\nport = "{handset.pty_path}"\n\n[mms]\napn = "{carrier.apn}"\n'
                          f'mmsc = "{carrier.mmsc_url}"\nproxy = "{carrier.proxy or ""}"\n')
        log = tmp_path / "journal.txt"
        with log.open("wb") as journal:
            process = subprocess.Popen(argv, env=env, umask=umask, stdout=journal, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, cwd="/")
        socket_path = base / "mmsua" / "api.sock"
        try:
            def ready() -> bool:
                assert process.poll() is None, log.read_text()[-3000:]
                try:
                    return Client(socket_path, timeout=5).status().registration == "home"
                except DaemonUnavailable:
                    return False

            wait("the daemon registered on its socket", ready, 60)
            assert stat.S_IMODE(socket_path.parent.stat().st_mode) == 0o700  # also when systemd made it 0755
            client = Client(socket_path, timeout=30)
            sent = client.send(SendRequest(to=[PEER], text="sent under systemd's rules", via="mms"))
            carrier.send_mms(PEER, [ME], subject="while running", text="received under systemd's rules")
            wait("the send", lambda: client.show_message(sent.id).state == "sent", 60)
            wait("the retrieval", lambda: [m for c in client.list_conversations() for m in client.list_messages(c.id)
                                               if m.subject == "while running" and m.state == "received"], 60)
            client.close()
            wait("the MMSC has the M-NotifyResp.ind", lambda: notify_resp_seen(carrier, "while running"), 60)
            # The MMSC has it before the daemon has its answer and crosses the task off: a
            # signal in between rightly leaves the task owed (the request in flight fails).
            # Signal it once it owes neither, as the assertions below expect.
            database = home / ".local" / "share" / "mmsua" / "store.sqlite"
            wait("the daemon owes no M-NotifyResp.ind and no send", lambda: not {"notify_resp", "send"} & set(owed_tasks(database)), 60)

            process.send_signal(kill_signal)
            returncode = process.wait(stop_timeout)  # systemd sends SIGKILL after TimeoutStopSec
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
            journal_text = log.read_text()
            subprocess.run(["rm", "-rf", str(base)], check=False)

    assert returncode == 0, journal_text[-3000:]
    assert "SIGTERM received; shutting down" in journal_text and "daemon stopped" in journal_text
    assert not socket_path.exists()

    store_dir = home / ".local" / "share" / "mmsua"
    database = store_dir / "store.sqlite"
    assert stat.S_IMODE(store_dir.stat().st_mode) == 0o700
    for path in store_dir.rglob("*"):  # the UMask and the store keep everything private
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path
    with sqlite3.connect(database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = db.execute("SELECT direction, state, body_text FROM messages ORDER BY id").fetchall()
        owed = db.execute("SELECT kind FROM tasks").fetchall()
    assert ("out", "sent", "sent under systemd's rules") in rows
    assert ("in", "received", "received under systemd's rules") in rows
    assert ("notify_resp",) not in owed and ("send",) not in owed  # nothing left half done
