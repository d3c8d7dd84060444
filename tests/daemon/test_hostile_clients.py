"""Requests from broken or hostile local programs: each is answered, none stalls or kills the daemon."""

from __future__ import annotations

import json
import os
import socket
import threading
from pathlib import Path

import pytest
from conftest import exchange, raw

from mmsua.api.errors import ApiError
from mmsua.api.shapes import Attachment, SendRequest
from mmsua.daemon import server as server_module
from mmsua.daemon.client import Client
from mmsua.daemon.server import ApiServer


@pytest.fixture
def daemon(engine_server):
    return engine_server


def _send_path(client: Client, path: str) -> None:
    client.send(SendRequest(to=("+15551234567",), text="hi", attachments=(Attachment(path=path),)))


def test_an_attachment_path_to_a_fifo_is_refused_and_status_still_answers(daemon, sock_path: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.jpg"
    os.mkfifo(fifo)
    with Client(sock_path, timeout=20) as client, pytest.raises(ApiError) as refused:
        _send_path(client, str(fifo))
    assert refused.value.code == "bad_request" and "not a regular file" in refused.value.message
    with Client(sock_path, timeout=20) as other:
        assert other.status().queued == 0


def test_an_attachment_path_to_dev_zero_is_refused_not_read_forever(daemon, sock_path: Path) -> None:
    with Client(sock_path, timeout=20) as client, pytest.raises(ApiError) as refused:
        _send_path(client, "/dev/zero")
    assert refused.value.code == "bad_request" and "not a regular file" in refused.value.message


def test_an_attachment_path_to_a_directory_is_refused_as_not_a_regular_file(daemon, sock_path: Path, tmp_path: Path) -> None:
    with Client(sock_path, timeout=20) as client, pytest.raises(ApiError) as refused:
        _send_path(client, str(tmp_path))
    assert refused.value.code == "bad_request" and "not a regular file" in refused.value.message


def test_an_attachment_path_larger_than_the_limit_is_too_large(daemon, sock_path: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from mmsua.engine import agent as agent_module

    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 2048)
    monkeypatch.setattr(agent_module.read_attachment_file, "__defaults__", (1024,))
    with Client(sock_path, timeout=20) as client, pytest.raises(ApiError) as refused:
        _send_path(client, str(big))
    assert refused.value.code == "too_large"


def test_a_regular_file_attachment_by_path_is_still_sent(daemon, sock_path: Path, tmp_path: Path) -> None:
    picture = tmp_path / "note.txt"
    picture.write_text("an attachment")
    with Client(sock_path, timeout=20) as client:
        client.send(SendRequest(to=("+15551234567",), text="hi", attachments=(Attachment(path=str(picture)),)))
        assert client.status().queued == 1


@pytest.mark.parametrize("line, fragment", [
    (b'{"id": 1, "method": "status", "params": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n", "nested"),
    (b'{"id": 1, "method": "show_message", "params": {"id": ' + b"[" * 40 + b"]" * 40 + b"}}\n", "nested"),
    (b'{"id": 1, "method": "show_message", "params": {"id": ' + b"9" * 5000 + b"}}\n", "not a JSON object"),
    (b'{"id": 1, "method": "show_message", "params": {"id": NaN}}\n', "not a JSON object"),
    (b'{"id": 1, "method": "show_message", "params": {"id": 99999999999999999999999}}\n', "whole number"),
    (b'{"id": [1], "method": "status"}\n', "id"),
], ids=["100000-deep", "40-deep", "5000-digits", "NaN", "beyond-64-bit", "list-id"])
def test_a_malformed_request_is_answered_bad_request_and_the_connection_lives_on(daemon, sock_path: Path, line: bytes,
                                                                                 fragment: str) -> None:
    sock, reader = raw(sock_path)
    answer = exchange(sock, reader, line)
    assert answer["error"]["code"] == "bad_request" and fragment in answer["error"]["message"]
    assert "result" in exchange(sock, reader, b'{"id": 2, "method": "status"}\n')
    sock.close()


def test_an_over_long_line_is_answered_too_large_and_the_connection_closed(daemon, sock_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "MAX_LINE", 64 * 1024)  # the mechanism, without moving 32 MiB
    sock, reader = raw(sock_path)
    try:
        sock.sendall(b'{"id": 1, "method": "status", "x": "' + b"a" * (128 * 1024))
    except OSError:
        pass  # the daemon may close before it has read everything
    answer = json.loads(reader.readline())
    assert answer["error"]["code"] == "too_large"
    try:
        assert reader.readline() == b""  # closed
    except ConnectionResetError:
        pass  # closed with the rest of the line unread
    sock.close()
    with Client(sock_path, timeout=20) as other:
        other.status()


def test_the_client_reads_the_too_large_answer_even_though_its_write_was_cut_short(
        daemon, sock_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "MAX_LINE", 64 * 1024)
    with Client(sock_path, timeout=20) as client, pytest.raises(ApiError) as refused:
        client.send(SendRequest(to=("+15551234567",), text="x" * (4 * 1024 * 1024)))
    assert refused.value.code == "too_large"


def test_a_request_cut_off_by_the_end_of_the_connection_is_not_carried_out(daemon, sock_path: Path) -> None:
    sock, reader = raw(sock_path)
    sock.sendall(b'{"id": 1, "method": "send", "params": {"to": ["+15551234567"], "text": "never"}}')
    sock.shutdown(socket.SHUT_WR)
    assert reader.readline() == b""  # the daemon read to the end and closed without an answer
    sock.close()
    with Client(sock_path, timeout=20) as client:
        assert client.status().queued == 0 and client.list_conversations() == []


def test_past_the_connection_cap_a_newcomer_is_answered_unavailable_not_left_hanging(
        daemon, sock_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "MAX_CONNECTIONS", 3)
    held = [raw(sock_path) for _ in range(3)]
    for sock, reader in held:
        assert "result" in exchange(sock, reader, b'{"id": 1, "method": "status"}\n')  # all three are served
    with Client(sock_path, timeout=20) as client, pytest.raises(ApiError) as refused:
        client.status()
    assert refused.value.code == "unavailable" and "connections" in refused.value.message, daemon[1].client_count
    sock, reader = held.pop()
    reader.close()
    sock.close()
    _, server = daemon
    server_module_wait(server, 2)
    with Client(sock_path, timeout=20) as client:
        client.status()
    for sock, _ in held:
        sock.close()


def server_module_wait(server: ApiServer, count: int) -> None:
    """Until the server has forgotten closed connections (its reader sees the end)."""
    import time

    deadline = time.monotonic() + 20
    while server.client_count > count:
        assert time.monotonic() < deadline, "the server kept a closed connection"
        threading.Event().wait(0.01)


def test_a_client_that_stops_reading_does_not_hold_a_writer_thread_for_ever(daemon, sock_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(server_module, "SEND_TIMEOUT", 1)
    with Client(sock_path, timeout=20) as client:
        sent = client.send(SendRequest(to=("+15551234567",), attachments=(Attachment.of(b"\0" * 250_000, "big.bin"),)))
    assert not isinstance(sent, list)
    sock, reader = raw(sock_path)
    assert "result" in exchange(sock, reader, b'{"id": 0, "method": "status"}\n')  # accepted: the newest connection
    mine = f"-{daemon[1]._count}"
    ask = b'{"id": 1, "method": "get_part", "params": {"message_id": %d, "index": 1}}\n' % sent.id
    sock.sendall(ask * 40)  # megabytes of answers, never read
    sock.shutdown(socket.SHUT_WR)
    deadline = threading.Event()
    timer = threading.Timer(30, deadline.set)
    timer.start()
    try:
        while any(t.name.startswith("api-") and t.name.endswith(mine) for t in threading.enumerate()):
            assert not deadline.is_set(), "the writer still blocks on a client that reads nothing"
            deadline.wait(0.05)
    finally:
        timer.cancel()
        sock.close()
