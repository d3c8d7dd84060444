"""Rules end to end: the real daemon on the simulated carrier answers, forwards, sends
pictures, stops loops and kills hung commands, and no message text reaches a shell."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from ruleshelp import PEER, script, submitted, toml_rules, wait_for

from mmsua.api.shapes import SendRequest

STATUS = """
import json, os, sys
message = json.load(sys.stdin)
with open(sys.argv[1], "w") as out:
    json.dump({"message": message, "env": {k: v for k, v in os.environ.items() if k.startswith("MMSUA_")}}, out)
print("temperature 21C, door closed")
"""


def test_status_gets_the_commands_output_back(carrier, daemons, number, tmp_path: Path) -> None:
    me = number()
    seen = tmp_path / "seen.json"
    rules = [{"name": "status", "from": PEER, "keyword": "STATUS", "run": [*script(tmp_path, "status.py", STATUS), str(seen)]}]
    daemon = daemons(me, toml_rules(rules))
    carrier.send_sms(me, "Status please", originator=PEER)
    assert wait_for(lambda: "temperature 21C, door closed" in submitted(carrier, me, PEER)), daemon.log.read_text()[-3000:]
    record = json.loads(seen.read_text())
    assert record["message"]["from"] == PEER and record["message"]["text"] == "Status please"
    assert record["env"]["MMSUA_FROM"] == PEER and record["env"]["MMSUA_RULE"] == "status"
    assert record["env"]["MMSUA_TEXT"] == "Status please" and record["env"]["MMSUA_MESSAGE_ID"] == str(record["message"]["id"])
    # A text whose first word is not the keyword, or from someone else, runs nothing.
    carrier.send_sms(me, "statuses", originator=PEER)
    carrier.send_sms(me, "STATUS", originator="+15550109999")
    client = daemon.client()
    assert wait_for(lambda: sum(1 for c in client.list_conversations() for m in client.list_messages(c.id) if m.direction == "in") == 3)
    client.close()
    log = daemon.log.read_text()
    assert "rule status: from +15550100002, keyword STATUS -> run python" in log  # the rules loaded, as the log says
    assert log.count("rule status: run exit 0") == 1 and submitted(carrier, me, "+15550109999") == []


def test_a_rule_naming_a_picture_sends_an_mms(carrier, daemons, number, tmp_path: Path) -> None:
    from PIL import Image

    me = number()
    picture = tmp_path / "door.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "JPEG")
    picture.write_bytes(buffer.getvalue())
    (tmp_path / "fake.jpg").write_text("not a picture at all")
    photo = script(tmp_path, "photo.py", f"print('the door now')\nprint('MMSUA-ATTACH: {picture}')\nprint('MMSUA-ATTACH: {tmp_path / 'fake.jpg'}')\n")
    daemon = daemons(me, toml_rules([{"name": "photo", "from": "*", "keyword": ["photo", "picture"], "run": photo}]))
    carrier.send_sms(me, "PHOTO", originator=PEER)
    assert carrier.mmsc is not None

    def sent_mms():
        return [m for m in list(carrier.mmsc.messages.values()) if m.sender == me]

    found = wait_for(sent_mms)
    assert found, daemon.log.read_text()[-3000:]
    parts = found[0].send_req.parts
    types = [p.content_type.media_type if hasattr(p.content_type, "media_type") else str(p.content_type) for p in parts]
    assert any("image/jpeg" in t for t in types), types
    assert any(b"the door now" in p.data for p in parts)
    assert [a.value for a in found[0].send_req.to] == [PEER]
    assert "not a JPEG, PNG, GIF or WebP picture" in daemon.log.read_text()  # the fake was left out, said


# Each answer names the message it answers: two identical SMS from one number within the
# same second (the SMSC's time stamp) are one SMS delivered twice to the receive path.
LOOP = """
import os
print("auto-reply to", os.environ["MMSUA_MESSAGE_ID"])
"""


def test_two_auto_repliers_stop_at_the_rate_limit(carrier, daemons, number, tmp_path: Path) -> None:
    """A answers B's every message and B answers A's: without the limit they would never stop."""
    a, b = number(), number()
    limits = "[automation]\nper_sender = 3\ntotal = 100\nwindow = 3600\n"
    replier = script(tmp_path, "away.py", LOOP)
    daemon_a = daemons(a, toml_rules([{"name": "away", "from": b, "run": replier}], limits), name="a")
    daemon_b = daemons(b, toml_rules([{"name": "away", "from": a, "run": replier}], limits), name="b")
    client_a = daemon_a.client()
    client_a.send(SendRequest(to=(b,), text="hello"))
    # B answers 3 times, A 3 times; B's 4th answer is refused and the exchange ends.
    assert wait_for(lambda: "not acting on messages from" in daemon_b.log.read_text(), timeout=120), daemon_b.log.read_text()[-3000:]

    def settled(client, count: int) -> bool:
        messages = [m for c in client.list_conversations() for m in client.list_messages(c.id)]
        return sum(m.direction == "in" for m in messages) == count and all(m.state.value == "sent" for m in messages if m.direction == "out")

    client_b = daemon_b.client()
    assert wait_for(lambda: settled(client_a, 3) and settled(client_b, 4))
    from_a, from_b = submitted(carrier, a, b), submitted(carrier, b, a)
    assert from_a[0] == "hello" and len(from_a) == 4 and len(from_b) == 3
    assert all(text.startswith("auto-reply to ") for text in from_a[1:] + from_b)
    assert "not acting on messages from" not in daemon_a.log.read_text()
    client_a.close()
    client_b.close()


HANG = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(sys.argv[1], "w") as out:
    out.write(f"{os.getpid()} {child.pid}")
time.sleep(600)
"""


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie is gone for our purpose: it was killed and waits for its parent.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except OSError:
        return True


def test_a_hung_command_is_killed_and_receiving_goes_on(carrier, daemons, number, tmp_path: Path) -> None:
    me = number()
    pids = tmp_path / "pids"
    rules = [
        {"name": "hang", "keyword": "HANG", "run": [*script(tmp_path, "hang.py", HANG), str(pids)], "timeout": 3},
        {"name": "status", "keyword": "STATUS", "run": script(tmp_path, "ok.py", "print('still here')")},
    ]
    daemon = daemons(me, toml_rules(rules))
    client = daemon.client()
    carrier.send_sms(me, "HANG", originator=PEER)
    assert wait_for(lambda: pids.exists() and pids.read_text().count(" ") == 1)
    # The command hangs; the daemon still receives and stores.
    carrier.send_sms(me, "anyone there?", originator="+15550108888")
    assert wait_for(lambda: any(m.text == "anyone there?" for c in client.list_conversations() for m in client.list_messages(c.id)))
    parent, child = (int(p) for p in pids.read_text().split())
    assert wait_for(lambda: "rule hang: run timed out after 3 s, killed" in daemon.log.read_text())
    assert wait_for(lambda: _gone(parent) and _gone(child))  # the command and what it started
    carrier.send_sms(me, "STATUS", originator=PEER)
    assert wait_for(lambda: "still here" in submitted(carrier, me, PEER))
    assert submitted(carrier, me, PEER) == ["still here"]
    client.close()


ECHO = """
import sys
print(sys.stdin.read())
"""


def test_shell_metacharacters_never_reach_a_shell(carrier, daemons, number, tmp_path: Path) -> None:
    me = number()
    trap = tmp_path / "pwned"
    text = f"STATUS $(touch {trap}); touch {trap} | sh -c 'touch {trap}' && echo ~ > {trap} `touch {trap}`"
    rules = [{"name": "echo", "keyword": "status", "input": "text", "run": [*script(tmp_path, "echo.py", ECHO), "$HOME", ";", "*"]}]
    daemon = daemons(me, toml_rules(rules))
    carrier.send_sms(me, text, originator=PEER)
    assert wait_for(lambda: text in submitted(carrier, me, PEER) or text in "".join(submitted(carrier, me, PEER))), daemon.log.read_text()[-3000:]
    assert not trap.exists()


def test_a_broken_rule_stops_the_daemon_at_start_in_one_line(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(toml_rules([{"name": "bad", "keyword": "X", "pattern": "(unclosed", "run": ["/bin/true"]}]))
    result = subprocess.run([sys.executable, "-m", "mmsua", "daemon", "--config", str(config), "--port", "/dev/null",
                             "--socket", str(tmp_path / "s.sock"), "--store", str(tmp_path / "store")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 78
    assert result.stderr.strip().splitlines() == [
        f"mmsua daemon: config file {config}: rule 1 ('bad'): pattern: not a regular expression: missing ) at position 9"]


def test_doctor_shows_the_rules_loaded(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(toml_rules([{"name": "fwd", "from": "+15550100002", "forward_to": ["+15550100003"]}]))
    result = subprocess.run([sys.executable, "-m", "mmsua", "doctor", "--json", "--config", str(config), "--port", str(tmp_path / "none")],
                            capture_output=True, text=True, timeout=60)
    checks = {c["name"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["rules"]["status"] == "ok"
    assert checks["rules"]["detail"] == "1 loaded: fwd: from +15550100002 -> forward to +15550100003"


def test_everything_from_a_number_is_forwarded_to_another(carrier, daemons, number, tmp_path: Path) -> None:
    me, boss = number(), number()
    carrier.add_handset(boss)
    daemon = daemons(me, toml_rules([{"name": "to the boss", "from": PEER, "forward_to": [boss]}]))
    carrier.send_sms(me, "the delivery is here", originator=PEER)
    carrier.send_sms(me, "not from the peer", originator="+15550106666")
    assert wait_for(lambda: submitted(carrier, me, boss) == ["the delivery is here"]), daemon.log.read_text()[-3000:]
    client = daemon.client()
    assert wait_for(lambda: any(m.text == "not from the peer" for c in client.list_conversations() for m in client.list_messages(c.id)))
    client.close()
    assert submitted(carrier, me, boss) == ["the delivery is here"]
