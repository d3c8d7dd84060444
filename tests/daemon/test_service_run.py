"""`mmsua daemon` run exactly as mmsua/data/mmsua.service runs it, on the simulated carrier.

The unit's ExecStart (the console script, no arguments: config, store and socket from
the XDG places), its UMask, a user manager's environment (HOME, XDG_RUNTIME_DIR, PATH
and little else), then its KillSignal: the daemon exits 0 within TimeoutStopSec,
removes its socket, and leaves a store that opens, checks and holds every message.
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
from test_service_files import DATA, console_script, unit

from mmsua.daemon.client import Client, DaemonUnavailable

ME = "+15550100041"
PEER = "+15550100042"


def wait(what: str, condition, timeout: float) -> None:
    assert wait_for(condition, timeout), f"{what}: not within {timeout} s"


def notify_resp_seen(carrier, subject: str) -> bool:
    with carrier.mmsc._lock:
        return any(d.notify_status is not None for s in carrier.mmsc.messages.values() if s.send_req.subject == subject
                   for d in s.deliveries if d.recipient == ME)


def test_the_daemon_as_the_unit_runs_it_stops_cleanly_on_its_kill_signal(tmp_path: Path) -> None:
    from mmsua.sim.carrier import SimulatedCarrier

    service = unit(DATA / "mmsua.service")["Service"]
    argv = [str(console_script()), *shlex.split(service["ExecStart"])[1:]]
    assert argv[1:] == ["daemon"]  # nothing else: everything comes from the XDG places
    kill_signal = signal.Signals[service["KillSignal"]]
    stop_timeout = float(service["TimeoutStopSec"])
    umask = int(service["UMask"], 8)

    home = tmp_path / "home"
    runtime = Path(f"/tmp/mmsua-unit-{os.getpid()}")  # AF_UNIX paths are short
    runtime.mkdir(mode=0o700)
    with SimulatedCarrier() as carrier:
        carrier.add_handset(PEER)
        handset = carrier.add_handset(ME)
        config = home / ".config" / "mmsua" / "config.toml"
        config.parent.mkdir(parents=True)
        config.write_text(f'[modem]\nport = "{handset.pty_path}"\n\n[mms]\napn = "{carrier.apn}"\n'
                          f'mmsc = "{carrier.mmsc_url}"\nproxy = "{carrier.proxy or ""}"\n')
        # What a user manager gives a service (systemd.exec(5) "Environment variables in spawned processes").
        env = {"HOME": str(home), "XDG_RUNTIME_DIR": str(runtime), "PATH": "/usr/local/bin:/usr/bin:/bin",
               "LANG": "C.UTF-8", "USER": os.environ.get("USER", "mmsua"), "LOGNAME": os.environ.get("USER", "mmsua")}
        log = tmp_path / "journal.txt"
        with log.open("wb") as journal:
            process = subprocess.Popen(argv, env=env, umask=umask, stdout=journal, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, cwd="/")
        socket_path = runtime / "mmsua" / "api.sock"
        try:
            def ready() -> bool:
                assert process.poll() is None, log.read_text()[-3000:]
                try:
                    return Client(socket_path, timeout=5).status().get("registration") == "home"
                except DaemonUnavailable:
                    return False

            wait("the daemon registered on its socket", ready, 60)
            client = Client(socket_path, timeout=30)
            sent = client.send(to=[PEER], text="sent under systemd's rules")
            carrier.send_mms(PEER, [ME], subject="while running", text="received under systemd's rules")
            wait("the send", lambda: client.show_message(sent["id"])["state"] == "sent", 60)
            wait("the retrieval", lambda: [m for c in client.list_conversations() for m in client.list_messages(c["id"])
                                               if m["subject"] == "while running" and m["state"] == "received"], 60)
            client.close()
            wait("the MMSC has the M-NotifyResp.ind", lambda: notify_resp_seen(carrier, "while running"), 60)

            process.send_signal(kill_signal)
            returncode = process.wait(stop_timeout)  # systemd sends SIGKILL after TimeoutStopSec
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
            journal_text = log.read_text()
            subprocess.run(["rm", "-rf", str(runtime)], check=False)

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
