"""What the engine needs of the driver side, and of whoever hears its events.

A driver backend (:class:`ModemBackend`) is what the agent runs beside the engine:
the AT driver's :class:`.modem_link.ModemLink` or ModemManager's
:class:`.mm_link.ModemManagerLink`. Each hands received SMS and pushes to the
engine (``receive_sms``/``receive_text``/``receive_push``/``receive_status``), is the
engine's :class:`SmsPort`, and gives it a :class:`DataPath`; tests and a host
already on the MMS network use :class:`DirectDataPath`. Nothing in the engine
asks which backend it runs on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import requests

    from mmsua.engine.settings import AgentSettings
    from mmsua.store.records import Message

# A message event's name and the store's record of the message (the agent makes the API shape).
Emit = Callable[[str, "Message"], None]


class SmsPort(Protocol):
    """How the engine sends a text as SMS."""

    def submissions(self, address: str, text: str, *, status_report: bool) -> Iterable[Callable[[], int]]:
        """The steps that send ``text`` to ``address``, in order: each hands one submission
        to the network and returns the TP-MR its status report will name. The AT driver
        has one step per segment; ModemManager one for the whole text (it splits it
        itself and names the last segment's reference). A text that cannot be sent as SMS
        raises :class:`mmsua.codec.errors.PduError` before the first step."""
        ...


class ModemBackend(SmsPort, Protocol):
    """A driver backend as the agent runs it (the AT driver, or ModemManager)."""

    name: str  # "at" or "modemmanager": said by status logs and the doctor, never asked by the engine

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def wait_ready(self, timeout: float) -> bool: ...

    def set_settings(self, settings: AgentSettings) -> None: ...

    def sim_identity(self) -> dict[str, Any] | None:
        """imsi, spn, gid1 (hex), own_number and, when known, mnc_length; None before the SIM is read."""
        ...

    def status(self) -> dict[str, Any]:
        """modem, operator, signal, registration, data_path, modem_error, data_path_error (the Status shape's fields)."""
        ...


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
