"""Sends that can be taken back, and those that cannot: `cancel` (API and CLI), a Ctrl-C
during `mmsua send`, `resend-as-sms` of a message that was already sent."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mmsua import exit_codes
from mmsua.api.errors import ApiError
from mmsua.api.shapes import SendRequest
from mmsua.cli.main import main
from mmsua.daemon.client import Client
from mmsua.engine.states import Event

PEER = "+15551234567"


def _queue(sock: Path, text: str = "take me back") -> int:
    with Client(sock) as client:
        message = client.send(SendRequest(to=(PEER,), text=text, via="mms"))
    assert not isinstance(message, list)
    return message.id


def _mark_sent(agent: Any, message_id: int) -> None:
    agent.store.change_state(message_id, Event.SEND_STARTED)
    agent.store.change_state(message_id, Event.SENT)


def test_cancel_stops_a_queued_message_and_a_second_cancel_is_too_late(engine_server, sock_path: Path) -> None:
    agent, _ = engine_server
    message_id = _queue(sock_path)
    with Client(sock_path) as client:
        cancelled = client.cancel(message_id)
        assert cancelled.state == "cancelled" and cancelled.error == "cancelled by the user"
        assert agent.store.tasks_for(message_id) == []  # nothing left that could send it
        with pytest.raises(ApiError) as again:
            client.cancel(message_id)
    assert again.value.code == "too_late" and "cancelled" in again.value.message


def test_cancel_is_too_late_once_the_post_began(engine_server, sock_path: Path) -> None:
    agent, _ = engine_server
    message_id = _queue(sock_path)
    task = agent.store.get_task("send", message_id)
    agent.store.update_task_args(task.id, {"posting": True})  # what the worker marks before its POST
    assert "being posted" in _too_late(sock_path, message_id)
    assert agent.store.get_message(message_id).state == "queued"


def test_cancel_of_a_sent_message_is_too_late(engine_server, sock_path: Path) -> None:
    agent, _ = engine_server
    message_id = _queue(sock_path)
    _mark_sent(agent, message_id)
    assert "is sent" in _too_late(sock_path, message_id)


def _too_late(sock_path: Path, message_id: int) -> str:
    with Client(sock_path) as client, pytest.raises(ApiError) as late:
        client.cancel(message_id)
    assert late.value.code == "too_late"
    return late.value.message


def test_a_cancel_just_before_the_post_wins_and_nothing_is_posted(engine_server, sock_path: Path) -> None:
    """The worker took the message (sending) but the user cancels before its POST: no POST goes out."""
    agent, _ = engine_server
    message_id = _queue(sock_path)
    task = agent.store.get_task("send", message_id)
    posted: list[bytes] = []

    class Http:
        def post(self, body: bytes) -> bytes:
            posted.append(body)
            return b""

    class CancelFirst:
        def exchange(self, task: Any, call: Any) -> bytes | None:
            assert agent.store.get_message(message_id).state == "sending"
            agent.cancel(message_id)  # the user, between the worker's start and its POST
            return call(Http())

    sender = agent.engine.sender
    sender._retries = CancelFirst()
    sender.send(task)
    assert posted == []
    message = agent.store.get_message(message_id)
    assert message.state == "cancelled" and message.attempts == 0


def test_the_cli_cancel_says_what_happened_and_exits_by_it(engine_server, sock_path: Path, capsys) -> None:
    message_id = _queue(sock_path)
    assert main(["cancel", str(message_id), "--socket", str(sock_path)]) == exit_codes.OK
    assert f"message {message_id} cancelled: it was not sent" in capsys.readouterr().out
    assert main(["cancel", str(message_id), "--socket", str(sock_path)]) == exit_codes.FAILURE
    assert "only a message still queued can be cancelled" in capsys.readouterr().err


def test_resend_as_sms_refuses_a_sent_mms_unless_forced(engine_server, sock_path: Path, capsys) -> None:
    agent, _ = engine_server
    message_id = _queue(sock_path, "sent once already")
    _mark_sent(agent, message_id)
    assert main(["resend-as-sms", str(message_id), "--socket", str(sock_path)]) == exit_codes.USAGE
    assert "was sent: the recipients have it" in capsys.readouterr().err
    assert agent.store.count_in_state("queued") == 0  # nothing queued again
    assert main(["resend-as-sms", str(message_id), "--force", "--socket", str(sock_path)]) == exit_codes.OK
    assert "(sms)" in capsys.readouterr().out


@pytest.fixture
def ctrl_c_interrupts() -> Iterator[None]:
    """A SIGINT raises KeyboardInterrupt in this process, as in a terminal: a test process
    started as a script's background job inherits SIGINT ignored (the stress run's did)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _ctrl_c_when_the_daemon_has_it(agent: Any, monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """The daemon has the request and holds it (as while it fits big pictures) while the
    user presses Ctrl-C; it goes on only once the client felt the Ctrl-C and is asking what
    became of its request. The returned event is set if that happened."""
    original = agent.send
    main_thread = threading.main_thread().ident
    assert main_thread is not None
    asking = threading.Event()
    abandon = Client.abandon

    def abandon_felt(self: Client) -> Any:
        asking.set()
        return abandon(self)

    def send(request: SendRequest) -> Any:
        signal.pthread_kill(main_thread, signal.SIGINT)
        asking.wait(60)  # set at once on a healthy client; unset, the test fails on it
        return original(request)

    monkeypatch.setattr(Client, "abandon", abandon_felt)
    agent.send = send
    return asking


@pytest.mark.usefixtures("ctrl_c_interrupts")
def test_ctrl_c_while_the_daemon_takes_the_message_cancels_it_and_says_so(engine_server, sock_path: Path, capsys,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    agent, _ = engine_server
    felt = _ctrl_c_when_the_daemon_has_it(agent, monkeypatch)
    status = main(["send", "--to", PEER, "--text", "never mind", "--socket", str(sock_path)])
    err = capsys.readouterr().err
    assert felt.is_set(), "the Ctrl-C did not interrupt the wait for the daemon's answer"
    assert status == 130
    assert "cancelled; nothing was sent" in err and "Traceback" not in err
    (message,) = agent.store.list_messages(agent.store.list_conversations(None, 10, 0)[0].id, None, 10)
    assert message.state == "cancelled" and agent.store.tasks_for(message.id) == []


def test_ctrl_c_just_after_the_answer_was_read_before_the_caller_had_it_cancels_it(
        engine_server, sock_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """The answer is read (the request is no longer in flight) but the Ctrl-C comes before
    `send` returns it: the client still knows the daemon queued it, so it cancels it."""
    agent, _ = engine_server
    call = Client._call

    def interrupted_after_reading(self: Client, method: str, params: Any) -> Any:
        answer = call(self, method, params)
        if method == "send":
            raise KeyboardInterrupt
        return answer

    monkeypatch.setattr(Client, "_call", interrupted_after_reading)
    status = main(["send", "--to", PEER, "--text", "never mind", "--socket", str(sock_path)])
    err = capsys.readouterr().err
    assert status == 130
    assert "cancelled; nothing was sent" in err and "Traceback" not in err
    (message,) = agent.store.list_messages(agent.store.list_conversations(None, 10, 0)[0].id, None, 10)
    assert message.state == "cancelled" and agent.store.tasks_for(message.id) == []


def test_ctrl_c_just_after_the_answer_came_before_queued_was_said_cancels_it(engine_server, sock_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    """Python raises a Ctrl-C where the main thread next runs: on a loaded machine that can be
    just after the daemon's answer arrived, before "queued as message N" was printed. The
    user was not told it was queued, so it must not go."""
    from mmsua.daemon import render

    agent, _ = engine_server

    def interrupted(text: object) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "line", interrupted)
    status = main(["send", "--to", PEER, "--text", "never mind", "--socket", str(sock_path)])
    err = capsys.readouterr().err
    assert status == 130
    assert "cancelled; nothing was sent" in err and "Traceback" not in err
    (message,) = agent.store.list_messages(agent.store.list_conversations(None, 10, 0)[0].id, None, 10)
    assert message.state == "cancelled" and agent.store.tasks_for(message.id) == []


def test_ctrl_c_before_the_request_left_sends_nothing_and_says_so(engine_server, sock_path: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    agent, _ = engine_server
    picture = tmp_path / "big.jpg"
    picture.write_bytes(b"\xff\xd8\xff\xd9")

    def interrupted(self: Path) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "read_bytes", interrupted)
    status = main(["send", "--to", PEER, "--attach", str(picture), "--socket", str(sock_path)])
    assert status == 130
    assert "interrupted; nothing was sent" in capsys.readouterr().err
    assert agent.store.list_conversations(None, 10, 0) == []


def test_send_says_queued_as_message_n_once_the_daemon_has_it(engine_server, sock_path: Path, capsys) -> None:
    assert main(["send", "--to", PEER, "--text", "hello", "--socket", str(sock_path)]) == exit_codes.OK
    assert capsys.readouterr().out.startswith(f"queued as SMS (1 part) to {PEER}, message ")


_IMPORT_INTERRUPTED = """
import sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == {module!r}:
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, CtrlC())
sys.argv = ["mmsua", "status", "--socket", "/nonexistent/api.sock"]
from mmsua.cli.main import main  # what the console script runs
sys.exit(main())
"""


@pytest.mark.parametrize("module", ["argparse", "mmsua.daemon.client", "mmsua.daemon.clisupport", "mmsua.api.shapes"])
def test_ctrl_c_while_python_is_still_importing_is_one_line_not_a_traceback(module: str) -> None:
    run = subprocess.run([sys.executable, "-c", _IMPORT_INTERRUPTED.format(module=module)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 130, run.stderr
    assert "Traceback" not in run.stderr and "mmsua status: interrupted" in run.stderr


def test_sms_of_many_parts_says_how_many_and_needs_yes(engine_server, sock_path: Path, capsys) -> None:
    agent, _ = engine_server
    text = "x" * 2000
    assert main(["send", "--sms", "--to", PEER, "--text", text, "--socket", str(sock_path)]) == exit_codes.USAGE
    assert "this goes as 14 SMS, each charged as one; add --yes" in capsys.readouterr().err
    assert agent.store.list_conversations(None, 10, 0) == []
    assert main(["send", "--sms", "--yes", "--to", PEER, "--text", text, "--socket", str(sock_path)]) == exit_codes.OK
    assert capsys.readouterr().out.startswith("queued as SMS (14 parts) to ")
    assert main(["send", "--sms", "--to", PEER, "--text", "y" * 300, "--socket", str(sock_path)]) == exit_codes.OK
    assert capsys.readouterr().out.startswith("queued as SMS (2 parts) to ")
