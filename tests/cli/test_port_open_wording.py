"""A port that never opened says "cannot open port X: <why in words>", once.

"is gone" is kept for a port that was open and vanished. The missing device is
real (a path that does not exist); permission cannot be denied to root, so that
case feeds the words the exception pyserial raises for EACCES.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import serial

from mmsua.drivers.at.channel import AtChannel
from mmsua.drivers.errors import PortGone, PortUnavailable


def test_a_missing_device_says_no_such_device_once(tmp_path: Path) -> None:
    port = tmp_path / "ttyUSB2"
    with pytest.raises(PortGone) as info:  # still a PortGone: callers that retry keep working
        AtChannel(str(port)).open()
    assert isinstance(info.value, PortUnavailable)
    assert str(info.value) == f"cannot open port {port}: no such device"
    assert info.value.reason == "no such device"


def test_permission_denied_says_what_to_do() -> None:
    # What pyserial's posix open raises for EACCES: the errno, and its text twice.
    raised = serial.SerialException(
        errno.EACCES, "could not open port /dev/ttyUSB2: [Errno 13] Permission denied: '/dev/ttyUSB2'")
    error = PortUnavailable.from_exception("/dev/ttyUSB2", raised)
    assert str(error) == "cannot open port /dev/ttyUSB2: permission denied (add yourself to the dialout group)"


def test_an_unknown_errno_is_named_once_in_words() -> None:
    raised = serial.SerialException(errno.EIO, f"could not open port /dev/ttyACM0: [Errno 5] {os.strerror(errno.EIO)}")
    assert str(PortUnavailable.from_exception("/dev/ttyACM0", raised)) == "cannot open port /dev/ttyACM0: input/output error"


def test_nothing_listening_on_a_socket_url(tmp_path: Path) -> None:
    import socket

    with socket.socket() as probe:  # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    with pytest.raises(PortUnavailable) as info:
        AtChannel(f"socket://127.0.0.1:{free}").open()
    assert str(info.value) == f"cannot open port socket://127.0.0.1:{free}: connection refused (nothing listens there)"

