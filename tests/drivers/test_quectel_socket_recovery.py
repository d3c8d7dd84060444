"""Quectel's "socket identity has been used" (563) recovery keeps its connectId.

A daemon killed mid-exchange leaves its socket open in the modem; the next run's
AT+QIOPEN on that connectId answers 563, and the stack closes it and opens it again.
Another exchange opening a socket meanwhile (the receiving and sending queues share
the modem) must be given another connectId: on the same one both talk over one TCP
connection and each reads the other's answer (a retrieval got the M-Send.conf, seen in
tests/daemon/test_crash_safety.py).
"""

from __future__ import annotations

import logging
from types import SimpleNamespace

from mmsua.drivers.errors import CmeError
from mmsua.drivers.vendors.quectel.sockets import QuectelSockets


class ModemWithAStaleSocket:
    """Answers the first AT+QIOPEN with +CME ERROR: 563 (the earlier run's socket), then opens."""

    def __init__(self) -> None:
        self.commands: list[str] = []

    def command(self, cmd: str, **_: object) -> SimpleNamespace:
        self.commands.append(cmd)
        return SimpleNamespace(data=None)

    def command_then_urc(self, cmd: str, urc_name: str, **_: object) -> tuple[None, SimpleNamespace]:
        self.commands.append(cmd)
        link = cmd.split(",")[1]
        if sum(c.startswith("AT+QIOPEN") for c in self.commands) == 1:
            raise CmeError(563, "socket identity has been used", cmd)
        return None, SimpleNamespace(line=f"{urc_name} {link},0")

    def subscribe(self, _callback: object) -> object:
        return lambda: None

    def subscribe_port_gone(self, _callback: object) -> object:
        return lambda: None


def stack_on(channel: ModemWithAStaleSocket) -> QuectelSockets:
    profile = SimpleNamespace(timeout_for=lambda cmd: 5.0, socket_chunk=1460)
    return QuectelSockets(channel, profile, SimpleNamespace(cid=1))  # type: ignore[arg-type]


def test_an_open_during_the_563_recovery_is_given_another_socket() -> None:
    channel = ModemWithAStaleSocket()
    stack = stack_on(channel)
    given: list[int] = []

    class AnotherExchange(logging.Handler):
        """Opens a socket at the moment the recovery starts (when it logs it)."""

        def emit(self, record: logging.LogRecord) -> None:
            if "still open" in record.getMessage():
                given.append(stack._allocate())

    logger = logging.getLogger("mmsua.drivers.vendors.quectel.sockets")
    handler, level = AnotherExchange(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        link = stack.open("10.0.0.1", 80)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    assert link == 0
    assert channel.commands == ['AT+QIOPEN=1,0,"TCP","10.0.0.1",80,0,0', "AT+QICLOSE=0", 'AT+QIOPEN=1,0,"TCP","10.0.0.1",80,0,0']
    assert given == [1], f"the recovering socket's connectId was handed to another exchange: {given}"


def test_a_failed_recovery_gives_its_socket_back() -> None:
    class NeverOpens(ModemWithAStaleSocket):
        def command_then_urc(self, cmd: str, urc_name: str, **_: object) -> tuple[None, SimpleNamespace]:
            self.commands.append(cmd)
            raise CmeError(563, "socket identity has been used", cmd)

    stack = stack_on(NeverOpens())
    try:
        stack.open("10.0.0.1", 80)
    except CmeError as error:
        assert error.code == 563
    else:
        raise AssertionError("an open that never succeeds returned a socket")
    assert stack._allocate() == 0  # free again for the next exchange
