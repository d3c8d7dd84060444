"""The JSON-lines API over a real Unix socket: framing, dispatch, errors, events, shutdown."""

from __future__ import annotations

import json
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from bookagent import BookAgent
from conftest import exchange, raw

from mmsua.api.errors import ApiError
from mmsua.api.events import ConnectionClosed
from mmsua.api.shapes import Attachment, SendRequest
from mmsua.daemon.client import CONNECTION_CLOSED, Client, DaemonUnavailable, LocalClient
from mmsua.daemon.server import ApiServer, SocketInUse

HERE = Path(__file__).resolve().parent


@pytest.fixture
def served(sock_path: Path):
    agent = BookAgent()
    server = ApiServer(agent, sock_path)
    server.start()
    yield agent, server
    server.stop()


def test_socket_and_directory_are_private(served, sock_path: Path) -> None:
    assert stat.S_ISSOCK(sock_path.stat().st_mode)
    assert stat.S_IMODE(sock_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(sock_path.parent.stat().st_mode) == 0o700


def test_requests_get_answers_with_their_id(served, sock_path: Path) -> None:
    sock, reader = raw(sock_path)
    answer = exchange(sock, reader, b'{"id": "abc", "method": "status"}\n')
    assert answer["id"] == "abc" and answer["result"]["registration"] == "home"
    answer = exchange(sock, reader, b'{"id": 2, "method": "list_conversations", "params": {"limit": 5}}\n')
    assert answer == {"id": 2, "result": [{"id": 1, "participants": ["+15551234567"], "last_date": None, "last_preview": "", "unread": 0, "message_count": 0, "names": [], "blocked": False, "muted": False}]}
    sock.close()


@pytest.mark.parametrize(
    "line, code, fragment",
    [
        (b"this is not json\n", "bad_request", "not a JSON object"),
        (b"[1, 2]\n", "bad_request", "a request is a JSON object"),
        (b'{"id": 1, "method": "format_disk"}\n', "bad_request", "unknown method 'format_disk'"),
        (b'{"id": 1, "method": "__init__"}\n', "bad_request", "unknown method"),
        (b'{"id": 1, "method": "show_message", "params": {"id": 1, "evil": true}}\n', "bad_request", "unknown parameter(s) evil"),
        (b'{"id": 1, "method": "show_message", "params": {}}\n', "bad_request", "missing a required argument"),
        (b'{"id": 1, "method": "show_message", "params": [1]}\n', "bad_request", "params must be an object"),
        (b'{"id": 1, "method": "show_message", "params": {"id": 99}}\n', "not_found", "no message 99"),
        (b'{"id": 1, "method": "send", "params": {"to": []}}\n', "bad_request", "no recipient"),
        (b'{"id": 1, "method": "fetch", "params": {"id": 1}}\n', "unavailable", "data path is down"),
        (b'{"id": 1, "method": "retry", "params": {"id": 1}}\n', "internal", "RuntimeError: boom"),
    ],
)
def test_bad_requests_get_coded_errors_and_the_connection_lives_on(served, sock_path: Path, line: bytes, code: str, fragment: str) -> None:
    sock, reader = raw(sock_path)
    answer = exchange(sock, reader, line)
    assert answer["error"]["code"] == code
    assert fragment in answer["error"]["message"]
    assert answer["id"] == (1 if line.startswith(b"{") else None)  # the waiting client gets its answer
    assert exchange(sock, reader, b'{"id": 9, "method": "status"}\n')["id"] == 9
    sock.close()


def test_a_parameter_the_daemon_does_not_know_is_an_error_not_a_hang(served, sock_path: Path) -> None:
    # A newer client (a new parameter) against an older daemon: the answer names it.
    with Client(sock_path) as client:
        with pytest.raises(ApiError, match="unknown parameter") as caught:
            client._call("show_message", {"id": 1, "from_the_future": True})
        assert caught.value.code == "bad_request"
        assert client.status().operator == "Test"  # and the connection lives on


def test_too_large_is_its_own_code(served, sock_path: Path) -> None:
    with Client(sock_path) as client:
        with pytest.raises(ApiError) as caught:
            client.send(SendRequest(to=("+15551234567",), attachments=(Attachment(name="big", content_type="image/jpeg", data_b64="A" * 500_000),)))
    assert caught.value.code == "too_large"


def test_many_clients_at_once(served, sock_path: Path) -> None:
    agent, server = served
    results: list[int] = []
    lock = threading.Lock()

    def one(n: int) -> None:
        with Client(sock_path) as client:
            for _ in range(20):
                sent = client.send(SendRequest(to=(f"+1555{n:07d}",), text=f"hello {n}", via="mms"))
                assert sent.to == (f"+1555{n:07d}",)
            with lock:
                results.append(n)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == list(range(8))
    assert len(agent.messages) == 160


def test_events_reach_subscribers_only(served, sock_path: Path) -> None:
    agent, server = served
    listener = Client(sock_path)
    events = listener.events()
    got: list[tuple[str, dict]] = []
    reader = threading.Thread(target=lambda: got.extend(next(events) for _ in range(2)))
    quiet_sock, quiet = raw(sock_path)
    assert exchange(quiet_sock, quiet, b'{"id": 1, "method": "status"}\n')["id"] == 1
    # Wait until the server has the subscription registered before emitting.
    for _ in range(200):
        if server.client_count == 2:
            break
        time.sleep(0.01)
    reader.start()
    agent.receive("+15551234567", "first")
    agent.receive("+15551234567", "second \x1b[31m")
    reader.join(10)
    assert [(event.name, event.data.text) for event in got] == [("message.received", "first"), ("message.received", "second \x1b[31m")]
    # The unsubscribed connection saw no event: its next line is the answer.
    assert exchange(quiet_sock, quiet, b'{"id": 2, "method": "status"}\n')["id"] == 2
    quiet_sock.close()
    listener.close()


def test_events_and_answers_interleave_on_one_connection(served, sock_path: Path) -> None:
    agent, _ = served
    with Client(sock_path) as client:
        client._subscribe_connection()
        sent = client.send(SendRequest(to=("+15551234567",), text="x", via="mms"))  # the engine emits message.updated while answering
        assert sent.state == "queued"
        assert client._pending_events and client._pending_events[0]["event"] == "message.updated"


def test_stop_removes_the_socket_and_drops_clients(sock_path: Path) -> None:
    server = ApiServer(BookAgent(), sock_path)
    server.start()
    client = Client(sock_path)
    client.status()
    server.stop()
    assert not sock_path.exists()
    with pytest.raises(DaemonUnavailable) as caught:
        client.status()
    assert "mmsua daemon" in str(caught.value)


def test_stale_socket_is_replaced_and_a_live_one_is_refused(sock_path: Path) -> None:
    sock_path.parent.mkdir(parents=True, mode=0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(sock_path))
    stale.close()  # a file nobody listens on: what SIGKILL leaves behind
    first = ApiServer(BookAgent(), sock_path)
    first.start()
    try:
        with pytest.raises(SocketInUse):
            ApiServer(BookAgent(), sock_path).start()
        assert Client(sock_path).status().operator == "Test"
    finally:
        first.stop()


def test_client_without_daemon_says_how_to_start_it(sock_path: Path) -> None:
    with pytest.raises(DaemonUnavailable) as caught:
        Client(sock_path).status()
    assert caught.value.code == "unavailable"
    assert "mmsua daemon" in str(caught.value)


def test_local_client_matches_the_socket_client(served, sock_path: Path) -> None:
    agent, _ = served
    local = LocalClient(agent)
    seen: list[str] = []
    local.on_event(lambda event: seen.append(event.name))
    message = local.send(SendRequest(to=("+15551234567",), text="hi", via="mms"))
    with Client(sock_path) as remote:
        assert remote.show_message(message.id) == local.show_message(message.id)
        with pytest.raises(ApiError) as remote_error:
            remote.show_message(12345)
    with pytest.raises(ApiError) as local_error:
        local.show_message(12345)
    assert (remote_error.value.code, str(remote_error.value)) == (local_error.value.code, str(local_error.value))
    assert "message.updated" in seen


def test_on_event_callback_thread(served, sock_path: Path) -> None:
    agent, server = served
    got = threading.Event()
    client = Client(sock_path)
    client.on_event(lambda event: got.set() if event.name == "message.received" else None)
    for _ in range(200):
        if server.subscriber_count >= 1:
            break
        time.sleep(0.01)
    agent.receive("+1555", "hello")
    assert got.wait(10)
    client.close()



def _wait_subscribed(server: ApiServer) -> None:
    for _ in range(500):
        if server.subscriber_count:
            return
        time.sleep(0.01)
    raise AssertionError("the listener never subscribed")


def test_a_lost_connection_is_reported_to_the_event_listener(sock_path: Path) -> None:
    server = ApiServer(BookAgent(), sock_path)
    server.start()
    seen: list[tuple[str, object]] = []
    reasons: list[str] = []
    closed = threading.Event()
    client = Client(sock_path)
    client.on_event(lambda event: seen.append((event.name, event.data.to_json())), on_close=lambda reason: (reasons.append(reason), closed.set()))
    _wait_subscribed(server)
    server.stop()  # the daemon goes away
    assert closed.wait(10)
    assert reasons and "closed" in reasons[0]
    assert seen[-1] == ("connection.closed", {"reason": reasons[0]})
    assert ConnectionClosed.name == CONNECTION_CLOSED  # the client names it without importing the events
    client.close()


def test_closing_the_client_itself_is_not_a_lost_connection(served, sock_path: Path) -> None:
    _, server = served
    seen: list[str] = []
    reasons: list[str] = []
    before = set(threading.enumerate())
    client = Client(sock_path)
    client.on_event(lambda event: seen.append(event.name), on_close=reasons.append)
    pump = next(t for t in set(threading.enumerate()) - before if t.name == "mmsua-events")
    _wait_subscribed(server)
    listener = client._listeners[0]
    client.close()
    pump.join(10)
    assert not pump.is_alive()
    assert listener.close_reason is not None  # the stream did end ...
    assert reasons == [] and "connection.closed" not in seen  # ... and it was not reported as a loss


def test_status_carries_the_carrier_size_limit(served, sock_path: Path, tmp_path: Path) -> None:
    from mmsua.engine.agent import UserAgent
    from mmsua.engine.settings import AgentSettings

    agent, _ = served
    agent.settings = AgentSettings(max_message_size=614_400)
    with Client(sock_path) as client:
        assert client.status().max_size == 614_400
    real = UserAgent(AgentSettings(store_path=str(tmp_path / "store"), max_message_size=307_200))
    try:
        assert LocalClient(real).status().max_size == 307_200
    finally:
        real.stop()
        real.store.close()


DAEMON_SCRIPT = """
import sys, logging
sys.path.insert(0, {here!r})
from pathlib import Path
from bookagent import BookAgent
from mmsua import config
from mmsua.daemon.runner import Daemon
logging.basicConfig(level=logging.INFO)
cfg = config.load("/dev/null", {{"modem.port": "loop://", "store.path": {store!r}}})
Daemon(cfg, Path({sock!r}), agent_factory=BookAgent, probe_sim=False).run()
print("clean exit", flush=True)
"""


def _answering(path: Path, process: subprocess.Popen, timeout: float = 30.0) -> dict:
    """The daemon's status once it answers on ``path`` (a process start on a loaded machine takes seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, process.communicate()[1]
        try:
            return Client(path, timeout=5).status()
        except DaemonUnavailable:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)


def test_sigterm_shuts_down_cleanly(sock_path: Path, tmp_path: Path) -> None:
    script = DAEMON_SCRIPT.format(here=str(HERE), store=str(tmp_path / "store"), sock=str(sock_path))
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # The socket file appears at bind(), before listen(): wait for an answer, not for the file.
        assert _answering(sock_path, process).registration == "home"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "clean exit" in out
    assert "SIGTERM received; shutting down" in err and "daemon stopped" in err
    assert not sock_path.exists()


@pytest.fixture
def real_agent(engine_server):
    return engine_server[0]


def test_the_real_engine_over_the_socket(real_agent, sock_path: Path) -> None:
    listener = Client(sock_path)
    events = listener.events()
    with Client(sock_path) as client:
        status = client.status()
        assert status.daemon_version and status.queued == 0
        queued = client.send(SendRequest(to=("+15551234567",), subject="Hi", text="hello over the socket"))
        assert not isinstance(queued, list)
        assert queued.state in ("queued", "sending") and queued.direction == "out"
        event = next(events)
        assert event.name in ("message.received", "message.updated", "log")
        conversations = client.list_conversations()
        assert conversations and "+15551234567" in conversations[0].participants
        shown = client.show_message(queued.id)
        assert shown.text == "hello over the socket" and shown.subject == "Hi"
        assert client.list_messages(conversations[0].id)[0].id == queued.id
        with pytest.raises(ApiError) as missing:
            client.show_message(424242)
        assert missing.value.code == "not_found"
        with pytest.raises(ApiError) as bad:
            client.list_conversations(limit=-5)
        assert bad.value.code == "bad_request"
        assert client.delete(queued.id) is None
        with pytest.raises(ApiError):
            client.show_message(queued.id)
    listener.close()


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mmsua.api.methods import METHODS  # noqa: E402
from mmsua.daemon.protocol import Request, parse_request  # noqa: E402

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


@given(st.binary(max_size=200))
def test_any_bytes_parse_or_give_bad_request(line: bytes) -> None:
    try:
        request = parse_request(line)
    except ApiError as error:
        assert error.code == "bad_request"
    else:
        assert isinstance(request, Request) and request.method in METHODS


@given(st.sampled_from(sorted(METHODS)), _json, _json)
def test_structured_requests_parse_or_give_bad_request(method: str, params, request_id) -> None:
    line = json.dumps({"id": request_id, "method": method, "params": params}).encode()
    try:
        request = parse_request(line)
    except ApiError as error:
        assert error.code == "bad_request"
    else:
        assert request.method == method and set(request.params) <= set(METHODS[method].param_names)


def test_a_second_daemon_refuses_before_starting_its_engine(sock_path: Path, tmp_path: Path) -> None:
    from mmsua import config
    from mmsua.daemon.runner import Daemon

    first = ApiServer(BookAgent(), sock_path)
    first.start()
    made: list[BookAgent] = []

    def factory(settings):
        made.append(BookAgent(settings))
        return made[-1]

    try:
        cfg = config.load("/dev/null", {"modem.port": "loop://", "store.path": str(tmp_path / "s")})
        with pytest.raises(SocketInUse):
            Daemon(cfg, sock_path, agent_factory=factory).start()
        assert made == []  # the modem was never opened by the second one
    finally:
        first.stop()


def test_the_method_table_reads_each_method_at_first_use() -> None:
    import inspect

    from mmsua.api.methods import METHODS, Api

    names = [name for name, f in vars(Api).items() if not name.startswith("_") and inspect.isfunction(f)]
    assert list(METHODS) == names and len(METHODS) == len(names) > 20
    assert "status" in METHODS and "nope" not in METHODS and METHODS.get("nope") is None
    assert METHODS["status"] is METHODS["status"]  # read once, then kept
    assert METHODS["subscribe"].params == ()  # its callback is the connection, not a parameter
    assert METHODS["list_conversations"].param_names == ("query", "limit", "offset", "blocked")
    with pytest.raises(KeyError):
        METHODS["nope"]
