"""The CLI clients against a daemon API served on a real Unix socket."""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "daemon"))
from bookagent import BookAgent  # noqa: E402

from mmsua import exit_codes  # noqa: E402
from mmsua.api.shapes import Message, SendRequest  # noqa: E402
from mmsua.api.states import MessageState  # noqa: E402
from mmsua.cli.main import main  # noqa: E402
from mmsua.daemon.server import ApiServer  # noqa: E402
from mmsua.engine.states import Event  # noqa: E402
from mmsua.textsafe import safe_filename  # noqa: E402


@pytest.fixture
def daemon(tmp_path: Path):
    short = Path(f"/tmp/mmsua-cli-{os.getpid()}")
    short.mkdir(mode=0o700, exist_ok=True)
    path = short / "api.sock"
    agent = BookAgent()
    server = ApiServer(agent, path)
    server.start()
    yield agent, str(path)
    server.stop()
    subprocess.run(["rm", "-rf", str(short)], check=False)


def with_parts(agent: BookAgent) -> Message:
    return agent.receive(
        "+15551234567\x1b]0;pwned\x07",
        "look \x1b[2J at this",
        parts=[
            {"index": 0, "content_type": "image/jpeg", "name": "../../etc/passwd", "size": 4, "content_id": "a", "data": b"\xff\xd8\xff\xd9"},
            {"index": 1, "content_type": "text/plain", "name": "", "size": 2, "content_id": "b", "data": b"hi"},
            {"index": 2, "content_type": "image/jpeg", "name": "../../etc/passwd", "size": 1, "content_id": "c", "data": b"x"},
        ],
    )


def _client_commands(tmp_path: Path) -> list[list[str]]:
    return [["status"], ["ls"], ["ls", "1"], ["show", "1"], ["fetch", "1"], ["retry", "1"], ["cancel", "1"],
            ["resend-as-sms", "1"], ["delete", "1"], ["send", "--to", "+1555", "--text", "x"], ["export", "1", str(tmp_path)]]


def test_clients_say_how_to_start_a_missing_daemon(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in _client_commands(tmp_path):
        assert main([*argv, "--socket", str(tmp_path / "none.sock")]) == exit_codes.UNAVAILABLE
        err = capsys.readouterr().err
        assert "daemon is not running" in err and "mmsua daemon" in err


def test_clients_say_when_the_daemon_goes_away_during_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket
    import threading

    short = Path(f"/tmp/mmsua-gone-{os.getpid()}")
    short.mkdir(mode=0o700, exist_ok=True)
    path = short / "api.sock"
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(4)

    def dies_on_each_request() -> None:  # a daemon that is stopped (or crashes) while it works on the request
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection, connection.makefile("rb") as reader:
                reader.readline()

    server = threading.Thread(target=dies_on_each_request, daemon=True)
    server.start()
    try:
        for argv in _client_commands(tmp_path):
            assert main([*argv, "--socket", str(path)]) == exit_codes.UNAVAILABLE, argv
            err = capsys.readouterr().err
            assert "daemon went away during" in err and "Traceback" not in err, err
    finally:
        # Its thread ends before the listener is closed: a thread about to accept() with the
        # closed descriptor's number accepted on the next test's daemon socket, which got
        # that number (the next test's status then read "the daemon went away").
        listener.shutdown(socket.SHUT_RDWR)
        server.join()
        listener.close()
        subprocess.run(["rm", "-rf", str(short)], check=False)


def test_console_script_exit_status_without_daemon(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_RUNTIME_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "mmsua", "status"], capture_output=True, text=True, env=env)
    assert result.returncode == 69
    assert "start it with `mmsua daemon`" in result.stderr


def test_status_text_and_json(daemon, capsys: pytest.CaptureFixture[str]) -> None:
    _, sock = daemon
    assert main(["status", "--socket", sock]) == 0
    assert "Registration:" in capsys.readouterr().out
    assert main(["status", "--json", "--socket", sock]) == 0
    assert json.loads(capsys.readouterr().out)["own_number"] == "+15550000000"


def test_ls_and_show_sanitise_network_text(daemon, capsys: pytest.CaptureFixture[str]) -> None:
    agent, sock = daemon
    message = with_parts(agent)
    assert main(["ls", "--socket", sock]) == 0
    assert "+15551234567" in capsys.readouterr().out
    assert main(["ls", "1", "--socket", sock]) == 0
    out = capsys.readouterr().out
    assert "look" in out and "\x1b" not in out
    assert main(["show", str(message.id), "--socket", sock]) == 0
    out = capsys.readouterr().out
    assert "From:    +15551234567" in out and "\x1b" not in out and "\x07" not in out
    assert "image/jpeg" in out
    assert main(["show", str(message.id), "--json", "--socket", sock]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out  # JSON escapes control characters
    assert json.loads(out)["text"] == "look \x1b[2J at this"  # …and keeps the data intact


def test_show_unknown_message(daemon, capsys: pytest.CaptureFixture[str]) -> None:
    _, sock = daemon
    assert main(["show", "999", "--socket", sock]) == exit_codes.FAILURE
    assert "mmsua show: no message 999" in capsys.readouterr().err


def test_bad_id_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["show", "abc"])
    assert exit_.value.code == 2


def test_fetch_reports_an_unavailable_data_path(daemon, capsys: pytest.CaptureFixture[str]) -> None:
    _, sock = daemon
    assert main(["fetch", "1", "--socket", sock]) == exit_codes.TEMPFAIL
    assert "mmsua fetch: the MMS data path is down" in capsys.readouterr().err


def test_send_group_separately_and_attachments(daemon, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    agent, sock = daemon
    picture = tmp_path / "cat.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\nfake")
    calls: list[dict] = []
    original = agent.send

    def spy(request: SendRequest):
        calls.append(request.to_json())  # what reached the engine, as the wire carried it
        return original(request)

    agent.send = spy  # type: ignore[method-assign]
    assert main(["send", "--to", "+15551111111", "--to", "+15552222222", "--cc", "+15553333333", "--subject", "Hi",
                 "--text", "hello", "--attach", str(picture), "--socket", sock]) == 0
    out = capsys.readouterr().out
    assert "queued as MMS (1000 bytes of 300 KB) to +15551111111, +15552222222, message 1" in out
    sent = calls[-1]
    assert sent["to"] == ["+15551111111", "+15552222222"] and sent["cc"] == ["+15553333333"] and sent["subject"] == "Hi"
    attachment = sent["attachments"][0]
    assert attachment["name"] == "cat.png" and attachment["content_type"] == "image/png"
    assert base64.b64decode(attachment["data_b64"]) == picture.read_bytes()
    assert main(["send", "--to", "+15551111111", "--to", "+15552222222", "--text", "x", "--separately", "--socket", sock]) == 0
    assert capsys.readouterr().out.count("queued") == 2
    assert calls[-1]["separately"] is True
    assert main(["send", "--to", "+15551111111", "--text", "x", "--sms", "--socket", sock]) == 0
    assert calls[-1]["as_sms"] is True and calls[-1]["via"] == "sms"
    assert "queued as SMS (1 part) to +15551111111, message " in capsys.readouterr().out
    assert main(["send", "--to", "+15551111111", "--text", "x", "--mms", "--socket", sock]) == 0
    assert calls[-1]["via"] == "mms" and "queued as MMS (" in capsys.readouterr().out
    with pytest.raises(SystemExit):  # one or the other
        main(["send", "--to", "+15551111111", "--text", "x", "--mms", "--sms", "--socket", sock])
    assert main(["send", "--conversation", "1", "--text", "to all", "--socket", sock]) != exit_codes.USAGE
    assert calls[-1]["conversation_id"] == 1 and "to" not in calls[-1]


def test_send_input_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sock = str(tmp_path / "unused.sock")
    assert main(["send", "--to", "+1555", "--socket", sock]) == exit_codes.USAGE
    assert "nothing to send" in capsys.readouterr().err
    assert main(["send", "--text", "x", "--socket", sock]) == exit_codes.USAGE
    assert "--to N" in capsys.readouterr().err
    assert main(["send", "--to", "+1555", "--sms", "--subject", "s", "--text", "t", "--socket", sock]) == exit_codes.USAGE
    assert main(["send", "--to", "+1555", "--attach", str(tmp_path / "missing.jpg"), "--socket", sock]) == exit_codes.IOERR
    assert "cannot read" in capsys.readouterr().err


def test_send_too_large(daemon, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, sock = daemon
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(400_000))
    assert main(["send", "--to", "+1555", "--attach", str(big), "--socket", sock]) == exit_codes.FAILURE
    assert "mmsua send: does not fit in 300 KB" in capsys.readouterr().err


def test_export_writes_safe_names_and_never_overwrites(daemon, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    agent, sock = daemon
    message = with_parts(agent)
    target = tmp_path / "out"
    target.mkdir()
    safe = safe_filename("../../etc/passwd")
    assert "/" not in safe and not safe.startswith(".")
    (target / safe).write_bytes(b"precious")
    assert main(["export", str(message.id), str(target), "--socket", sock]) == 0
    written = sorted(p.name for p in target.iterdir())
    assert written == sorted([safe, f"{safe}-1", f"{safe}-2", "part-1.txt"])
    assert (target / safe).read_bytes() == b"precious"
    assert (target / f"{safe}-1").read_bytes() == b"\xff\xd8\xff\xd9"
    assert (target / f"{safe}-2").read_bytes() == b"x"
    assert (target / "part-1.txt").read_bytes() == b"hi"
    assert stat.S_IMODE((target / "part-1.txt").stat().st_mode) == 0o600
    assert not (tmp_path / "etc").exists()
    assert main(["export", str(message.id), str(target), "--socket", sock]) == 0
    assert len(list(target.iterdir())) == 7  # a second export adds, never replaces


def _failed_mms(agent) -> int:
    queued = agent.send(SendRequest(to=("+15551234567",), subject="pics", text="see you at 8"))
    assert not isinstance(queued, list)
    agent.store.change_state(queued.id, Event.GAVE_UP, error="the MMSC refused it: service denied")
    return queued.id


def test_retry_queues_a_failed_message_again(engine_daemon, capsys: pytest.CaptureFixture[str]) -> None:
    agent, sock = engine_daemon
    failed = _failed_mms(agent)
    assert main(["retry", str(failed), "--socket", sock]) == exit_codes.OK
    assert f"message {failed} (mms) to +15551234567: queued" in capsys.readouterr().out
    shown = agent.show_message(failed)
    assert shown.state in ("queued", "sending") and shown.error is None
    # Only a failed outgoing message can be retried: the daemon says why, exit status 64.
    assert main(["retry", str(failed), "--socket", sock]) == exit_codes.USAGE
    assert "not a failed outgoing message" in capsys.readouterr().err
    assert main(["retry", "999", "--json", "--socket", sock]) == exit_codes.FAILURE
    assert json.loads(capsys.readouterr().out)["error"]["code"] == "not_found"


def test_resend_as_sms_sends_the_text_as_a_new_sms(engine_daemon, capsys: pytest.CaptureFixture[str]) -> None:
    agent, sock = engine_daemon
    failed = _failed_mms(agent)
    assert main(["resend-as-sms", str(failed), "--json", "--socket", sock]) == exit_codes.OK
    sms = json.loads(capsys.readouterr().out)
    assert sms["id"] != failed and sms["kind"] == "sms" and sms["direction"] == "out"
    assert sms["text"] == "see you at 8" and sms["to"] == ["+15551234567"]
    assert agent.show_message(failed).state == "failed"  # the MMS stays as it was
    assert main(["resend-as-sms", str(sms["id"]), "--socket", sock]) == exit_codes.USAGE  # an SMS is not an MMS
    assert "not an outgoing MMS" in capsys.readouterr().err


def test_status_shows_the_carrier_size_limit(engine_daemon, capsys: pytest.CaptureFixture[str]) -> None:
    _, sock = engine_daemon
    assert main(["status", "--socket", sock]) == exit_codes.OK
    assert "Largest MMS:           300 KB" in capsys.readouterr().out  # the default, as Android assumes
    assert main(["status", "--json", "--socket", sock]) == exit_codes.OK
    assert json.loads(capsys.readouterr().out)["max_size"] == 300 * 1024


def test_delete_removes_the_message(engine_daemon, capsys: pytest.CaptureFixture[str]) -> None:
    agent, sock = engine_daemon
    failed = _failed_mms(agent)
    assert main(["delete", str(failed), "--socket", sock]) == exit_codes.OK
    assert f"message {failed} deleted" in capsys.readouterr().out
    assert main(["show", str(failed), "--socket", sock]) == exit_codes.FAILURE
    assert main(["delete", str(failed), "--socket", sock]) == exit_codes.FAILURE
    assert f"mmsua delete: no message {failed}" in capsys.readouterr().err


def test_fetch_says_the_download_started_and_how_to_see_it(daemon, capsys: pytest.CaptureFixture[str]) -> None:
    agent, sock = daemon
    message = agent.receive("+15551234567", "later")
    agent.fetch = lambda id: dataclasses.replace(agent.messages[id], state=MessageState.NOTIFIED)  # what the engine answers: queued for retrieval
    assert main(["fetch", str(message.id), "--socket", sock]) == exit_codes.OK
    out = capsys.readouterr().out
    assert out == f"message {message.id}: download started; `mmsua show {message.id}` shows it once it has arrived\n"


def test_tui_without_a_daemon_names_the_start_command_for_its_socket(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # the user's config must not leak in
    sock = tmp_path / "elsewhere.sock"
    assert main(["tui", "--socket", str(sock)]) == exit_codes.UNAVAILABLE
    err = capsys.readouterr().err
    assert f"start one:                 mmsua daemon --socket {sock}\n" in err


@pytest.mark.parametrize(("octets", "shown"), [(900, "900 bytes"), (214 * 1024, "214 KB"), (300 * 1024, "300 KB"),
                                              (1024 * 1024, "1 MB"), (1536 * 1024, "1.5 MB")])
def test_send_says_sizes_as_a_person_reads_them(octets: int, shown: str) -> None:
    from mmsua.cli.send import _size

    assert _size(octets) == shown
