"""Host names go into AT commands between quotes (AT+QIOPEN, AT+CIPOPEN...): every
vendor's socket stack refuses one that is not a host name or an IP address before any
command is written (issue 11: a Content-Location is written by whoever sent the push)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from mmsua.drivers.bearers.at_sockets import checked_host
from mmsua.drivers.bearers.base import BearerError
from mmsua.drivers.vendors import get_profile

STACKS = ["quectel", "simcom"]


class Recorder:
    """A channel that records what would be written, and writes nothing."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    def command(self, cmd: str, **kwargs: Any) -> Any:
        self.commands.append(cmd)
        raise AssertionError(f"no command may be sent: {cmd!r}")

    def command_then_urc(self, cmd: str, *args: Any, **kwargs: Any) -> Any:
        return self.command(cmd)

    def subscribe(self, *args: Any) -> Any:
        return lambda: None

    subscribe_port_gone = subscribe


@pytest.mark.parametrize("profile", STACKS)
@pytest.mark.parametrize("host", ['mmsc.example",80,0,0\r\nAT+CMGD=1,4\r\n', 'a"b', "mmsc\rexample", "mmsc example",
                                  "", "-mmsc.example", "x" * 300, "[::1]", "10.0.0.1:80"])
def test_a_host_that_is_no_host_name_never_reaches_the_modem(profile: str, host: str) -> None:
    prof = get_profile(profile)
    assert prof.sockets is not None
    channel = Recorder()
    stack = prof.sockets.load()(channel, prof, SimpleNamespace(cid=2))
    with pytest.raises(BearerError, match="not a host name or an IP address"):
        stack.open(host, 80)
    assert channel.commands == []


@pytest.mark.parametrize("host", ["mmsc.example", "MMS.Carrier-1.example.", "10.0.0.1", "2001:db8::1", "mms_gw.example"])
def test_host_names_and_addresses_pass(host: str) -> None:
    assert checked_host(host).lower() == host.lower()
