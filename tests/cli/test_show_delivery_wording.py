"""`mmsua show` on a sent message: a recipient that no delivery report will ever reach
reads "sent (no delivery report asked)", not "pending" forever.

The real engine's API (store only, no modem) behind a real Unix socket.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from mmsua import exit_codes
from mmsua.cli.main import main
from mmsua.daemon.server import ApiServer

ME, ALICE, BOB = "+15550100001", "+447700900123", "+447700900456"


@pytest.fixture
def served(tmp_path: Path):
    from mmsua.engine.agent import UserAgent
    from mmsua.engine.settings import AgentSettings

    short = Path(f"/tmp/mmsua-cli-dr-{os.getpid()}")
    short.mkdir(mode=0o700, exist_ok=True)
    agent = UserAgent(AgentSettings(store_path=str(tmp_path / "store"), own_number=ME))
    agent.start()
    server = ApiServer(agent, short / "api.sock")
    server.start()
    yield agent.store, str(short / "api.sock")
    server.stop()
    agent.stop()
    subprocess.run(["rm", "-rf", str(short)], check=False)


def sent(store, *, report: bool, state: str = "sent") -> int:
    message = store.add_message(participants=[ALICE, BOB], direction="out", kind="mms", state=state, sender=ME,
                                to=[ALICE, BOB], text="see you at 8", read=True, delivery_report_requested=report)
    store.set_recipients(message, [ALICE, BOB])
    return message


def recipient_lines(capsys: pytest.CaptureFixture[str], sock: str, message: int) -> list[str]:
    assert main(["show", str(message), "--socket", sock]) == exit_codes.OK
    # "  address: status updated-time": the time is left out here
    return [" ".join(line.split()[:-1]) if line.rstrip()[-1:] == "Z" else line.strip()
            for line in capsys.readouterr().out.splitlines() if line.startswith("  +")]


def test_no_report_asked_says_so_instead_of_pending(served, capsys: pytest.CaptureFixture[str]) -> None:
    store, sock = served
    message = sent(store, report=False)
    assert recipient_lines(capsys, sock, message) == [f"{ALICE}: sent (no delivery report asked)",
                                                      f"{BOB}: sent (no delivery report asked)"]
    assert main(["show", str(message), "--json", "--socket", sock]) == exit_codes.OK
    shown = json.loads(capsys.readouterr().out)
    assert shown["delivery_report_requested"] is False
    assert {r["status"] for r in shown["recipients"]} == {"pending"}  # the API keeps the recipient's status


def test_a_report_asked_for_stays_pending_until_it_comes(served, capsys: pytest.CaptureFixture[str]) -> None:
    store, sock = served
    message = sent(store, report=True)
    store.set_recipient_status(message, ALICE, "delivered")
    lines = recipient_lines(capsys, sock, message)
    assert lines[0].startswith(f"{ALICE}: delivered")
    assert lines[1] == f"{BOB}: pending"


def test_a_report_that_came_anyway_is_shown(served, capsys: pytest.CaptureFixture[str]) -> None:
    store, sock = served
    message = sent(store, report=False)
    store.set_recipient_status(message, BOB, "delivered")  # some carriers send one unasked
    lines = recipient_lines(capsys, sock, message)
    assert lines[0] == f"{ALICE}: sent (no delivery report asked)"
    assert lines[1].startswith(f"{BOB}: delivered")


def test_a_message_not_sent_yet_is_not_called_sent(served, capsys: pytest.CaptureFixture[str]) -> None:
    store, sock = served
    message = sent(store, report=False, state="queued")
    assert all("sent" not in line for line in recipient_lines(capsys, sock, message))
