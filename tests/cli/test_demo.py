"""`mmsua demo`: the simulated carrier and mmsua's daemon through the real driver,
end to end as a subprocess, the TUI on it under Pilot, and nothing left behind."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from mmsua.demo import FRIEND_NAME, FRIEND_NUMBER, OWN_NUMBER, DemoOptions, DemoSession, Exchange, Narrator, run_exchange

pytestmark = pytest.mark.timeout(120)
MMSUA = Path(sys.executable).with_name("mmsua")


def run_demo(tmp_path: Path, *args: str, wrapper: tuple[str, ...] = ()) -> tuple[subprocess.CompletedProcess[str], Path, str]:
    """`mmsua demo ARGS` without a terminal, with a private TMPDIR and a marker in its environment
    (``wrapper`` runs it inside another command: a namespace, dropped capabilities)."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    marker = uuid.uuid4().hex
    env = {**os.environ, "TMPDIR": str(temp), "MMSUA_DEMO_TEST_MARKER": marker}
    env.pop("XDG_RUNTIME_DIR", None)
    done = subprocess.run([*wrapper, str(MMSUA), "demo", *args], stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          env=env, timeout=100)
    return done, temp, marker


def assert_exchange_done_and_nothing_left(done: subprocess.CompletedProcess[str], temp: Path) -> None:
    assert done.returncode == 0, done.stdout + done.stderr
    steps = [json.loads(line) for line in done.stdout.splitlines()]
    assert steps[-1]["step"] == "done"
    assert list(temp.iterdir()) == []


def processes_with(marker: str) -> list[int]:
    """Live processes whose environment carries ``marker`` (children the demo might have left)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if f"MMSUA_DEMO_TEST_MARKER={marker}".encode() in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


def first(steps: list[dict[str, Any]], step: str, **match: Any) -> int:
    """Index of the first step named ``step`` whose fields equal ``match``."""
    for i, item in enumerate(steps):
        if item["step"] == step and all(item.get(k) == v for k, v in match.items()):
            return i
    raise AssertionError(f"no {step} step with {match} in {[s['step'] for s in steps]}")


def test_headless_demo_runs_the_whole_exchange_and_leaves_nothing_behind(tmp_path: Path) -> None:
    done, temp, marker = run_demo(tmp_path, "--no-tui", "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    steps = [json.loads(line) for line in done.stdout.splitlines()]

    plumbing = steps[first(steps, "plumbing")]
    assert plumbing["serial_device"].startswith(str(temp))  # a pty the driver opened like /dev/ttyUSB2
    assert plumbing["pts"].startswith("/dev/pts/")
    assert plumbing["mmsc"].startswith("http://127.0.0.1:") and plumbing["proxy"].startswith("127.0.0.1:")
    ready = steps[first(steps, "modem_ready")]
    assert ready["modem"]["manufacturer"] == "Quectel" and ready["registration"] == "home"

    # The greeting: WAP push, retrieved, stored with its picture.
    push = first(steps, "push_received", role="greeting", **{"from": FRIEND_NUMBER})
    retrieving = first(steps, "retrieving", role="greeting")
    stored = first(steps, "stored", role="greeting")
    greeting = steps[stored]
    assert greeting["subject"] and greeting["message_text"]
    assert {p["content_type"] for p in greeting["parts"]} >= {"text/plain", "image/jpeg"}

    # The user's picture: sent with a Message-ID, delivered to the friend.
    sent = first(steps, "sent")
    assert steps[sent]["to"] == [FRIEND_NUMBER] and steps[sent]["message_id"]
    delivered = first(steps, "delivered", recipient=FRIEND_NUMBER, message=steps[sent]["message"])

    # The friend's answer, with a picture.
    reply = first(steps, "stored", role="reply")
    assert steps[reply]["from"] == FRIEND_NUMBER and steps[reply]["message"] != greeting["message"]
    assert "image/jpeg" in {p["content_type"] for p in steps[reply]["parts"]}
    assert push < retrieving < stored < sent < delivered < reply
    assert steps[first(steps, "acknowledged")]["count"] == 2
    final = steps[-1]
    assert final["step"] == "done" and final["message_id"] == steps[sent]["message_id"]
    assert "error" not in {s["step"] for s in steps} and "failed" not in {s["step"] for s in steps}

    assert list(temp.iterdir()) == []  # carrier dir, pty link, store, socket: all gone
    assert processes_with(marker) == []


def test_without_a_terminal_the_demo_runs_the_scripted_exchange_in_prose(tmp_path: Path) -> None:
    done, temp, _ = run_demo(tmp_path, "--profile", "simcom-sim7600")
    assert done.returncode == 0, done.stdout + done.stderr
    tags = [line.split("]", 1)[0] + "]" for line in done.stdout.splitlines() if line.startswith("[")]
    assert tags[0] == "[modem_ready]" and tags[-1] == "[done]"
    assert "[delivered]" in tags and tags.count("[stored]") == 2
    assert "serial device" in done.stdout and "MMSC" in done.stdout and "MMS proxy" in done.stdout
    assert list(temp.iterdir()) == []


def test_store_option_keeps_the_conversation(tmp_path: Path) -> None:
    from mmsua.store import Store

    keep = tmp_path / "kept"
    done, temp, _ = run_demo(tmp_path, "--json", "--store", str(keep))
    assert done.returncode == 0, done.stderr
    assert list(temp.iterdir()) == []
    store = Store(keep / "store.sqlite")
    try:
        (conversation,) = store.list_conversations(None, 10, 0)
        assert conversation.participants == (FRIEND_NUMBER,) and conversation.message_count == 3
    finally:
        store.close()


@pytest.mark.parametrize("args, complaint", [(("--line-rate", "0"), "line-rate"), (("--profile", "nokia"), "invalid choice")])
def test_bad_options_are_usage_errors(tmp_path: Path, args: tuple[str, ...], complaint: str) -> None:
    done, temp, _ = run_demo(tmp_path, "--no-tui", *args)
    assert done.returncode == 2 and complaint in done.stderr
    assert list(temp.iterdir()) == []


def test_in_process_session_stops_every_thread_and_removes_its_files(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    before = set(threading.enumerate())
    children_before = set(_children())  # an earlier test's process may still be exiting: not this session's
    steps: list[Any] = []
    with DemoSession(DemoOptions(profile="generic")) as session:  # the interface bearer path
        assert run_exchange(session, steps.append, timeout=60)
        socket = Path(session.plumbing.socket)
        assert socket.exists()
    assert not socket.exists() and list(tmp_path.iterdir()) == []
    deadline = time.monotonic() + 10  # threads finish their last line after being told to stop
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert set(threading.enumerate()) - before == set()
    assert set(_children()) - children_before == set()


def _children() -> list[str]:
    """The pids of this test process's children (of the thread that runs the tests)."""
    return Path(f"/proc/self/task/{threading.get_native_id()}/children").read_text().split()


def test_narrator_tells_each_state_once_in_order() -> None:
    narrator = Narrator(FRIEND_NUMBER, lambda mid: f"mid-{mid}")
    narrator.incoming_role = "greeting"
    incoming = {"id": 1, "direction": "in", "kind": "mms", "from": FRIEND_NUMBER, "size": 900, "parts": []}
    said = [s.step for state in ("notified", "notified", "retrieving", "received", "received")
            for s in narrator.feed("message.updated", {**incoming, "state": state})]
    assert said == ["push_received", "retrieving", "stored"]
    assert narrator.stored["greeting"]["id"] == 1
    outgoing = {"id": 2, "direction": "out", "kind": "mms", "to": [FRIEND_NUMBER], "recipients": []}
    steps = narrator.feed("message.updated", {**outgoing, "state": "sent"})
    assert [(s.step, s.data["message_id"]) for s in steps] == [("sent", "mid-2")]
    delivered = {**outgoing, "state": "sent", "recipients": [{"address": FRIEND_NUMBER, "status": "delivered"}]}
    assert [s.step for s in narrator.feed("message.updated", delivered)] == ["delivered"]
    assert narrator.feed("message.updated", delivered) == []
    failed = narrator.feed("message.updated", {**outgoing, "id": 3, "state": "failed", "error": "\x1b[31mno\x1b[0m"})
    assert failed[0].step == "failed" and "\x1b" not in failed[0].text and narrator.failed


def test_tui_on_the_demo_shows_the_friends_greeting_arriving(tmp_path: Path, monkeypatch) -> None:
    """The app as `mmsua demo` opens it: over the demo daemon's socket, greeting arriving live."""
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    from mmsua.tui.app import make_app
    from mmsua.tui.contacts import Contacts
    from mmsua.tui.protocol import Settings
    from mmsua.tui.widgets.conversation_list import ConversationList

    async def scenario(session: DemoSession, exchange: Exchange) -> str:
        client = session.client()
        app = make_app(client, Settings(contacts=Contacts.load(session.contacts_vcard()), images="halfcell",
                                        bell=False, save_dir=tmp_path, connection_label="demo"))
        try:
            async with app.run_test(size=(120, 40)) as pilot:
                await pilot.pause()
                assert app.query_one(ConversationList).rows == []  # an empty inbox until the friend writes
                assert await asyncio.to_thread(exchange.greeting)
                listing = app.query_one(ConversationList)
                # The live events, then the list refresh: the row shows up while the greeting is
                # still a notification and changes once it is stored, so wait for the stored one.
                deadline = time.monotonic() + 30
                while not (listing.rows and listing.rows[0].participants == (FRIEND_NUMBER,)
                           and "Hi! I'm your simulated friend" in listing.rows[0].last_preview):
                    assert time.monotonic() < deadline, f"the greeting never reached the list: {listing.rows}"
                    await pilot.pause(0.05)
                row = listing.rows[0]
                assert row.participants == (FRIEND_NUMBER,) and row.unread == 1
                return "\n".join(listing.render_line(y).text for y in range(4))
        finally:
            client.close()

    with DemoSession(DemoOptions()) as session, Exchange(session, lambda step: None, timeout=60) as exchange:
        screen = asyncio.run(scenario(session, exchange))
    assert FRIEND_NAME in screen  # named from the demo's vCard
    assert "Hi! I'm your simulated friend" in screen  # the greeting's preview
    assert OWN_NUMBER not in screen


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")
@pytest.mark.parametrize("leave", ["q", "hangup", "resumed-then-hangup"])
def test_real_demo_in_a_terminal_opens_the_inbox_and_cleans_up(tmp_path: Path, leave: str) -> None:
    """`mmsua demo` in a real terminal (tmux): the greeting in the list, then quit or a closed terminal."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    status = tmp_path / "status"
    session = f"mmsua-demo-test-{uuid.uuid4().hex[:8]}"
    # pytest exports COLUMNS/LINES (80x24), which Textual would take over the real pane size.
    command = (f"env -u COLUMNS -u LINES TMPDIR={temp} {MMSUA} demo; echo $? > {status}; "
               f"sleep {'30' if leave == 'q' else '0'}")
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "120", "-y", "40", command], check=True)

    def screen() -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", session], capture_output=True, text=True).stdout

    try:
        deadline = time.monotonic() + 60
        while not (FRIEND_NAME in screen() and "Quectel EG25" in screen()) and time.monotonic() < deadline:
            time.sleep(0.2)
        shown = screen()
        assert FRIEND_NAME in shown and "Quectel EG25" in shown, shown  # the list, and the status bar from the modem
        assert "Traceback" not in shown
        if leave == "q":
            subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=True)
            deadline = time.monotonic() + 30
            while not status.exists() and time.monotonic() < deadline:
                time.sleep(0.2)
            assert status.read_text().strip() == "0"
        else:
            pane_pid = subprocess.run(["tmux", "display-message", "-p", "-t", session, "#{pane_pid}"],
                                      capture_output=True, text=True).stdout.strip()
            demo_pid = int(Path(f"/proc/{pane_pid}/task/{pane_pid}/children").read_text().split()[0])
            if leave == "resumed-then-hangup":
                # A SIGCONT (as after Ctrl-Z / fg, or the kernel's to an orphaned group) makes
                # Textual restart its output; the terminal then closing must still end the demo.
                os.kill(demo_pid, signal.SIGCONT)
                time.sleep(0.3)
            subprocess.run(["tmux", "kill-session", "-t", session], check=True)  # SIGHUP to the terminal's processes
            deadline = time.monotonic() + 30
            while (Path(f"/proc/{pane_pid}").exists() or _running(demo_pid)) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not _running(demo_pid), "mmsua demo still runs after its terminal closed"
            while any(temp.iterdir()) and time.monotonic() < deadline:
                time.sleep(0.2)
        assert list(temp.iterdir()) == []
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def test_the_demo_needs_no_network_beyond_loopback(tmp_path: Path) -> None:
    """In a network namespace with nothing but lo (unshare -rn, an unprivileged user namespace)
    the whole headless exchange still runs: the demo needs no network."""
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    if unshare is None or ip is None:
        pytest.skip("needs unshare(1) and ip(8) to make a network namespace")
    probe = subprocess.run([unshare, "-rn", ip, "link", "set", "lo", "up"], capture_output=True, text=True, timeout=10)
    if probe.returncode != 0:
        pytest.skip(f"no unprivileged network namespace here: {probe.stderr.strip()}")
    script = f'{ip} link set lo up && [ "$({ip} -o link | wc -l)" = 1 ] && exec "$0" "$@"'
    done, temp, _ = run_demo(tmp_path, "--no-tui", "--json", wrapper=(unshare, "-rn", "sh", "-c", script))
    assert_exchange_done_and_nothing_left(done, temp)


def test_the_demo_needs_no_privilege(tmp_path: Path) -> None:
    """With every capability dropped and no way to regain one (setpriv), the headless
    exchange still runs: the demo needs no root powers (run as a plain user, it has none anyway)."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("needs setpriv(1) from util-linux to drop capabilities")
    drop = [setpriv, "--no-new-privs", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all"]
    probe = subprocess.run([*drop, "grep", "^CapEff", "/proc/self/status"], capture_output=True, text=True, timeout=10)
    if probe.returncode != 0:
        pytest.skip(f"setpriv cannot drop capabilities here: {probe.stderr.strip()}")
    assert probe.stdout.split()[-1] == "0000000000000000"  # no capability at all
    done, temp, _ = run_demo(tmp_path, "--no-tui", "--json", wrapper=tuple(drop))
    assert_exchange_done_and_nothing_left(done, temp)


def _running(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False
