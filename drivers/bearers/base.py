"""What every bearer offers the engine, and the bearer error type."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import requests

from ..errors import ModemError

# Bearer.state values.
DOWN = "down"
UP = "up"
ERROR = "error"


class BearerError(ModemError, requests.exceptions.ConnectionError):
    """The data path failed (also a requests ConnectionError, so HTTP callers catch it)."""

    def __init__(self, message: str) -> None:
        ModemError.__init__(self, message)
        self.request = None
        self.response = None


class ConnectionClosed(BearerError):
    """The network closed the socket before the HTTP exchange was complete."""


@runtime_checkable
class Bearer(Protocol):
    """A data path to the MMSC.

    ``up()`` brings it up (activates the MMS context, opens the stack or binds
    the interface) and raises :class:`BearerError` with a reason when it cannot;
    ``session()`` is a requests.Session whose http:// requests go through it;
    ``down()`` releases what ``up()`` took; ``state`` is "down", "up" or "error".
    """

    state: str

    def up(self) -> None: ...

    def session(self) -> requests.Session: ...

    def down(self) -> None: ...
