"""`mmsua sim` as a subprocess: it says where to connect, the device and MMSC answer,
and SIGINT or SIGTERM stops it leaving no file and no process."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import serial

pytestmark = pytest.mark.timeout(180)  # the waits inside are bounded at 30-60 s each
MMSUA = Path(sys.executable).with_name("mmsua")


def _group_is_gone(pgid: int) -> bool:
    """No process is left in the process group the simulator led (any child it forked is in it)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


@contextlib.contextmanager
def _sim(temp: Path, *args: str, sigint: signal.Handlers = signal.SIG_DFL) -> Iterator[subprocess.Popen[str]]:
    """`mmsua sim ARGS` in its own process group with TMPDIR=temp; killed if the test fails.
    ``sigint``: the SIGINT disposition it starts with, whatever this test process has (a
    background job of a script, as the stress run's pytest is, inherits SIGINT ignored)."""
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([str(MMSUA), "sim", *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, sigint))
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _read_banner(proc: subprocess.Popen[str]) -> dict[str, str]:
    """The `name : value` lines up to the `try:` hint."""
    fields: dict[str, str] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("try:"):
            return fields
        name, _, value = line.partition(":")
        fields[name.strip()] = value.strip()
    raise AssertionError(f"mmsua sim ended before its banner: {fields}, rc={proc.wait()}, err={proc.stderr.read()}")


def _at(port: serial.Serial, line: bytes) -> bytes:
    port.write(line + b"\r")
    got = b""
    deadline = time.monotonic() + 30  # another process answers: a bound for a loaded machine
    while b"OK\r\n" not in got and b"ERROR" not in got:
        assert time.monotonic() < deadline, f"no final result for {line!r}: {got!r}"
        got += port.read(64)
    return got


@pytest.mark.parametrize(("sig", "sigint"), [(signal.SIGINT, signal.SIG_DFL), (signal.SIGTERM, signal.SIG_DFL),
                                            (signal.SIGINT, signal.SIG_IGN)],
                         ids=["SIGINT", "SIGTERM", "SIGINT-inherited-ignored"])
def test_mmsua_sim_prints_where_to_connect_and_stops_cleanly(tmp_path: Path, sig: signal.Signals,
                                                            sigint: signal.Handlers) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    with _sim(temp, "--profile", "generic", sigint=sigint) as proc:
        banner = _read_banner(proc)
        device = banner["serial device"].split()[0]
        assert device.startswith(str(temp)) and Path(device).exists()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/\S*", banner["MMSC"]), banner
        assert re.fullmatch(r"127\.0\.0\.1:\d+", banner["MMS proxy"]), banner
        assert banner["line rate"] == "unlimited"
        # The printed daemon line is what `mmsua daemon` takes, with the values above.
        from mmsua.cli.main import build_parser

        words = shlex.split(banner["daemon"])
        assert words[:2] == ["mmsua", "daemon"]
        from mmsua import config

        settings = config.from_args(build_parser().parse_args(words[1:]))
        assert (settings["modem.port"], settings["mms.mmsc"]) == (device, banner["MMSC"])
        assert (settings["mms.proxy"], settings["mms.apn"]) == (banner["MMS proxy"], banner["APN"])
        # The printed device is a modem any program can open; the printed MMSC answers HTTP.
        with serial.Serial(device, 115200, timeout=0.1) as port:
            assert b"OK" in _at(port, b"AT")
            assert b"OK" in _at(port, b"AT+CGMI")
        session = requests.Session()
        session.trust_env = False
        answer = session.get(banner["MMSC"], proxies={"http": "http://" + banner["MMS proxy"]}, timeout=30)
        assert answer.status_code < 500
        assert session.get(banner["MMSC"], timeout=30).status_code == 403  # the MMSC is only reached through the proxy
        proc.send_signal(sig)
        # It stops in well under a second (sigwait, then every thread ends on an event);
        # a minute is room for a loaded machine, and a sim that ignores the signal fails here.
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "simulated carrier stopped" in out
    assert "Traceback" not in err
    assert list(temp.iterdir()) == []  # carrier directory and pty link gone
    assert _group_is_gone(proc.pid)


def test_mmsua_sim_options_reach_the_carrier(tmp_path: Path) -> None:
    """--profile, --pin, --friend, --no-proxy and --number as the banner and the modem show them."""
    with _sim(tmp_path, "--profile", "simcom-sim7600", "--pin", "4321", "--friend", "--no-proxy",
              "--number", "+15550100042", "--line-rate", "20000") as proc:
        banner = _read_banner(proc)
        assert banner["modem profile"].startswith("simcom-sim7600") and "SIM7600" in banner["modem profile"]
        assert banner["own number"] == "+15550100042"
        assert banner["line rate"] == "20000 bytes/s"
        assert banner["MMS proxy"] == "none"
        assert banner["friend"].startswith("+")
        # A line to paste into another terminal: the daemon on this handset (no proxy here).
        assert banner["daemon"].startswith(f"mmsua daemon --port {banner['serial device'].split()[0]} --apn ")
        assert "--mmsc http://127.0.0.1:" in banner["daemon"] and "--proxy" not in banner["daemon"]
        assert "modem.pin" in banner["daemon"]
        with serial.Serial(banner["serial device"].split()[0], 115200, timeout=0.1) as port:
            assert b"+CPIN: SIM PIN" in _at(port, b"AT+CPIN?")
            assert b"OK" in _at(port, b'AT+CPIN="4321"')
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert list(tmp_path.iterdir()) == []


def test_mmsua_sim_personality_reaches_the_carrier(tmp_path: Path) -> None:
    """--personality 1mb: the banner names it, the MMSC's limit and the SIM are AT&T's 1 MB."""
    with _sim(tmp_path, "--personality", "1mb") as proc:
        banner = _read_banner(proc)
        assert banner["personality"].startswith("1mb") and banner["largest MMS"] == "1048576 bytes"
        assert banner["SIM"].startswith("IMSI 310410") and "SPN 'AT&T'" in banner["SIM"]
        with serial.Serial(banner["serial device"].split()[0], 115200, timeout=0.1) as port:
            assert b"310410" in _at(port, b"AT+CIMI")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err


def test_an_unknown_profile_is_a_usage_error_that_leaves_nothing(tmp_path: Path) -> None:
    from mmsua import exit_codes

    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run([str(MMSUA), "sim", "--profile", "nokia-3310"], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=env, timeout=30)
    assert done.returncode == exit_codes.USAGE, done.stdout + done.stderr
    assert "nokia-3310" in done.stderr and done.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_mmsua_sim_stops_while_a_program_holds_the_device_open(tmp_path: Path) -> None:
    with _sim(tmp_path) as proc:
        banner = _read_banner(proc)
        with serial.Serial(banner["serial device"].split()[0], 115200, timeout=0.1) as port:
            assert b"OK" in _at(port, b"AT")
            proc.send_signal(signal.SIGTERM)
            out, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
            with pytest.raises(serial.SerialException):  # the modem is gone: the holder sees a hang-up
                port.write(b"AT\r")
                port.read(64)
                port.read(64)
    assert "simulated carrier stopped" in out
    assert list(tmp_path.iterdir()) == []
