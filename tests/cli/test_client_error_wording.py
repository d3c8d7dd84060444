"""CLI clients name the subcommand in an error and keep the API's code for --json.

A real daemon API (the book agent behind ApiServer) on a real Unix socket.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "daemon"))
from bookagent import BookAgent  # noqa: E402

from mmsua import exit_codes  # noqa: E402
from mmsua.cli.main import main  # noqa: E402
from mmsua.daemon.server import ApiServer  # noqa: E402


@pytest.fixture
def sock() -> str:
    short = Path(f"/tmp/mmsua-errwording-{os.getpid()}")
    short.mkdir(mode=0o700, exist_ok=True)
    path = short / "api.sock"
    server = ApiServer(BookAgent(), path)
    server.start()
    yield str(path)
    server.stop()
    subprocess.run(["rm", "-rf", str(short)], check=False)


@pytest.mark.parametrize("command", ["show", "delete"])
def test_an_unknown_message_names_the_subcommand_not_the_api_code(sock: str, command: str,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "42", "--socket", sock]) == exit_codes.FAILURE
    captured = capsys.readouterr()
    assert captured.err == f"mmsua {command}: no message 42\n"
    assert captured.out == ""


def test_a_refused_request_reads_as_the_subcommand_s_error(sock: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["send", "--to", "+15551234567", "--socket", sock]) == exit_codes.USAGE  # nothing to send
    err = capsys.readouterr().err
    assert err.startswith("mmsua send: ") and "bad_request" not in err


def test_json_output_keeps_the_api_error_code(sock: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["show", "42", "--json", "--socket", sock]) == exit_codes.FAILURE
    captured = capsys.readouterr()
    assert json.loads(captured.out) == {"error": {"code": "not_found", "message": "no message 42"}}
    assert captured.err == "mmsua show: no message 42\n"


def test_no_daemon_is_said_by_the_subcommand(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--socket", str(tmp_path / "none.sock")]) == exit_codes.UNAVAILABLE
    assert capsys.readouterr().err.startswith("mmsua status: ")


@pytest.mark.parametrize(("line", "shown"), [
    (b"AT+CSQ\r\n", r"it begins 'AT+CSQ'"),
    (b"\x1b]0;pwned\x07OK\r\n", r"it begins '\x1b]0;pwned\x07OK'"),
    (b"\xff\xfe not text\n", r"it begins '\ufffd\ufffd not text'"),
    (b"[1, 2]\n", r"it begins '[1, 2]'"),
])
def test_a_line_that_is_not_an_answer_is_shown_escaped(line: bytes, shown: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Whatever answers on the socket (not the daemon, or bytes from elsewhere), the user sees
    the start of what came, escaped, and no traceback."""
    import socket
    import tempfile
    import threading

    folder = Path(tempfile.mkdtemp(prefix="mmsua-notjson-", dir="/tmp"))  # AF_UNIX paths are short
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(folder / "api.sock"))
    listener.listen(1)

    def answers_with_the_line() -> None:
        connection, _ = listener.accept()
        with connection, connection.makefile("rb") as reader:
            reader.readline()
            connection.sendall(line)

    thread = threading.Thread(target=answers_with_the_line, daemon=True)
    thread.start()
    try:
        assert main(["status", "--socket", str(folder / "api.sock")]) == exit_codes.SOFTWARE
        err = capsys.readouterr().err
        assert err.startswith("mmsua status: the daemon sent a line that is not ") and shown in err, err
        assert "\x1b" not in err and "\x07" not in err and "Traceback" not in err
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # the thread ends before its descriptor can be reused
        thread.join()
        listener.close()
        subprocess.run(["rm", "-rf", str(folder)], check=False)
