"""Notifications end to end: the real daemon on the simulated carrier announces a new
message on the desktop (a fake org.freedesktop.Notifications on a private bus) and on
ntfy (a loopback server); a muted conversation is announced on neither."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "daemon"))
from daemonproc import DaemonProcess, wait_for  # noqa: E402 - the daemon tests' process helper

ME, PEER, OTHER = "+15550130001", "+15550100002", "+15550107777"


@pytest.fixture
def carrier():
    from mmsua.sim.carrier import SimulatedCarrier

    with SimulatedCarrier() as carrier:
        carrier.add_handset(PEER)
        yield carrier


def test_new_messages_are_announced_and_a_muted_conversation_is_not(carrier, desktop, ntfy, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f'[notify]\ndesktop = "on"\nntfy = "{ntfy.url}/mmsua-test_1"\nntfy_token = "tk_secret"\ntimeout = 20\n')
    daemon = DaemonProcess(carrier, carrier.add_handset(ME), tmp_path, config=config)
    daemon.start(timeout=60)
    try:
        carrier.send_sms(ME, "hello <b>there</b> & \x1b[2Jyou", originator=PEER)
        assert wait_for(lambda: desktop.calls and ntfy.posts), daemon.log.read_text()[-3000:]
        call = desktop.calls[0]
        assert (call["app_name"], call["summary"], call["replaces_id"]) == ("mmsua", PEER, 0)
        # The body may be read as markup: escaped; the escape sequence is gone.
        assert call["body"] == "hello &lt;b&gt;there&lt;/b&gt; &amp; you"
        assert call["hints"]["category"] == "im.received"
        path, headers, body = ntfy.posts[0]
        assert path == "/" and headers["authorization"] == "Bearer tk_secret"
        assert body == {"topic": "mmsua-test_1", "title": PEER, "message": "hello <b>there</b> & you", "tags": ["speech_balloon"]}

        client = daemon.client()
        conversation = client.list_conversations()[0]
        assert conversation.participants == (PEER,) and not conversation.muted
        muted = subprocess.run([sys.executable, "-m", "mmsua", "mute", str(conversation.id), "--socket", str(daemon.socket)],
                               capture_output=True, text=True, timeout=60)
        assert muted.returncode == 0, muted.stderr
        assert client.list_conversations()[0].muted
        carrier.send_sms(ME, "shh, muted", originator=PEER)
        assert wait_for(lambda: any(m.text == "shh, muted" for m in client.list_messages(conversation.id)))
        carrier.send_sms(ME, "after the muted one", originator=OTHER)
        # One worker announces in arrival order: once the later message is announced, the muted one was passed over.
        assert wait_for(lambda: len(desktop.calls) == 2 and len(ntfy.posts) == 2)
        assert desktop.calls[1]["summary"] == OTHER and ntfy.posts[1][2]["title"] == OTHER
        assert not any("shh" in c["body"] for c in desktop.calls) and not any("shh" in p[2]["message"] for p in ntfy.posts)
        assert client.list_conversations(query=PEER)[0].unread == 2  # muted, still unread

        client.unmute_conversation(conversation.id)
        carrier.send_sms(ME, "heard again", originator=PEER)
        assert wait_for(lambda: len(desktop.calls) == 3 and len(ntfy.posts) == 3)
        assert desktop.calls[2]["body"] == "heard again" and desktop.calls[2]["replaces_id"] == 101  # replaces the first
        client.close()
    finally:
        assert daemon.terminate() == 0
    assert "notifications: desktop, ntfy" in daemon.log.read_text()


def test_ntfy_alone_needs_no_session_bus_and_mute_silences_it(carrier, ntfy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    config = tmp_path / "config.toml"
    config.write_text(f'[notify]\ndesktop = "auto"\nntfy = "{ntfy.url}/house"\nshow_text = false\n')
    daemon = DaemonProcess(carrier, carrier.add_handset(ME), tmp_path, config=config)
    daemon.start(timeout=60)
    try:
        client = daemon.client()
        carrier.send_sms(ME, "the code is 123456", originator=PEER)
        assert wait_for(lambda: ntfy.posts), daemon.log.read_text()[-3000:]
        assert ntfy.posts[0][2] == {"topic": "house", "title": PEER, "message": "a new message", "tags": ["speech_balloon"]}
        client.mute_conversation(client.list_conversations()[0].id)
        carrier.send_sms(ME, "muted one", originator=PEER)
        assert wait_for(lambda: any(m.text == "muted one" for c in client.list_conversations() for m in client.list_messages(c.id)))
        carrier.send_sms(ME, "not muted", originator=OTHER)  # announced after the muted one was passed over
        assert wait_for(lambda: len(ntfy.posts) == 2)
        assert [p[2]["title"] for p in ntfy.posts] == [PEER, OTHER]
        client.close()
    finally:
        assert daemon.terminate() == 0
    log = daemon.log.read_text()
    assert "desktop notifications off: no session bus" in log and "notifications: ntfy" in log
