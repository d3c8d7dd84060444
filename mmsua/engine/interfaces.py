"""What the engine needs of the driver side, and of whoever hears its events.

The modem link (:mod:`.modem_link`) implements :class:`SmsPort` and gives a
:class:`DataPath`; tests and a host already on the MMS network use
:class:`DirectDataPath`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import requests

    from mmsua.store.records import Message

# A message event's name and the store's record of the message (the agent makes the API shape).
Emit = Callable[[str, "Message"], None]


class SmsPort(Protocol):
    """What the engine needs of the driver's SmsService."""

    def send_pdu(self, pdu_hex: str, tpdu_length: int) -> int: ...


class DataPath(Protocol):
    """The MMS bearer: a session that reaches the MMSC, brought up on demand."""

    def session(self) -> requests.Session: ...

    def release(self) -> None: ...

    def available(self) -> bool: ...


class DirectDataPath:
    """The host's own network (tests on loopback, or an already-up interface)."""

    def session(self) -> requests.Session:
        import requests  # loaded at the first exchange, not with the engine

        return requests.Session()

    def release(self) -> None:
        pass

    def available(self) -> bool:
        return True
