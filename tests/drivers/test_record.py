"""record:// and `mmsua record`: a session against a (pty) modem is written as a
transcript that replays through the real AtChannel to the same answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from channel_helpers import PtyModem, replay_url

from mmsua import exit_codes
from mmsua.cli.main import main
from mmsua.cli.record import PROBE, record_url
from mmsua.drivers import transcript
from mmsua.drivers.at.channel import AtChannel
from mmsua.drivers.errors import CmeError, PortGone


def modem_answers(line: bytes) -> bytes | None:
    table = {
        b"AT": b"\r\nOK\r\n",
        b"ATI": b"\r\nQuectel\r\nEC25\r\nRevision: EC25EFAR06A10M4G\r\n\r\nOK\r\n",
        b"AT+CPIN?": b"\r\n+CME ERROR: 14\r\n",
        b"AT+CMGS=5": b"\r\n> ",
        b"0011223344\x1a": b"\r\n+CMGS: 7\r\n\r\nOK\r\n",
        b"AT+QIRD=0,4": b"\r\n+QIRD: 4\r\n\x00\r\n\xff\r\nOK\r\n",
    }
    if line in table:
        return table[line]
    return b"\r\n" + line[2:].split(b"=")[0].rstrip(b"?") + b": 0\r\n\r\nOK\r\n"


def session(ch: AtChannel) -> list[object]:
    out: list[object] = [ch.command("ATI"), ch.command("AT+CSQ")]
    with pytest.raises(CmeError) as info:
        ch.command("AT+CPIN?")
    out.append(info.value.code)
    out.append(ch.command("AT+CMGS=5", payload=b"0011223344"))
    out.append(ch.command("AT+QIRD=0,4", binary_prefix="+QIRD:"))
    out.append(ch.wait_urc('+CMTI: "SM",4', 2, since=0).line)
    return out


def test_a_recorded_session_replays_to_the_same_answers(tmp_path: Path) -> None:
    out = tmp_path / "rec.txt"
    modem = PtyModem(modem_answers)
    ch = AtChannel(record_url(modem.device, out), default_timeout=10)
    ch.open()
    modem.send(b'\r\n+CMTI: "SM",4\r\n')
    ch.wait_urc("+CMTI:", 2, since=0)
    live = session(ch)
    ch.close()
    modem.close()

    t = transcript.load(out)
    assert t.header["source"].startswith("recorded with mmsua record")
    assert t.header["port"] == modem.device
    assert b"\x1b" in t.host_bytes and b"0011223344\x1a" in t.host_bytes
    assert b"+QIRD: 4\r\n\x00\r\n\xff\r\nOK" in t.modem_bytes

    replay = AtChannel(replay_url(out), default_timeout=10)
    replay.open()
    assert session(replay) == live
    assert replay.serial.unconsumed() == []
    replay.close()


def test_record_cli_runs_the_probe_and_writes_a_replayable_transcript(tmp_path: Path, capsys) -> None:
    out = tmp_path / "probe.txt"
    modem = PtyModem(modem_answers)
    assert main(["record", "--port", modem.device, "--out", str(out), "--no-timing"]) == exit_codes.OK
    modem.close()
    printed = capsys.readouterr()
    assert "ATI: Quectel | EC25" in printed.out and "transcript written to" in printed.err
    text = out.read_text()
    assert "@ " not in text
    for cmd in PROBE:
        assert f"> {cmd}\n" in text
    with AtChannel(replay_url(out), default_timeout=10) as ch:
        for cmd in PROBE:
            try:
                ch.command(cmd)
            except CmeError:
                pass
        assert ch.serial.unconsumed() == []


def test_record_cli_refuses_to_overwrite(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x.txt"
    out.write_text("keep me")
    assert main(["record", "--port", "/dev/null-nope", "--out", str(out)]) == exit_codes.USAGE
    assert out.read_text() == "keep me"
    assert "--force" in capsys.readouterr().err


def test_record_cli_reports_a_missing_port(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x.txt"
    assert main(["record", "--port", str(tmp_path / "ttyUSB7"), "--out", str(out)]) == exit_codes.IOERR
    assert "ttyUSB7" in capsys.readouterr().err


def test_record_url_needs_an_output_file() -> None:
    with pytest.raises(PortGone) as info:
        AtChannel("record://loop://", sync_on_open=False).open()
    assert "out=FILE" in str(info.value)


def test_unplug_is_recorded(tmp_path: Path) -> None:
    out = tmp_path / "gone.txt"
    modem = PtyModem(modem_answers)
    ch = AtChannel(record_url(modem.device, out), default_timeout=10)
    ch.open()
    modem.unplug()
    with pytest.raises(PortGone):
        ch.command("AT+CSQ", timeout=30)
    ch.close()
    assert "! unplug" in out.read_text()


def test_record_wraps_doctor_and_the_recording_replays_the_same_verdict(tmp_path: Path, capsys, monkeypatch) -> None:
    """`mmsua record --port P --out F -- doctor ...`: the user's contribution path. The
    modem here is the EC25 doctor fixture; the recording then stands in for it."""
    import json

    from hwreplay import fixture_path

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # no user config.toml
    settings = ["--apn", "mms", "--mmsc", "http://mmsc.example/mms", "--proxy", "10.0.0.10:8080", "--json"]
    out = tmp_path / "contributed.txt"
    port = replay_url(fixture_path("quectel/ec25/doctor.txt"))
    assert main(["record", "--port", port, "--out", str(out), "--", "doctor", *settings]) == exit_codes.OK
    first = json.loads(capsys.readouterr().out)
    assert first["ok"] is True
    recorded = transcript.load(out)
    assert recorded.header["source"].startswith("recorded with mmsua record")
    assert main(["doctor", "--port", replay_url(out), *settings]) == exit_codes.OK
    again = json.loads(capsys.readouterr().out)
    assert [(c["name"], c["status"]) for c in again["checks"]] == [(c["name"], c["status"]) for c in first["checks"]]
