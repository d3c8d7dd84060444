"""Servers that answer one byte at a time (issue 11): one deadline bounds a whole HTTP
exchange on every bearer, and a stuck retrieval does not hold back sending."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from simagent import ME, only_message, start_agent, wait_for

from mmsua.api.shapes import SendRequest
from mmsua.codec.mms import Address, Expiry, MessageType, MmsPdu, encode_mms
from mmsua.drivers.bearers.http11 import HttpLimitExceeded
from mmsua.drivers.bearers.interface import InterfaceBearer
from mmsua.engine.agent import UserAgent
from mmsua.engine.carrier_http import CarrierHttp, PermanentHttpError, TransientHttpError
from mmsua.engine.settings import AgentSettings
from mmsua.sim.carrier import SimulatedCarrier

SLOW_HOST = "127.0.0.2"  # not the simulated MMSC's 127.0.0.1; listed in trusted_hosts where fetched


class Trickle:
    """An HTTP server that sends its answer one byte per ``pause`` seconds, for ever
    (``head``: it never finishes the header either), until it is closed."""

    def __init__(self, pause: float = 0.2, head: bool = True) -> None:
        self.pause = pause
        self.head = head
        self.sock = socket.create_server((SLOW_HOST, 0))
        self.port = self.sock.getsockname()[1]
        self.accepted = threading.Event()
        self._closed = threading.Event()
        self._server = threading.Thread(target=self._serve, daemon=True)
        self._server.start()

    @property
    def url(self) -> str:
        return f"http://{SLOW_HOST}:{self.port}/slow"

    def _serve(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        self.accepted.set()
        answer = b"HTTP/1.1 200 OK\r\nX-Slow: " if self.head else (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.wap.mms-message\r\nContent-Length: 100000\r\n\r\n")
        try:
            conn.sendall(answer)
            while not self._closed.wait(self.pause):
                conn.sendall(b"a")
        except OSError:
            pass  # the client gave up: what the test wants
        finally:
            conn.close()

    def close(self) -> None:
        self._closed.set()
        # Its accept thread ends before the descriptor is closed: one about to accept() with
        # the closed number would serve this trickle to whatever socket gets it next.
        self.sock.shutdown(socket.SHUT_RDWR)
        self._server.join()
        self.sock.close()


@pytest.fixture
def trickle() -> Iterator[Trickle]:
    server = Trickle()
    yield server
    server.close()


@pytest.fixture
def trickle_body() -> Iterator[Trickle]:
    server = Trickle(head=False)
    yield server
    server.close()


def _http(timeout: float, session_factory=None) -> CarrierHttp:  # type: ignore[no-untyped-def]
    return CarrierHttp(AgentSettings(http_timeout=30, exchange_timeout=timeout), session_factory)


@pytest.mark.parametrize("part", ["head", "body"])
def test_one_deadline_ends_an_exchange_that_trickles_on_the_hosts_network(part: str, request) -> None:  # type: ignore[no-untyped-def]
    server: Trickle = request.getfixturevalue("trickle" if part == "head" else "trickle_body")
    started = time.monotonic()
    with pytest.raises(TransientHttpError, match="did not finish within 1 s"):
        _http(1.0).get(server.url)
    assert time.monotonic() - started < 15  # the per-read timeout (30 s) never fired


def test_one_deadline_ends_an_exchange_that_trickles_on_the_interface_bearer(trickle: Trickle) -> None:
    bearer = InterfaceBearer(source_address="127.0.0.1", allowed_hosts=[SLOW_HOST])
    bearer.up()
    started = time.monotonic()
    with pytest.raises(TransientHttpError, match="did not finish within 1 s"):
        _http(1.0, bearer.session).get(trickle.url)
    assert time.monotonic() - started < 15
    bearer.down()


def test_an_answer_over_a_limit_of_the_modem_bearer_is_a_permanent_failure() -> None:
    import requests
    from requests.adapters import BaseAdapter

    class OverLimit(BaseAdapter):
        def send(self, *args: object, **kwargs: object) -> requests.Response:
            raise HttpLimitExceeded("the trailer section", 8192)

        def close(self) -> None:
            pass

    def session() -> requests.Session:
        s = requests.Session()
        s.mount("http://", OverLimit())
        return s

    with pytest.raises(PermanentHttpError, match="trailer section is over the limit"):
        _http(5.0, session).get("http://mmsc.example/m/1")


def _notification(location: str) -> bytes:
    return encode_mms(MmsPdu(
        MessageType.M_NOTIFICATION_IND, transaction_id="SLOW1", mms_version="1.2", sender=Address.phone("+15550107777"),
        message_class="personal", message_size=1000, expiry=Expiry.after(3600), content_location=location))


def test_a_retrieval_that_trickles_on_the_modem_bearer_ends_at_its_deadline(carrier: SimulatedCarrier, tmp_path: Path,
                                                                           trickle: Trickle) -> None:
    agent = start_agent(carrier, ME, tmp_path / "me.sqlite", trusted_hosts=(SLOW_HOST,), exchange_timeout=2.0,
                        http_timeout=30)
    try:
        carrier.mmsc.push(ME, _notification(trickle.url))
        wait_for("the retrieval connected to the slow server", trickle.accepted.is_set)
        held = wait_for("the notification", lambda: only_message(agent, "retrieving") or only_message(agent, "notified"))
        started = time.monotonic()
        task = wait_for("the retrieval cut at its deadline, to be retried", lambda: (
            t := agent.store.get_task("retrieve", held.id)) and t.attempts and t)
        assert "did not finish within 2 s" in (task.last_error or "")
        assert time.monotonic() - started < 20  # not the per-read timeout (30 s)
    finally:
        agent.stop()


@pytest.mark.parametrize("bearer", ["modem", "interface"])
def test_a_stuck_retrieval_does_not_hold_back_a_send(tmp_path: Path, trickle: Trickle, bearer: str) -> None:
    # modem: the serial line is shared (one AT command at a time), each exchange has its own
    # modem socket; interface: SMS over the emulated modem, HTTP over the host's loopback.
    with SimulatedCarrier(profile="quectel-eg25g", subscriber_by_address={"127.0.0.1": ME}) as carrier:
        route = {"bearer": "interface", "interface": "lo"} if bearer == "interface" else {}
        agent = start_agent(carrier, ME, tmp_path / "me.sqlite", trusted_hosts=(SLOW_HOST,), http_timeout=30, **route)
        _send_behind_a_stuck_retrieval(carrier, agent, trickle)


def _send_behind_a_stuck_retrieval(carrier: SimulatedCarrier, agent: UserAgent, trickle: Trickle) -> None:
    try:
        carrier.mmsc.push(ME, _notification(trickle.url))
        wait_for("the retrieval connected to the slow server", trickle.accepted.is_set)
        wait_for("the retrieval in flight", lambda: only_message(agent, "retrieving"))
        sent = agent.send(SendRequest(to=("+15550109999",), text="not behind the slow one", via="mms"))
        wait_for("sent while the retrieval is stuck", lambda: agent.show_message(sent.id).state == "sent")
        assert only_message(agent, "retrieving") is not None
    finally:
        agent.stop()
